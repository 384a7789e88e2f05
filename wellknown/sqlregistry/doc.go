// Package sqlregistry implements wellknown.Registry on SQL databases
// through database/sql: SQLite (modernc.org/sqlite, driver "sqlite", pure
// Go, the embedded default; WAL journal, busy timeout, immediate
// transactions) and PostgreSQL (github.com/jackc/pgx/v5 stdlib driver
// "pgx") for well-known replicas sharing their registrations — the
// W-Stack's per-tenant credentials_supported table with first_seen and
// last_seen.
//
// One table, <prefix>_configurations, primary key (tenant, id, source),
// holds each plugin's canonical configuration JSON with first_seen and
// last_seen in Unix microseconds (portable types only: TEXT, BIGINT). An
// upsert is one transaction: the conflict check (another source holding
// the id with different content, seen since liveSince) and the INSERT … ON
// CONFLICT … DO UPDATE of every configuration. SQLite serialises writers
// (BEGIN IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock
// per (prefix, tenant) so that two plugins cannot both pass the check.
// Every value is a bound parameter; the only identifier in SQL text is the
// table prefix, which must match ^[a-z_][a-z0-9_]{0,40}$.
package sqlregistry
