package walletsvc

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	// Drivers: "sqlite" (modernc.org/sqlite) and "pgx" (pgx stdlib).
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/sqlitex"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// Errors of the store.
var (
	// ErrStore reports a database failure.
	ErrStore = errors.New("walletsvc: database error")
	// ErrSealed reports a row that does not decrypt under its account's key
	// (tampered, swapped between accounts or credentials, or a lost key).
	ErrSealed = errors.New("walletsvc: stored record does not decrypt")
	// ErrNotFound reports an unknown offering or credential (it is
	// wallet.ErrNotFound for credentials, so the library's contract holds).
	ErrNotFound = wallet.ErrNotFound
)

// Dialect is the SQL dialect of the store's database.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// DefaultTablePrefix prefixes the store's tables.
const DefaultTablePrefix = "wallet_"

// DefaultKeyGroup is the key engine group of the per-account key-encryption
// keys (the W-Stack storage service's group).
const DefaultKeyGroup = "storage"

var prefixRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,31}$`)

// maxCachedKeys bounds the unwrapped data keys kept in memory.
const maxCachedKeys = 4096

// Store keeps a wallet's credentials and pending offerings in SQL,
// encrypted per account (envelope encryption):
//
//   - each account (tenant, account id) has a random 256-bit data key;
//   - the data key is stored only wrapped by the account's key-encryption
//     key, an AES-256-GCM key of the crypto.Engine at
//     {Namespace: tenant, Group: "storage", ID: account}, which never leaves
//     the engine;
//   - every value (credential metadata, the credential, a pending offer) is
//     sealed with AES-256-GCM under the data key with a fresh random 96-bit
//     nonce and additional data naming the tenant, account, record kind and
//     record id, so a row copied to another account, credential or column
//     fails to decrypt (ErrSealed).
//
// Only the tenant, account, record id and timestamps are stored in clear.
// Unwrapped data keys are cached in memory (bounded); Close forgets them.
type Store struct {
	db       *sql.DB
	dialect  Dialect
	prefix   string
	owned    bool
	engine   crypto.Engine
	keyGroup string

	mu   sync.Mutex
	aead map[string]cipher.AEAD

	stmts sync.Map // query text → *sql.Stmt, prepared once
}

// stmt returns the prepared statement of query (parsing SQL is a
// noticeable part of a request on SQLite).
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// scanner is *sql.Row, or the error of preparing its statement.
type scanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

func (s *Store) queryRow(ctx context.Context, query string, args ...any) scanner {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// StoreConfig configures a Store.
type StoreConfig struct {
	// DB is the database (driver "sqlite" or "pgx") and Dialect its
	// dialect; the caller keeps ownership of DB.
	DB      *sql.DB
	Dialect Dialect
	// Engine holds the key-encryption keys; required.
	Engine crypto.Engine
	// TablePrefix prefixes the tables (default DefaultTablePrefix); it
	// must match ^[a-z_][a-z0-9_]{0,31}$.
	TablePrefix string
	// KeyGroup is the engine group of the key-encryption keys (default
	// DefaultKeyGroup).
	KeyGroup string
}

// NewStore checks cfg and creates the tables when needed.
func NewStore(ctx context.Context, cfg StoreConfig) (*Store, error) {
	if cfg.TablePrefix == "" {
		cfg.TablePrefix = DefaultTablePrefix
	}
	if cfg.KeyGroup == "" {
		cfg.KeyGroup = DefaultKeyGroup
	}
	switch {
	case cfg.DB == nil:
		return nil, fmt.Errorf("%w: nil DB", ErrConfig)
	case cfg.Dialect != SQLite && cfg.Dialect != Postgres:
		return nil, fmt.Errorf("%w: unknown dialect", ErrConfig)
	case cfg.Engine == nil:
		return nil, fmt.Errorf("%w: nil Engine", ErrConfig)
	case !prefixRE.MatchString(cfg.TablePrefix):
		return nil, fmt.Errorf("%w: table prefix %q", ErrConfig, cfg.TablePrefix)
	}
	if err := (crypto.Context{Namespace: "n", Group: cfg.KeyGroup}).Validate(); err != nil {
		return nil, fmt.Errorf("%w: key group: %w", ErrConfig, err)
	}
	s := &Store{db: cfg.DB, dialect: cfg.Dialect, prefix: cfg.TablePrefix, engine: cfg.Engine, keyGroup: cfg.KeyGroup,
		aead: map[string]cipher.AEAD{}}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenSQLite opens (creating) the SQLite file at path (WAL, 5 s busy
// timeout, immediate write transactions) and returns a Store that owns it.
func OpenSQLite(ctx context.Context, path string, cfg StoreConfig) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#%") {
		return nil, fmt.Errorf("%w: SQLite path must be non-empty without '?', '#' or '%%'", ErrConfig)
	}
	db, err := sql.Open("sqlite", sqlitex.DSN(path, 5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	// One connection: SQLite has one writer, and writers on several
	// connections wait in its busy handler's sleeps (the load test
	// measured 3× the throughput this way).
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	cfg.DB, cfg.Dialect = db, SQLite
	s, err := NewStore(ctx, cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// OpenPostgres connects to PostgreSQL through pgx and returns a Store that
// owns the pool.
func OpenPostgres(ctx context.Context, dsn string, cfg StoreConfig) (*Store, error) {
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
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	cfg.DB, cfg.Dialect = db, Postgres
	s, err := NewStore(ctx, cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Close forgets the cached data keys and closes the database when the
// store opened it.
func (s *Store) Close() error {
	s.stmts.Range(func(k, v any) bool {
		_ = v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
	s.mu.Lock()
	s.aead = map[string]cipher.AEAD{}
	s.mu.Unlock()
	if s.owned {
		return s.db.Close()
	}
	return nil
}

// Ping checks the database.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// DropTables removes the store's tables (tests and uninstall).
func (s *Store) DropTables(ctx context.Context) error {
	for _, t := range []string{"credentials", "offerings", "accounts"} {
		if _, err := s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+s.prefix+t); err != nil {
			return fmt.Errorf("%w: %w", ErrStore, err)
		}
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	blob := "BLOB"
	if s.dialect == Postgres {
		blob = "BYTEA"
	}
	p := s.prefix
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ` + p + `accounts (tenant TEXT NOT NULL, account TEXT NOT NULL,
			wrapped_key ` + blob + ` NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (tenant, account))`,
		`CREATE TABLE IF NOT EXISTS ` + p + `credentials (tenant TEXT NOT NULL, account TEXT NOT NULL, id TEXT NOT NULL,
			received_at BIGINT NOT NULL, meta ` + blob + ` NOT NULL, body ` + blob + ` NOT NULL, PRIMARY KEY (tenant, account, id))`,
		`CREATE TABLE IF NOT EXISTS ` + p + `offerings (tenant TEXT NOT NULL, account TEXT NOT NULL, id TEXT NOT NULL,
			created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, data ` + blob + ` NOT NULL, PRIMARY KEY (tenant, account, id))`,
		`CREATE INDEX IF NOT EXISTS ` + p + `offerings_expiry ON ` + p + `offerings (expires_at)`,
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%w: migrate: %w", ErrStore, err)
		}
	}
	return nil
}

// q rewrites ? placeholders to $n for PostgreSQL.
func (s *Store) q(query string) string {
	if s.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// checkNames validates tenant and account as key engine names.
func checkNames(tenant, account string) error {
	if err := (crypto.Context{Namespace: tenant, Group: account}).Validate(); err != nil || account == "" {
		return fmt.Errorf("%w: tenant %.64q / account %.64q", ErrInput, tenant, account)
	}
	return nil
}

func (s *Store) kek(tenant, account string) crypto.KeyRef {
	return crypto.KeyRef{Context: crypto.Context{Namespace: tenant, Group: s.keyGroup}, ID: account}
}

// aad binds a sealed value to where it is stored.
func aad(kind, tenant, account, id string) []byte {
	return []byte("wstack/walletsvc/v1\x00" + kind + "\x00" + tenant + "\x00" + account + "\x00" + id)
}

// accountKey returns the AEAD of the account's data key; with create it
// makes the data key (and the key-encryption key in the engine) when the
// account has none. Without create a missing account is ErrNotFound.
func (s *Store) accountKey(ctx context.Context, tenant, account string, create bool) (cipher.AEAD, error) {
	if err := checkNames(tenant, account); err != nil {
		return nil, err
	}
	ck := tenant + "\x00" + account
	s.mu.Lock()
	a, ok := s.aead[ck]
	s.mu.Unlock()
	if ok {
		return a, nil
	}
	wrapped, err := s.wrappedKey(ctx, tenant, account)
	if errors.Is(err, sql.ErrNoRows) {
		if !create {
			return nil, ErrNotFound
		}
		if wrapped, err = s.createKey(ctx, tenant, account); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	dek, err := s.engine.Decrypt(ctx, s.kek(tenant, account), wrapped, aad("dek", tenant, account, ""))
	if err != nil {
		return nil, fmt.Errorf("%w: data key of %s/%s: %w", ErrSealed, tenant, account, err)
	}
	defer clear(dek)
	blk, err := aes.NewCipher(dek)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSealed, err)
	}
	a, err = cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.aead) >= maxCachedKeys {
		for k := range s.aead { // evict an arbitrary entry
			delete(s.aead, k)
			break
		}
	}
	s.aead[ck] = a
	s.mu.Unlock()
	return a, nil
}

func (s *Store) wrappedKey(ctx context.Context, tenant, account string) ([]byte, error) {
	var wrapped []byte
	err := s.queryRow(ctx, s.q(`SELECT wrapped_key FROM `+s.prefix+`accounts WHERE tenant = ? AND account = ?`),
		tenant, account).Scan(&wrapped)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return wrapped, err
}

// createKey makes the account's data key. Replicas racing here agree: the
// first row inserted wins and everyone unwraps that one.
func (s *Store) createKey(ctx context.Context, tenant, account string) ([]byte, error) {
	ref := s.kek(tenant, account)
	if _, err := s.engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeAES256GCM}); err != nil && !errors.Is(err, crypto.ErrKeyExists) {
		return nil, fmt.Errorf("walletsvc: key-encryption key: %w", err)
	}
	dek := make([]byte, 32)
	if _, err := rand.Read(dek); err != nil {
		return nil, err
	}
	defer clear(dek)
	wrapped, err := s.engine.Encrypt(ctx, ref, dek, aad("dek", tenant, account, ""))
	if err != nil {
		return nil, fmt.Errorf("walletsvc: wrap data key: %w", err)
	}
	if _, err := s.exec(ctx, s.q(`INSERT INTO `+s.prefix+`accounts (tenant, account, wrapped_key, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (tenant, account) DO NOTHING`), tenant, account, wrapped, time.Now().UnixNano()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	w, err := s.wrappedKey(ctx, tenant, account)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func seal(a cipher.AEAD, plaintext, ad []byte) ([]byte, error) {
	out := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return a.Seal(out, out, plaintext, ad), nil
}

func open(a cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < a.NonceSize()+a.Overhead() {
		return nil, ErrSealed
	}
	p, err := a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], ad)
	if err != nil {
		return nil, ErrSealed
	}
	return p, nil
}

// Record is a stored credential with what the wallet service keeps beside
// the library's StoredCredential: the engine key it is bound to.
type Record struct {
	wallet.StoredCredential
	// HolderKey is the engine key the credential is bound to (it signs
	// the key binding JWTs of presentations).
	HolderKey crypto.KeyRef
}

// meta is the sealed metadata of a credential (everything but Raw).
type meta struct {
	Issuer          string    `json:"issuer"`
	ConfigurationID string    `json:"configuration_id"`
	Format          string    `json:"format"`
	VCT             string    `json:"vct,omitempty"`
	Types           []string  `json:"types,omitempty"`
	Thumbprint      string    `json:"holder_key_thumbprint,omitempty"`
	NotificationID  string    `json:"notification_id,omitempty"`
	HolderKey       string    `json:"holder_key,omitempty"` // namespace/group/id
	ReceivedAt      time.Time `json:"received_at"`
}

func parseRef(s string) crypto.KeyRef {
	parts := strings.SplitN(s, "/", 3)
	if len(parts) != 3 {
		return crypto.KeyRef{}
	}
	return crypto.KeyRef{Context: crypto.Context{Namespace: parts[0], Group: parts[1]}, ID: parts[2]}
}

// Account returns the view of one account's credentials as a
// wallet.Store. Credentials put through it are bound to holder (recorded
// with each credential; the zero KeyRef records none).
func (s *Store) Account(tenant, account string, holder crypto.KeyRef) *AccountStore {
	return &AccountStore{s: s, tenant: tenant, account: account, holder: holder}
}

// AccountStore is one account's credentials: the oid4vci/wallet.Store the
// retrieval client writes to, and what presentations read. Safe for
// concurrent use.
type AccountStore struct {
	s               *Store
	tenant, account string
	holder          crypto.KeyRef
}

var _ wallet.Store = (*AccountStore)(nil)

// Put stores (or replaces) c under c.ID, sealed.
func (a *AccountStore) Put(ctx context.Context, c *wallet.StoredCredential) error {
	if c == nil || c.ID == "" || !validID(c.ID) {
		return fmt.Errorf("%w: credential id", ErrInput)
	}
	aead, err := a.s.accountKey(ctx, a.tenant, a.account, true)
	if err != nil {
		return err
	}
	m := meta{Issuer: c.Issuer, ConfigurationID: c.ConfigurationID, Format: c.Format, VCT: c.VCT, Types: c.Types,
		Thumbprint: c.HolderKeyThumbprint, NotificationID: c.NotificationID, ReceivedAt: c.ReceivedAt.UTC()}
	if a.holder.ID != "" {
		m.HolderKey = a.holder.String()
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return err
	}
	sm, err := seal(aead, mj, aad("credential-meta", a.tenant, a.account, c.ID))
	if err != nil {
		return err
	}
	sb, err := seal(aead, []byte(c.Raw), aad("credential", a.tenant, a.account, c.ID))
	if err != nil {
		return err
	}
	_, err = a.s.exec(ctx, a.s.q(`INSERT INTO `+a.s.prefix+`credentials (tenant, account, id, received_at, meta, body)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, account, id) DO UPDATE SET
		received_at = excluded.received_at, meta = excluded.meta, body = excluded.body`),
		a.tenant, a.account, c.ID, c.ReceivedAt.UnixNano(), sm, sb)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	return nil
}

// Records returns the account's credentials (with Raw when withRaw),
// oldest first.
func (a *AccountStore) Records(ctx context.Context, withRaw bool) ([]*Record, error) {
	aead, err := a.s.accountKey(ctx, a.tenant, a.account, false)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cols := "id, meta"
	if withRaw {
		cols += ", body"
	}
	rows, err := a.s.query(ctx, a.s.q(`SELECT `+cols+` FROM `+a.s.prefix+`credentials
		WHERE tenant = ? AND account = ? ORDER BY received_at, id`), a.tenant, a.account)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		var id string
		var sm, sb []byte
		dst := []any{&id, &sm}
		if withRaw {
			dst = append(dst, &sb)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrStore, err)
		}
		r, err := a.decode(aead, id, sm, sb, withRaw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return out, nil
}

func (a *AccountStore) decode(aead cipher.AEAD, id string, sm, sb []byte, withRaw bool) (*Record, error) {
	mj, err := open(aead, sm, aad("credential-meta", a.tenant, a.account, id))
	if err != nil {
		return nil, fmt.Errorf("%w: credential %s", err, id)
	}
	var m meta
	if err := json.Unmarshal(mj, &m); err != nil {
		return nil, fmt.Errorf("%w: credential %s metadata: %w", ErrSealed, id, err)
	}
	r := &Record{StoredCredential: wallet.StoredCredential{ID: id, Issuer: m.Issuer, ConfigurationID: m.ConfigurationID,
		Format: m.Format, VCT: m.VCT, Types: m.Types, HolderKeyThumbprint: m.Thumbprint, NotificationID: m.NotificationID,
		ReceivedAt: m.ReceivedAt}, HolderKey: parseRef(m.HolderKey)}
	if withRaw {
		raw, err := open(aead, sb, aad("credential", a.tenant, a.account, id))
		if err != nil {
			return nil, fmt.Errorf("%w: credential %s", err, id)
		}
		r.Raw = string(raw)
	}
	return r, nil
}

// List returns the matching credentials, oldest first. The filter runs
// after decryption: nothing it matches on is stored in clear.
func (a *AccountStore) List(ctx context.Context, f wallet.Filter) ([]*wallet.StoredCredential, error) {
	recs, err := a.Records(ctx, true)
	if err != nil {
		return nil, err
	}
	out := []*wallet.StoredCredential{}
	for _, r := range recs {
		c := r.StoredCredential
		if (f.Issuer == "" || f.Issuer == c.Issuer) && (f.Format == "" || f.Format == c.Format) &&
			(f.VCT == "" || f.VCT == c.VCT) && (f.Type == "" || slices.Contains(c.Types, f.Type)) {
			out = append(out, &c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.Before(out[j].ReceivedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// IDs returns the ids of the account's credentials, oldest first, without
// opening anything (ids are random and stored in clear).
func (a *AccountStore) IDs(ctx context.Context) ([]string, error) {
	rows, err := a.s.query(ctx, a.s.q(`SELECT id FROM `+a.s.prefix+`credentials
		WHERE tenant = ? AND account = ? ORDER BY received_at, id`), a.tenant, a.account)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrStore, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return ids, nil
}

// Record returns one credential with its Raw form.
func (a *AccountStore) Record(ctx context.Context, id string) (*Record, error) {
	aead, err := a.s.accountKey(ctx, a.tenant, a.account, false)
	if err != nil {
		return nil, err
	}
	var sm, sb []byte
	err = a.s.queryRow(ctx, a.s.q(`SELECT meta, body FROM `+a.s.prefix+`credentials
		WHERE tenant = ? AND account = ? AND id = ?`), a.tenant, a.account, id).Scan(&sm, &sb)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return a.decode(aead, id, sm, sb, true)
}

// Get returns the credential with that id (ErrNotFound when this account
// has none).
func (a *AccountStore) Get(ctx context.Context, id string) (*wallet.StoredCredential, error) {
	r, err := a.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	return &r.StoredCredential, nil
}

// Delete removes the credential with that id (ErrNotFound when this
// account has none).
func (a *AccountStore) Delete(ctx context.Context, id string) error {
	res, err := a.s.exec(ctx, a.s.q(`DELETE FROM `+a.s.prefix+`credentials WHERE tenant = ? AND account = ? AND id = ?`),
		a.tenant, a.account, id)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// validID accepts the ids the service generates and the library's (base64url
// or hex, at most 128 characters).
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// --- pending offerings ---

// putOffering stores a pending offering's sealed data until expires.
func (s *Store) putOffering(ctx context.Context, tenant, account, id string, created, expires time.Time, data []byte) error {
	aead, err := s.accountKey(ctx, tenant, account, true)
	if err != nil {
		return err
	}
	sealed, err := seal(aead, data, aad("offering", tenant, account, id))
	if err != nil {
		return err
	}
	if _, err := s.exec(ctx, s.q(`INSERT INTO `+s.prefix+`offerings (tenant, account, id, created_at, expires_at, data)
		VALUES (?, ?, ?, ?, ?, ?)`), tenant, account, id, created.UnixNano(), expires.UnixNano(), sealed); err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	return nil
}

// offerings returns the account's unexpired offerings' data (id → data),
// in creation order; id "" lists all.
func (s *Store) offerings(ctx context.Context, tenant, account, id string, now time.Time) ([]string, [][]byte, error) {
	aead, err := s.accountKey(ctx, tenant, account, false)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	q := `SELECT id, data FROM ` + s.prefix + `offerings WHERE tenant = ? AND account = ? AND expires_at > ?`
	args := []any{tenant, account, now.UnixNano()}
	if id != "" {
		q += ` AND id = ?`
		args = append(args, id)
	}
	rows, err := s.query(ctx, s.q(q+` ORDER BY created_at, id`), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	defer rows.Close()
	var ids []string
	var out [][]byte
	for rows.Next() {
		var oid string
		var sealed []byte
		if err := rows.Scan(&oid, &sealed); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrStore, err)
		}
		p, err := open(aead, sealed, aad("offering", tenant, account, oid))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: offering %s", err, oid)
		}
		ids, out = append(ids, oid), append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return ids, out, nil
}

// deleteOffering removes an offering; it reports whether one was there.
func (s *Store) deleteOffering(ctx context.Context, tenant, account, id string) (bool, error) {
	res, err := s.exec(ctx, s.q(`DELETE FROM `+s.prefix+`offerings WHERE tenant = ? AND account = ? AND id = ?`),
		tenant, account, id)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrStore, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteExpiredOfferings removes offerings past their expiry and returns
// how many.
func (s *Store) DeleteExpiredOfferings(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, s.q(`DELETE FROM `+s.prefix+`offerings WHERE expires_at <= ?`), now.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrStore, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
