-- Erasure: a cleared grain state leaves no row (the provider runs with DeleteStateOnClear), so a
-- forgotten user's or device's id is not kept as a key. Same ETag rule as the clear: answers the
-- new version, or the ETag sent when it did not match.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', $q$
WITH deleted AS (
    DELETE FROM orleans_storage
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND n0 = @GrainIdN0 AND n1 = @GrainIdN1 AND key_ext = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version)
SELECT COALESCE((SELECT version + 1 FROM deleted), @GrainStateVersion) AS "NewGrainStateVersion";
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
