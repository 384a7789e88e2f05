package contexts

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/fetch"
)

// TestFetchWithGuardedFetcher loads an allow-listed context through the
// guarded fetcher (loopback allowed for the test) and checks the size cap.
func TestFetchWithGuardedFetcher(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/ld+json")
		if r.URL.Path == "/big" {
			w.Write(make([]byte, 4096))
			return
		}
		w.Write([]byte(`{"@context":{"degree":"https://issuer.example/vocab#degree"}}`))
	}))
	defer srv.Close()
	f := fetch.New(fetch.Options{AllowLoopback: true})
	l, err := NewLoader(Options{
		Allow: []string{srv.URL + "/ctx", srv.URL + "/big"},
		Fetch: FetchWith(f, 1024, time.Minute),
	})
	require.NoError(t, err)
	doc, err := l.Load(context.Background(), srv.URL+"/ctx")
	require.NoError(t, err)
	require.Contains(t, doc.(map[string]any), "@context")
	_, err = l.Load(context.Background(), srv.URL+"/ctx")
	require.NoError(t, err)
	require.Equal(t, int32(1), hits.Load())
	_, err = l.Load(context.Background(), srv.URL+"/big")
	require.ErrorIs(t, err, ErrFetch)
	_, err = l.Load(context.Background(), srv.URL+"/other")
	require.ErrorIs(t, err, ErrNotAllowed)
}
