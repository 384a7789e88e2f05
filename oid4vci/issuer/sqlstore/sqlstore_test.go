package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci/issuer/issuertest"
	"github.com/ocmw/wstack/oid4vci/issuer/sqlstore"
)

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

func stores(s *sqlstore.Store) issuertest.Stores {
	return issuertest.Stores{Offers: s.Offers(), Nonces: s.Nonces(), Replays: s.Replays(), Transactions: s.Transactions(), Notifications: s.Notifications(), RefreshTokens: s.RefreshTokens()}
}

// NewSQLite opens a fresh SQLite store in a temporary directory.
func newSQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "issuer.db"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newPostgres opens a store with a per-test table prefix and drops the
// tables afterwards.
func newPostgres(t testing.TB) *sqlstore.Store {
	t.Helper()
	prefix := "t" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name()))
	if len(prefix) > 32 {
		prefix = prefix[len(prefix)-32:]
		prefix = "t" + prefix[1:]
	}
	s, err := sqlstore.OpenPostgres(context.Background(), postgresDSN(t), prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, tb := range s.Tables() {
			_, _ = s.DB().ExecContext(context.Background(), "DROP TABLE IF EXISTS "+tb)
		}
		_ = s.Close()
	})
	return s
}

// TestSQLiteContract: the contract suite with 1,000 concurrent redemptions
// of one code (exactly one success).
func TestSQLiteContract(t *testing.T) {
	issuertest.Run(t, func(t *testing.T) issuertest.Stores { return stores(newSQLite(t)) }, issuertest.Options{Concurrency: 1000})
}

// TestPostgresContract: the same against PostgreSQL.
func TestPostgresContract(t *testing.T) {
	postgresDSN(t)
	issuertest.Run(t, func(t *testing.T) issuertest.Stores { return stores(newPostgres(t)) }, issuertest.Options{Concurrency: 1000})
}

func TestReap(t *testing.T) {
	s := newSQLite(t)
	ctx := context.Background()
	now := time.Now()
	if err := s.Nonces().Put(ctx, "a", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Nonces().Put(ctx, "b", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := s.Reap(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("reaped %d, %v", n, err)
	}
	if err := s.Nonces().Consume(ctx, "b", now); err != nil {
		t.Fatal(err)
	}
}

func TestConfigRejects(t *testing.T) {
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"bad prefix": func() error {
			_, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"), "Robert'); DROP TABLE")
			return err
		},
		"empty path":  func() error { _, err := sqlstore.OpenSQLite(ctx, "", ""); return err },
		"query path":  func() error { _, err := sqlstore.OpenSQLite(ctx, "x.db?mode=ro", ""); return err },
		"nil db":      func() error { _, err := sqlstore.New(ctx, nil, sqlstore.SQLite, ""); return err },
		"empty dsn":   func() error { _, err := sqlstore.OpenPostgres(ctx, "", ""); return err },
		"bad dialect": func() error { _, err := sqlstore.New(ctx, newSQLite(t).DB(), 7, ""); return err },
	} {
		t.Run(name, func(t *testing.T) {
			if f() == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestMigrationFromUnversioned: a database made by the schema before
// versioning (version 1 tables, no prefix_schema) is migrated to the
// current version; its offers survive and gain the new columns; opening
// again changes nothing.
func TestMigrationFromUnversioned(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{
		`CREATE TABLE oid4vci_offers (id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, config_ids TEXT NOT NULL,
			claims TEXT NOT NULL, tx_hash TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, redeemed INTEGER NOT NULL DEFAULT 0, document BLOB,
			expires_at BIGINT NOT NULL, grant_expires_at BIGINT NOT NULL DEFAULT 0, client_id TEXT NOT NULL DEFAULT '', dpop_jkt TEXT NOT NULL DEFAULT '')`,
		`INSERT INTO oid4vci_offers (id, code_hash, subject, config_ids, claims, tx_hash, expires_at) VALUES ('o1', 'h1', 's', '["a"]', '{}', '', ` +
			fmt.Sprint(time.Now().Add(time.Hour).UnixMicro()) + `)`,
	} {
		if _, err := db.ExecContext(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.Close()
	for k := 0; k < 2; k++ {
		s, err := sqlstore.OpenSQLite(ctx, path, "")
		if err != nil {
			t.Fatal(err)
		}
		o, err := s.Offers().Get(ctx, "o1", time.Now())
		if err != nil || o.Subject != "s" || o.IssuerStateHash != "" {
			t.Fatalf("%+v %v", o, err)
		}
		var v int
		if err := s.DB().QueryRowContext(ctx, `SELECT MAX(version) FROM oid4vci_schema`).Scan(&v); err != nil || v != sqlstore.SchemaVersion {
			t.Fatalf("version %d %v", v, err)
		}
		_ = s.Close()
	}
}
