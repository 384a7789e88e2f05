package wallet_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation/dcql"
)

const twoQuery = `{"credentials":[
 {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
  "claims":[{"path":["given_name"]},{"path":["address","locality"]}]},
 {"id":"employee","format":"dc+sd-jwt","meta":{"vct_values":["https://credentials.example.com/employee"]},
  "claims":[{"path":["role"],"values":["engineer"]}]}]}`

// TestFlow: our wallet against our verifier over HTTPS for every prefix
// × response mode, request_uri GET and POST. The verifier must receive
// exactly the requested claims of the PID with its recursive disclosures.
func TestFlow(t *testing.T) {
	cases := []struct {
		name   string
		prefix oid4vp.ClientIDPrefix
		mode   oid4vp.ResponseMode
		method string
		scheme string
	}{
		{"did/direct_post.jwt", oid4vp.PrefixDecentralizedIdentifier, oid4vp.ResponseModeDirectPostJWT, "", "openid4vp://"},
		{"did/direct_post/post", oid4vp.PrefixDecentralizedIdentifier, oid4vp.ResponseModeDirectPost, oid4vp.RequestURIMethodPost, "haip-vp://"},
		{"x509_san_dns/direct_post.jwt/post", oid4vp.PrefixX509SANDNS, oid4vp.ResponseModeDirectPostJWT, oid4vp.RequestURIMethodPost, "openid4vp://"},
		{"x509_san_dns/direct_post", oid4vp.PrefixX509SANDNS, oid4vp.ResponseModeDirectPost, "", "openid4vp://"},
		{"x509_hash/direct_post.jwt", oid4vp.PrefixX509Hash, oid4vp.ResponseModeDirectPostJWT, "", "openid4vp://"},
		{"x509_hash/direct_post", oid4vp.PrefixX509Hash, oid4vp.ResponseModeDirectPost, oid4vp.RequestURIMethodGet, "openid4vp://"},
		{"verifier_attestation/direct_post.jwt", oid4vp.PrefixVerifierAttestation, oid4vp.ResponseModeDirectPostJWT, oid4vp.RequestURIMethodPost, "openid4vp://"},
		{"redirect_uri/direct_post", oid4vp.PrefixRedirectURI, oid4vp.ResponseModeDirectPost, "", "openid4vp://"},
		{"redirect_uri/direct_post.jwt", oid4vp.PrefixRedirectURI, oid4vp.ResponseModeDirectPostJWT, "", "https://wallet.example.com/authorize"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			v := e.verifier(tc.prefix)
			tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery), ResponseMode: tc.mode, RequestURIMethod: tc.method})
			require.NoError(t, err)
			link, err := tx.Link(tc.scheme)
			require.NoError(t, err)
			w := e.wallet(nil)
			req, err := w.Resolve(e.ctx, link)
			require.NoError(t, err)
			require.Equal(t, tc.prefix, req.ClientID.Prefix)
			require.Equal(t, tc.prefix != oid4vp.PrefixRedirectURI, req.Signed)
			if tc.method == oid4vp.RequestURIMethodPost {
				require.NotEmpty(t, req.WalletNonce)
				require.Equal(t, req.WalletNonce, req.Params.WalletNonce)
			}
			sel, err := w.Select(e.ctx, req)
			require.NoError(t, err)
			out, err := w.Respond(e.ctx, req, sel)
			require.NoError(t, err)
			_, next := out.NextStep()
			require.False(t, next, "cross-device: no redirect")

			res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
			require.NoError(t, err)
			require.Equal(t, verifier.StatusAccepted, res.Status, res.Error)
			pid := res.Credentials["pid"][0].Claims
			require.Equal(t, "Erika", pid["given_name"])
			require.Equal(t, map[string]any{"locality": "Köln"}, pid["address"], "only the requested member of address")
			for _, c := range []string{"family_name", "birthdate", "nationalities"} {
				require.NotContains(t, pid, c, "not requested, not disclosed")
			}
			emp := res.Credentials["employee"][0].Claims
			require.Equal(t, "engineer", emp["role"])
			require.NotContains(t, emp, "department")
		})
	}
}

// TestSameDevice: the verifier's redirect_uri is returned as the next
// step, not fetched.
func TestSameDevice(t *testing.T) {
	e := newTestEnv(t)
	v := e.verifier(oid4vp.PrefixDecentralizedIdentifier)
	tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery), RedirectURI: "https://app.example.com/done"})
	require.NoError(t, err)
	link, _ := tx.Link("openid4vp://")
	out, err := e.wallet(nil).Present(e.ctx, link)
	require.NoError(t, err)
	next, ok := out.NextStep()
	require.True(t, ok)
	require.True(t, strings.HasPrefix(next, "https://app.example.com/done#response_code="), next)
}

// TestMultiple: a multiple=true query presents every consented credential.
func TestMultiple(t *testing.T) {
	const q = `{"credentials":[{"id":"emp","format":"dc+sd-jwt","multiple":true,
	 "meta":{"vct_values":["https://credentials.example.com/employee"]},"claims":[{"path":["role"]}]}]}`
	for _, tc := range []struct {
		name   string
		choose []int
		want   []string
	}{
		{"all", nil, []string{"engineer", "manager"}},
		{"second only", []int{1}, []string{"manager"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.hold(map[string]any{"vct": employeeVCT, "role": "manager", "department": "Sales"}, nil)
			v := e.verifier(oid4vp.PrefixX509Hash)
			tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, q)})
			require.NoError(t, err)
			link, _ := tx.Link("openid4vp://")
			var seen int
			w := e.wallet(func(c *wallet.Config) {
				c.Consent = func(_ context.Context, _ *wallet.Request, s *wallet.Selection) error {
					seen = len(s.Result.Candidates["emp"])
					if tc.choose != nil {
						return s.Result.Choose("emp", tc.choose...)
					}
					return nil
				}
			})
			out, err := w.Present(e.ctx, link)
			require.NoError(t, err)
			require.Equal(t, 2, seen)
			require.Len(t, out.VPToken["emp"], len(tc.want))
			res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
			require.NoError(t, err)
			require.Equal(t, verifier.StatusAccepted, res.Status, res.Error)
			var roles []string
			for _, c := range res.Credentials["emp"] {
				roles = append(roles, c.Claims["role"].(string))
			}
			require.ElementsMatch(t, tc.want, roles)
		})
	}
}

// TestTransactionData: the KB-JWT of the referenced credential carries the
// hash of the entry; the other credential carries none (the verifier
// checks both).
func TestTransactionData(t *testing.T) {
	e := newTestEnv(t)
	v := e.verifier(oid4vp.PrefixDecentralizedIdentifier)
	td := &oid4vp.TransactionData{Type: "payment", CredentialIDs: []string{"pid"}}
	tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery), TransactionData: []*oid4vp.TransactionData{td}})
	require.NoError(t, err)
	link, _ := tx.Link("openid4vp://")
	w := e.wallet(nil)
	req, err := w.Resolve(e.ctx, link)
	require.NoError(t, err)
	require.Len(t, req.TransactionData, 1)
	require.Equal(t, "payment", req.TransactionData[0].Type)
	sel, err := w.Select(e.ctx, req)
	require.NoError(t, err)
	_, err = w.Respond(e.ctx, req, sel)
	require.NoError(t, err)
	res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, res.Status, res.Error)

	t.Run("unsupported type rejected", func(t *testing.T) {
		tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery), TransactionData: []*oid4vp.TransactionData{td}})
		require.NoError(t, err)
		link, _ := tx.Link("openid4vp://")
		_, err = e.wallet(func(c *wallet.Config) { c.TransactionDataTypes = nil }).Resolve(e.ctx, link)
		require.ErrorIs(t, err, oid4vp.ErrTransactionData)
		require.Equal(t, oid4vp.CodeInvalidTransactionData, oid4vp.CodeOf(err))
	})
}

// TestDecline: a refused consent posts access_denied; the verifier records
// the wallet's error.
func TestDecline(t *testing.T) {
	e := newTestEnv(t)
	v := e.verifier(oid4vp.PrefixDecentralizedIdentifier)
	tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery)})
	require.NoError(t, err)
	link, _ := tx.Link("openid4vp://")
	w := e.wallet(func(c *wallet.Config) {
		c.Consent = func(context.Context, *wallet.Request, *wallet.Selection) error { return wallet.ErrDeclined }
	})
	_, err = w.Present(e.ctx, link)
	require.ErrorIs(t, err, wallet.ErrDeclined)
	require.Equal(t, oid4vp.CodeAccessDenied, oid4vp.CodeOf(err))
	res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, oid4vp.CodeAccessDenied, res.ErrorCode, res.Error)
	require.NotEqual(t, verifier.StatusAccepted, res.Status)
}

// TestNoMatch: a query the wallet cannot meet is refused with
// access_denied and reported to the verifier.
func TestNoMatch(t *testing.T) {
	e := newTestEnv(t)
	v := e.verifier(oid4vp.PrefixDecentralizedIdentifier)
	tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t,
		`{"credentials":[{"id":"x","format":"dc+sd-jwt","meta":{"vct_values":["urn:other"]}}]}`)})
	require.NoError(t, err)
	link, _ := tx.Link("openid4vp://")
	_, err = e.wallet(nil).Present(e.ctx, link)
	require.ErrorIs(t, err, wallet.ErrNoMatch)
	require.ErrorIs(t, err, dcql.ErrUnsatisfiable)
	res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, oid4vp.CodeAccessDenied, res.ErrorCode)
}

// TestTrustPolicy: the hook sees the authenticated verifier and can refuse.
func TestTrustPolicy(t *testing.T) {
	e := newTestEnv(t)
	v := e.verifier(oid4vp.PrefixX509SANDNS)
	tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery)})
	require.NoError(t, err)
	link, _ := tx.Link("openid4vp://")
	refused := errors.New("not on the relying party list")
	_, err = e.wallet(func(c *wallet.Config) {
		c.Trust = func(_ context.Context, r *wallet.Request) error {
			require.Len(t, r.Chain, 1)
			require.Equal(t, "x509_san_dns:localhost", r.ClientID.String())
			return refused
		}
	}).Resolve(e.ctx, link)
	require.ErrorIs(t, err, wallet.ErrUntrustedVerifier)
	require.ErrorIs(t, err, refused)
}

// TestCredentialSets: a required set met by the PID and an optional set the
// wallet cannot meet: the response carries only the PID, and the verifier
// accepts it.
func TestCredentialSets(t *testing.T) {
	const q = `{"credentials":[
	 {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]},
	 {"id":"mdl","format":"dc+sd-jwt","meta":{"vct_values":["urn:example:mdl"]},"claims":[{"path":["driving_privileges"]}]}],
	 "credential_sets":[{"options":[["pid"]]},{"required":false,"options":[["mdl"]]}]}`
	e := newTestEnv(t)
	v := e.verifier(oid4vp.PrefixX509Hash)
	tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, q)})
	require.NoError(t, err)
	link, _ := tx.Link("openid4vp://")
	out, err := e.wallet(nil).Present(e.ctx, link)
	require.NoError(t, err)
	require.Contains(t, out.VPToken, "pid")
	require.NotContains(t, out.VPToken, "mdl")
	res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, res.Status, res.Error)
}
