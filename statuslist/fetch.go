package statuslist

import (
	"context"

	"github.com/ocmw/wstack/fetch"
)

// MaxRedirects is how many 3xx responses the checker follows (draft-20
// "Status List Request" allows redirects; the bound stops loops, security.md row 37).
const MaxRedirects = 3

// GuardedFetcher adapts wstack's guarded fetcher (https only unless a test
// option allows loopback, blocked private addresses, size and time limits)
// to Fetcher. The checker caches verified lists itself, so responses are
// not cached here.
func GuardedFetcher(f *fetch.Fetcher) Fetcher {
	return FetcherFunc(func(ctx context.Context, url, accept string, maxBytes int64) ([]byte, string, error) {
		r, err := f.Get(ctx, url, fetch.Call{Accept: accept, MaxBytes: maxBytes, MaxRedirects: MaxRedirects})
		if err != nil {
			return nil, "", err
		}
		return r.Body, r.ContentType, nil
	})
}
