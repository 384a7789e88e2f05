package verifier_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
)

// TestFlow drives the whole exchange over HTTPS for every client
// identifier prefix, response mode, enc value and request_uri_method.
func TestFlow(t *testing.T) {
	cases := []struct {
		name   string
		prefix oid4vp.ClientIDPrefix
		mode   oid4vp.ResponseMode
		enc    string
		method string
	}{
		{"did/direct_post.jwt/A128GCM", oid4vp.PrefixDecentralizedIdentifier, oid4vp.ResponseModeDirectPostJWT, "A128GCM", ""},
		{"did/direct_post.jwt/A256GCM/post", oid4vp.PrefixDecentralizedIdentifier, oid4vp.ResponseModeDirectPostJWT, "A256GCM", oid4vp.RequestURIMethodPost},
		{"did/direct_post", oid4vp.PrefixDecentralizedIdentifier, oid4vp.ResponseModeDirectPost, "", oid4vp.RequestURIMethodGet},
		{"x509_san_dns/direct_post.jwt", oid4vp.PrefixX509SANDNS, oid4vp.ResponseModeDirectPostJWT, "A256GCM", oid4vp.RequestURIMethodPost},
		{"x509_hash/direct_post.jwt", oid4vp.PrefixX509Hash, oid4vp.ResponseModeDirectPostJWT, "A128GCM", ""},
		{"x509_hash/direct_post", oid4vp.PrefixX509Hash, oid4vp.ResponseModeDirectPost, "", ""},
		{"verifier_attestation/direct_post.jwt", oid4vp.PrefixVerifierAttestation, oid4vp.ResponseModeDirectPostJWT, "A128GCM", oid4vp.RequestURIMethodPost},
		{"pre-registered/direct_post.jwt", oid4vp.PrefixPreRegistered, oid4vp.ResponseModeDirectPostJWT, "A256GCM", ""},
		{"redirect_uri/direct_post", oid4vp.PrefixRedirectURI, oid4vp.ResponseModeDirectPost, "", ""},
		{"redirect_uri/direct_post.jwt", oid4vp.PrefixRedirectURI, oid4vp.ResponseModeDirectPostJWT, "A256GCM", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{prefix: tc.prefix})
			tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, twoQuery), ResponseMode: tc.mode, RequestURIMethod: tc.method})
			link, err := tx.Link("openid4vp://")
			require.NoError(t, err)
			nonce := ""
			if tc.method == oid4vp.RequestURIMethodPost {
				nonce = "wallet-nonce-1234567890"
			}
			claims, err := e.fetch(link, nonce)
			require.NoError(t, err)
			require.Equal(t, tc.prefix, mustClientID(t, claims).Prefix)
			require.Equal(t, nonce, claims.WalletNonce)
			tok := e.present(claims, presentOptions{})
			status, body := e.post(claims.ResponseURI, e.responseForm(claims, tok, postOptions{enc: tc.enc}))
			require.Equal(t, 200, status, string(body))
			require.JSONEq(t, `{}`, string(body))

			res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
			require.NoError(t, err)
			require.Equal(t, verifier.StatusAccepted, res.Status)
			pid := res.Credentials["pid"][0]
			require.Equal(t, "Erika", pid.Claims["given_name"])
			require.Equal(t, "Mustermann", pid.Claims["family_name"])
			require.NotContains(t, pid.Claims, "birthdate", "not requested, not disclosed")
			require.Equal(t, "engineer", res.Credentials["employee"][0].Claims["role"])
			require.Equal(t, e.issuerDID, pid.Issuer)
			want := []verifier.EventType{verifier.EventRequestCreated}
			if tc.prefix != oid4vp.PrefixRedirectURI {
				want = append(want, verifier.EventRequestFetched)
			}
			want = append(want, verifier.EventResponseReceived, verifier.EventAccepted)
			require.Equal(t, want, e.eventTypes())
		})
	}
}

func mustClientID(t *testing.T, r *oid4vp.AuthorizationRequest) oid4vp.ClientID {
	c, err := r.ParsedClientID(oid4vp.ProfileFinal)
	require.NoError(t, err)
	return c
}

// TestCreate checks what a transaction sends: fresh ≥128-bit nonce and
// state, the signed Request Object's header and audience, the full
// prefixed client_id, and the link.
func TestCreate(t *testing.T) {
	t.Run("did", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		seen := map[string]bool{}
		for range 3 {
			tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery)})
			require.GreaterOrEqual(t, len(tx.Secret), 43)
			require.True(t, strings.HasPrefix(tx.Request.ClientID, "decentralized_identifier:did:key:"))
			require.Equal(t, e.base+"/request/"+tx.ID, tx.Request.RequestURI)
			link, err := tx.Link("haip-vp://")
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(link, "haip-vp://?client_id=decentralized_identifier%3Adid%3Akey%3A"))
			resp, err := e.http.Get(tx.Request.RequestURI)
			require.NoError(t, err)
			var buf strings.Builder
			_, _ = bufCopy(&buf, resp)
			j, err := jose.Parse(buf.String(), jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypRequestObject}})
			require.NoError(t, err)
			require.Equal(t, oid4vp.TypRequestObject, j.Header.Typ)
			require.Equal(t, e.signer.KID(), j.Header.Kid, "kid is the DID URL")
			require.True(t, strings.HasPrefix(j.Header.Kid, strings.TrimPrefix(tx.Request.ClientID, "decentralized_identifier:")+"#"))
			require.NoError(t, j.VerifySignature(e.signer.Public()))
			claims, err := oid4vp.DecodeRequest(j.Payload, oid4vp.ProfileFinal)
			require.NoError(t, err)
			require.Equal(t, oid4vp.Audience{oid4vp.AudienceSelfIssued}, claims.Audience)
			require.Equal(t, e.base+"/response/"+tx.ID, claims.ResponseURI)
			require.Equal(t, oid4vp.ResponseModeDirectPostJWT, claims.ResponseMode)
			require.Equal(t, []string{"A128GCM", "A256GCM"}, claims.ClientMetadata.EncryptedResponseEncValuesSupported)
			jwk := firstJWK(t, claims)
			require.Equal(t, "P-256", jwk["crv"])
			require.Equal(t, "ECDH-ES", jwk["alg"])
			require.NotContains(t, jwk, "d")
			for _, s := range []string{claims.Nonce, claims.State, tx.ID} {
				require.GreaterOrEqual(t, len(s), 22, "128 bits in base64url")
				require.False(t, seen[s], "fresh value")
				seen[s] = true
			}
		}
	})
	t.Run("x509", func(t *testing.T) {
		for _, p := range []oid4vp.ClientIDPrefix{oid4vp.PrefixX509SANDNS, oid4vp.PrefixX509Hash} {
			e, v := newEnv(t, envOptions{prefix: p})
			tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery)})
			resp, err := e.http.Get(tx.Request.RequestURI)
			require.NoError(t, err)
			var buf strings.Builder
			_, _ = bufCopy(&buf, resp)
			j, err := jose.Parse(buf.String(), jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypRequestObject}})
			require.NoError(t, err)
			require.Len(t, j.Header.X5C, 1)
			require.Empty(t, j.Header.Kid)
			if p == oid4vp.PrefixX509SANDNS {
				require.Equal(t, "x509_san_dns:example.com", tx.Request.ClientID)
			} else {
				require.True(t, strings.HasPrefix(tx.Request.ClientID, "x509_hash:"))
			}
		}
	})
	t.Run("redirect_uri by value", func(t *testing.T) {
		e, v := newEnv(t, envOptions{prefix: oid4vp.PrefixRedirectURI})
		tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), ResponseMode: oid4vp.ResponseModeDirectPost})
		require.False(t, tx.Request.ByReference())
		require.Equal(t, "redirect_uri:"+e.base+"/response/"+tx.ID, tx.Request.ClientID)
		_, err := v.FetchRequestObject(e.ctx, "acme", tx.ID, "")
		require.ErrorIs(t, err, verifier.ErrNotFound)
		_, err = v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, pidQuery), RequestURIMethod: "post"})
		require.ErrorIs(t, err, verifier.ErrConfig)
	})
	t.Run("bad create requests", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		for name, cr := range map[string]verifier.CreateRequest{
			"no query":               {Tenant: "acme"},
			"fragment mode":          {Tenant: "acme", Query: mustQuery(t, pidQuery), ResponseMode: oid4vp.ResponseModeFragment},
			"bad method":             {Tenant: "acme", Query: mustQuery(t, pidQuery), RequestURIMethod: "put"},
			"tx data bad query":      {Tenant: "acme", Query: mustQuery(t, pidQuery), TransactionData: []*oid4vp.TransactionData{{Type: "payment", CredentialIDs: []string{"nope"}}}},
			"javascript redirect":    {Tenant: "acme", Query: mustQuery(t, pidQuery), RedirectURI: "javascript:alert(1)"},
			"relative redirect":      {Tenant: "acme", Query: mustQuery(t, pidQuery), RedirectURI: "/done"},
			"redirect with fragment": {Tenant: "acme", Query: mustQuery(t, pidQuery), RedirectURI: "https://app.example.com/#x"},
			"plain http redirect":    {Tenant: "acme", Query: mustQuery(t, pidQuery), RedirectURI: "http://app.example.com/"},
		} {
			_, err := v.Create(e.ctx, cr)
			require.Error(t, err, name)
		}
		_, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "other", Query: mustQuery(t, pidQuery)})
		require.ErrorIs(t, err, verifier.ErrUnknownTenant)
	})
}

// TestSameDevice: a verified response returns redirect_uri with a fresh
// one-time response code; the code opens the result once, nothing else
// does.
func TestSameDevice(t *testing.T) {
	e, v := newEnv(t, envOptions{})
	tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), RedirectURI: "https://app.example.com/done?session=1"})
	link, _ := tx.Link("openid4vp://")
	claims, err := e.fetch(link, "")
	require.NoError(t, err)
	// Before the response nothing but the secret opens the transaction.
	res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusFetched, res.Status)
	status, body := e.post(claims.ResponseURI, e.responseForm(claims, e.present(claims, presentOptions{}), postOptions{}))
	require.Equal(t, 200, status, string(body))
	dp, err := oid4vp.ParseDirectPostResult(body)
	require.NoError(t, err)
	u, err := url.Parse(dp.RedirectURI)
	require.NoError(t, err)
	require.Equal(t, "app.example.com", u.Host)
	frag, err := url.ParseQuery(u.Fragment)
	require.NoError(t, err)
	code := frag.Get("response_code")
	require.GreaterOrEqual(t, len(code), 22)

	for _, bad := range []string{"", tx.ID, code + "x", claims.State, claims.Nonce} {
		_, err = v.Result(e.ctx, "acme", tx.ID, bad)
		require.ErrorIs(t, err, verifier.ErrUnauthorized, bad)
	}
	_, err = v.Result(e.ctx, "other", tx.ID, code)
	require.ErrorIs(t, err, verifier.ErrUnauthorized, "another tenant")
	_, err = v.Result(e.ctx, "acme", "unknown", code)
	require.ErrorIs(t, err, verifier.ErrUnauthorized)
	res, err = v.Result(e.ctx, "acme", tx.ID, code)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, res.Status)
	require.Equal(t, "Erika", res.Credentials["pid"][0].Claims["given_name"])
	_, err = v.Result(e.ctx, "acme", tx.ID, code)
	require.ErrorIs(t, err, verifier.ErrUnauthorized, "the response code is one-time")
	res, err = v.Result(e.ctx, "acme", tx.ID, tx.Secret)
	require.NoError(t, err, "the secret still works")
	require.Equal(t, verifier.StatusAccepted, res.Status)
}

// TestRequestURIPost: a POST to request_uri gets a Request Object signed
// anew with wallet_nonce; bad wallet_nonce / metadata are rejected.
func TestRequestURIPost(t *testing.T) {
	e, v := newEnv(t, envOptions{})
	tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), RequestURIMethod: oid4vp.RequestURIMethodPost})
	link, _ := tx.Link("openid4vp://")
	claims, err := e.fetch(link, "n1-abcdefghijklmnop")
	require.NoError(t, err)
	require.Equal(t, "n1-abcdefghijklmnop", claims.WalletNonce)
	claims2, err := e.fetch(link, "")
	require.NoError(t, err, "fetching twice is allowed")
	require.Empty(t, claims2.WalletNonce)
	require.Equal(t, claims.Nonce, claims2.Nonce)
	for name, form := range map[string]url.Values{
		"wallet_nonce not URL-safe": {"wallet_nonce": {"a b"}},
		"wallet_metadata not JSON":  {"wallet_metadata": {"{"}},
		"two wallet_nonce":          {"wallet_nonce": {"a", "b"}},
	} {
		status, body := e.post(tx.Request.RequestURI, form)
		require.Equal(t, 400, status, name)
		require.Equal(t, oid4vp.CodeInvalidRequest, errorCode(t, body), name)
	}
	require.Equal(t, 2, countEvents(e, verifier.EventRequestFetched))
}

func countEvents(e *env, typ verifier.EventType) int {
	n := 0
	for _, t := range e.eventTypes() {
		if t == typ {
			n++
		}
	}
	return n
}

func TestClientConfig(t *testing.T) {
	e, _ := newEnv(t, envOptions{prefix: oid4vp.PrefixX509Hash})
	other := e.holder // a P-256 engine key that is not the leaf's
	var err error
	cases := []struct {
		name string
		f    func() (*verifier.Client, error)
	}{
		{"x509_san_dns host not in SAN", func() (*verifier.Client, error) {
			return verifier.NewX509SANDNSClient(e.signer, e.chain, "https://verifier.example.org/v", verifier.ClientOptions{})
		}},
		{"x509_san_dns signer is not the leaf key", func() (*verifier.Client, error) {
			return verifier.NewX509SANDNSClient(other, e.chain, "https://example.com/v", verifier.ClientOptions{})
		}},
		{"x509_hash signer is not the leaf key", func() (*verifier.Client, error) {
			return verifier.NewX509HashClient(other, e.chain, "https://example.com/v", verifier.ClientOptions{})
		}},
		{"x509 empty chain", func() (*verifier.Client, error) {
			return verifier.NewX509HashClient(e.signer, nil, "https://example.com/v", verifier.ClientOptions{})
		}},
		{"did kid not a DID URL", func() (*verifier.Client, error) {
			return verifier.NewDIDClient(e.signer, "https://example.com/v", verifier.ClientOptions{})
		}},
		{"http base", func() (*verifier.Client, error) {
			return verifier.NewRedirectURIClient("http://example.com/v", verifier.ClientOptions{})
		}},
		{"base with query", func() (*verifier.Client, error) {
			return verifier.NewRedirectURIClient("https://example.com/v?x=1", verifier.ClientOptions{})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f()
			require.ErrorIs(t, err, verifier.ErrConfig)
		})
	}
	_, err = verifier.New(verifier.Config{})
	require.ErrorIs(t, err, verifier.ErrConfig)

	ea, va := newEnv(t, envOptions{prefix: oid4vp.PrefixVerifierAttestation})
	for name, att := range map[string]string{
		"attestation cnf is another key": ea.attestation(func(c map[string]any) {
			j, _ := ea.holder.JWK()
			c["cnf"] = map[string]any{"jwk": j}
		}),
		"attestation without sub":           ea.attestation(func(c map[string]any) { delete(c, "sub") }),
		"attestation without exp":           ea.attestation(func(c map[string]any) { delete(c, "exp") }),
		"attestation restricting redirects": ea.attestation(func(c map[string]any) { c["redirect_uris"] = []string{"https://x/"} }),
		"attestation with the wrong typ":    mustSign(t, ea, "JWT"),
		"not a JWT":                         "abc",
	} {
		_, err := verifier.NewVerifierAttestationClient(ea.signer, att, ea.base, verifier.ClientOptions{})
		require.ErrorIs(t, err, verifier.ErrConfig, name)
	}
	expired, err := verifier.NewVerifierAttestationClient(ea.signer, ea.attestation(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), ea.base, verifier.ClientOptions{})
	require.NoError(t, err)
	vx, err := verifier.New(verifier.Config{Clients: verifier.StaticClients{"acme": expired}, Validator: ea.validator})
	require.NoError(t, err)
	_, err = vx.Create(ea.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, pidQuery)})
	require.ErrorIs(t, err, verifier.ErrConfig, "an expired attestation is not used")
	_ = va
	_, err = verifier.New(verifier.Config{Clients: verifier.StaticClients{}, Validator: e.validator, EncValues: []string{"dir"}})
	require.ErrorIs(t, err, verifier.ErrConfig)
	_, err = verifier.New(verifier.Config{Clients: verifier.StaticClients{}, Validator: e.validator, ResponseMode: oid4vp.ResponseModeFragment})
	require.ErrorIs(t, err, verifier.ErrConfig)
}

var _ = errors.Is
var _ = json.Marshal

// TestHolderBindingWaived: with require_cryptographic_holder_binding
// false the request carries state (§5.3) and an SD-JWT without KB-JWT is
// accepted; one with a KB-JWT is still checked against the nonce.
func TestHolderBindingWaived(t *testing.T) {
	const waived = `{"credentials":[{"id":"pid","format":"dc+sd-jwt","require_cryptographic_holder_binding":false,
	 "meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]}]}`
	for _, tc := range []struct {
		name string
		tok  func(e *env, f flow) dcql.VPToken
		ok   bool
	}{
		{"no KB-JWT", func(e *env, f flow) dcql.VPToken { return dcql.VPToken{"pid": {e.held[0].Raw}} }, true},
		{"KB-JWT with the nonce", func(e *env, f flow) dcql.VPToken { return e.present(f.claims, presentOptions{}) }, true},
		{"KB-JWT with another nonce", func(e *env, f flow) dcql.VPToken {
			return e.present(f.claims, presentOptions{nonce: "another-nonce-0123456789"})
		}, false},
		{"credential of another type", func(e *env, f flow) dcql.VPToken { return dcql.VPToken{"pid": {e.held[1].Raw}} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{})
			f := e.start(v, waived, "")
			require.GreaterOrEqual(t, len(f.claims.State), 22)
			status, body := e.post(f.claims.ResponseURI, e.responseForm(f.claims, tc.tok(e, f), postOptions{}))
			res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
			require.NoError(t, err)
			if tc.ok {
				require.Equal(t, 200, status, string(body))
				require.Equal(t, "Erika", res.Credentials["pid"][0].Claims["given_name"])
				return
			}
			require.Equal(t, 400, status, string(body))
			require.Equal(t, verifier.StatusRejected, res.Status)
		})
	}
}

// TestStatus: presentations are checked against the issuer's status list
// (statuslist.Checker over the guarded fetcher); after revocation of one
// credential the whole response is rejected.
func TestStatus(t *testing.T) {
	e, v := newEnv(t, envOptions{status: true})
	f := e.start(v, twoQuery, "")
	status, body := e.post(f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}))
	require.Equal(t, 200, status, string(body))

	slot := e.slots[1] // the employee credential
	require.NoError(t, e.alloc.Revoke(e.ctx, "acme", slot.ListID, slot.Index))
	e.checker.Purge()
	f = e.start(v, twoQuery, "")
	status, body = e.post(f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}))
	require.Equal(t, 400, status, string(body))
	require.ErrorIs(t, e.lastEvent().Reason, presentation.ErrRevoked)
}

func mustSign(t *testing.T, e *env, typ string) string {
	j, _ := e.signer.JWK()
	tok, err := jose.SignJWT(e.ctx, e.attester, map[string]any{"typ": typ}, map[string]any{"sub": "v", "exp": time.Now().Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": j}})
	require.NoError(t, err)
	return tok
}

// TestOnAccepted: the callback sees each accepted DCQL response once,
// with the verified vp_token and credentials, and never a rejected one.
func TestOnAccepted(t *testing.T) {
	var mu sync.Mutex
	var got []verifier.Accepted
	e, v := newEnv(t, envOptions{status: true, cfg: func(c *verifier.Config) {
		c.OnAccepted = func(_ context.Context, a verifier.Accepted) {
			mu.Lock()
			got = append(got, a)
			mu.Unlock()
		}
	}})
	f := e.start(v, twoQuery, "")
	tok := e.present(f.claims, presentOptions{})
	status, body := e.post(f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{}))
	require.Equal(t, 200, status, string(body))
	require.Len(t, got, 1)
	require.Equal(t, "acme", got[0].Tenant)
	require.Equal(t, f.tx.ID, got[0].TransactionID)
	require.Equal(t, tok, got[0].VPToken)
	require.Equal(t, "Erika", got[0].Credentials["pid"][0].Claims["given_name"])

	require.NoError(t, e.alloc.Revoke(e.ctx, "acme", e.slots[0].ListID, e.slots[0].Index))
	e.checker.Purge()
	f = e.start(v, twoQuery, "")
	status, body = e.post(f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}))
	require.Equal(t, 400, status, string(body))
	require.Len(t, got, 1, "a rejected response is not handed on")
}
