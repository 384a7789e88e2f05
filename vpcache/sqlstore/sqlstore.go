package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	// Drivers: "sqlite" (modernc.org/sqlite) and "pgx" (pgx stdlib).

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/ocmw/wstack/internal/sqlitex"
	"github.com/ocmw/wstack/vpcache"
)

//go:embed migrations
var migrationsFS embed.FS

// Dialect is the SQL dialect of a database.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// String returns "sqlite" or "postgres" (the migrations directory name).
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "unknown"
}

// Errors.
var (
	// ErrConfig: invalid table name, dialect or DSN.
	ErrConfig = fmt.Errorf("sqlstore: %w", vpcache.ErrConfig)
	// ErrMigration: applying the schema failed.
	ErrMigration = errors.New("sqlstore: migration failed")
)

var tableRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,47}$`)

// DefaultBusyTimeout is the SQLite busy timeout set by [OpenSQLite].
const DefaultBusyTimeout = 5 * time.Second

type options struct {
	table    string
	maxConns int
	notify   bool
}

// WithNotify makes a PostgreSQL store announce every write and delete on
// the channel <table>_changes (NOTIFY, sent in the same statement, so only
// committed changes are announced), for [Store.Listen] in other replicas.
// New fails with ErrConfig for SQLite.
func WithNotify() Option { return func(o *options) { o.notify = true } }

// Default numbers of connections of the stores OpenSQLite and
// OpenPostgres open. Idle connections are kept up to the same number, so a
// busy cache does not reconnect per query. For SQLite this is one writer
// and DefaultSQLiteConns-1 read-only readers (see [OpenSQLite]): the
// pure-Go driver is CPU-bound, and in the concurrent benchmark on two
// cores one reader gave more throughput than three.
const (
	DefaultSQLiteConns   = 2
	DefaultPostgresConns = 10
)

// WithMaxOpenConns sets the number of connections of a store opened by
// [OpenSQLite] (one writer and n-1 readers; n = 1 reads on the writer) or
// [OpenPostgres] (the pool size); it is ignored by [New], whose caller owns
// the pool. n <= 0 keeps the default.
func WithMaxOpenConns(n int) Option { return func(o *options) { o.maxConns = n } }

func poolSize(opts []Option, def int) int {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxConns > 0 {
		return o.maxConns
	}
	return def
}

// Option configures a [Store].
type Option func(*options)

// WithTable sets the table name (default vpcache.DefaultTable,
// "edc_vp_cache"). It must match ^[a-z_][a-z0-9_]{0,47}$; for PostgreSQL
// select a schema through the DSN's search_path.
func WithTable(name string) Option { return func(o *options) { o.table = name } }

// Store is a vpcache.Store on an SQL database.
type Store struct {
	db      *sql.DB         // writes, and reads unless rdb is separate
	rdb     *sql.DB         // reads: db, or the read-only pool of OpenSQLite
	wr      *sqlitex.Writer // db with its WAL checkpointer (OpenSQLite)
	dialect Dialect
	table   string
	owned   bool
	q       queries
	st      stmts // SQLite: the queries, prepared once
	notify  bool
}
type queries struct {
	get, put                                           string
	delKey, delVersion, delCP, delCPAll, delPC, delExp string
}

// stmts are the SQLite queries prepared once: get on the read pool, the
// others on the writer. (PostgreSQL is left to pgx's per-connection
// statement cache.)
type stmts struct {
	get, put                                           *sql.Stmt
	delKey, delVersion, delCP, delCPAll, delPC, delExp *sql.Stmt
}

func (st *stmts) all() []**sql.Stmt {
	return []**sql.Stmt{&st.get, &st.put, &st.delKey, &st.delVersion, &st.delCP, &st.delCPAll, &st.delPC, &st.delExp}
}

// prepare prepares the SQLite statements: get on rdb, the writes on db.
func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst **sql.Stmt
		db  *sql.DB
		q   string
	}{
		{&s.st.get, s.rdb, s.q.get}, {&s.st.put, s.db, s.q.put},
		{&s.st.delKey, s.db, s.q.delKey}, {&s.st.delVersion, s.db, s.q.delVersion},
		{&s.st.delCP, s.db, s.q.delCP}, {&s.st.delCPAll, s.db, s.q.delCPAll},
		{&s.st.delPC, s.db, s.q.delPC}, {&s.st.delExp, s.db, s.q.delExp},
	} {
		st, err := p.db.PrepareContext(ctx, p.q)
		if err != nil {
			s.closeStmts()
			return wrap(err)
		}
		*p.dst = st
	}
	return nil
}

func (s *Store) closeStmts() {
	for _, p := range s.st.all() {
		if *p != nil {
			_ = (*p).Close()
			*p = nil
		}
	}
}

// New returns a store on db (opened with driver "sqlite" or "pgx") and
// applies the embedded migrations. The caller keeps ownership of db. On
// SQLite the store prepares its statements on db once; open db with
// _txlock=immediate and, to keep writers out of SQLite's busy handler, one
// connection (as [OpenSQLite] does).
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	s, err := newStore(db, dialect, opts)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	if dialect == SQLite {
		if err := s.prepare(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// newStore checks the options and returns a store that has neither
// migrated nor prepared anything.
func newStore(db *sql.DB, dialect Dialect, opts []Option) (*Store, error) {
	o := options{table: vpcache.DefaultTable}
	for _, opt := range opts {
		opt(&o)
	}
	if !tableRE.MatchString(o.table) {
		return nil, fmt.Errorf("%w: table name %q", ErrConfig, o.table)
	}
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("%w: unknown dialect", ErrConfig)
	}
	if db == nil {
		return nil, fmt.Errorf("%w: nil db", ErrConfig)
	}
	if o.notify && dialect != Postgres {
		return nil, fmt.Errorf("%w: WithNotify needs PostgreSQL", ErrConfig)
	}
	return &Store{db: db, rdb: db, dialect: dialect, table: o.table, notify: o.notify,
		q: buildQueries(dialect, o.table)}, nil
}

// OpenSQLite opens (creating if needed) the SQLite database file at path
// with WAL journaling, a 5 s busy timeout and immediate write transactions,
// and returns a store that owns it. The path must not contain '?', '#' or '%'
// (it is used in a file: URI).
//
// Writes go through one connection: SQLite admits one writer at a time,
// and writers on several connections of one process collide and wait in
// SQLite's busy handler, which sleeps 1, 2, 5 … 100 ms; on one connection
// they queue in Go instead. Get reads through a separate pool of
// read-only connections (WAL readers neither block nor wait for the
// writer), so that the store holds [DefaultSQLiteConns] connections in
// all, or n with [WithMaxOpenConns](n); n = 1 (and ":memory:", where every
// connection would get its own database) serves reads on the writer.
// WAL checkpoints run in the background on one more connection
// (sqlitex.Checkpointer, every 100 ms), not in the commits of the writer:
// in BenchmarkConcurrentMixSQLite that took the p99 latency from 14–15 ms
// to 5–6 ms and the longest operation from 43–47 ms to 29–30 ms, at
// 25 % more operations per second (p50 +10–20 %). Statements are
// prepared once. The busy timeout still covers other processes sharing
// the file.
func OpenSQLite(ctx context.Context, filePath string, opts ...Option) (*Store, error) {
	if filePath == "" || strings.ContainsAny(filePath, "?#%") {
		return nil, fmt.Errorf("%w: SQLite path must be non-empty without '?', '#' or '%%'", ErrConfig)
	}
	wr, err := sqlitex.OpenWriter(filePath, DefaultBusyTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s, err := newStore(wr.DB, SQLite, opts)
	if err != nil {
		_ = wr.Close()
		return nil, err
	}
	s.owned, s.wr = true, wr
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if readers := poolSize(opts, DefaultSQLiteConns) - 1; readers > 0 && filePath != ":memory:" {
		// Opened after the migration: the file exists and is in WAL mode.
		rdb, err := sqlitex.OpenReaders(filePath, DefaultBusyTimeout, readers)
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		s.rdb = rdb
	}
	if err := s.prepare(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// OpenPostgres connects to PostgreSQL through the pgx stdlib driver and
// returns a store that owns the connection pool.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	if dsn == "" {
		return nil, fmt.Errorf("%w: empty PostgreSQL DSN", ErrConfig)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	n := poolSize(opts, DefaultPostgresConns)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: %w", vpcache.ErrStore, err)
	}
	s, err := New(ctx, db, Postgres, opts...)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Open returns the store a vpcache.Config names: a vpcache.MemoryStore
// bounded by cfg.MaxEntries and cfg.MaxEntriesPerContext, or an SQLite or
// PostgreSQL store on cfg.DSN with table cfg.Table. With cfg.L1TTL > 0 the
// PostgreSQL store announces changes ([WithNotify]) and is wrapped in a
// vpcache.TieredStore whose L1 a background [Store.Listen] keeps coherent.
// The returned close function stops the listener and releases the database.
func Open(ctx context.Context, cfg vpcache.Config) (vpcache.Store, func() error, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	var opts []Option
	if cfg.Table != "" {
		opts = append(opts, WithTable(cfg.Table))
	}
	switch cfg.Backend {
	case vpcache.BackendSQLite:
		s, err := OpenSQLite(ctx, cfg.DSN, opts...)
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	case vpcache.BackendPostgres:
		if cfg.L1TTL > 0 {
			return openTiered(ctx, cfg, opts)
		}
		s, err := OpenPostgres(ctx, cfg.DSN, opts...)
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	default:
		return vpcache.NewMemoryStore(vpcache.WithMaxEntries(cfg.MaxEntries), vpcache.WithMaxEntriesPerContext(cfg.MaxEntriesPerContext)),
			func() error { return nil }, nil
	}
}

// DB returns the underlying database (for a store opened by [OpenSQLite],
// the writer connection).
func (s *Store) DB() *sql.DB { return s.db }

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// Close closes the prepared statements, and the database if the store
// opened it.
func (s *Store) Close() error {
	s.closeStmts()
	if !s.owned {
		return nil
	}
	var err error
	if s.rdb != s.db {
		err = s.rdb.Close()
	}
	if s.wr != nil {
		return errors.Join(err, s.wr.Close())
	}
	return errors.Join(err, s.db.Close())
}

func buildQueries(d Dialect, table string) queries {
	n := 0
	p := func() string { // placeholder
		n++
		if d == Postgres {
			return "$" + strconv.Itoa(n)
		}
		return "?"
	}
	jsonParam := func() string {
		if d == Postgres {
			return "CAST(" + p() + " AS JSONB)"
		}
		return p()
	}
	reset := func() { n = 0 }
	var q queries
	where := func() string {
		return "participant_context_id = " + p() + " AND counter_party_did = " + p() + " AND scopes_hash = " + p()
	}
	scopesCol, presCol := "scopes", "presentations"
	if d == Postgres {
		scopesCol, presCol = "scopes::text", "presentations::text"
	}
	reset()
	q.get = "SELECT " + scopesCol + ", " + presCol + ", cached_at, expires_at, version FROM " + table + " WHERE " + where()
	reset()
	q.put = "INSERT INTO " + table + " (participant_context_id, counter_party_did, scopes_hash, scopes, presentations, cached_at, expires_at, version) VALUES (" +
		p() + ", " + p() + ", " + p() + ", " + jsonParam() + ", " + jsonParam() + ", " + p() + ", " + p() + ", " + p() + ")" +
		" ON CONFLICT (participant_context_id, counter_party_did, scopes_hash) DO UPDATE SET" +
		" scopes = excluded.scopes, presentations = excluded.presentations, cached_at = excluded.cached_at, expires_at = excluded.expires_at," +
		" version = CASE WHEN " + table + ".version >= 4611686018427387903 THEN 1 ELSE " + table + ".version + 1 END" +
		" RETURNING version"
	reset()
	q.delKey = "DELETE FROM " + table + " WHERE " + where()
	reset()
	q.delVersion = "DELETE FROM " + table + " WHERE " + where() + " AND version = " + p()
	reset()
	q.delCP = "DELETE FROM " + table + " WHERE participant_context_id = " + p() + " AND counter_party_did = " + p()
	reset()
	q.delCPAll = "DELETE FROM " + table + " WHERE counter_party_did = " + p()
	reset()
	q.delPC = "DELETE FROM " + table + " WHERE participant_context_id = " + p()
	reset()
	q.delExp = "DELETE FROM " + table + " WHERE expires_at < " + p()
	return q
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", vpcache.ErrStore, err)
}

// scanRow runs query through st, its statement prepared on SQLite (on the
// read pool for get), or (st nil: PostgreSQL, one pool) as text on s.db,
// and scans its row into dest.
func (s *Store) scanRow(ctx context.Context, st *sql.Stmt, query string, args []any, dest ...any) error {
	if st != nil {
		return st.QueryRowContext(ctx, args...).Scan(dest...)
	}
	return s.db.QueryRowContext(ctx, query, args...).Scan(dest...)
}

// run runs the write query through st, its statement prepared on SQLite,
// or (st nil: PostgreSQL) as text on s.db: with returning, it scans and
// returns the one value of its RETURNING clause, else the rows affected.
func (s *Store) run(ctx context.Context, st *sql.Stmt, query string, returning bool, args ...any) (int64, error) {
	var n int64
	if returning {
		err := s.scanRow(ctx, st, query, args, &n)
		return n, err
	}
	var res sql.Result
	var err error
	if st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = s.db.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Get implements vpcache.Store.
func (s *Store) Get(ctx context.Context, k vpcache.Key) (vpcache.Entry, error) {
	if err := k.Validate(); err != nil {
		return vpcache.Entry{}, err
	}
	var scopesJSON, presJSON string
	var cachedAt, expiresAt, version int64
	err := s.scanRow(ctx, s.st.get, s.q.get, []any{k.ParticipantContextID, k.CounterpartyDID, k.ScopesHash()},
		&scopesJSON, &presJSON, &cachedAt, &expiresAt, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return vpcache.Entry{}, vpcache.ErrNotFound
	}
	if err != nil {
		return vpcache.Entry{}, wrap(err)
	}
	var scopes []string
	if err := json.Unmarshal([]byte(scopesJSON), &scopes); err != nil {
		return vpcache.Entry{}, wrap(fmt.Errorf("scopes column: %w", err))
	}
	if !slices.Equal(vpcache.CanonicalScopes(scopes), k.Scopes) {
		// A different scope set with the same hash: not this key.
		return vpcache.Entry{}, vpcache.ErrNotFound
	}
	var ps []vpcache.Presentation
	if err := json.Unmarshal([]byte(presJSON), &ps); err != nil {
		return vpcache.Entry{}, wrap(fmt.Errorf("presentations column: %w", err))
	}
	return vpcache.Entry{
		Key:           k,
		Presentations: ps,
		CachedAt:      time.UnixMilli(cachedAt).UTC(),
		ExpiresAt:     time.UnixMilli(expiresAt).UTC(),
		Version:       version,
	}, nil
}

// Put implements vpcache.Store: one atomic upsert that bumps the version.
func (s *Store) Put(ctx context.Context, e vpcache.Entry) (int64, error) {
	if err := vpcache.ValidateEntry(e); err != nil {
		return 0, err
	}
	scopes, err := json.Marshal(e.Key.Scopes)
	if err != nil {
		return 0, wrap(err)
	}
	pres, err := json.Marshal(e.Presentations)
	if err != nil {
		return 0, wrap(err)
	}
	start, err := vpcache.NewVersion()
	if err != nil {
		return 0, err
	}
	args := []any{e.Key.ParticipantContextID, e.Key.CounterpartyDID, e.Key.ScopesHash(), string(scopes), string(pres),
		e.CachedAt.UnixMilli(), e.ExpiresAt.UnixMilli(), start}
	var v int64
	if s.notify {
		var ignored sql.NullString
		payload := changePayload(e.Key.ParticipantContextID, e.Key.CounterpartyDID)
		err = s.db.QueryRowContext(ctx, "WITH w AS ("+s.q.put+") SELECT w.version, pg_notify($9, $10)::text FROM w",
			append(args, s.channel(), payload)...).Scan(&v, &ignored)
	} else {
		v, err = s.run(ctx, s.st.put, s.q.put, true, args...)
	}
	if err != nil {
		return 0, wrap(err)
	}
	return v, nil
}

// Delete implements vpcache.Store.
func (s *Store) Delete(ctx context.Context, sel vpcache.Selector) (int64, error) {
	if err := sel.Validate(); err != nil {
		return 0, err
	}
	if s.notify && sel.Kind != vpcache.SelectExpired {
		return s.deleteNotify(ctx, sel)
	}
	var n int64
	var err error
	k := sel.Key
	switch sel.Kind {
	case vpcache.SelectKey:
		n, err = s.run(ctx, s.st.delKey, s.q.delKey, false, k.ParticipantContextID, k.CounterpartyDID, k.ScopesHash())
	case vpcache.SelectKeyVersion:
		n, err = s.run(ctx, s.st.delVersion, s.q.delVersion, false, k.ParticipantContextID, k.CounterpartyDID, k.ScopesHash(), sel.Version)
	case vpcache.SelectCounterparty:
		n, err = s.run(ctx, s.st.delCP, s.q.delCP, false, sel.ParticipantContextID, sel.CounterpartyDID)
	case vpcache.SelectCounterpartyAllContexts:
		n, err = s.run(ctx, s.st.delCPAll, s.q.delCPAll, false, sel.CounterpartyDID)
	case vpcache.SelectParticipantContext:
		n, err = s.run(ctx, s.st.delPC, s.q.delPC, false, sel.ParticipantContextID)
	case vpcache.SelectExpired:
		n, err = s.run(ctx, s.st.delExp, s.q.delExp, false, sel.Before.UnixMilli())
	}
	if err != nil {
		return 0, wrap(err)
	}
	return n, nil
}

func (s *Store) deleteArgs(sel vpcache.Selector) (string, []any, string, string) {
	k := sel.Key
	switch sel.Kind {
	case vpcache.SelectKey:
		return s.q.delKey, []any{k.ParticipantContextID, k.CounterpartyDID, k.ScopesHash()}, k.ParticipantContextID, k.CounterpartyDID
	case vpcache.SelectKeyVersion:
		return s.q.delVersion, []any{k.ParticipantContextID, k.CounterpartyDID, k.ScopesHash(), sel.Version}, k.ParticipantContextID, k.CounterpartyDID
	case vpcache.SelectCounterparty:
		return s.q.delCP, []any{sel.ParticipantContextID, sel.CounterpartyDID}, sel.ParticipantContextID, sel.CounterpartyDID
	case vpcache.SelectCounterpartyAllContexts:
		return s.q.delCPAll, []any{sel.CounterpartyDID}, "", sel.CounterpartyDID
	case vpcache.SelectParticipantContext:
		return s.q.delPC, []any{sel.ParticipantContextID}, sel.ParticipantContextID, ""
	}
	return "", nil, "", ""
}

// deleteNotify deletes and, if anything was deleted, announces it, in one
// statement.
func (s *Store) deleteNotify(ctx context.Context, sel vpcache.Selector) (int64, error) {
	q, args, pc, did := s.deleteArgs(sel)
	n := len(args)
	stmt := "WITH d AS (" + q + " RETURNING 1), c AS (SELECT count(*) AS n FROM d) " +
		"SELECT c.n, CASE WHEN c.n > 0 THEN pg_notify($" + strconv.Itoa(n+1) + ", $" + strconv.Itoa(n+2) + ")::text END FROM c"
	var count int64
	var ignored sql.NullString
	err := s.db.QueryRowContext(ctx, stmt, append(args, s.channel(), changePayload(pc, did))...).Scan(&count, &ignored)
	return count, wrap(err)
}

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := path.Join("migrations", s.dialect.String())
	ents, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range ents {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("bad migration file name %q", name)
		}
		b, err := migrationsFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: strings.ReplaceAll(string(b), "{{table}}", s.table)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion returns the highest applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM "+s.table+"_schema_version").Scan(&v)
	return int(v.Int64), wrap(err)
}

// migrate applies pending migrations in one transaction. On PostgreSQL a
// transaction-scoped advisory lock serialises replicas starting at once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMigration, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMigration, err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect == Postgres {
		h := fnv.New64a()
		h.Write([]byte("wstack/vpcache/" + s.table))
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(h.Sum64())); err != nil {
			return fmt.Errorf("%w: lock: %w", ErrMigration, err)
		}
	}
	vt := s.table + "_schema_version"
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+vt+" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("%w: %w", ErrMigration, err)
	}
	var cur sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT MAX(version) FROM "+vt).Scan(&cur); err != nil {
		return fmt.Errorf("%w: %w", ErrMigration, err)
	}
	ins := "INSERT INTO " + vt + " (version, name, applied_at) VALUES (?, ?, ?)"
	if s.dialect == Postgres {
		ins = "INSERT INTO " + vt + " (version, name, applied_at) VALUES ($1, $2, $3)"
	}
	for _, m := range ms {
		if int64(m.version) <= cur.Int64 {
			continue
		}
		for _, stmt := range splitStatements(m.sql) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrMigration, m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, ins, m.version, m.name, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrMigration, m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%w: %w", ErrMigration, err)
	}
	return nil
}

// splitStatements splits a migration on ';' at line ends, dropping
// comment-only lines. Migrations contain no ';' inside literals.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

func openTiered(ctx context.Context, cfg vpcache.Config, opts []Option) (vpcache.Store, func() error, error) {
	s, err := OpenPostgres(ctx, cfg.DSN, append(opts, WithNotify())...)
	if err != nil {
		return nil, nil, err
	}
	ts, err := vpcache.NewTieredStore(s, vpcache.WithL1TTL(cfg.L1TTL), vpcache.WithL1MaxEntries(cfg.MaxEntries))
	if err != nil {
		_ = s.Close()
		return nil, nil, err
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Listen(lctx, ts.Invalidate, ts.Flush)
	}()
	return ts, func() error {
		cancel()
		<-done
		return s.Close()
	}, nil
}
