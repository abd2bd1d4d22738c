-- Every decision (sent or suppressed) in time order: what off-policy evaluation reads.
CREATE INDEX IF NOT EXISTS ix_decisions_decided ON decisions (decided_at, decision_id);
