-- Erasure and retention: a user's decisions and feedback are found by user id (users forget),
-- old feedback by time (the retention job).
CREATE INDEX IF NOT EXISTS ix_osr_decisions_user ON osr_decisions (user_id);
CREATE INDEX IF NOT EXISTS ix_osr_feedback_user ON osr_feedback (user_id);
CREATE INDEX IF NOT EXISTS ix_osr_feedback_ts ON osr_feedback (ts);
