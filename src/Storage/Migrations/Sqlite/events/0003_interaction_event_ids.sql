-- A device's own id of an interaction event ("eventId"): stored once per user and id however often it is sent.
ALTER TABLE interactions ADD COLUMN event_id TEXT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ux_interactions_event ON interactions (user_id, event_id) WHERE event_id IS NOT NULL;
