// Package sqlstore implements the stores of oid4vci/issuer on SQL
// databases: SQLite (modernc.org/sqlite, the embedded default) and
// PostgreSQL (pgx stdlib driver) for replicas sharing state.
//
// Every state change that must happen once is one conditional statement:
// redeeming a pre-authorized code is a single UPDATE … WHERE NOT redeemed
// AND unexpired AND attempts < max … RETURNING, consuming a c_nonce a
// DELETE … RETURNING, recording a DPoP jti an INSERT … ON CONFLICT DO
// UPDATE … WHERE expired RETURNING; using a refresh token a conditional
// UPDATE … RETURNING, and a reused one revokes its family. Never
// read-then-write. Expired rows are removed by Reap.
//
// The schema is versioned (prefix_schema): New applies each missing
// version once, in a transaction (on PostgreSQL under an advisory lock, so
// replicas starting together migrate once). Version 2 added the
// issuer_state columns of offers and the refresh token tables.
//
// On SQLite files opened by OpenSQLite, writes go through one connection
// (SQLite admits one writer at a time; several writing connections of one
// process would contend for the lock in SQLite's busy handler, which
// sleeps 1, 2, 5, 10 … ms) and reads through a separate pool of read-only
// connections (WAL readers do not block the writer). Writes waiting at the
// same moment share one transaction (group commit, see writer.go): each
// keeps its own statement, effect and result, and none is answered before
// its transaction committed. Statements are prepared once per connection
// and reused. The busy timeout still covers other processes sharing the
// file.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/ocmw/wstack/internal/sqlitex"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// Dialect is the SQL dialect of a database.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// Errors.
var (
	// ErrConfig: invalid prefix, dialect or DSN.
	ErrConfig = errors.New("sqlstore: invalid configuration")
	// ErrMigration: creating the schema failed.
	ErrMigration = errors.New("sqlstore: migration failed")
)

var prefixRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,31}$`)

// DefaultPrefix prefixes the table names.
const DefaultPrefix = "oid4vci"

// Store holds every issuer store on one database.
type Store struct {
	db      *sql.DB         // writes; everything unless rdb is separate
	rdb     *sql.DB         // reads: db, or a read-only SQLite pool
	wr      *sqlitex.Writer // db with its WAL checkpointer (OpenSQLite)
	dialect Dialect
	p       string
	owned   bool

	mu    sync.Mutex
	stmts map[stmtKey]*sql.Stmt // SQLite: prepared statements

	writer *committer // SQLite opened by OpenSQLite: group commit (writer.go)
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// New returns a store on db (driver "sqlite" or "pgx") and creates its
// tables (prefix_offers, prefix_nonces, prefix_replays,
// prefix_transactions, prefix_notifications) if needed. The caller keeps
// ownership of db. prefix "" means DefaultPrefix.
func New(ctx context.Context, db *sql.DB, dialect Dialect, prefix string) (*Store, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !prefixRE.MatchString(prefix) {
		return nil, fmt.Errorf("%w: table prefix %q", ErrConfig, prefix)
	}
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("%w: unknown dialect", ErrConfig)
	}
	if db == nil {
		return nil, fmt.Errorf("%w: nil db", ErrConfig)
	}
	s := &Store{db: db, rdb: db, dialect: dialect, p: prefix}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// SQLiteReaders is the size of the read-only connection pool of a store
// opened by OpenSQLite (the writer is one more connection).
const SQLiteReaders = 4

// OpenSQLite opens (creating if needed) the SQLite database at path in WAL
// mode with a busy timeout; the store owns its connections: one writer,
// SQLiteReaders read-only readers and one for WAL checkpoints, which run
// in the background (sqlitex.Checkpointer) instead of in the writer's
// commits (":memory:" is one connection for everything).
func OpenSQLite(ctx context.Context, path, prefix string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#%") {
		return nil, fmt.Errorf("%w: SQLite path must be non-empty without '?', '#' or '%%'", ErrConfig)
	}
	wr, err := sqlitex.OpenWriter(path, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s, err := New(ctx, wr.DB, SQLite, prefix)
	if err != nil {
		_ = wr.Close()
		return nil, err
	}
	s.owned, s.wr = true, wr
	if path != ":memory:" {
		// Opened after New: the file exists and is in WAL mode.
		rdb, err := sqlitex.OpenReaders(path, 10*time.Second, SQLiteReaders)
		if err != nil {
			_ = wr.Close()
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		s.rdb = rdb
	}
	s.startCommitter()
	return s, nil
}

// exec runs a write statement: prepared once on SQLite.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.dialect != SQLite {
		return s.db.ExecContext(ctx, s.q(query), args...)
	}
	st, err := s.stmt(ctx, s.db, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// queryRow runs a statement returning one row on db (s.db for writes with
// RETURNING, s.rdb for reads).
func (s *Store) queryRow(ctx context.Context, db *sql.DB, query string, args ...any) *sql.Row {
	if s.dialect != SQLite {
		return db.QueryRowContext(ctx, s.q(query), args...)
	}
	st, err := s.stmt(ctx, db, query)
	if err != nil {
		// A Row carrying err: QueryRowContext on the failed prepare's
		// query reports it at Scan.
		return db.QueryRowContext(ctx, s.q(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// stmt returns the prepared statement of query on db, preparing it once.
// (PostgreSQL is left to pgx's own per-connection statement cache.)
func (s *Store) stmt(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	k := stmtKey{db, query}
	s.mu.Lock()
	st := s.stmts[k]
	s.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, s.q(query))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmts == nil {
		s.stmts = map[stmtKey]*sql.Stmt{}
	}
	if prev := s.stmts[k]; prev != nil {
		_ = st.Close()
		return prev, nil
	}
	s.stmts[k] = st
	return st, nil
}

// OpenPostgres connects through pgx; the store owns the connection pool.
func OpenPostgres(ctx context.Context, dsn, prefix string) (*Store, error) {
	if dsn == "" {
		return nil, fmt.Errorf("%w: empty PostgreSQL DSN", ErrConfig)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(10)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	s, err := New(ctx, db, Postgres, prefix)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Close closes the prepared statements, and the pools if the store opened
// them.
func (s *Store) Close() error {
	if s.writer != nil {
		s.writer.close()
	}
	s.mu.Lock()
	var errs []error
	for k, st := range s.stmts {
		errs = append(errs, st.Close())
		delete(s.stmts, k)
	}
	s.mu.Unlock()
	if s.owned {
		if s.rdb != s.db {
			errs = append(errs, s.rdb.Close())
		}
		if s.wr != nil {
			errs = append(errs, s.wr.Close())
		} else {
			errs = append(errs, s.db.Close())
		}
	}
	return errors.Join(errs...)
}

// DB returns the database handle (on SQLite files opened by OpenSQLite,
// the writer connection).
func (s *Store) DB() *sql.DB { return s.db }

// Tables returns the table names.
func (s *Store) Tables() []string {
	var out []string
	for _, t := range []string{"offers", "nonces", "replays", "transactions", "notifications", "refresh_tokens", "refresh_families", "schema"} {
		out = append(out, s.p+"_"+t)
	}
	return out
}

// q rewrites a query: {p} is the table prefix; $n placeholders become ?n
// for SQLite.
func (s *Store) q(query string) string {
	query = strings.ReplaceAll(query, "{p}", s.p)
	if s.dialect == SQLite {
		query = strings.ReplaceAll(query, "$", "?")
	}
	return query
}

// migrations are the schema versions, applied in order, each once, in its
// own transaction, recorded in prefix_schema. Version 1 is the original
// schema (IF NOT EXISTS, so databases created before versioning adopt it);
// later versions only add.
func (s *Store) migrations() [][]string {
	blob := "BLOB"
	if s.dialect == Postgres {
		blob = "BYTEA"
	}
	return [][]string{
		1: {
			`CREATE TABLE IF NOT EXISTS {p}_offers (
			id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, config_ids TEXT NOT NULL,
			claims TEXT NOT NULL, tx_hash TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
			redeemed INTEGER NOT NULL DEFAULT 0, document ` + blob + `, expires_at BIGINT NOT NULL,
			grant_expires_at BIGINT NOT NULL DEFAULT 0, client_id TEXT NOT NULL DEFAULT '', dpop_jkt TEXT NOT NULL DEFAULT '')`,
			`CREATE TABLE IF NOT EXISTS {p}_nonces (nonce TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS {p}_replays (k TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS {p}_transactions (id TEXT PRIMARY KEY, offer_id TEXT NOT NULL, request TEXT NOT NULL,
			interval_s INTEGER NOT NULL, expires_at BIGINT NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS {p}_notifications (id TEXT PRIMARY KEY, offer_id TEXT NOT NULL, event TEXT NOT NULL DEFAULT '',
			expires_at BIGINT NOT NULL)`,
		},
		// 2: issuer_state of authorization_code offers and the external
		// user who redeemed them; refresh tokens and their families.
		2: {
			`ALTER TABLE {p}_offers ADD COLUMN issuer_state_hash TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE {p}_offers ADD COLUMN holder TEXT NOT NULL DEFAULT ''`,
			`CREATE TABLE {p}_refresh_tokens (hash TEXT PRIMARY KEY, family TEXT NOT NULL, offer_id TEXT NOT NULL,
			client_id TEXT NOT NULL, dpop_jkt TEXT NOT NULL, expires_at BIGINT NOT NULL, used INTEGER NOT NULL DEFAULT 0)`,
			`CREATE INDEX {p}_refresh_tokens_family ON {p}_refresh_tokens (family)`,
			`CREATE TABLE {p}_refresh_families (family TEXT PRIMARY KEY, revoked INTEGER NOT NULL DEFAULT 0, expires_at BIGINT NOT NULL)`,
		},
	}
}

// SchemaVersion is the schema version this package migrates to.
const SchemaVersion = 2

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, s.q(`CREATE TABLE IF NOT EXISTS {p}_schema (version INTEGER PRIMARY KEY)`)); err != nil {
		return fmt.Errorf("%w: %w", ErrMigration, err)
	}
	for v, stmts := range s.migrations() {
		if v == 0 {
			continue
		}
		if err := s.migrateTo(ctx, v, stmts); err != nil {
			return fmt.Errorf("%w: version %d: %w", ErrMigration, v, err)
		}
	}
	return nil
}

// migrateTo applies one version unless it is recorded; on PostgreSQL an
// advisory lock per prefix serialises replicas starting together (SQLite
// admits one writer anyway).
func (s *Store) migrateTo(ctx context.Context, v int, stmts []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect == Postgres {
		h := fnv.New64a()
		h.Write([]byte("wstack-oid4vci-" + s.p))
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64())); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM {p}_schema WHERE version = $1`), v).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, s.q(st)); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO {p}_schema (version) VALUES ($1)`), v); err != nil {
		return err
	}
	return tx.Commit()
}

// Reap deletes rows expired before now and returns how many.
func (s *Store) Reap(ctx context.Context, now time.Time) (int64, error) {
	t := ts(now)
	var total int64
	for _, st := range []string{
		`DELETE FROM {p}_offers WHERE expires_at <= $1 AND (redeemed = 0 OR grant_expires_at <= $1)`,
		`DELETE FROM {p}_nonces WHERE expires_at <= $1`,
		`DELETE FROM {p}_replays WHERE expires_at <= $1`,
		`DELETE FROM {p}_transactions WHERE expires_at <= $1`,
		`DELETE FROM {p}_notifications WHERE expires_at <= $1`,
		`DELETE FROM {p}_refresh_tokens WHERE expires_at <= $1`,
		`DELETE FROM {p}_refresh_families WHERE expires_at <= $1`,
	} {
		n, err := s.write(ctx, st, nil, t)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

func ts(t time.Time) int64 { return t.UnixMicro() }

func fromTS(v int64) time.Time { return time.UnixMicro(v) }

// Offers returns the OfferStore.
func (s *Store) Offers() issuer.OfferStore { return offers{s} }

// Nonces returns the NonceStore.
func (s *Store) Nonces() issuer.NonceStore { return nonces{s} }

// Replays returns the ReplayStore.
func (s *Store) Replays() issuer.ReplayStore { return replays{s} }

// Transactions returns the TransactionStore.
func (s *Store) Transactions() issuer.TransactionStore { return transactions{s} }

// Notifications returns the NotificationStore.
func (s *Store) Notifications() issuer.NotificationStore { return notifications{s} }

// RefreshTokens returns the RefreshTokenStore.
func (s *Store) RefreshTokens() issuer.RefreshTokenStore { return refreshTokens{s} }

type offers struct{ s *Store }

const offerCols = `id, code_hash, subject, config_ids, claims, tx_hash, attempts, redeemed, document, expires_at, grant_expires_at, client_id, dpop_jkt, issuer_state_hash, holder`

func scanOffer(row interface{ Scan(...any) error }) (*issuer.Offer, error) {
	var o issuer.Offer
	var ids, claims string
	var redeemed int
	var exp, gexp int64
	if err := row.Scan(&o.ID, &o.CodeHash, &o.Subject, &ids, &claims, &o.TxCodeHash, &o.Attempts, &redeemed, &o.Document, &exp, &gexp, &o.ClientID, &o.DPoPJKT, &o.IssuerStateHash, &o.Holder); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, issuer.ErrNotFound
		}
		return nil, err
	}
	if err := json.Unmarshal([]byte(ids), &o.ConfigurationIDs); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(claims), &o.Claims); err != nil {
		return nil, err
	}
	o.Redeemed, o.ExpiresAt, o.GrantExpiresAt = redeemed != 0, fromTS(exp), fromTS(gexp)
	return &o, nil
}

func (st offers) Put(ctx context.Context, o *issuer.Offer) error {
	ids, err := json.Marshal(o.ConfigurationIDs)
	if err != nil {
		return err
	}
	claims, err := json.Marshal(o.Claims)
	if err != nil {
		return err
	}
	_, err = st.s.write(ctx, `INSERT INTO {p}_offers (`+offerCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, nil,
		o.ID, o.CodeHash, o.Subject, string(ids), string(claims), o.TxCodeHash, o.Attempts, b2i(o.Redeemed), o.Document,
		ts(o.ExpiresAt), ts(o.GrantExpiresAt), o.ClientID, o.DPoPJKT, o.IssuerStateHash, o.Holder)
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (st offers) Get(ctx context.Context, id string, now time.Time) (*issuer.Offer, error) {
	return scanOffer(st.s.queryRow(ctx, st.s.rdb, `SELECT `+offerCols+` FROM {p}_offers
		WHERE id = $1 AND ((redeemed = 0 AND expires_at > $2) OR (redeemed = 1 AND grant_expires_at > $2))`, id, ts(now)))
}

func (st offers) ByCode(ctx context.Context, codeHash string, r issuer.Redemption) (*issuer.Offer, error) {
	return scanOffer(st.s.queryRow(ctx, st.s.rdb, `SELECT `+offerCols+` FROM {p}_offers
		WHERE code_hash = $1 AND redeemed = 0 AND expires_at > $2 AND attempts < $3`, codeHash, ts(r.Now), maxAttempts(r.MaxAttempts)))
}

func maxAttempts(n int) int {
	if n <= 0 {
		return int(^uint32(0) >> 1)
	}
	return n
}

func (st offers) Fail(ctx context.Context, codeHash string, max int) (int, error) {
	var n int
	_, err := st.s.write(ctx, `UPDATE {p}_offers SET attempts = attempts + 1
		WHERE code_hash = $1 AND redeemed = 0 RETURNING attempts`, func(r *sql.Row) error { return r.Scan(&n) }, codeHash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, issuer.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if left := max - n; left > 0 {
		return left, nil
	}
	return 0, nil
}

// Redeem is the single conditional UPDATE … RETURNING.
func (st offers) Redeem(ctx context.Context, codeHash string, r issuer.Redemption) (*issuer.Offer, error) {
	var o *issuer.Offer
	_, err := st.s.write(ctx, `UPDATE {p}_offers
		SET redeemed = 1, grant_expires_at = $1, client_id = $2, dpop_jkt = $3, holder = $7, document = NULL
		WHERE code_hash = $4 AND redeemed = 0 AND expires_at > $5 AND attempts < $6
		RETURNING `+offerCols, func(row *sql.Row) (err error) {
		o, err = scanOffer(row)
		if errors.Is(err, issuer.ErrNotFound) {
			return sql.ErrNoRows // an outcome, not a failure of the batch
		}
		return err
	}, ts(r.GrantExpiresAt), r.ClientID, r.DPoPJKT, codeHash, ts(r.Now), maxAttempts(r.MaxAttempts), r.Holder)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, issuer.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

type nonces struct{ s *Store }

func (st nonces) Put(ctx context.Context, nonce string, exp time.Time) error {
	_, err := st.s.write(ctx, `INSERT INTO {p}_nonces (nonce, expires_at) VALUES ($1, $2)`, nil, nonce, ts(exp))
	return err
}

func (st nonces) Consume(ctx context.Context, nonce string, now time.Time) error {
	var exp int64
	_, err := st.s.write(ctx, `DELETE FROM {p}_nonces WHERE nonce = $1 RETURNING expires_at`, func(r *sql.Row) error { return r.Scan(&exp) }, nonce)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.ErrNotFound
	}
	if err != nil {
		return err
	}
	if exp <= ts(now) {
		return issuer.ErrNotFound
	}
	return nil
}

type replays struct{ s *Store }

// Seen inserts the key, or takes over an expired row; no row back means a
// live row exists: a replay.
func (st replays) Seen(ctx context.Context, key string, exp, now time.Time) (bool, error) {
	var k string
	_, err := st.s.write(ctx, `INSERT INTO {p}_replays (k, expires_at) VALUES ($1, $2)
		ON CONFLICT (k) DO UPDATE SET expires_at = excluded.expires_at WHERE {p}_replays.expires_at <= $3
		RETURNING k`, func(r *sql.Row) error { return r.Scan(&k) }, key, ts(exp), ts(now))
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return false, err
}

type transactions struct{ s *Store }

// storedRequest is the serialised IssueRequest: ids and JWKs (the issuer
// re-attaches the configuration and parses the keys).
type storedRequest struct {
	ConfigurationID      string         `json:"configuration_id"`
	CredentialIdentifier string         `json:"credential_identifier,omitempty"`
	Subject              string         `json:"subject,omitempty"`
	Claims               map[string]any `json:"claims,omitempty"`
	ClientID             string         `json:"client_id,omitempty"`
	HolderKeys           []storedKey    `json:"holder_keys,omitempty"`
}

type storedKey struct {
	JWK        map[string]any `json:"jwk"`
	KID        string         `json:"kid,omitempty"`
	DID        string         `json:"did,omitempty"`
	Thumbprint string         `json:"jkt"`
}

func (st transactions) Put(ctx context.Context, t *issuer.Transaction) error {
	r := storedRequest{ConfigurationID: t.Request.ConfigurationID, CredentialIdentifier: t.Request.CredentialIdentifier,
		Subject: t.Request.Subject, Claims: t.Request.Claims, ClientID: t.Request.ClientID}
	for _, k := range t.Request.HolderKeys {
		r.HolderKeys = append(r.HolderKeys, storedKey{JWK: k.JWK, KID: k.KID, DID: k.DID, Thumbprint: k.Thumbprint})
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = st.s.write(ctx, `INSERT INTO {p}_transactions (id, offer_id, request, interval_s, expires_at) VALUES ($1, $2, $3, $4, $5)`, nil,
		t.ID, t.OfferID, string(b), t.Interval, ts(t.ExpiresAt))
	return err
}

func (st transactions) Get(ctx context.Context, id string, now time.Time) (*issuer.Transaction, error) {
	var t issuer.Transaction
	var req string
	var exp int64
	err := st.s.queryRow(ctx, st.s.rdb, `SELECT id, offer_id, request, interval_s, expires_at FROM {p}_transactions
		WHERE id = $1 AND expires_at > $2`, id, ts(now)).Scan(&t.ID, &t.OfferID, &req, &t.Interval, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, issuer.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var r storedRequest
	if err := json.Unmarshal([]byte(req), &r); err != nil {
		return nil, err
	}
	t.Request = issuer.IssueRequest{ConfigurationID: r.ConfigurationID, CredentialIdentifier: r.CredentialIdentifier,
		Subject: r.Subject, Claims: r.Claims, ClientID: r.ClientID}
	for _, k := range r.HolderKeys {
		t.Request.HolderKeys = append(t.Request.HolderKeys, issuer.HolderKey{JWK: k.JWK, KID: k.KID, DID: k.DID, Thumbprint: k.Thumbprint})
	}
	t.ExpiresAt = fromTS(exp)
	return &t, nil
}

func (st transactions) Delete(ctx context.Context, id string) error {
	n, err := st.s.write(ctx, `DELETE FROM {p}_transactions WHERE id = $1`, nil, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return issuer.ErrNotFound
	}
	return nil
}

type notifications struct{ s *Store }

func (st notifications) Put(ctx context.Context, n *issuer.Notification) error {
	_, err := st.s.write(ctx, `INSERT INTO {p}_notifications (id, offer_id, event, expires_at) VALUES ($1, $2, $3, $4)`, nil,
		n.ID, n.OfferID, n.Event, ts(n.ExpiresAt))
	return err
}

func (st notifications) Record(ctx context.Context, id, offerID, event string, now time.Time) error {
	n, err := st.s.write(ctx, `UPDATE {p}_notifications SET event = $1 WHERE id = $2 AND offer_id = $3 AND expires_at > $4`, nil,
		event, id, offerID, ts(now))
	if err != nil {
		return err
	}
	if n == 0 {
		return issuer.ErrNotFound
	}
	return nil
}

type refreshTokens struct{ s *Store }

func (st refreshTokens) Put(ctx context.Context, t *issuer.RefreshToken) error {
	if _, err := st.s.write(ctx, `INSERT INTO {p}_refresh_families (family, expires_at) VALUES ($1, $2) ON CONFLICT (family) DO NOTHING`, nil,
		t.Family, ts(t.ExpiresAt)); err != nil {
		return err
	}
	_, err := st.s.write(ctx, `INSERT INTO {p}_refresh_tokens (hash, family, offer_id, client_id, dpop_jkt, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, nil,
		t.Hash, t.Family, t.OfferID, t.ClientID, t.DPoPJKT, ts(t.ExpiresAt))
	return err
}

// Use is one conditional UPDATE … RETURNING; when it finds nothing, a
// second one revokes the family of a used token (reuse detection). A
// family once revoked stays revoked: tokens stored in it later are never
// usable, whatever the order of the statements of concurrent callers.
func (st refreshTokens) Use(ctx context.Context, hash string, now time.Time) (*issuer.RefreshToken, error) {
	var t issuer.RefreshToken
	var exp int64
	_, err := st.s.write(ctx, `UPDATE {p}_refresh_tokens SET used = 1
		WHERE hash = $1 AND used = 0 AND expires_at > $2
		AND EXISTS (SELECT 1 FROM {p}_refresh_families f WHERE f.family = {p}_refresh_tokens.family AND f.revoked = 0)
		RETURNING hash, family, offer_id, client_id, dpop_jkt, expires_at`, func(r *sql.Row) error {
		return r.Scan(&t.Hash, &t.Family, &t.OfferID, &t.ClientID, &t.DPoPJKT, &exp)
	}, hash, ts(now))
	if err == nil {
		t.ExpiresAt = fromTS(exp)
		return &t, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var fam string
	_, err = st.s.write(ctx, `UPDATE {p}_refresh_families SET revoked = 1
		WHERE family = (SELECT family FROM {p}_refresh_tokens WHERE hash = $1 AND used = 1) RETURNING family`,
		func(r *sql.Row) error { return r.Scan(&fam) }, hash)
	switch {
	case err == nil:
		return nil, issuer.ErrRefreshTokenReused
	case errors.Is(err, sql.ErrNoRows):
		return nil, issuer.ErrNotFound
	}
	return nil, err
}
