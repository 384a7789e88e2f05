package contexts

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/internal/lru"
)

const ctxDoc = `{"@context":{"ex":"https://example.org/#","name":"ex:name"}}`

func countingFetch(calls map[string]*atomic.Int32) Fetch {
	return func(_ context.Context, url string) ([]byte, error) {
		calls[url].Add(1)
		return []byte(ctxDoc), nil
	}
}

// Issue #10 item 8: between a caller's cache miss and its single flight,
// another caller's flight can complete, fill the cache and be forgotten; the
// late caller then starts a new flight. The hook forces that interleaving:
// without the check inside the flight the context is fetched twice.
func TestLoadMissThenFinishedFlightFetchesOnce(t *testing.T) {
	const u = "https://example.org/ctx"
	calls := map[string]*atomic.Int32{u: {}}
	l, err := NewLoader(Options{Allow: []string{u}, Fetch: countingFetch(calls)})
	require.NoError(t, err)
	var interleaved atomic.Bool
	l.afterMiss = func() {
		if interleaved.CompareAndSwap(false, true) {
			// The first caller has missed; a second one loads the context
			// from start to end before the first reaches its flight.
			_, err := l.Load(context.Background(), u)
			require.NoError(t, err)
			require.Equal(t, int32(1), calls[u].Load())
		}
	}
	doc, err := l.Load(context.Background(), u)
	require.NoError(t, err)
	require.Contains(t, doc.(map[string]any), "@context")
	require.True(t, interleaved.Load())
	require.Equal(t, int32(1), calls[u].Load(), "context fetched again after a finished flight")
}

// The fetched-context cache honours its byte budget (entries sized by
// lru.SizeOf of the parsed document plus lru.EntryOverhead) and evicts the
// least recently used context; bundled contexts are never evicted.
func TestLoaderCacheBudget(t *testing.T) {
	var parsed any
	require.NoError(t, json.Unmarshal([]byte(ctxDoc), &parsed))
	entry := lru.SizeOf(parsed) + lru.EntryOverhead
	urls := []string{"https://a.example/1", "https://a.example/2", "https://a.example/3"}
	calls := map[string]*atomic.Int32{}
	for _, u := range urls {
		calls[u] = &atomic.Int32{}
	}
	budget := 2*entry + entry/2 // room for two documents
	l, err := NewLoader(Options{Allow: urls, Fetch: countingFetch(calls), MaxCacheBytes: budget})
	require.NoError(t, err)
	ctx := context.Background()
	load := func(u string) {
		t.Helper()
		_, err := l.Load(ctx, u)
		require.NoError(t, err)
		require.LessOrEqual(t, l.fetched.Bytes(), budget)
	}
	load(urls[0])
	load(urls[1])
	load(urls[0]) // hit: 1 is now the most recent, 2 the least
	load(urls[2]) // evicts 2
	require.Equal(t, []string{urls[2], urls[0]}, l.fetched.Keys())
	load(urls[0]) // still cached
	require.Equal(t, int32(1), calls[urls[0]].Load())
	load(urls[1]) // evicted: fetched again
	require.Equal(t, int32(2), calls[urls[1]].Load())
	require.Equal(t, 2, l.fetched.Len())
	// Bundled contexts are outside the budget and always served.
	for _, u := range BundledURLs() {
		load(u)
	}
}

// A caller's cancellation ends its own wait, not the shared fetch.
func TestLoadCallerCancelDoesNotFailOthers(t *testing.T) {
	const u = "https://example.org/slow"
	release := make(chan struct{})
	started := make(chan struct{})
	var calls atomic.Int32
	l, err := NewLoader(Options{Allow: []string{u}, Fetch: func(ctx context.Context, _ string) ([]byte, error) {
		calls.Add(1)
		close(started)
		<-release
		return []byte(ctxDoc), ctx.Err()
	}})
	require.NoError(t, err)
	cctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := l.Load(cctx, u); first <- err }()
	<-started
	second := make(chan error, 1)
	go func() { _, err := l.Load(context.Background(), u); second <- err }()
	cancel()
	require.ErrorIs(t, <-first, context.Canceled)
	close(release)
	require.NoError(t, <-second)
	require.Equal(t, int32(1), calls.Load())
}
