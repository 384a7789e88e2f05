package fetch

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type hits struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *hits) get(p string) int { h.mu.Lock(); defer h.mu.Unlock(); return h.n[p] }

func bodyServer(t *testing.T, size int) (*httptest.Server, *hits) {
	t.Helper()
	h := &hits{n: map[string]int{}}
	body := bytes.Repeat([]byte("x"), size)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.n[r.URL.Path]++
		h.mu.Unlock()
		if r.URL.Path == "/huge" {
			w.Write(bytes.Repeat(body, 10))
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, h
}

// Issue #10 item 5: the response cache honours CacheBytes and evicts the
// least recently used response.
func TestCacheByteBudget(t *testing.T) {
	ctx := context.Background()
	const size = 64 << 10
	srv, h := bodyServer(t, size)
	budget := int64(2*size + size/2) // two bodies fit, three do not
	f := New(Options{AllowLoopback: true, CacheBytes: budget, MaxBytes: 1 << 20})
	get := func(p string) {
		t.Helper()
		r, err := f.Get(ctx, srv.URL+p, Call{CacheTTL: time.Hour})
		if err != nil || len(r.Body) == 0 {
			t.Fatal(p, err)
		}
		if f.cache.Bytes() > budget {
			t.Fatalf("cache holds %d bytes > budget %d", f.cache.Bytes(), budget)
		}
	}
	get("/a")
	get("/b")
	get("/a") // b least recently used
	get("/c") // evicts b
	if f.cache.Len() != 2 || f.cache.Bytes() < 2*size {
		t.Fatalf("%d entries, %d bytes", f.cache.Len(), f.cache.Bytes())
	}
	get("/a")
	get("/c")
	get("/b")
	if h.get("/a") != 1 || h.get("/c") != 1 || h.get("/b") != 2 {
		t.Fatalf("requests a=%d b=%d c=%d; want 1, 2, 1", h.get("/a"), h.get("/b"), h.get("/c"))
	}
	get("/huge")
	get("/huge")
	if h.get("/huge") != 2 {
		t.Fatal("response larger than the budget was cached")
	}
	f.Invalidate(srv.URL + "/a")
	get("/a")
	if h.get("/a") != 2 {
		t.Fatal("Invalidate ignored")
	}
}

// Issue #10 item 8: a flight that ends between a caller's miss and its own
// flight must not cause a second request. The hook forces the interleaving.
func TestCacheMissThenFinishedFlightFetchesOnce(t *testing.T) {
	ctx := context.Background()
	srv, h := bodyServer(t, 16)
	f := New(Options{AllowLoopback: true})
	var interleaved atomic.Bool
	f.afterMiss = func() {
		if interleaved.CompareAndSwap(false, true) {
			if _, err := f.Get(ctx, srv.URL+"/x", Call{CacheTTL: time.Hour}); err != nil {
				t.Error(err)
			}
		}
	}
	if _, err := f.Get(ctx, srv.URL+"/x", Call{CacheTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if !interleaved.Load() || h.get("/x") != 1 {
		t.Fatalf("interleaved %v, %d requests; want 1", interleaved.Load(), h.get("/x"))
	}
}
