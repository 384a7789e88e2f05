package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/statuslist/sqlstore"
)

// benchAllocate measures Allocator.Allocate throughput with concurrent
// callers (GOMAXPROCS × 4 goroutines) against one store.
func benchAllocate(b *testing.B, s statuslist.Store, batch int) {
	a := statuslist.NewAllocator(s, statuslist.WithBatch(batch))
	cfg := statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Allocate(context.Background(), "tenant", "pool", cfg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkAllocateSQLite(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchAllocate(b, s, batch)
		})
	}
}

func BenchmarkAllocatePostgres(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchAllocate(b, openPostgres(b), batch)
		})
	}
}

func BenchmarkSetStatusSQLite(b *testing.B) {
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	a := statuslist.NewAllocator(s)
	al, err := a.Allocate(ctx, "t", "p", statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := a.SetStatus(ctx, "t", al.ListID, al.Index, statuslist.Status(2*(i%2))); err != nil {
			b.Fatal(err)
		}
	}
}
