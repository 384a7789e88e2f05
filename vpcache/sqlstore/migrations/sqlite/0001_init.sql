-- vpcache schema v1 (SQLite). {{table}} is replaced by the validated table name.
CREATE TABLE IF NOT EXISTS {{table}} (
    participant_context_id TEXT    NOT NULL,
    counter_party_did      TEXT    NOT NULL,
    scopes_hash            TEXT    NOT NULL,  -- SHA-256 hex of the canonical scopes joined with U+001F
    scopes                 TEXT    NOT NULL,  -- JSON array of the canonical scopes
    presentations          TEXT    NOT NULL,  -- JSON array of {"format","raw"}
    cached_at              INTEGER NOT NULL,  -- epoch milliseconds
    expires_at             INTEGER NOT NULL,  -- epoch milliseconds
    version                INTEGER NOT NULL,
    PRIMARY KEY (participant_context_id, counter_party_did, scopes_hash)
);
CREATE INDEX IF NOT EXISTS {{table}}_did_idx ON {{table}} (counter_party_did);
CREATE INDEX IF NOT EXISTS {{table}}_expires_idx ON {{table}} (expires_at);
