package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/statuslist/sqlstore"
	"github.com/ocmw/wstack/statuslist/storetest"
)

func uniquePrefix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "sl_" + hex.EncodeToString(b)
}

func TestSQLiteContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) statuslist.Store {
		s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "status.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func postgresDSN(t testing.TB) string {
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN is not set; CI must run the PostgreSQL tests")
		}
		t.Skip("PostgreSQL tests skipped: set WSTACK_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)")
	}
	return dsn
}

func openPostgres(t testing.TB) *sqlstore.Store {
	prefix := uniquePrefix()
	s, err := sqlstore.OpenPostgres(context.Background(), postgresDSN(t), sqlstore.WithTablePrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.DB().Exec(`DROP TABLE IF EXISTS ` + prefix + `_entries`)
		s.DB().Exec(`DROP TABLE IF EXISTS ` + prefix + `_lists`)
		s.Close()
	})
	return s
}

func TestPostgresContract(t *testing.T) {
	postgresDSN(t)
	storetest.Run(t, func(t *testing.T) statuslist.Store { return openPostgres(t) })
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"), sqlstore.WithTablePrefix("bad-prefix; DROP")); err == nil {
		t.Fatal("bad prefix accepted")
	}
	if _, err := sqlstore.OpenSQLite(ctx, "x.db?mode=memory"); err == nil {
		t.Fatal("DSN parameters in the path accepted")
	}
	// Reopening applies the schema idempotently and keeps data.
	p := filepath.Join(t.TempDir(), "re.db")
	s1, err := sqlstore.OpenSQLite(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	a := statuslist.NewAllocator(s1)
	al, err := a.Allocate(ctx, "t", "p", statuslist.ListConfig{Format: statuslist.FormatIETF})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, "t", al.ListID, al.Index); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2, err := sqlstore.OpenSQLite(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, l, err := statuslist.LoadList(ctx, s2, "t", al.ListID)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Get(al.Index); v != statuslist.Invalid {
		t.Fatalf("status after reopen %v", v)
	}
}
