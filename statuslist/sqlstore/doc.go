// Package sqlstore implements statuslist.Store on SQL databases through
// database/sql: SQLite (modernc.org/sqlite, driver "sqlite", pure Go, the
// embedded default; WAL journal, busy timeout, immediate transactions, one
// writer connection, a read-only pool for reads and WAL checkpoints in the
// background) and
// PostgreSQL (github.com/jackc/pgx/v5 stdlib driver "pgx") for deployments
// where several issuer replicas share one set of lists.
//
// One schema serves both databases (only portable types: TEXT, INTEGER,
// BIGINT): <prefix>_lists holds one row per list with its configuration,
// secret permutation key (hex), allocation counter and version;
// <prefix>_entries holds the non-zero statuses. Allocation is one UPDATE …
// SET allocated = allocated + 1 … WHERE allocated < capacity RETURNING …, so
// the database serialises concurrent callers on the list row and no
// sequence number is returned twice. A status change is one transaction:
// bump the list version (locking the list row) and upsert the entry with
// ON CONFLICT … DO UPDATE … WHERE the stored status is not final, so a
// revocation can never be undone by a racing writer. Every value is a bound
// parameter; the only identifier in SQL text is the table prefix, which
// must match ^[a-z_][a-z0-9_]{0,40}$.
package sqlstore
