package sqlregistry_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocmw/wstack/wellknown"
	"github.com/ocmw/wstack/wellknown/registrytest"
	"github.com/ocmw/wstack/wellknown/sqlregistry"
)

func uniquePrefix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "wk_" + hex.EncodeToString(b)
}

func TestSQLiteContract(t *testing.T) {
	registrytest.Run(t, func(t *testing.T) wellknown.Registry {
		r, err := sqlregistry.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "wellknown.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	})
}

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

func TestPostgresContract(t *testing.T) {
	dsn := postgresDSN(t)
	registrytest.Run(t, func(t *testing.T) wellknown.Registry {
		prefix := uniquePrefix()
		r, err := sqlregistry.OpenPostgres(context.Background(), dsn, sqlregistry.WithTablePrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			r.DB().Exec(`DROP TABLE IF EXISTS ` + prefix + `_configurations`)
			r.Close()
		})
		return r
	})
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := sqlregistry.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"), sqlregistry.WithTablePrefix("bad-prefix; DROP")); err == nil {
		t.Fatal("bad prefix accepted")
	}
	if _, err := sqlregistry.OpenSQLite(ctx, "x.db?mode=memory"); err == nil {
		t.Fatal("DSN parameters in the path accepted")
	}
	p := filepath.Join(t.TempDir(), "re.db")
	r1, err := sqlregistry.OpenSQLite(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	r1.Close()
	r2, err := sqlregistry.OpenSQLite(ctx, p)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	r2.Close()
}
