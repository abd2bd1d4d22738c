-- The decision log (every decision with its decomposition and the features at decision time)
-- and the feedback joined to it: what propensity training reads. A decision id is stored once,
-- a feedback action once per decision (primary keys; inserts use ON CONFLICT DO NOTHING).
-- Scores are float8, which holds NaN (= unknown) as it is; features are little-endian IEEE 754
-- doubles, 8 bytes each, so every bit pattern survives.
CREATE TABLE osr_decisions (
    decision_id        text   PRIMARY KEY,
    user_id            text   NOT NULL,
    item_id            text   NOT NULL,
    category           text   NOT NULL,
    label              text   NOT NULL,
    features           bytea  NOT NULL,
    decided_at         bigint NOT NULL,
    state_at           bigint NOT NULL,
    outcome            text   NOT NULL,
    reason             text   NOT NULL,
    affinity           float8 NOT NULL,
    propensity         float8 NOT NULL,
    raw                float8 NOT NULL,
    osr                float8 NOT NULL,
    threshold          float8 NOT NULL,
    send_probability   float8 NOT NULL,
    propensity_version text   NOT NULL,
    als_version        text   NULL,
    arm                text   NOT NULL,
    segment            text   NULL);
CREATE INDEX ix_osr_decisions_outcome_decided ON osr_decisions (outcome, decided_at, decision_id);

CREATE TABLE osr_feedback (
    decision_id text     NOT NULL,
    user_id     text     NOT NULL,
    action      smallint NOT NULL,
    ts          bigint   NOT NULL,
    PRIMARY KEY (decision_id, action));
