-- outbox.db, version 1: one row per (notification, webhook URL), and the notification ids
-- handed to MQTT. IF NOT EXISTS: a file written before versioned schemas is adopted as it is.
CREATE TABLE IF NOT EXISTS outbox (
    notification_id TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    deliver_by      INTEGER NOT NULL,
    next_attempt    INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    state           INTEGER NOT NULL,
    created         INTEGER NOT NULL,
    finished        INTEGER NULL,
    last_status     INTEGER NULL,
    last_error      TEXT    NULL,
    PRIMARY KEY (notification_id, url)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_outbox_due ON outbox (state, next_attempt);
CREATE TABLE IF NOT EXISTS published (
    notification_id TEXT    PRIMARY KEY NOT NULL,
    at              INTEGER NOT NULL) WITHOUT ROWID;
