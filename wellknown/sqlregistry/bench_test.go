package sqlregistry_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ocmw/wstack/wellknown"
	"github.com/ocmw/wstack/wellknown/sqlregistry"
)

// benchBackends runs fn as the sub-benchmarks "sqlite" (a fresh file in
// b.TempDir()) and "postgres" (a fresh table prefix, dropped afterwards;
// skipped unless WSTACK_TEST_POSTGRES_DSN is set).
func benchBackends(b *testing.B, fn func(b *testing.B, r *sqlregistry.Registry)) {
	ctx := context.Background()
	b.Run("sqlite", func(b *testing.B) {
		r, err := sqlregistry.OpenSQLite(ctx, filepath.Join(b.TempDir(), "wellknown.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { r.Close() })
		fn(b, r)
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := postgresDSN(b)
		prefix := uniquePrefix()
		r, err := sqlregistry.OpenPostgres(ctx, dsn, sqlregistry.WithTablePrefix(prefix))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			r.DB().Exec(`DROP TABLE IF EXISTS ` + prefix + `_configurations`)
			r.Close()
		})
		fn(b, r)
	})
}

var benchT0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// benchRegistration is source's broadcast of n configurations ids
// <source>-0 … <source>-(n-1).
func benchRegistration(tenant, source string, n int) wellknown.Registration {
	reg := wellknown.Registration{Tenant: tenant, Source: source, Seen: benchT0, Configurations: map[string][]byte{}}
	for i := range n {
		id := source + "-" + strconv.Itoa(i)
		reg.Configurations[id] = []byte(`{"format":"dc+sd-jwt","topic":"issuer.` + source + `","vct":"https://vct.example/` + id + `"}`)
	}
	return reg
}

// BenchmarkUpsertRefresh measures Registry.Upsert of a plugin's periodic rebroadcast: 4 known configurations, conflict-checked and their last_seen advanced.
func BenchmarkUpsertRefresh(b *testing.B) {
	benchBackends(b, func(b *testing.B, r *sqlregistry.Registry) {
		ctx := context.Background()
		reg := benchRegistration("tenant-a", "plugin-a", 4)
		// Another plugin's live configurations on the same tenant.
		if err := r.Upsert(ctx, benchRegistration("tenant-a", "plugin-b", 4), benchT0); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			reg.Seen = benchT0.Add(time.Duration(i) * time.Second)
			if err := r.Upsert(ctx, reg, reg.Seen.Add(-90*time.Second)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUpsertNew measures Registry.Upsert of a registration with one configuration id not stored before (the insert path).
func BenchmarkUpsertNew(b *testing.B) {
	benchBackends(b, func(b *testing.B, r *sqlregistry.Registry) {
		ctx := context.Background()
		cfg := []byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/new"}`)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			reg := wellknown.Registration{Tenant: "tenant-a", Source: "plugin-a", Seen: benchT0,
				Configurations: map[string][]byte{"new-" + strconv.Itoa(i): cfg}}
			if err := r.Upsert(ctx, reg, benchT0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkList measures Registry.List of a tenant holding 20 live configurations of 2 plugins (another tenant's 20 are not returned).
func BenchmarkList(b *testing.B) {
	benchBackends(b, func(b *testing.B, r *sqlregistry.Registry) {
		ctx := context.Background()
		for _, tenant := range []string{"tenant-a", "tenant-b"} {
			for _, src := range []string{"plugin-a", "plugin-b"} {
				if err := r.Upsert(ctx, benchRegistration(tenant, src, 10), benchT0); err != nil {
					b.Fatal(err)
				}
			}
		}
		since := benchT0.Add(-time.Minute)
		b.ReportAllocs()
		for b.Loop() {
			recs, err := r.List(ctx, "tenant-a", since)
			if err != nil {
				b.Fatal(err)
			}
			if len(recs) != 20 {
				b.Fatalf("%d records, want 20", len(recs))
			}
		}
	})
}
