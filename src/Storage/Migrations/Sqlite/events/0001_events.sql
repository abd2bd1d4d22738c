-- events.db, version 1: the catalogue and interaction log, the decision log with its feedback,
-- and the rule versions. IF NOT EXISTS: a file written before versioned schemas (user_version 0,
-- same tables) is adopted as it is.
CREATE TABLE IF NOT EXISTS items (
    item_id  TEXT PRIMARY KEY NOT NULL,
    kind     INTEGER NOT NULL,
    category TEXT NOT NULL,
    tags     TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS interactions (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id  TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    action   INTEGER NOT NULL,
    ts       INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_interactions_ts ON interactions (ts);
CREATE INDEX IF NOT EXISTS ix_interactions_user_ts ON interactions (user_id, ts);
CREATE TABLE IF NOT EXISTS users (
    user_id  TEXT PRIMARY KEY NOT NULL,
    segment  TEXT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    decision_id        TEXT PRIMARY KEY NOT NULL,
    user_id            TEXT NOT NULL,
    item_id            TEXT NOT NULL,
    category           TEXT NOT NULL,
    label              TEXT NOT NULL,
    features           BLOB NOT NULL,
    decided_at         INTEGER NOT NULL,
    state_at           INTEGER NOT NULL,
    outcome            TEXT NOT NULL,
    reason             TEXT NOT NULL,
    affinity           REAL NULL,
    propensity         REAL NULL,
    raw                REAL NULL,
    osr                REAL NULL,
    threshold          REAL NULL,
    send_probability   REAL NULL,
    propensity_version TEXT NOT NULL,
    als_version        TEXT NULL,
    arm                TEXT NOT NULL,
    segment            TEXT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_decisions_outcome_decided ON decisions (outcome, decided_at, decision_id);
CREATE TABLE IF NOT EXISTS feedback (
    decision_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    action      INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    PRIMARY KEY (decision_id, action)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rules (
    version    INTEGER PRIMARY KEY NOT NULL,
    json       TEXT NOT NULL,
    changed_at INTEGER NOT NULL);
