-- Every decision (sent or suppressed) in time order: what off-policy evaluation reads.
CREATE INDEX IF NOT EXISTS ix_osr_decisions_decided ON osr_decisions (decided_at, decision_id COLLATE "C");
