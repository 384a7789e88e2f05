package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/sqlstore"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

// mixWorkers is the number of goroutines of the concurrent benchmarks.
const mixWorkers = 16

// mixKeys returns 4 participant contexts × 64 counterparties × 2 scope
// sets.
func mixKeys(tb testing.TB) []vpcache.Key {
	tb.Helper()
	var keys []vpcache.Key
	for pc := range 4 {
		for did := range 64 {
			for _, scopes := range [][]string{{"a"}, {"a", "b"}} {
				k, err := vpcache.NewKey(fmt.Sprintf("pc-%d", pc), fmt.Sprintf("did:web:cp-%d.example", did), scopes)
				if err != nil {
					tb.Fatal(err)
				}
				keys = append(keys, k)
			}
		}
	}
	return keys
}

func mixEntry(k vpcache.Key, raw string) vpcache.Entry {
	return vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "jwt_vp", Raw: raw}},
		CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch.Add(time.Hour)}
}

// benchMix runs b.N operations on s from mixWorkers goroutines: 70 % Get,
// 20 % Put, 5 % Delete(ByKey), 5 % Delete(ByCounterparty) (an
// invalidation of both scope sets) over 512 keys with 2.5 KiB
// presentations. It reports the throughput, the 50th and 99th percentile
// latency of one operation, the 99th of one write, and the longest.
func benchMix(b *testing.B, s vpcache.Store) {
	ctx := context.Background()
	keys := mixKeys(b)
	raw := strings.Repeat("x", 2500)
	for _, k := range keys {
		if _, err := s.Put(ctx, mixEntry(k, raw)); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	lat := make([][]time.Duration, mixWorkers)  // every operation
	wlat := make([][]time.Duration, mixWorkers) // writes (Put, Delete)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for w := range mixWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for next.Add(1) <= int64(b.N) {
				k := keys[rng.IntN(len(keys))]
				op := rng.IntN(100)
				t0 := time.Now()
				var err error
				switch {
				case op < 70:
					_, err = s.Get(ctx, k)
					if errors.Is(err, vpcache.ErrNotFound) {
						err = nil
					}
				case op < 90:
					_, err = s.Put(ctx, mixEntry(k, raw))
				case op < 95:
					_, err = s.Delete(ctx, vpcache.ByKey(k))
				default:
					_, err = s.Delete(ctx, vpcache.ByCounterparty(k.ParticipantContextID, k.CounterpartyDID))
				}
				d := time.Since(t0)
				lat[w] = append(lat[w], d)
				if op >= 70 {
					wlat[w] = append(wlat[w], d)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all, writes := slices.Concat(lat...), slices.Concat(wlat...)
	if len(all) == 0 || len(writes) == 0 {
		return
	}
	slices.Sort(all)
	slices.Sort(writes)
	pct := func(ds []time.Duration, p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds())
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(all, 0.50), "p50-µs")
	b.ReportMetric(pct(all, 0.99), "p99-µs")
	b.ReportMetric(pct(writes, 0.99), "write-p99-µs")
	b.ReportMetric(float64(all[len(all)-1].Microseconds()), "max-µs")
}

// BenchmarkConcurrentMixSQLite: the mix of benchMix on a SQLite file
// opened by OpenSQLite with its default connection policy.
func BenchmarkConcurrentMixSQLite(b *testing.B) { benchMix(b, newSQLite(b)) }

// BenchmarkConcurrentMixSQLiteConns: the same with WithMaxOpenConns(n).
func BenchmarkConcurrentMixSQLiteConns(b *testing.B) {
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			s, err := sqlstore.OpenSQLite(context.Background(), b.TempDir()+"/vpcache.db", sqlstore.WithMaxOpenConns(n))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			benchMix(b, s)
		})
	}
}

// BenchmarkConcurrentMixPostgres: the mix on PostgreSQL (pool unchanged).
func BenchmarkConcurrentMixPostgres(b *testing.B) { benchMix(b, newPostgres(b, uniqueTable())) }
