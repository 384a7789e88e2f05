package statuslist_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/statuslist"
)

// listServer signs one IETF list token per URI: n one-byte entries, so the
// decoded list holds n bytes (the zlib token stays small).
func listServer(t testing.TB, n uint64, uris ...string) (statuslist.Fetcher, map[string]*atomic.Int32, *jose.KeySigner) {
	t.Helper()
	ctx := context.Background()
	s := newSigner(t)
	now := time.Unix(1800000000, 0)
	toks := map[string]string{}
	calls := map[string]*atomic.Int32{}
	for _, u := range uris {
		l, err := statuslist.NewIETFList(n, 8)
		if err != nil {
			t.Fatal(err)
		}
		sl, err := statuslist.NewIETFStatusList(l, "")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jose.SignJWT(ctx, s, map[string]any{"typ": "statuslist+jwt"}, map[string]any{
			"sub": u, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "ttl": 3600, "status_list": sl,
		})
		if err != nil {
			t.Fatal(err)
		}
		toks[u] = tok
		calls[u] = &atomic.Int32{}
	}
	f := statuslist.FetcherFunc(func(_ context.Context, url, _ string, _ int64) ([]byte, string, error) {
		calls[url].Add(1)
		return []byte(toks[url]), statuslist.MediaTypeJWT, nil
	})
	return f, calls, s
}

// Issue #10 item 5: the cache holds at most MaxCacheBytes of decoded lists
// (each 1 MiB list counts its 1 MiB plus small overhead) and evicts the
// least recently used one.
func TestCheckerCacheByteBudget(t *testing.T) {
	ctx := context.Background()
	const n = 1 << 20
	a, b, c3 := "https://s.example/a", "https://s.example/b", "https://s.example/c"
	f, calls, s := listServer(t, n, a, b, c3)
	clk := &clock{now: time.Unix(1800000000, 0)}
	budget := int64(2*n + n/2) // two lists fit, three do not
	c, err := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: f, Keys: statuslist.StaticKey(s.Public()), Now: clk.Now, MaxCacheBytes: budget})
	if err != nil {
		t.Fatal(err)
	}
	check := func(u string) {
		t.Helper()
		if st, err := c.Status(ctx, ietfRef(u, 7)); err != nil || st != statuslist.Valid {
			t.Fatal(u, st, err)
		}
		if got := statuslist.CacheBytes(c); got > budget {
			t.Fatalf("cache holds %d bytes > budget %d", got, budget)
		}
	}
	check(a)
	check(b)
	check(a)  // a most recent, b least
	check(c3) // evicts b
	if got := statuslist.CacheLen(c); got != 2 {
		t.Fatalf("%d lists cached, want 2", got)
	}
	if got := statuslist.CacheBytes(c); got < 2*n {
		t.Fatalf("cache accounts %d bytes for two %d-byte lists", got, n)
	}
	check(a)
	check(c3)
	if calls[a].Load() != 1 || calls[c3].Load() != 1 {
		t.Fatalf("a fetched %d, c fetched %d times; want 1 (cached)", calls[a].Load(), calls[c3].Load())
	}
	check(b)
	if calls[b].Load() != 2 {
		t.Fatalf("b fetched %d times, want 2 (evicted as least recently used)", calls[b].Load())
	}

	// A list larger than the whole budget is served, never cached.
	small, err := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: f, Keys: statuslist.StaticKey(s.Public()), Now: clk.Now, MaxCacheBytes: n / 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := small.Check(ctx, ietfRef(a, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if statuslist.CacheLen(small) != 0 || calls[a].Load() != 3 {
		t.Fatalf("oversized list cached: %d entries, %d fetches", statuslist.CacheLen(small), calls[a].Load())
	}
}

// The zero config budgets 64 MiB: the twelve 16 MiB lists
// (195 MB held) now keep at most four (TestCheckerCacheByteBudget shows
// the budget enforced; decoding 64 MiB of lists here would take a minute
// under the race detector).
func TestCheckerCacheDefaultBudget(t *testing.T) {
	c, err := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: statuslist.FetcherFunc(nil), Keys: statuslist.StaticKey(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if got := statuslist.CacheMaxBytes(c); got != 64<<20 {
		t.Fatalf("default budget %d", got)
	}
}

// Issue #10 item 8: a flight finishing between a caller's miss and its own
// flight must not cause a second fetch. The hook forces that interleaving.
func TestCheckerMissThenFinishedFlightFetchesOnce(t *testing.T) {
	ctx := context.Background()
	const u = "https://s.example/l"
	f, calls, s := listServer(t, 1024, u)
	clk := &clock{now: time.Unix(1800000000, 0)}
	c, err := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: f, Keys: statuslist.StaticKey(s.Public()), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var interleaved atomic.Bool
	statuslist.SetAfterMiss(c, func() {
		if interleaved.CompareAndSwap(false, true) {
			if _, err := c.Status(ctx, ietfRef(u, 1)); err != nil {
				t.Error(err)
			}
		}
	})
	if _, err := c.Status(ctx, ietfRef(u, 1)); err != nil {
		t.Fatal(err)
	}
	if !interleaved.Load() || calls[u].Load() != 1 {
		t.Fatalf("interleaved %v, %d fetches; want 1", interleaved.Load(), calls[u].Load())
	}
}

// A caller whose ctx ends stops waiting at once; the shared fetch goes on
// for the others and is cached.
func TestCheckerCallerCancelDoesNotFailOthers(t *testing.T) {
	const u = "https://s.example/slow"
	inner, calls, s := listServer(t, 1024, u)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f := statuslist.FetcherFunc(func(ctx context.Context, url, accept string, max int64) ([]byte, string, error) {
		once.Do(func() { close(started) })
		select {
		case <-release:
		case <-ctx.Done(): // a flight bound to the first caller's ctx ends here
			return nil, "", ctx.Err()
		}
		return inner.Fetch(ctx, url, accept, max)
	})
	c, err := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: f, Keys: statuslist.StaticKey(s.Public()), Now: func() time.Time { return time.Unix(1800000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := c.Status(cctx, ietfRef(u, 1)); first <- err }()
	<-started
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) || !errors.Is(err, statuslist.ErrRetrieval) {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(release)
	if _, err := c.Status(context.Background(), ietfRef(u, 1)); err != nil {
		t.Fatal(err)
	}
	if calls[u].Load() != 1 {
		t.Fatalf("%d fetches; the cancelled caller's flight was not reused", calls[u].Load())
	}
}
