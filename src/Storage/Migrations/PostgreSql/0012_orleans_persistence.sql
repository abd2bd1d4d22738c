-- Grain state for Orleans' ADO.NET grain storage provider (Osr:Storage:Mode = AdoNet): device
-- registrations, user profiles and filter checkpoints, the throttle's sent pushes and decision
-- history, statistics.
--
-- Parameters: @ServiceId; @GrainTypeString (and its hash @GrainTypeHash); the grain key
-- @GrainIdN0, @GrainIdN1, @GrainIdExtensionString (string keys: N0 = N1 = 0 and the key in the
-- extension, NULL when the key has no string part), and its hash @GrainIdHash;
-- @GrainStateVersion (the ETag the activation holds, NULL before its first write);
-- @PayloadBinary (the state as the silo serialized it).
-- A row is identified exactly by (service_id, grain_type, n0, n1, key_ext); the hashes are not
-- needed to find it and are not stored.

CREATE TABLE orleans_storage
(
    service_id  varchar(150) NOT NULL,
    grain_type  varchar(512) NOT NULL,
    n0          bigint       NOT NULL,
    n1          bigint       NOT NULL,
    -- '' stands for "no string part", so that the key can be the primary key.
    key_ext     varchar(512) NOT NULL,
    -- NULL after a clear; the row stays so that its version keeps counting.
    payload     bytea        NULL,
    -- The ETag: 1 on the first write, +1 on every write or clear.
    version     integer      NOT NULL,
    modified_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, n0, n1, key_ext)
);

-- Zero rows (never written: the grain starts from its default state) or one row: the payload
-- (NULL when cleared) and the version, which becomes the activation's ETag.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_storage
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND n0 = @GrainIdN0 AND n1 = @GrainIdN1 AND key_ext = COALESCE(@GrainIdExtensionString, '');
$q$);

-- Write with optimistic concurrency, in one statement:
--   no row yet        -> inserted at version 1 (ETag + 1 if the activation holds an ETag for a
--                        row deleted by hand: the row is recreated, not refused);
--   row at the ETag   -> payload replaced, version + 1;
--   row at another version, or a row the activation did not know of (ETag NULL)
--                     -> nothing written.
-- Answers exactly one row, NewGrainStateVersion: the new version when written, else the ETag
-- sent (NULL when none). The provider reads an unchanged (or empty) ETag as a conflict and
-- throws InconsistentStateException. Concurrent writers of one row serialize on its lock; the
-- loser's WHERE is re-checked against the winner's version and fails.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', $q$
WITH written AS (
    INSERT INTO orleans_storage AS s (service_id, grain_type, n0, n1, key_ext, payload, version)
    VALUES (@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''),
            @PayloadBinary, COALESCE(@GrainStateVersion + 1, 1))
    ON CONFLICT (service_id, grain_type, n0, n1, key_ext) DO UPDATE
        SET payload = excluded.payload, version = s.version + 1, modified_at = now()
        WHERE s.version = @GrainStateVersion
    RETURNING version)
SELECT COALESCE((SELECT version FROM written), @GrainStateVersion) AS "NewGrainStateVersion";
$q$);

-- Clear: the payload goes, the row and its version stay (version + 1), under the same ETag
-- rule. Answers one row: the new version, or the ETag sent when it did not match.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE orleans_storage
    SET payload = NULL, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND n0 = @GrainIdN0 AND n1 = @GrainIdN1 AND key_ext = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version)
SELECT COALESCE((SELECT version FROM cleared), @GrainStateVersion) AS "NewGrainStateVersion";
$q$);
