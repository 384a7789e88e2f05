package contexts

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBundledContexts(t *testing.T) {
	l, err := NewLoader(Options{})
	require.NoError(t, err)
	require.Len(t, BundledURLs(), 9)
	for _, u := range BundledURLs() {
		doc, err := l.Load(context.Background(), u)
		require.NoError(t, err, u)
		require.Contains(t, doc.(map[string]any), "@context")
	}
	// The VCDM 2.0 context is byte-identical to the published one (SRI digest
	// from the VCDM 2.0 REC context listing).
	b, ok := Bundled(CredentialsV2)
	require.True(t, ok)
	sum := sha512.Sum384(b)
	require.Equal(t, "l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU", base64.StdEncoding.EncodeToString(sum[:]))
}

// Security.md row 56: a context URL that points at an internal host, a file
// or anything else not pinned/allow-listed is refused without any I/O.
func TestSecurityRow56(t *testing.T) {
	var calls atomic.Int32
	fetch := func(ctx context.Context, url string) ([]byte, error) {
		calls.Add(1)
		return []byte(`{"@context":{"ex":"https://example.org/#"}}`), nil
	}
	l, err := NewLoader(Options{Allow: []string{"https://example.org/ctx"}, Fetch: fetch})
	require.NoError(t, err)
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data",
		"file:///etc/passwd",
		"/etc/passwd",
		"https://localhost:6379/",
		"https://example.org/ctx2",
		"https://www.w3.org/2018/credentials/v2",
	} {
		t.Run("row56_context_url_not_allowed", func(t *testing.T) {
			_, err := l.Load(context.Background(), u)
			require.ErrorIs(t, err, ErrNotAllowed)
		})
	}
	require.Zero(t, calls.Load())
	// allow-listed: fetched once, then cached, concurrently
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := l.Load(context.Background(), "https://example.org/ctx")
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), calls.Load())

	t.Run("row56_fetch_failure_and_bad_documents", func(t *testing.T) {
		bad := map[string][]byte{
			"https://a.example/1": []byte(`[1,2]`),
			"https://a.example/2": []byte(`{"x":1}`),
			"https://a.example/3": []byte(`{"@context":{},"@context":{}}`),
			"https://a.example/4": make([]byte, DefaultMaxBytes+1),
		}
		f := func(ctx context.Context, url string) ([]byte, error) {
			if b, ok := bad[url]; ok {
				return b, nil
			}
			return nil, errors.New("boom")
		}
		l, err := NewLoader(Options{Allow: []string{"https://a.example/1", "https://a.example/2", "https://a.example/3", "https://a.example/4", "https://a.example/5"}, Fetch: f})
		require.NoError(t, err)
		for _, u := range []string{"https://a.example/1", "https://a.example/2", "https://a.example/3", "https://a.example/4"} {
			_, err := l.Load(context.Background(), u)
			require.ErrorIs(t, err, ErrInvalid, u)
		}
		_, err = l.Load(context.Background(), "https://a.example/5")
		require.ErrorIs(t, err, ErrFetch)
	})
}

func TestLoadReturnsCopies(t *testing.T) {
	l, err := NewLoader(Options{})
	require.NoError(t, err)
	d1, _ := l.Load(context.Background(), DIDV1)
	d1.(map[string]any)["@context"] = "mutated"
	d2, _ := l.Load(context.Background(), DIDV1)
	require.NotEqual(t, "mutated", d2.(map[string]any)["@context"])
}

func TestPinnedInvalid(t *testing.T) {
	_, err := NewLoader(Options{Pinned: map[string][]byte{"https://x.example/": []byte("{")}})
	require.ErrorIs(t, err, ErrInvalid)
}
