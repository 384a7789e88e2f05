package did_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/internal/lru"
)

// bigDoc is a document of about size bytes (one long alsoKnownAs entry).
func bigDoc(id string, size int) *did.Document {
	return &did.Document{ID: id, AlsoKnownAs: []string{"https://example.com/" + strings.Repeat("a", size)}}
}

// Issue #10 item 5: the cache honours its byte budget (documents sized by
// lru.SizeOf) and evicts the least recently used document, independently
// of MaxEntries.
func TestCachingResolverByteBudget(t *testing.T) {
	ctx := context.Background()
	const size = 100 << 10
	calls := map[string]*atomic.Int64{}
	for _, d := range []string{"did:ex:a", "did:ex:b", "did:ex:c", "did:ex:huge"} {
		calls[d] = &atomic.Int64{}
	}
	up := did.ResolverFunc(func(_ context.Context, d string) (*did.Document, error) {
		calls[d].Add(1)
		if d == "did:ex:huge" {
			return bigDoc(d, 10*size), nil
		}
		return bigDoc(d, size), nil
	})
	entry := lru.SizeOf(bigDoc("did:ex:a", size)) + lru.EntryOverhead
	budget := 2*entry + entry/2
	c := did.NewCachingResolver(up, did.CacheOptions{MaxBytes: budget})
	resolve := func(d string) {
		t.Helper()
		if _, err := c.Resolve(ctx, d); err != nil {
			t.Fatal(err)
		}
		if c.Bytes() > budget {
			t.Fatalf("cache holds %d bytes > budget %d", c.Bytes(), budget)
		}
	}
	resolve("did:ex:a")
	resolve("did:ex:b")
	resolve("did:ex:a") // b is now least recently used
	resolve("did:ex:c") // evicts b
	if c.Len() != 2 || c.Bytes() < 2*size {
		t.Fatalf("%d entries, %d bytes", c.Len(), c.Bytes())
	}
	resolve("did:ex:a")
	resolve("did:ex:c")
	resolve("did:ex:b")
	if calls["did:ex:a"].Load() != 1 || calls["did:ex:c"].Load() != 1 || calls["did:ex:b"].Load() != 2 {
		t.Fatalf("fetches a=%d b=%d c=%d; want 1, 2, 1", calls["did:ex:a"].Load(), calls["did:ex:b"].Load(), calls["did:ex:c"].Load())
	}
	// Larger than the whole budget: served, not cached.
	resolve("did:ex:huge")
	resolve("did:ex:huge")
	if calls["did:ex:huge"].Load() != 2 {
		t.Fatalf("oversized document cached")
	}
}

// Issue #10 item 8: a flight that ends between a caller's miss and its own
// flight must not cause a second upstream resolution. The hook forces the
// interleaving. (CachingResolver already checked inside the flight; this
// pins it.)
func TestCachingResolverMissThenFinishedFlightResolvesOnce(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int64
	up := did.ResolverFunc(func(_ context.Context, d string) (*did.Document, error) {
		calls.Add(1)
		return &did.Document{ID: d}, nil
	})
	c := did.NewCachingResolver(up, did.CacheOptions{TTL: time.Minute})
	var interleaved atomic.Bool
	did.SetAfterMiss(c, func() {
		if interleaved.CompareAndSwap(false, true) {
			if _, err := c.Resolve(ctx, "did:ex:x"); err != nil {
				t.Error(err)
			}
		}
	})
	if _, err := c.Resolve(ctx, "did:ex:x"); err != nil {
		t.Fatal(err)
	}
	if !interleaved.Load() || calls.Load() != 1 {
		t.Fatalf("interleaved %v, %d upstream resolutions; want 1", interleaved.Load(), calls.Load())
	}
}
