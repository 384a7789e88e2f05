package sqlregistry

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	// Drivers: "sqlite" (modernc.org/sqlite) and "pgx" (pgx stdlib).
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/ocmw/wstack/internal/sqlitex"
	"github.com/ocmw/wstack/wellknown"
)

// Dialect is the SQL dialect of a database.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// String returns the dialect name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "unknown"
}

// ErrMigration: creating the schema failed.
var ErrMigration = errors.New("sqlregistry: migration failed")

// DefaultPrefix is the default table prefix.
const DefaultPrefix = "wellknown"

// DefaultBusyTimeout is the SQLite busy timeout set by OpenSQLite.
const DefaultBusyTimeout = 10 * time.Second

var prefixRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,40}$`)

// Option configures a Registry.
type Option func(*Registry)

// WithTablePrefix sets the table prefix (default "wellknown"; table
// <prefix>_configurations).
func WithTablePrefix(p string) Option { return func(r *Registry) { r.prefix = p } }

// Registry is a wellknown.Registry on SQL.
type Registry struct {
	db      *sql.DB
	dialect Dialect
	prefix  string
	q       queries
}

type queries struct{ lock, conflicts, upsert, list, expire string }

var _ wellknown.Registry = (*Registry)(nil)

// New creates the schema if needed and returns a registry on db.
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts ...Option) (*Registry, error) {
	r := &Registry{db: db, dialect: dialect, prefix: DefaultPrefix}
	for _, o := range opts {
		o(r)
	}
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("%w: dialect %d", wellknown.ErrConfig, dialect)
	}
	if !prefixRE.MatchString(r.prefix) {
		return nil, fmt.Errorf("%w: table prefix %q", wellknown.ErrConfig, r.prefix)
	}
	for _, stmt := range Schema(r.prefix) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMigration, err)
		}
	}
	T := r.prefix + "_configurations"
	r.q = queries{
		lock:      `SELECT pg_advisory_xact_lock(hashtext($1))`,
		conflicts: `SELECT source, configuration FROM ` + T + ` WHERE tenant = $1 AND id = $2 AND source <> $3 AND last_seen >= $4 ORDER BY source`,
		upsert: `INSERT INTO ` + T + ` (tenant, id, source, configuration, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (tenant, id, source) DO UPDATE SET configuration = excluded.configuration, last_seen = excluded.last_seen`,
		list:   `SELECT id, source, configuration, first_seen, last_seen FROM ` + T + ` WHERE tenant = $1 AND last_seen >= $2 ORDER BY id, source`,
		expire: `DELETE FROM ` + T + ` WHERE last_seen < $1`,
	}
	return r, nil
}

// Schema returns the DDL statements for a table prefix: the same text for
// SQLite and PostgreSQL.
func Schema(prefix string) []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + prefix + `_configurations (
	tenant        TEXT   NOT NULL,
	id            TEXT   NOT NULL,
	source        TEXT   NOT NULL,
	configuration TEXT   NOT NULL,
	first_seen    BIGINT NOT NULL,
	last_seen     BIGINT NOT NULL,
	PRIMARY KEY (tenant, id, source)
)`,
		`CREATE INDEX IF NOT EXISTS ` + prefix + `_configurations_seen ON ` + prefix + `_configurations (last_seen)`,
	}
}

// OpenSQLite opens (creating if needed) an SQLite database file with WAL,
// a busy timeout and immediate transactions, and returns a registry on it.
func OpenSQLite(ctx context.Context, filePath string, opts ...Option) (*Registry, error) {
	if filePath == "" || strings.ContainsAny(filePath, "?#") {
		return nil, fmt.Errorf("%w: sqlite path %q", wellknown.ErrConfig, filePath)
	}
	db, err := sql.Open("sqlite", sqlitex.DSN(filePath, DefaultBusyTimeout))
	if err != nil {
		return nil, err
	}
	if filePath == ":memory:" {
		db.SetMaxOpenConns(1) // every connection would get its own database
	}
	r, err := New(ctx, db, SQLite, opts...)
	if err != nil {
		db.Close()
		return nil, err
	}
	return r, nil
}

// OpenPostgres opens a PostgreSQL database through the pgx stdlib driver.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Registry, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	r, err := New(ctx, db, Postgres, opts...)
	if err != nil {
		db.Close()
		return nil, err
	}
	return r, nil
}

// DB returns the database handle.
func (r *Registry) DB() *sql.DB { return r.db }

// Close closes the database handle.
func (r *Registry) Close() error { return r.db.Close() }

func micros(t time.Time) int64 { return t.UnixMicro() }

// Upsert implements wellknown.Registry.
func (r *Registry) Upsert(ctx context.Context, reg wellknown.Registration, liveSince time.Time) (err error) {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if r.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, r.q.lock, r.prefix+"/"+reg.Tenant); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(reg.Configurations))
	for id := range reg.Configurations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := r.checkConflict(ctx, tx, reg, id, liveSince); err != nil {
			return err
		}
	}
	seen := micros(reg.Seen)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, r.q.upsert, reg.Tenant, id, reg.Source, string(reg.Configurations[id]), seen); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (r *Registry) checkConflict(ctx context.Context, tx *sql.Tx, reg wellknown.Registration, id string, liveSince time.Time) error {
	rows, err := tx.QueryContext(ctx, r.q.conflicts, reg.Tenant, id, reg.Source, micros(liveSince))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var src, cfg string
		if err := rows.Scan(&src, &cfg); err != nil {
			return err
		}
		if !bytes.Equal([]byte(cfg), reg.Configurations[id]) {
			return &wellknown.ConflictError{Tenant: reg.Tenant, ID: id, Source: reg.Source, Holder: src}
		}
	}
	return rows.Err()
}

// List implements wellknown.Registry.
func (r *Registry) List(ctx context.Context, tenant string, seenSince time.Time) ([]wellknown.Record, error) {
	rows, err := r.db.QueryContext(ctx, r.q.list, tenant, micros(seenSince))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wellknown.Record
	for rows.Next() {
		rec := wellknown.Record{Tenant: tenant}
		var cfg string
		var first, last int64
		if err := rows.Scan(&rec.ID, &rec.Source, &cfg, &first, &last); err != nil {
			return nil, err
		}
		rec.Configuration = []byte(cfg)
		rec.FirstSeen, rec.LastSeen = time.UnixMicro(first).UTC(), time.UnixMicro(last).UTC()
		out = append(out, rec)
	}
	return out, rows.Err()
}

// Expire implements wellknown.Registry.
func (r *Registry) Expire(ctx context.Context, notSeenSince time.Time) (int, error) {
	res, err := r.db.ExecContext(ctx, r.q.expire, micros(notSeenSince))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
