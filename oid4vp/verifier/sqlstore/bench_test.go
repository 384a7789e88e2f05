package sqlstore_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/verifier/sqlstore"
	"github.com/ocmw/wstack/oid4vp/verifier/storetest"
)

// benchBackends runs fn as the sub-benchmarks "sqlite" (a fresh file in
// b.TempDir()) and "postgres" (a fresh table, dropped afterwards; skipped
// unless WSTACK_TEST_POSTGRES_DSN is set).
func benchBackends(b *testing.B, fn func(b *testing.B, s *sqlstore.Store)) {
	ctx := context.Background()
	b.Run("sqlite", func(b *testing.B) {
		s, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), "tx.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		fn(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := postgresDSN(b)
		table := "oid4vp_b_" + runID + "_" + itoa(seq.Add(1))
		s, err := sqlstore.OpenPostgres(ctx, dsn, sqlstore.WithTable(table))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			_, _ = s.DB().ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table)
			_ = s.Close()
		})
		fn(b, s)
	})
}

// benchRecords is how many transactions Get and Update cycle over.
const benchRecords = 1000

// seed creates benchRecords sample transactions and returns their ids.
func seed(b *testing.B, s *sqlstore.Store) []string {
	b.Helper()
	ctx := context.Background()
	ids := make([]string, benchRecords)
	for i := range ids {
		ids[i] = "tx" + strconv.Itoa(i)
		if err := s.Create(ctx, storetest.Sample(ids[i])); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// BenchmarkCreate measures Store.Create: one INSERT of a new transaction (a fresh id per iteration).
func BenchmarkCreate(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *sqlstore.Store) {
		ctx := context.Background()
		r := storetest.Sample("")
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			r.ID = "c" + strconv.Itoa(i)
			if err := s.Create(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGet measures Store.Get: loading and decoding one of 1000 stored transactions.
func BenchmarkGet(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *sqlstore.Store) {
		ctx := context.Background()
		ids := seed(b, s)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			id := ids[i%len(ids)]
			r, err := s.Get(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			if r.ID != id {
				b.Fatalf("got %q, want %q", r.ID, id)
			}
		}
	})
}

// BenchmarkUpdate measures Store.Update: the locked read-modify-write transaction of a request_uri fetch (status request_fetched, Fetches+1) on one of 1000 transactions.
func BenchmarkUpdate(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *sqlstore.Store) {
		ctx := context.Background()
		ids := seed(b, s)
		fetched := func(r *verifier.Record) error {
			r.Status = verifier.StatusFetched
			r.Fetches++
			return nil
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			r, err := s.Update(ctx, ids[i%len(ids)], fetched)
			if err != nil {
				b.Fatal(err)
			}
			if r.Status != verifier.StatusFetched {
				b.Fatalf("status %q", r.Status)
			}
		}
	})
}
