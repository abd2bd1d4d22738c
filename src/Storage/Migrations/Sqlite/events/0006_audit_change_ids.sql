-- An entry committed with its change (in the owning grain's state) is copied to the trail by its change id;
-- a second copy of the same change (a retry after a crash) is ignored.
ALTER TABLE audit ADD COLUMN change_id TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS ux_audit_change ON audit (change_id) WHERE change_id IS NOT NULL;
