package presentation_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

// An SD-JWT VC referencing a real IETF Token Status List served over HTTP:
// valid, then suspended, then revoked, as the issuer changes the list.
func TestValidatorWithStatusList(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	store := statuslist.NewMemory()
	alloc := statuslist.NewAllocator(store, statuslist.WithClock(clock))
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	uri := func(tenant, list string) string { return srv.URL + "/tenants/" + tenant + "/statuslists/" + list }
	pub, err := statuslist.NewPublisher(statuslist.PublisherConfig{
		Store: store, Signer: w.issuer.Signer, Now: clock, TTL: time.Minute, Validity: time.Hour,
		ListURI: uri, Issuer: func(string) string { return w.issuer.DID },
	})
	require.NoError(t, err)
	mux.Handle("GET /tenants/{tenant}/statuslists/{list}", pub.Handler())

	a, err := alloc.Allocate(ctx, "acme", "sdjwt", statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2})
	require.NoError(t, err)
	sd, err := sdjwt.Issue(ctx, w.issuer.Signer, map[string]any{
		"iss": w.issuer.DID, "vct": "https://credentials.example.com/identity_credential",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "given_name": "Alice",
		"status": map[string]any{"status_list": map[string]any{"idx": a.Index, "uri": uri("acme", a.ListID)}},
	}, sdjwt.IssueOptions{Typ: "dc+sd-jwt", Disclosable: []vocab.ClaimPath{{"given_name"}}, HolderJWK: w.holder.JWK()})
	require.NoError(t, err)

	check := func() error {
		// A fresh checker per step: the list is cached for its ttl.
		chk, err := statuslist.NewChecker(statuslist.CheckerConfig{
			Fetcher:    statuslist.GuardedFetcher(fetch.New(fetch.Options{AllowLoopback: true})),
			Keys:       statuslist.StaticKey(w.issuer.Signer.Public()),
			Algorithms: []crypto.Algorithm{crypto.ES256},
			Now:        clock,
		})
		require.NoError(t, err)
		v := w.validator(func(c *presentation.ValidatorConfig) { c.Status = chk })
		_, err = v.Verify(ctx, vocab.FormatSDJWTVC, sd.String())
		return err
	}
	require.NoError(t, check())
	require.NoError(t, alloc.Suspend(ctx, "acme", a.ListID, a.Index))
	require.ErrorIs(t, check(), presentation.ErrSuspended)
	require.NoError(t, alloc.Revoke(ctx, "acme", a.ListID, a.Index))
	require.ErrorIs(t, check(), presentation.ErrRevoked)
	srv.Close()
	require.ErrorIs(t, check(), presentation.ErrStatusUnavailable)
}
