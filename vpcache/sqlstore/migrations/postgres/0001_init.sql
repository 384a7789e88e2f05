-- vpcache schema v1 (PostgreSQL). {{table}} is replaced by the validated table name.
CREATE TABLE IF NOT EXISTS {{table}} (
    participant_context_id TEXT     NOT NULL,
    counter_party_did      TEXT     NOT NULL,
    scopes_hash            CHAR(64) NOT NULL, -- SHA-256 hex of the canonical scopes joined with U+001F
    scopes                 JSONB    NOT NULL, -- JSON array of the canonical scopes
    presentations          JSONB    NOT NULL, -- JSON array of {"format","raw"}; raw is a JSON string, kept verbatim
    cached_at              BIGINT   NOT NULL, -- epoch milliseconds
    expires_at             BIGINT   NOT NULL, -- epoch milliseconds
    version                BIGINT   NOT NULL,
    PRIMARY KEY (participant_context_id, counter_party_did, scopes_hash)
);
CREATE INDEX IF NOT EXISTS {{table}}_did_idx ON {{table}} (counter_party_did);
CREATE INDEX IF NOT EXISTS {{table}}_expires_idx ON {{table}} (expires_at);
