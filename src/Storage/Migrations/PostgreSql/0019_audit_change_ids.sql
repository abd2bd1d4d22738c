-- An entry committed with its change (in the owning grain's state) is copied to the trail by its change id;
-- a second copy of the same change (a retry after a crash) is ignored.
ALTER TABLE osr_audit ADD COLUMN IF NOT EXISTS change_id text;
CREATE UNIQUE INDEX IF NOT EXISTS ux_osr_audit_change ON osr_audit (change_id) WHERE change_id IS NOT NULL;
