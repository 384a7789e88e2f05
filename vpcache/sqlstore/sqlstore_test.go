package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/sqlstore"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

// runID makes table names unique per test run, so parallel runs against one
// PostgreSQL database do not collide.
var runID = func() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}()

var tableSeq atomic.Int64

func uniqueTable() string {
	return "vpcache_t_" + runID + "_" + itoa(tableSeq.Add(1))
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}

func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN is not set; CI must run the PostgreSQL tests")
		}
		t.Skip("PostgreSQL tests skipped: set WSTACK_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return dsn
}

func newSQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "vpcache.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newPostgres(t testing.TB, table string) *sqlstore.Store {
	t.Helper()
	dsn := postgresDSN(t)
	s, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.WithTable(table))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = s.DB().ExecContext(ctx, "DROP TABLE IF EXISTS "+table)
		_, _ = s.DB().ExecContext(ctx, "DROP TABLE IF EXISTS "+table+"_schema_version")
		_ = s.Close()
	})
	return s
}

func TestSQLiteContract(t *testing.T) {
	vpcachetest.Run(t, func(t *testing.T) vpcache.Store { return newSQLite(t) })
}

func TestPostgresContract(t *testing.T) {
	postgresDSN(t)
	vpcachetest.Run(t, func(t *testing.T) vpcache.Store { return newPostgres(t, uniqueTable()) })
}

func TestSQLiteSettings(t *testing.T) {
	s := newSQLite(t)
	var mode string
	require.NoError(t, s.DB().QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
	var busy int
	require.NoError(t, s.DB().QueryRow("PRAGMA busy_timeout").Scan(&busy))
	require.Equal(t, int(sqlstore.DefaultBusyTimeout.Milliseconds()), busy)
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "db")
	s1, err := sqlstore.OpenSQLite(ctx, p)
	require.NoError(t, err)
	k, err := vpcache.NewKey("pc", "did:web:a.example", []string{"s"})
	require.NoError(t, err)
	_, err = s1.Put(ctx, vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "f", Raw: "r"}},
		CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch.Add(time.Hour)})
	require.NoError(t, err)
	v, err := s1.SchemaVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	require.NoError(t, s1.Close())

	s2, err := sqlstore.OpenSQLite(ctx, p)
	require.NoError(t, err)
	defer s2.Close()
	_, err = s2.Get(ctx, k)
	require.NoError(t, err, "reopening keeps data and does not re-run migrations")
	var n int
	require.NoError(t, s2.DB().QueryRow("SELECT COUNT(*) FROM edc_vp_cache_schema_version").Scan(&n))
	require.Equal(t, 1, n)
	var idx int
	require.NoError(t, s2.DB().QueryRow(
		"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('edc_vp_cache_did_idx', 'edc_vp_cache_expires_idx')").Scan(&idx))
	require.Equal(t, 2, idx)
}

func TestRow60TableNameNotInjectable(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"", "x; DROP TABLE y", "Upper", "a-b", "1abc", "tbl\"", "schema.table",
		"a_very_long_table_name_that_exceeds_the_limit_of_48_chars"} {
		_, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "db"), sqlstore.WithTable(name))
		require.ErrorIs(t, err, vpcache.ErrConfig, name)
	}
	_, err := sqlstore.OpenSQLite(ctx, "a?mode=memory")
	require.ErrorIs(t, err, vpcache.ErrConfig)
	_, err = sqlstore.New(ctx, nil, sqlstore.SQLite)
	require.ErrorIs(t, err, vpcache.ErrConfig)
}

func TestOpenFromConfig(t *testing.T) {
	ctx := context.Background()
	cfg := vpcache.DefaultConfig()
	s, closeFn, err := sqlstore.Open(ctx, cfg)
	require.NoError(t, err)
	require.IsType(t, &vpcache.MemoryStore{}, s)
	require.NoError(t, closeFn())

	cfg.Backend = vpcache.BackendSQLite
	cfg.DSN = filepath.Join(t.TempDir(), "cfg.db")
	cfg.Table = "cfg_cache"
	s, closeFn, err = sqlstore.Open(ctx, cfg)
	require.NoError(t, err)
	require.Equal(t, "cfg_cache", s.(*sqlstore.Store).Table())
	require.NoError(t, closeFn())

	cfg.DSN = ""
	_, _, err = sqlstore.Open(ctx, cfg)
	require.ErrorIs(t, err, vpcache.ErrConfig)
}

func TestOpenFromConfigPostgresL1(t *testing.T) {
	table := uniqueTable()
	newPostgres(t, table)
	cfg := vpcache.DefaultConfig()
	cfg.Backend, cfg.DSN, cfg.Table, cfg.L1TTL = vpcache.BackendPostgres, postgresDSN(t), table, 5*time.Second
	s, closeFn, err := sqlstore.Open(context.Background(), cfg)
	require.NoError(t, err)
	require.IsType(t, &vpcache.TieredStore{}, s)
	k, err := vpcache.NewKey("pc", "did:web:a.example", nil)
	require.NoError(t, err)
	_, err = s.Put(context.Background(), vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "f", Raw: "r"}},
		CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch.Add(time.Hour)})
	require.NoError(t, err)
	require.NoError(t, closeFn())
}

// TestPostgresReplicasShareInvalidation: two replicas (separate pools) on one
// table; an invalidation through one is seen by the other at once.
func TestPostgresReplicasShareInvalidation(t *testing.T) {
	table := uniqueTable()
	a := newPostgres(t, table)
	b, err := sqlstore.OpenPostgres(context.Background(), postgresDSN(t), sqlstore.WithTable(table))
	require.NoError(t, err, "second replica migrates concurrently-safe and idempotently")
	defer b.Close()

	clock := vpcachetest.NewClock(vpcachetest.Epoch)
	ver := &vpcachetest.Verifier{}
	mk := func(s vpcache.Store) *vpcache.Cache {
		c, err := vpcache.New(s, ver, vpcache.WithClock(clock.Now), vpcache.WithParser(ver),
			vpcache.WithStatusChecker(vpcachetest.NewStatusList()), vpcache.WithReaperInterval(0))
		require.NoError(t, err)
		return c
	}
	ca, cb := mk(a), mk(b)
	ctx := context.Background()
	k, err := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, []string{vpcachetest.Scope})
	require.NoError(t, err)
	_, err = ca.Store(ctx, k, []vpcache.Presentation{vpcachetest.ValidPresentation(vpcachetest.DID).Encode()})
	require.NoError(t, err)
	_, err = cb.Query(ctx, k)
	require.NoError(t, err, "replica b sees a's entry")

	h, err := vpcache.NewInvalidationHandler(cb, vpcache.AuthenticatorFunc(func(_ *http.Request, _ vpcache.InvalidationRequest) error { return nil }))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/?participantId="+vpcachetest.DID, nil))
	require.Equal(t, http.StatusNoContent, rec.Code)
	_, err = ca.Query(ctx, k)
	require.ErrorIs(t, err, vpcache.ErrNotFound, "invalidation through b reached a")
}

func TestPostgresMigrationConcurrent(t *testing.T) {
	table := uniqueTable()
	dsn := postgresDSN(t)
	errs := make(chan error, 4)
	stores := make(chan *sqlstore.Store, 4)
	for range 4 {
		go func() {
			s, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.WithTable(table))
			errs <- err
			stores <- s
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
		s := <-stores
		t.Cleanup(func() { _ = s.Close() })
	}
	s := newPostgres(t, table) // registers the DROP cleanup
	v, err := s.SchemaVersion(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, v)
}

// TestSQLiteTwoHandlesConcurrentWrites: two stores on one file (as two
// processes would have) write concurrently; WAL plus the busy timeout and
// immediate transactions serialise them without SQLITE_BUSY errors.
func TestSQLiteTwoHandlesConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "shared.db")
	a, err := sqlstore.OpenSQLite(ctx, p)
	require.NoError(t, err)
	defer a.Close()
	b, err := sqlstore.OpenSQLite(ctx, p)
	require.NoError(t, err)
	defer b.Close()
	concurrentUpserts(t, a, b)
}

// TestPostgresConcurrentUpserts: two replicas upsert one key concurrently;
// the upsert is atomic and every write gets its own version.
func TestPostgresConcurrentUpserts(t *testing.T) {
	table := uniqueTable()
	a := newPostgres(t, table)
	b, err := sqlstore.OpenPostgres(context.Background(), postgresDSN(t), sqlstore.WithTable(table))
	require.NoError(t, err)
	defer b.Close()
	concurrentUpserts(t, a, b)
}

func concurrentUpserts(t *testing.T, a, b *sqlstore.Store) {
	ctx := context.Background()
	k, err := vpcache.NewKey("pc", "did:web:a.example", []string{"s"})
	require.NoError(t, err)
	e := vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "f", Raw: "r"}},
		CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch.Add(time.Hour)}
	const n = 50
	errs := make(chan error, 2*n)
	versions := make(chan int64, 2*n)
	for _, s := range []*sqlstore.Store{a, b} {
		go func() {
			for range n {
				v, err := s.Put(ctx, e)
				errs <- err
				versions <- v
			}
		}()
	}
	seen := map[int64]bool{}
	for range 2 * n {
		require.NoError(t, <-errs)
		v := <-versions
		require.False(t, seen[v], "every write gets its own version")
		seen[v] = true
	}
	got, err := b.Get(ctx, k)
	require.NoError(t, err)
	require.True(t, seen[got.Version])
	var rows int
	require.NoError(t, a.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+a.Table()).Scan(&rows))
	require.Equal(t, 1, rows)
}
