package verifier_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp/verifier"
)

// TestConcurrentResponses: of many simultaneous posts of one valid
// response exactly one is accepted; the others get an error, and the
// transaction ends with one result.
func TestConcurrentResponses(t *testing.T) {
	for name, newStore := range backends(t) {
		t.Run(name, func(t *testing.T) { testConcurrentResponses(t, newStore(t)) })
	}
}

func testConcurrentResponses(t *testing.T, store verifier.Store) {
	e, v := newEnv(t, envOptions{store: store})
	f := e.start(v, twoQuery, "")
	body := e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}).Encode()
	const n = 8
	var ok, failed atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.http.Post(f.claims.ResponseURI, "application/x-www-form-urlencoded", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusBadRequest:
				failed.Add(1)
			default:
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), ok.Load())
	require.Equal(t, int32(n-1), failed.Load())
	res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, res.Status)
	require.Equal(t, 1, countEvents(e, verifier.EventAccepted))
	require.Equal(t, 1, countEvents(e, verifier.EventResponseReceived))
}
