-- The audit trail of admin changes (osr-admin audit show): who, when, what, before and after as JSON.
-- user_id is the user a change concerns (users forget erases those rows); at is UTC ticks.
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    who     TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    user_id TEXT,
    before  TEXT,
    after   TEXT);
CREATE INDEX IF NOT EXISTS ix_audit_at ON audit (at);
CREATE INDEX IF NOT EXISTS ix_audit_user ON audit (user_id);
