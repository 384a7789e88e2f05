// Package sqlstore implements vpcache.Store on SQL databases through
// database/sql: SQLite (modernc.org/sqlite, pure Go, the embedded default;
// WAL journal and a busy timeout) and PostgreSQL (github.com/jackc/pgx/v5
// stdlib driver) for deployments where several replicas share one cache, so
// that one invalidation reaches all of them.
//
// One schema, shipped as embedded migrations (migrations/<dialect>/NNNN_*.sql),
// is applied by [New] and recorded in <table>_schema_version. Table
// edc_vp_cache (configurable with [WithTable]) has the primary key
// (participant_context_id, counter_party_did, scopes_hash), an index on
// counter_party_did for invalidating a counterparty in every participant
// context, and one on expires_at for reaping. Writes are single-statement
// upserts (INSERT … ON CONFLICT DO UPDATE … RETURNING version) that bump the
// version column; compare-and-delete is DELETE … AND version = ?. Every
// value is a bound parameter; the only identifier put into SQL text is the
// table name, which must match ^[a-z_][a-z0-9_]{0,47}$.
//
// Presentations are stored as received (format and raw form), never their
// parsed form; the cache rebuilds that through its vpcache.Parser.
package sqlstore
