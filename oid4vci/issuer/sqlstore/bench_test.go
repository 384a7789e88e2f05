package sqlstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkParallelNonces: 16 goroutines each storing and consuming
// c_nonces on one SQLite store (two single-statement writes per op, the
// shape of the issuer's write load).
func BenchmarkParallelNonces(b *testing.B) {
	s := newSQLite(b)
	ctx := context.Background()
	var n atomic.Int64
	exp := time.Now().Add(time.Hour)
	b.SetParallelism(8) // × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := "n" + strconv.FormatInt(n.Add(1), 10)
			if err := s.Nonces().Put(ctx, k, exp); err != nil {
				b.Error(err)
				return
			}
			if err := s.Nonces().Consume(ctx, k, time.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "writes/s")
}
