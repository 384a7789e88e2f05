package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/verifier/sqlstore"
	"github.com/ocmw/wstack/oid4vp/verifier/storetest"
)

var runID = func() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()

var seq atomic.Int64

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) verifier.Store {
		s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "tx.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// postgresDSN returns WSTACK_TEST_POSTGRES_DSN, or skips (fails on CI).
func postgresDSN(t testing.TB) string {
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN is not set; CI must run the PostgreSQL tests")
		}
		t.Skip("PostgreSQL tests skipped: set WSTACK_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return dsn
}

func TestPostgres(t *testing.T) {
	dsn := postgresDSN(t)
	storetest.Run(t, func(t *testing.T) verifier.Store {
		table := "oid4vp_t_" + runID + "_" + itoa(seq.Add(1))
		s, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.WithTable(table))
		require.NoError(t, err)
		t.Cleanup(func() {
			_, _ = s.DB().ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table)
			_ = s.Close()
		})
		return s
	})
}

func itoa(n int64) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

func TestConfig(t *testing.T) {
	ctx := context.Background()
	_, err := sqlstore.OpenSQLite(ctx, "a?b")
	require.ErrorIs(t, err, sqlstore.ErrConfig)
	_, err = sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"), sqlstore.WithTable("Bad-Name"))
	require.ErrorIs(t, err, sqlstore.ErrConfig)
	_, err = sqlstore.OpenPostgres(ctx, "")
	require.ErrorIs(t, err, sqlstore.ErrConfig)
	_, err = sqlstore.New(ctx, nil, sqlstore.SQLite)
	require.ErrorIs(t, err, sqlstore.ErrConfig)
}
