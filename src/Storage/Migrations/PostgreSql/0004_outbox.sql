-- The webhook outbox: one row per (notification, webhook URL), state 0 pending, 1 delivered,
-- 2 failed, 3 expired; and the notification ids already handed to MQTT. Shared by every silo:
-- a delivery loop claims due rows (FOR UPDATE SKIP LOCKED, next_attempt moved to a lease).
CREATE TABLE osr_outbox (
    notification_id text     NOT NULL,
    url             text     NOT NULL,
    body            bytea    NOT NULL,
    deliver_by      bigint   NOT NULL,
    next_attempt    bigint   NOT NULL,
    attempts        integer  NOT NULL,
    state           smallint NOT NULL,
    created         bigint   NOT NULL,
    finished        bigint   NULL,
    last_status     integer  NULL,
    last_error      text     NULL,
    PRIMARY KEY (notification_id, url));
CREATE INDEX ix_osr_outbox_due ON osr_outbox (next_attempt) WHERE state = 0;
CREATE INDEX ix_osr_outbox_finished ON osr_outbox (finished) WHERE state <> 0;

CREATE TABLE osr_published (
    notification_id text   PRIMARY KEY,
    at              bigint NOT NULL);
CREATE INDEX ix_osr_published_at ON osr_published (at);
