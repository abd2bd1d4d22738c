-- Every version of the throttle's rule set, as JSON (stored once per version).
CREATE TABLE osr_rules (
    version    bigint PRIMARY KEY,
    json       text   NOT NULL,
    changed_at bigint NOT NULL);
