package issuer_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

const extAS = "https://as.example"

// asSigner makes an ES256 signer for a test AS and its public JWK.
func asSigner(t *testing.T, e *env, id string) (*jose.KeySigner, map[string]any) {
	ctx := context.Background()
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "as"}, ID: id}
	_, err := e.engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256, KID: id})
	must(t, err)
	s, err := jose.NewKeySigner(ctx, e.engine, ref, crypto.ES256)
	must(t, err)
	jwk, err := s.JWK()
	must(t, err)
	return s, jwk
}

// TestAuthorizationCodeOffer: CreateOffer with the authorization_code
// grant; JWT access tokens of the external AS carrying issuer_state (a
// claim, or a member of authorization_details) are correlated with the
// offer, whose claims data the plugin gets; the bad cases are refused.
func TestAuthorizationCodeOffer(t *testing.T) {
	ctx := context.Background()
	var jwks staticJWKS = map[string][]map[string]any{}
	e := newEnv(t, func(c *issuer.Config) {
		c.AuthorizationServers = []issuer.AuthorizationServer{{Issuer: extAS, JWKS: jwks}}
	})
	key, jwk := asSigner(t, e, "as-1")
	jwks[extAS] = []map[string]any{jwk}
	offer := func(ids ...string) *issuer.CreatedOffer {
		if len(ids) == 0 {
			ids = []string{cfgPID}
		}
		o, err := e.iss.CreateOffer(ctx, issuer.OfferRequest{Subject: "erika", ConfigurationIDs: ids, Claims: pidClaims, Grants: issuer.GrantAuthorizationCode})
		must(t, err)
		return o
	}
	token := func(mod func(c map[string]any)) string {
		c := map[string]any{"iss": extAS, "sub": "user-7", "aud": e.id, "client_id": "wallet-1",
			"iat": e.clock.Now().Unix(), "exp": e.clock.Now().Add(5 * time.Minute).Unix(), "scope": "pid"}
		if mod != nil {
			mod(c)
		}
		tok, err := jose.SignJWT(ctx, key, map[string]any{"typ": "at+jwt"}, c)
		must(t, err)
		return tok
	}
	w := e.wallet(1)
	reqBody := func() []byte {
		return body(map[string]any{"credential_configuration_id": cfgPID, "proofs": map[string]any{"jwt": []string{w.proof(0, w.nonce(), nil)}}})
	}

	o := offer()
	ac := o.Offer.Grants.AuthorizationCode
	if ac == nil || ac.IssuerState == "" || ac.IssuerState != o.IssuerState || ac.AuthorizationServer != extAS || o.Offer.Grants.PreAuthorizedCode != nil {
		t.Fatalf("grants %+v", o.Offer.Grants)
	}
	// The issuer_state is no pre-authorized code.
	if r := w.tokenForm(w.preAuthForm(o.IssuerState, ""), ""); r.errCode() != "invalid_grant" {
		t.Fatalf("issuer_state as pre-authorized code: %s", r.body)
	}
	good := token(func(c map[string]any) { c["issuer_state"] = o.IssuerState })
	creds, _ := credentials(t, w.credentialRaw("Bearer "+good, reqBody(), ""))
	res, err := e.verifier().VerifyIssued(ctx, creds[0])
	must(t, err)
	if res.Claims["given_name"] != "Erika" {
		t.Fatalf("claims %v", res.Claims)
	}
	// A later token of the same user (refreshed at the AS) still works.
	later := token(func(c map[string]any) { c["issuer_state"] = o.IssuerState; c["jti"] = "again" })
	credentials(t, w.credentialRaw("Bearer "+later, reqBody(), ""))

	// issuer_state inside authorization_details.
	o2 := offer()
	viaAD := token(func(c map[string]any) {
		delete(c, "scope")
		c["authorization_details"] = []any{map[string]any{"type": "openid_credential", "credential_configuration_id": cfgPID, "issuer_state": o2.IssuerState}}
	})
	credentials(t, w.credentialRaw("Bearer "+viaAD, reqBody(), ""))

	expiring := offer()
	badgeOnly := offer(cfgBadge)
	e.clock.Add(0)
	for _, tc := range []struct {
		name   string
		tok    func() string
		before func()
		code   string
		status int
	}{
		{"wrong secret", func() string {
			return token(func(c map[string]any) { c["issuer_state"] = o.ID + ".forged" })
		}, nil, "invalid_token", 401},
		{"no separator", func() string { return token(func(c map[string]any) { c["issuer_state"] = "garbage" }) }, nil, "invalid_token", 401},
		{"unknown offer", func() string { return token(func(c map[string]any) { c["issuer_state"] = "nope.nope" }) }, nil, "invalid_token", 401},
		{"another user after redemption", func() string {
			return token(func(c map[string]any) { c["issuer_state"] = o.IssuerState; c["sub"] = "mallory" })
		}, nil, "invalid_token", 401},
		{"no issuer_state and no Grant callback", func() string { return token(nil) }, nil, "invalid_token", 401},
		{"granted configuration not offered", func() string {
			return token(func(c map[string]any) { c["issuer_state"] = badgeOnly.IssuerState })
		}, nil, "insufficient_scope", 403},
		{"offer expired before use", func() string {
			return token(func(c map[string]any) { c["issuer_state"] = expiring.IssuerState })
		}, func() { e.clock.Add(11 * time.Minute) }, "invalid_token", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			n := e.events.count(issuer.EventCredentialsIssued)
			r := w.credentialRaw("Bearer "+tc.tok(), reqBody(), "")
			if r.status != tc.status || !strings.Contains(r.header.Get("WWW-Authenticate"), tc.code) {
				t.Fatalf("%d %v %s", r.status, r.header, r.body)
			}
			if e.events.count(issuer.EventCredentialsIssued) != n {
				t.Fatal("issued")
			}
		})
	}
}

// TestAuthorizationCodeOfferRequests: bad OfferRequests for the
// authorization_code grant.
func TestAuthorizationCodeOfferRequests(t *testing.T) {
	ctx := context.Background()
	plain := newEnv(t)
	two := newEnv(t, func(c *issuer.Config) {
		c.AuthorizationServers = []issuer.AuthorizationServer{{Issuer: extAS, JWKS: staticJWKS{}}, {Issuer: "https://as2.example", JWKS: staticJWKS{}}}
	})
	for _, tc := range []struct {
		name string
		e    *env
		req  issuer.OfferRequest
	}{
		{"no authorization server configured", plain, issuer.OfferRequest{Grants: issuer.GrantAuthorizationCode}},
		{"several servers, none named", two, issuer.OfferRequest{Grants: issuer.GrantAuthorizationCode}},
		{"server not configured", two, issuer.OfferRequest{Grants: issuer.GrantAuthorizationCode, AuthorizationServer: "https://evil.example"}},
		{"tx_code without pre-authorized code", two, issuer.OfferRequest{Grants: issuer.GrantAuthorizationCode, AuthorizationServer: extAS, TxCode: &oid4vci.TxCode{}}},
		{"unknown grant bits", two, issuer.OfferRequest{Grants: 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.ConfigurationIDs = []string{cfgPID}
			if _, err := tc.e.iss.CreateOffer(ctx, tc.req); !errors.Is(err, issuer.ErrOffer) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	// Both grants, the second AS named: whichever grant is used first
	// redeems the offer.
	o, err := two.iss.CreateOffer(ctx, issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Grants: issuer.GrantPreAuthorized | issuer.GrantAuthorizationCode, AuthorizationServer: "https://as2.example"})
	must(t, err)
	g := o.Offer.Grants
	if g.PreAuthorizedCode == nil || g.AuthorizationCode == nil || g.AuthorizationCode.AuthorizationServer != "https://as2.example" {
		t.Fatalf("%+v", g)
	}
}

// introspectionAS is a test RFC 7662 endpoint: answers per token, counts
// calls, checks client_secret_basic.
type introspectionAS struct {
	mu      sync.Mutex
	answers map[string]any // token -> JSON answer (string: raw body)
	status  int
	calls   atomic.Int32
}

func (a *introspectionAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.calls.Add(1)
	// RFC 6749 §2.3.1: both parts form-urlencoded.
	id, secret, ok := r.BasicAuth()
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if !ok || id != "issuer-client" || secret != "s3cr:et" || r.ParseForm() != nil || r.PostForm.Get("token_type_hint") != "access_token" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	a.mu.Lock()
	ans, known := a.answers[r.PostForm.Get("token")]
	status := a.status
	a.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if s, ok := ans.(string); ok {
		_, _ = w.Write([]byte(s))
		return
	}
	if !known {
		ans = map[string]any{"active": false}
	}
	_ = json.NewEncoder(w).Encode(ans)
}

// TestIntrospection: opaque tokens of an external AS are checked by RFC
// 7662 introspection (client_secret_basic, active, iss, aud, exp, token
// type, size cap), cached no longer than their exp, and correlated by
// issuer_state like JWTs.
func TestIntrospection(t *testing.T) {
	ctx := context.Background()
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	ias := &introspectionAS{answers: map[string]any{}}
	mux.Handle("POST /as/introspect", ias)
	e := newTenant(t, srv, mux, "acme", func(c *issuer.Config) {
		c.AuthorizationServers = []issuer.AuthorizationServer{{Issuer: extAS, Introspection: &issuer.Introspection{
			Endpoint: srv.URL + "/as/introspect", ClientID: "issuer-client", ClientSecret: "s3cr:et", HTTPClient: srv.Client(),
			CacheTTL: time.Hour, MaxResponseBytes: 4096,
		}}}
	})
	o, err := e.iss.CreateOffer(ctx, issuer.OfferRequest{Subject: "erika", ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, Grants: issuer.GrantAuthorizationCode})
	must(t, err)
	now := e.clock.Now()
	answer := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"active": true, "iss": extAS, "sub": "user-7", "aud": []string{e.id}, "client_id": "wallet-1",
			"exp": now.Add(2 * time.Minute).Unix(), "scope": "pid", "token_type": "Bearer", "issuer_state": o.IssuerState}
		if mod != nil {
			mod(m)
		}
		return m
	}
	set := func(tok string, v any) {
		ias.mu.Lock()
		ias.answers[tok] = v
		ias.mu.Unlock()
	}
	w := e.wallet(1)
	reqBody := func() []byte {
		return body(map[string]any{"credential_configuration_id": cfgPID, "proofs": map[string]any{"jwt": []string{w.proof(0, w.nonce(), nil)}}})
	}
	set("opaque-good", answer(nil))
	r0 := w.credentialRaw("Bearer opaque-good", reqBody(), "")
	if r0.status != 200 {
		t.Log(e.logs.String())
	}
	creds, _ := credentials(t, r0)
	res, err := e.verifier().VerifyIssued(ctx, creds[0])
	must(t, err)
	if res.Claims["given_name"] != "Erika" {
		t.Fatalf("claims %v", res.Claims)
	}
	calls := ias.calls.Load()
	credentials(t, w.credentialRaw("Bearer opaque-good", reqBody(), ""))
	if ias.calls.Load() != calls {
		t.Fatal("an active answer was not cached")
	}
	big := `{"active":true,"pad":"` + strings.Repeat("x", 5000) + `"}`
	for _, tc := range []struct {
		name   string
		answer any
		status int // of the introspection endpoint
		want   int // of the credential endpoint
	}{
		{"inactive", map[string]any{"active": false}, 0, 401},
		{"unknown token", nil, 0, 401},
		{"other audience", answer(func(m map[string]any) { m["aud"] = "https://other.example" }), 0, 401},
		{"no audience", answer(func(m map[string]any) { delete(m, "aud") }), 0, 401},
		{"expired", answer(func(m map[string]any) { m["exp"] = now.Add(-time.Hour).Unix() }), 0, 401},
		{"no exp", answer(func(m map[string]any) { delete(m, "exp") }), 0, 401},
		{"not yet valid", answer(func(m map[string]any) { m["nbf"] = now.Add(time.Hour).Unix() }), 0, 401},
		{"another issuer", answer(func(m map[string]any) { m["iss"] = "https://evil.example" }), 0, 401},
		{"a refresh token", answer(func(m map[string]any) { m["token_type"] = "refresh_token" }), 0, 401},
		{"no sub", answer(func(m map[string]any) { delete(m, "sub") }), 0, 401},
		{"another user's issuer_state", answer(func(m map[string]any) { m["sub"] = "mallory" }), 0, 401},
		{"not JSON", "<html>", 0, 500},
		{"answer too large", big, 0, 500},
		{"endpoint error", nil, http.StatusInternalServerError, 500},
		{"endpoint redirects", nil, http.StatusFound, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := "opaque-" + strings.ReplaceAll(tc.name, " ", "-")
			if tc.answer != nil {
				set(tok, tc.answer)
			}
			ias.mu.Lock()
			ias.status = tc.status
			ias.mu.Unlock()
			defer func() { ias.mu.Lock(); ias.status = 0; ias.mu.Unlock() }()
			n := e.events.count(issuer.EventCredentialsIssued)
			r := w.credentialRaw("Bearer "+tok, reqBody(), "")
			if r.status != tc.want || (tc.want == 401 && !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token")) {
				t.Fatalf("%d %v %s", r.status, r.header, r.body)
			}
			if e.events.count(issuer.EventCredentialsIssued) != n {
				t.Fatal("issued")
			}
		})
	}
	// The cache never outlives the token: past its exp the answer is
	// asked again (now inactive) and refused.
	set("opaque-good", map[string]any{"active": false})
	e.clock.Add(3 * time.Minute)
	if r := w.credentialRaw("Bearer opaque-good", reqBody(), ""); r.status != 401 {
		t.Fatalf("expired cached token: %d", r.status)
	}
}

// TestIntrospectionConfig: an introspection endpoint must be https and
// the AS needs JWKS or introspection.
func TestIntrospectionConfig(t *testing.T) {
	for name, as := range map[string]issuer.AuthorizationServer{
		"http endpoint":    {Issuer: extAS, Introspection: &issuer.Introspection{Endpoint: "http://as.example/introspect", ClientID: "c"}},
		"no client id":     {Issuer: extAS, Introspection: &issuer.Introspection{Endpoint: "https://as.example/introspect"}},
		"neither":          {Issuer: extAS},
		"no issuer":        {JWKS: staticJWKS{}},
		"issuer is itself": {Issuer: "SELF", JWKS: staticJWKS{}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			cfg := baseConfig(e)
			if as.Issuer == "SELF" {
				as.Issuer = e.id
			}
			cfg.AuthorizationServers = []issuer.AuthorizationServer{as}
			if _, err := issuer.New(cfg); !errors.Is(err, issuer.ErrConfig) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
