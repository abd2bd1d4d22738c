-- Erasure and retention: a user's decisions and feedback are found by user id (users forget),
-- old feedback by time (the retention job).
CREATE INDEX IF NOT EXISTS ix_decisions_user ON decisions (user_id);
CREATE INDEX IF NOT EXISTS ix_feedback_user ON feedback (user_id);
CREATE INDEX IF NOT EXISTS ix_feedback_ts ON feedback (ts);
