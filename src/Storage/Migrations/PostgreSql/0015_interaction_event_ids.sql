-- A device's own id of an interaction event ("eventId"): stored once per user and id however often it is sent.
ALTER TABLE osr_interactions ADD COLUMN IF NOT EXISTS event_id text NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ux_osr_interactions_event ON osr_interactions (user_id, event_id) WHERE event_id IS NOT NULL;
