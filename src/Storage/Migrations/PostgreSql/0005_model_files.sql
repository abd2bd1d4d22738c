-- Model versions and their files, so that every silo can load every version. A version row is
-- written in the same transaction as its files: a listed version is complete. And the registry's
-- pointer per kind (which version is active, and the ones before it for roll-back), as JSON bytes.
CREATE TABLE osr_model_versions (
    kind        text   NOT NULL,
    version     text   NOT NULL,
    stored_utc  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, version));

CREATE TABLE osr_model_files (
    kind    text  NOT NULL,
    version text  NOT NULL,
    name    text  NOT NULL,
    content bytea NOT NULL,
    PRIMARY KEY (kind, version, name),
    FOREIGN KEY (kind, version) REFERENCES osr_model_versions (kind, version) ON DELETE CASCADE);

CREATE TABLE osr_model_pointers (
    kind        text        PRIMARY KEY,
    pointer     bytea       NOT NULL,
    updated_utc timestamptz NOT NULL);
