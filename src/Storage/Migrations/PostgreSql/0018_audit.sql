-- The audit trail of admin changes (osr-admin audit show): who, when, what, before and after as JSON.
-- user_id is the user a change concerns (users forget erases those rows); at is UTC ticks.
CREATE TABLE IF NOT EXISTS osr_audit (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      bigint NOT NULL,
    who     text   NOT NULL,
    action  text   NOT NULL,
    target  text   NOT NULL,
    user_id text,
    before  text,
    after   text);
CREATE INDEX IF NOT EXISTS ix_osr_audit_at ON osr_audit (at);
CREATE INDEX IF NOT EXISTS ix_osr_audit_user ON osr_audit (user_id);
