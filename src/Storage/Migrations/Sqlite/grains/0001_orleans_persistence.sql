-- Orleans grain state in the embedded SQLite file {Osr:Data:Path}/grains.db, for Orleans'
-- ADO.NET grain storage provider (Microsoft.Orleans.Persistence.AdoNet 10.4.2, invariant
-- "System.Data.SQLite", which that provider serves with Microsoft.Data.Sqlite).
--
-- The provider runs no SQL of its own: at start it reads the three named queries below from
-- OrleansQuery and binds these parameters to them:
--   @ServiceId            the cluster's service id
--   @GrainTypeString      the grain type, @GrainTypeHash its hash
--   @GrainIdN0, @GrainIdN1, @GrainIdExtensionString
--                         the grain key (string keys: N0 = N1 = 0 and the key in the
--                         extension string; NULL when the key has no string part),
--                         @GrainIdHash its hash
--   @GrainStateVersion    the ETag the activation holds (NULL before its first write)
--   @PayloadBinary        the state, serialized (the silo configures Orleans' binary serializer)
-- A row is identified exactly by (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1,
-- GrainIdExtensionString); the hashes are not needed to find it and are not stored.

CREATE TABLE OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

CREATE TABLE OrleansStorage
(
    ServiceId              TEXT    NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    -- '' stands for "no string part" so that the key can be a primary key (NULLs are all distinct).
    GrainIdExtensionString TEXT    NOT NULL,
    -- NULL after ClearStateAsync: the row stays so that its version keeps counting.
    PayloadBinary          BLOB    NULL,
    -- The ETag: 1 on the first write, +1 on every write or clear.
    Version                INTEGER NOT NULL,
    ModifiedOn             TEXT    NOT NULL,
    PRIMARY KEY (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString)
) WITHOUT ROWID;

-- Read: zero rows (never written: the grain starts from its default state) or one row with
-- the payload (NULL when cleared) and its version, which becomes the activation's ETag.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE ServiceId = @ServiceId
  AND GrainTypeString = @GrainTypeString
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''');
');

-- Write with optimistic concurrency, in one upsert (SQLite has a single writer, so it is atomic):
--   no row yet          -> inserted with version 1 (or ETag + 1 if the activation holds one for a
--                          row that was deleted by hand: the row is recreated, not refused);
--   row at the ETag     -> payload replaced, version + 1;
--   row at another version, or a row the activation did not know of (ETag NULL)
--                       -> nothing written.
-- It answers exactly one row, NewGrainStateVersion: the new version when written, else the ETag
-- the activation sent (NULL when it had none). The provider reads "ETag unchanged" (or empty) as
-- a conflict and throws InconsistentStateException. changes() is per connection, so another
-- writer cannot disturb it.
-- PRAGMA synchronous = NORMAL: the provider opens its own pooled connections, so the write sets
-- it itself (per connection, idempotent, costs nothing). With the WAL journal a committed write
-- then survives a crash of the silo process; only an OS crash or power loss can lose the last
-- commits (docs/decisions.md, "Durable grain state").
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
PRAGMA synchronous = NORMAL;
INSERT INTO OrleansStorage (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString, PayloadBinary, Version, ModifiedOn)
VALUES (@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''''), @PayloadBinary,
        COALESCE(@GrainStateVersion + 1, 1), strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''))
ON CONFLICT (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString) DO UPDATE
    SET PayloadBinary = excluded.PayloadBinary,
        Version = OrleansStorage.Version + 1,
        ModifiedOn = excluded.ModifiedOn
    WHERE OrleansStorage.Version = @GrainStateVersion;
SELECT CASE WHEN changes() > 0 THEN COALESCE(@GrainStateVersion + 1, 1) ELSE @GrainStateVersion END AS NewGrainStateVersion;
');

-- Clear: the payload goes, the row and its version stay (version + 1), under the same ETag rule.
-- Answers one row: the new version, or the ETag sent when it did not match (a conflict).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL,
    Version = Version + 1,
    ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
WHERE ServiceId = @ServiceId
  AND GrainTypeString = @GrainTypeString
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND Version = @GrainStateVersion;
SELECT CASE WHEN changes() > 0 THEN @GrainStateVersion + 1 ELSE @GrainStateVersion END AS NewGrainStateVersion;
');
