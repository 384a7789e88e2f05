package vpcachetest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/ocmw/wstack/vpcache"
)

// benchPresentation is about the size of a real JWT VP with one credential
// (~2.5 KiB).
func benchPresentation(holder string) vpcache.Presentation {
	p := ValidPresentation(holder)
	p.Nonce = strings.Repeat("x", 2048)
	return p.Encode()
}

func benchCache(b *testing.B, s vpcache.Store) *vpcache.Cache {
	b.Helper()
	ver := &Verifier{}
	c, err := vpcache.New(s, ver, vpcache.WithParser(ver), vpcache.WithStatusChecker(NewStatusList()),
		vpcache.WithClock(NewClock(Epoch).Now), vpcache.WithReaperInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

func benchKeys(b *testing.B, c *vpcache.Cache, n int) []vpcache.Key {
	b.Helper()
	keys := make([]vpcache.Key, n)
	for i := range keys {
		did := fmt.Sprintf("did:web:counterparty-%d.example", i)
		k, err := vpcache.NewKey(PC, did, []string{Scope})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Store(context.Background(), k, []vpcache.Presentation{benchPresentation(did)}); err != nil {
			b.Fatal(err)
		}
		keys[i] = k
	}
	return keys
}

// BenchQueryHit measures Cache.Query hits on s (one of 100 stored entries
// per iteration), including the validity and status checks.
func BenchQueryHit(b *testing.B, s vpcache.Store) {
	c := benchCache(b, s)
	keys := benchKeys(b, c, 100)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Query(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchStore measures Cache.Store (verification through the fake verifier,
// checks and the store's upsert) on s, over 100 keys.
func BenchStore(b *testing.B, s vpcache.Store) {
	c := benchCache(b, s)
	keys := benchKeys(b, c, 100)
	ctx := context.Background()
	ps := make([][]vpcache.Presentation, len(keys))
	for i, k := range keys {
		ps[i] = []vpcache.Presentation{benchPresentation(k.CounterpartyDID)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Store(ctx, keys[i%len(keys)], ps[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchParallelHit measures hit throughput with the given number of
// concurrent readers (at least; rounded up to a multiple of GOMAXPROCS).
func BenchParallelHit(b *testing.B, s vpcache.Store, readers int) {
	c := benchCache(b, s)
	keys := benchKeys(b, c, 100)
	ctx := context.Background()
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((readers + procs - 1) / procs)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Query(ctx, keys[i%len(keys)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
