package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	// Drivers: "sqlite" (modernc.org/sqlite) and "pgx" (pgx stdlib).

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/ocmw/wstack/internal/sqlitex"
	"github.com/ocmw/wstack/statuslist"
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
var ErrMigration = errors.New("sqlstore: migration failed")

// DefaultPrefix is the default table prefix.
const DefaultPrefix = "statuslist"

// DefaultBusyTimeout is the SQLite busy timeout set by OpenSQLite.
const DefaultBusyTimeout = 10 * time.Second

var prefixRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,40}$`)

// Option configures a Store.
type Option func(*Store)

// WithTablePrefix sets the table prefix (default "statuslist"; tables
// <prefix>_lists and <prefix>_entries).
func WithTablePrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// Store is a statuslist.Store on SQL.
type Store struct {
	db      *sql.DB // writes, and reads unless rdb is separate
	rdb     *sql.DB // reads: db, or the read-only pool of OpenSQLite
	dialect Dialect
	prefix  string
	q       queries
	wr      *sqlitex.Writer // db with its WAL checkpointer (OpenSQLite)
}

type queries struct {
	reserve, countOpen, insert, bump, upsert, info, entries, lists string
}

var _ statuslist.Store = (*Store)(nil)

// New creates the schema if needed and returns a store on db.
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	s := &Store{db: db, rdb: db, dialect: dialect, prefix: DefaultPrefix}
	for _, o := range opts {
		o(s)
	}
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("%w: dialect %d", statuslist.ErrConfig, dialect)
	}
	if !prefixRE.MatchString(s.prefix) {
		return nil, fmt.Errorf("%w: table prefix %q", statuslist.ErrConfig, s.prefix)
	}
	for _, stmt := range Schema(s.prefix) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMigration, err)
		}
	}
	s.q = buildQueries(s.prefix)
	return s, nil
}

// OpenSQLite opens (creating if needed) an SQLite database file with WAL,
// a busy timeout and immediate transactions, and returns a store on it:
// writes through one connection, reads through SQLiteReaders read-only
// ones, WAL checkpoints in the background (":memory:" is one connection
// for everything).
func OpenSQLite(ctx context.Context, filePath string, opts ...Option) (*Store, error) {
	if filePath == "" || strings.ContainsAny(filePath, "?#") {
		return nil, fmt.Errorf("%w: sqlite path %q", statuslist.ErrConfig, filePath)
	}
	wr, err := sqlitex.OpenWriter(filePath, DefaultBusyTimeout)
	if err != nil {
		return nil, err
	}
	s, err := New(ctx, wr.DB, SQLite, opts...)
	if err != nil {
		wr.Close()
		return nil, err
	}
	s.wr = wr
	if filePath != ":memory:" {
		// Reads (Info, Snapshot, Lists) on read-only connections, so that
		// reading a large list for publication does not hold up
		// allocations; opened after New: the file exists in WAL mode.
		rdb, err := sqlitex.OpenReaders(filePath, DefaultBusyTimeout, SQLiteReaders)
		if err != nil {
			wr.Close()
			return nil, err
		}
		s.rdb = rdb
	}
	return s, nil
}

// OpenPostgres opens a PostgreSQL database through the pgx stdlib driver.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s, err := New(ctx, db, Postgres, opts...)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// DB returns the database handle.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database handle.
func (s *Store) Close() error {
	var err error
	if s.rdb != s.db {
		err = s.rdb.Close()
	}
	if s.wr != nil {
		return errors.Join(err, s.wr.Close())
	}
	return errors.Join(err, s.db.Close())
}

// SQLiteReaders is the size of the read-only connection pool of a store
// opened by OpenSQLite on a file; writes go through one more connection,
// and WAL checkpoints through another (sqlitex.Checkpointer).
const SQLiteReaders = 2

// Schema returns the DDL statements for a table prefix: the same text for
// SQLite and PostgreSQL.
func Schema(prefix string) []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + prefix + `_lists (
	tenant     TEXT    NOT NULL,
	list_id    TEXT    NOT NULL,
	pool       TEXT    NOT NULL,
	format     TEXT    NOT NULL,
	bits       INTEGER NOT NULL,
	purpose    TEXT    NOT NULL,
	capacity   BIGINT  NOT NULL,
	perm_key   TEXT    NOT NULL,
	allocated  BIGINT  NOT NULL,
	last_grant BIGINT  NOT NULL,
	version    BIGINT  NOT NULL,
	created_at BIGINT  NOT NULL,
	PRIMARY KEY (tenant, list_id)
)`,
		`CREATE INDEX IF NOT EXISTS ` + prefix + `_lists_pool ON ` + prefix + `_lists (tenant, pool, created_at, list_id)`,
		`CREATE TABLE IF NOT EXISTS ` + prefix + `_entries (
	tenant  TEXT    NOT NULL,
	list_id TEXT    NOT NULL,
	idx     BIGINT  NOT NULL,
	status  INTEGER NOT NULL,
	PRIMARY KEY (tenant, list_id, idx)
)`,
	}
}

const listCols = `list_id, pool, format, bits, purpose, capacity, perm_key, allocated, version, created_at`

func buildQueries(p string) queries {
	L, E := p+"_lists", p+"_entries"
	return queries{
		// SET expressions see the old row in both databases, so last_grant
		// is the number of sequence numbers this statement took.
		reserve: `UPDATE ` + L + ` SET
	last_grant = CASE WHEN capacity - allocated < $3 THEN capacity - allocated ELSE $3 END,
	allocated = allocated + CASE WHEN capacity - allocated < $3 THEN capacity - allocated ELSE $3 END
WHERE tenant = $1 AND allocated < capacity AND list_id = (
	SELECT list_id FROM ` + L + ` WHERE tenant = $1 AND pool = $2 AND allocated < capacity
	ORDER BY created_at, list_id LIMIT 1)
RETURNING ` + listCols + `, last_grant`,
		countOpen: `SELECT COUNT(*) FROM ` + L + ` WHERE tenant = $1 AND pool = $2 AND allocated < capacity`,
		insert: `INSERT INTO ` + L + ` (tenant, ` + listCols + `, last_grant) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, 0, $9, $10)
RETURNING ` + listCols + `, last_grant`,
		bump:    `UPDATE ` + L + ` SET version = version + 1 WHERE tenant = $1 AND list_id = $2 RETURNING format, bits, purpose, capacity`,
		upsert:  `INSERT INTO ` + E + ` (tenant, list_id, idx, status) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant, list_id, idx) DO UPDATE SET status = excluded.status WHERE ` + E + `.status <> $5 OR excluded.status = $5`,
		info:    `SELECT ` + listCols + ` FROM ` + L + ` WHERE tenant = $1 AND list_id = $2`,
		entries: `SELECT idx, status FROM ` + E + ` WHERE tenant = $1 AND list_id = $2 AND status <> 0`,
		lists:   `SELECT ` + listCols + ` FROM ` + L + ` WHERE tenant = $1 ORDER BY list_id`,
	}
}

type scanner interface{ Scan(...any) error }

func scanInfo(tenant string, r scanner, extra ...any) (statuslist.ListInfo, error) {
	var (
		i                              statuslist.ListInfo
		format, key                    string
		bits                           int
		capacity, alloc, ver, createMs int64
	)
	if err := r.Scan(append([]any{&i.ListID, &i.Pool, &format, &bits, &i.Config.Purpose, &capacity, &key, &alloc, &ver, &createMs}, extra...)...); err != nil {
		return i, err
	}
	k, err := hex.DecodeString(key)
	if err != nil {
		return i, fmt.Errorf("sqlstore: stored key: %w", err)
	}
	i.Tenant = tenant
	i.Config.Format = statuslist.Format(format)
	i.Config.Bits = bits
	i.Config.Capacity = uint64(capacity)
	i.Key = k
	i.Allocated = uint64(alloc)
	i.Version = uint64(ver)
	i.CreatedAt = time.UnixMilli(createMs).UTC()
	return i, nil
}

// Reserve implements statuslist.Store.
func (s *Store) Reserve(ctx context.Context, req statuslist.ReserveRequest) (statuslist.Reservation, error) {
	count := int64(max(req.Count, 1))
	if count > int64(statuslist.MaxEntries) {
		return statuslist.Reservation{}, fmt.Errorf("%w: count %d", statuslist.ErrConfig, count)
	}
	var granted int64
	for attempt := 0; attempt < 16; attempt++ {
		info, err := scanInfo(req.Tenant, s.db.QueryRowContext(ctx, s.q.reserve, req.Tenant, req.Pool, count), &granted)
		if err == nil {
			if granted < 1 || uint64(granted) > info.Allocated {
				return statuslist.Reservation{}, fmt.Errorf("sqlstore: reserve granted %d", granted)
			}
			return statuslist.Reservation{List: info, Seq: info.Allocated - uint64(granted), Count: uint64(granted)}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return statuslist.Reservation{}, err
		}
		// No row: the chosen list filled up under us, or the pool has no
		// open list. Only create a list in the second case.
		var open int64
		if err := s.db.QueryRowContext(ctx, s.q.countOpen, req.Tenant, req.Pool).Scan(&open); err != nil {
			return statuslist.Reservation{}, err
		}
		if open > 0 {
			continue
		}
		c := req.Config
		info, err = scanInfo(req.Tenant, s.db.QueryRowContext(ctx, s.q.insert,
			req.Tenant, req.NewListID, req.Pool, string(c.Format), c.Bits, c.Purpose, int64(c.Capacity),
			hex.EncodeToString(req.NewListKey), req.Now.UnixMilli(), min(count, int64(c.Capacity))), &granted)
		if err != nil {
			return statuslist.Reservation{}, err
		}
		return statuslist.Reservation{List: info, Seq: 0, Count: uint64(granted)}, nil
	}
	return statuslist.Reservation{}, fmt.Errorf("sqlstore: reserve: too much contention on pool %q", req.Pool)
}

// SetStatus implements statuslist.Store.
func (s *Store) SetStatus(ctx context.Context, tenant, listID string, index uint64, st statuslist.Status) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var (
		c        statuslist.ListConfig
		format   string
		capacity int64
	)
	if err := tx.QueryRowContext(ctx, s.q.bump, tenant, listID).Scan(&format, &c.Bits, &c.Purpose, &capacity); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return statuslist.ErrNotFound
		}
		return err
	}
	c.Format, c.Capacity = statuslist.Format(format), uint64(capacity)
	if index >= c.Capacity {
		return statuslist.ErrIndexOutOfRange
	}
	if int(st) >= 1<<c.Bits {
		return statuslist.ErrBadValue
	}
	final := int64(-1)
	if f, ok := c.Final(); ok {
		final = int64(f)
	}
	res, err := tx.ExecContext(ctx, s.q.upsert, tenant, listID, int64(index), int64(st), final)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return statuslist.ErrFinal
	}
	return tx.Commit()
}

// Info implements statuslist.Store.
func (s *Store) Info(ctx context.Context, tenant, listID string) (statuslist.ListInfo, error) {
	i, err := scanInfo(tenant, s.rdb.QueryRowContext(ctx, s.q.info, tenant, listID))
	if errors.Is(err, sql.ErrNoRows) {
		return i, statuslist.ErrNotFound
	}
	return i, err
}

// Snapshot implements statuslist.Store. The list row (with its version) is
// read before the entries.
func (s *Store) Snapshot(ctx context.Context, tenant, listID string) (statuslist.ListInfo, []statuslist.Entry, error) {
	info, err := s.Info(ctx, tenant, listID)
	if err != nil {
		return info, nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q.entries, tenant, listID)
	if err != nil {
		return info, nil, err
	}
	defer rows.Close()
	var es []statuslist.Entry
	for rows.Next() {
		var idx, st int64
		if err := rows.Scan(&idx, &st); err != nil {
			return info, nil, err
		}
		if idx < 0 || st < 0 || st > 255 {
			return info, nil, fmt.Errorf("sqlstore: corrupt entry %d=%d", idx, st)
		}
		es = append(es, statuslist.Entry{Index: uint64(idx), Status: statuslist.Status(st)})
	}
	return info, es, rows.Err()
}

var _ statuslist.Lister = (*Store)(nil)

// Lists implements statuslist.Lister.
func (s *Store) Lists(ctx context.Context, tenant string) ([]statuslist.ListInfo, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q.lists, tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []statuslist.ListInfo
	for rows.Next() {
		i, err := scanInfo(tenant, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}
