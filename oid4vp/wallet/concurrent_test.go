package wallet_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
)

// TestConcurrentPresent: one Wallet answers several requests at once
// (request_uri POST with its own wallet_nonce each).
func TestConcurrentPresent(t *testing.T) {
	e := newTestEnv(t)
	v := e.verifier(oid4vp.PrefixDecentralizedIdentifier)
	w := e.wallet(nil)
	const n = 6
	txs := make([]*verifier.Transaction, n)
	for i := range txs {
		tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery), RequestURIMethod: oid4vp.RequestURIMethodPost})
		require.NoError(t, err)
		txs[i] = tx
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, tx := range txs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			link, err := tx.Link("openid4vp://")
			if err == nil {
				_, err = w.Present(e.ctx, link)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, tx := range txs {
		require.NoError(t, errs[i])
		res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
		require.NoError(t, err)
		require.Equal(t, verifier.StatusAccepted, res.Status, res.Error)
	}
}

// TestFragmentResponse: an unsigned redirect_uri request by value with
// response_mode fragment is answered with a URL to send the user agent to;
// nothing is posted or fetched.
func TestFragmentResponse(t *testing.T) {
	e := newTestEnv(t)
	ev := newEvil(e)
	cb := "https://verifier.example.com/cb"
	link := "openid4vp://?" + url.Values{"client_id": {"redirect_uri:" + cb}, "response_type": {"vp_token"},
		"response_mode": {"fragment"}, "redirect_uri": {cb}, "nonce": {"n-0123456789abcdef"}, "state": {"st"},
		"dcql_query": {pidQuery}}.Encode()
	out, err := e.wallet(nil).Present(e.ctx, link)
	require.NoError(t, err)
	next, ok := out.NextStep()
	require.True(t, ok)
	require.True(t, strings.HasPrefix(next, cb+"#"), next)
	u, err := url.Parse(next)
	require.NoError(t, err)
	frag, err := url.ParseQuery(u.Fragment)
	require.NoError(t, err)
	require.Equal(t, "st", frag.Get("state"))
	require.Contains(t, frag.Get("vp_token"), `"pid":[`)
	require.Empty(t, ev.posted)
}
