-- The catalogue and the interaction log (what ALS trains on), and users' segments.
-- Timestamps are .NET UTC ticks (100 ns since 0001-01-01), as everywhere in the stores.
CREATE TABLE osr_items (
    item_id  text     PRIMARY KEY,
    kind     smallint NOT NULL,
    category text     NOT NULL,
    tags     text     NOT NULL);

CREATE TABLE osr_interactions (
    id      bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text     NOT NULL,
    item_id text     NOT NULL,
    action  smallint NOT NULL,
    ts      bigint   NOT NULL);
CREATE INDEX ix_osr_interactions_ts ON osr_interactions (ts);
CREATE INDEX ix_osr_interactions_user_ts ON osr_interactions (user_id, ts);

CREATE TABLE osr_users (
    user_id text PRIMARY KEY,
    segment text NULL);
