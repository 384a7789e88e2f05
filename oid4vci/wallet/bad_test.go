package wallet_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/presentation"
)

// TestMisbehavingIssuer: each bad answer of an issuer gets a typed error
// and nothing is stored.
func TestMisbehavingIssuer(t *testing.T) {
	otherKey := func() issuer.HolderKey {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		jwk, _ := crypto.PublicJWK(k.Public())
		tp, _ := crypto.Thumbprint(k.Public())
		return issuer.HolderKey{Public: k.Public(), JWK: jwk, Thumbprint: tp}
	}
	type tc struct {
		name      string
		issuerOpt func(*issuer.Config, *env)
		intercept func(path string, w http.ResponseWriter, r *http.Request, next http.Handler) bool
		wallet    walletOpts
		req       issuer.OfferRequest
		want      error
		// noCredentialRequest: the wallet must stop before the credential endpoint.
		noCredentialRequest bool
		// failureNotified: the rejected credential is reported as credential_failure.
		failureNotified bool
	}
	pid := issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims}
	cases := []tc{
		{name: "metadata for another credential_issuer", req: pid, want: wallet.ErrMetadata, noCredentialRequest: true,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if !strings.HasPrefix(r.URL.Path, oid4vci.WellKnownIssuerMetadata) {
					return false
				}
				rewrite(w, r, next, func(m map[string]any) { m["credential_issuer"] = "https://evil.example/tenants/acme" })
				return true
			}},
		{name: "metadata redirect", req: pid, want: wallet.ErrMetadata, noCredentialRequest: true,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if !strings.HasPrefix(r.URL.Path, oid4vci.WellKnownIssuerMetadata) {
					return false
				}
				http.Redirect(w, r, "https://evil.example/md", http.StatusFound)
				return true
			}},
		{name: "credential_endpoint not https", req: pid, want: wallet.ErrMetadata, noCredentialRequest: true,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if !strings.HasPrefix(r.URL.Path, oid4vci.WellKnownIssuerMetadata) {
					return false
				}
				rewrite(w, r, next, func(m map[string]any) { m["credential_endpoint"] = "http://issuer.example/credential" })
				return true
			}},
		{name: "loopback endpoints without InsecureAllowLoopback", req: pid, want: wallet.ErrMetadata, noCredentialRequest: true,
			wallet: walletOpts{mod: func(c *wallet.Config) { c.InsecureAllowLoopback = false }}},
		{name: "authorization server metadata for another issuer", req: pid, want: wallet.ErrMetadata, noCredentialRequest: true,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if !strings.HasPrefix(r.URL.Path, "/.well-known/oauth-authorization-server") {
					return false
				}
				rewrite(w, r, next, func(m map[string]any) { m["issuer"] = "https://evil.example" })
				return true
			}},
		{name: "offer by reference redirect", req: issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, ByReference: true}, want: wallet.ErrOffer, noCredentialRequest: true,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if !strings.HasPrefix(p, "/offers/") {
					return false
				}
				http.Redirect(w, r, "https://evil.example/offer", http.StatusFound)
				return true
			}},
		{name: "offer by reference refused by consent hook", req: issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, ByReference: true}, want: wallet.ErrConsent, noCredentialRequest: true,
			wallet: walletOpts{mod: func(c *wallet.Config) {
				c.ConsentOfferURI = func(context.Context, string) error { return errors.New("user said no") }
			}}},
		{name: "offer by reference without consent hook", req: issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, ByReference: true}, want: wallet.ErrConsent, noCredentialRequest: true,
			wallet: walletOpts{mod: func(c *wallet.Config) { c.ConsentOfferURI = nil }}},
		{name: "token response without access_token", req: pid, want: wallet.ErrResponse, noCredentialRequest: true,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/token" {
					return false
				}
				rewrite(w, r, next, func(m map[string]any) { delete(m, "access_token") })
				return true
			}},
		{name: "Bearer token when DPoP was asked for", req: pid, want: wallet.ErrResponse, noCredentialRequest: true, wallet: walletOpts{dpop: true},
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/token" {
					return false
				}
				rewrite(w, r, next, func(m map[string]any) { m["token_type"] = "Bearer" })
				return true
			}},
		{name: "token endpoint redirect", req: pid, want: wallet.ErrRedirect, noCredentialRequest: true,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/token" {
					return false
				}
				http.Redirect(w, r, "https://evil.example/token", http.StatusTemporaryRedirect)
				return true
			}},
		{name: "credential of another vct", req: pid, failureNotified: true, want: wallet.ErrCredential,
			issuerOpt: func(c *issuer.Config, e *env) {
				cfg := *c.Plugins[0].Configurations()[cfgPID]
				cfg.VCT = "https://credentials.example.com/other"
				bad, err := issuer.NewSDJWTPlugin(nil, issuer.SDJWTCredential{ID: cfgPID, Configuration: cfg, Signer: e.signer, IssuerID: e.issuerDID})
				must(e.t, err)
				c.Plugins[0] = &evil{Plugin: c.Plugins[0], issue: bad.Issue}
			}},
		{name: "credential of another format", req: pid, failureNotified: true, want: wallet.ErrCredential,
			issuerOpt: func(c *issuer.Config, e *env) {
				jv := c.Plugins[1]
				c.Plugins[0] = &evil{Plugin: c.Plugins[0], issue: func(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
					r := *req
					r.ConfigurationID, r.Configuration = cfgJWTVC, jv.Configurations()[cfgJWTVC]
					return jv.Issue(ctx, &r)
				}}
			}},
		{name: "credential bound to another key", req: pid, failureNotified: true, want: wallet.ErrBinding,
			issuerOpt: func(c *issuer.Config, e *env) {
				real := c.Plugins[0]
				c.Plugins[0] = &evil{Plugin: real, issue: func(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
					r := *req
					r.HolderKeys = []issuer.HolderKey{otherKey()}
					return real.Issue(ctx, &r)
				}}
			}},
		{name: "too many credentials", req: pid, want: wallet.ErrTooMany,
			// The issuer itself refuses to issue more than one per proof, so
			// the answer is changed on the wire.
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/credential" {
					return false
				}
				rewrite(w, r, next, func(m map[string]any) {
					cs := m["credentials"].([]any)
					m["credentials"] = append(cs, cs...)
				})
				return true
			}},
		{name: "untrusted issuer", req: pid, failureNotified: true, want: wallet.ErrCredential,
			wallet: walletOpts{trust: presentation.TrustedIssuers{"did:example:someone-else"}}},
		{name: "credential with alg none (security.md row 1)", req: pid, want: wallet.ErrCredential,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/credential" {
					return false
				}
				rewrite(w, r, next, func(m map[string]any) {
					c := m["credentials"].([]any)[0].(map[string]any)
					parts := strings.SplitN(c["credential"].(string), ".", 3)
					rest := parts[2][strings.Index(parts[2], "~"):]
					c["credential"] = b64([]byte(`{"alg":"none","typ":"dc+sd-jwt"}`)) + "." + parts[1] + "." + rest
				})
				return true
			}},
		{name: "access token as credential (security.md row 15)", req: pid, want: wallet.ErrCredential,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/credential" {
					return false
				}
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				rewrite(w, r, next, func(m map[string]any) {
					m["credentials"].([]any)[0].(map[string]any)["credential"] = tok + "~"
				})
				return true
			}},
		{name: "credential tampered", req: pid, want: wallet.ErrCredential,
			intercept: func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/credential" {
					return false
				}
				rewrite(w, r, next, func(m map[string]any) {
					cs := m["credentials"].([]any)
					c := cs[0].(map[string]any)
					s := c["credential"].(string)
					c["credential"] = s[:20] + "A" + s[21:]
				})
				return true
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*issuer.Config, *env)
			if tc.issuerOpt != nil {
				opts = append(opts, tc.issuerOpt)
			}
			e := newEnv(t, opts...)
			link, _ := e.offer(tc.req)
			e.setIntercept(tc.intercept)
			w := e.wallet(tc.wallet)
			_, err := w.AcceptOffer(context.Background(), link)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got, _ := w.Store().List(context.Background(), wallet.Filter{}); len(got) != 0 {
				t.Fatalf("stored %d credentials", len(got))
			}
			if tc.noCredentialRequest && len(e.requests("/credential")) != 0 {
				t.Fatal("credential endpoint was called")
			}
			failures := 0
			for _, n := range e.requests("/notification") {
				if strings.Contains(n.body, oid4vci.EventCredentialAccepted) {
					t.Fatal("rejected credential acknowledged")
				}
				if strings.Contains(n.body, oid4vci.EventCredentialFailure) {
					failures++
				}
			}
			if tc.failureNotified && failures != 1 {
				t.Fatalf("%d credential_failure notifications", failures)
			}
		})
	}
}

// TestOfferInputs: the forms an offer arrives in, and bad ones.
func TestOfferInputs(t *testing.T) {
	e := newEnv(t)
	created, err := e.iss.CreateOffer(context.Background(), issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	must(t, err)
	raw, err := json.Marshal(created.Offer)
	must(t, err)
	q := url.QueryEscape(string(raw))
	withAS := *created.Offer
	g := *withAS.Grants
	pa := *g.PreAuthorizedCode
	pa.AuthorizationServer = "https://as.example.com"
	g.PreAuthorizedCode, withAS.Grants = &pa, &g
	asRaw, err := json.Marshal(&withAS)
	must(t, err)
	unknown := *created.Offer
	unknown.CredentialConfigurationIDs = []string{"no_such_configuration"}
	unknownRaw, err := json.Marshal(&unknown)
	must(t, err)
	w := e.wallet(walletOpts{})
	cases := []struct {
		name, in string
		want     error // nil: resolves
		start    error // the error of Start, if resolving succeeds
	}{
		{"custom scheme", "openid-credential-offer://?credential_offer=" + q, nil, nil},
		{"https endpoint", "https://wallet.example.org/offer?credential_offer=" + q, nil, nil},
		{"raw JSON", string(raw), nil, nil},
		{"both", "openid-credential-offer://?credential_offer=" + q + "&credential_offer_uri=https%3A%2F%2Fx.example%2Fo", wallet.ErrOffer, nil},
		{"neither", "openid-credential-offer://?foo=bar", wallet.ErrOffer, nil},
		{"http scheme", "http://wallet.example.org/offer?credential_offer=" + q, wallet.ErrOffer, nil},
		{"offer uri not https", "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fx.example%2Fo", wallet.ErrOffer, nil},
		{"empty ids", `{"credential_issuer":"` + e.id + `","credential_configuration_ids":[]}`, wallet.ErrOffer, nil},
		{"duplicate ids", `{"credential_issuer":"` + e.id + `","credential_configuration_ids":["a","a"]}`, wallet.ErrOffer, nil},
		{"duplicate member", `{"credential_issuer":"` + e.id + `","credential_issuer":"x","credential_configuration_ids":["a"]}`, wallet.ErrOffer, nil},
		{"not JSON", `{"credential_issuer":`, wallet.ErrOffer, nil},
		{"garbage", "%%%", wallet.ErrOffer, nil},
		{"offer uri to link-local (security.md row 42)", "openid-credential-offer://?credential_offer_uri=" + url.QueryEscape("https://169.254.169.254/latest/meta-data"), wallet.ErrOffer, nil},
		{"authorization_server not in metadata", string(asRaw), nil, wallet.ErrOffer},
		{"configuration not in metadata", string(unknownRaw), nil, wallet.ErrOffer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := w.ResolveOffer(context.Background(), tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			if o.CredentialIssuer != e.id {
				t.Fatalf("%+v", o)
			}
			if _, err := w.Start(context.Background(), o); !errors.Is(err, tc.start) {
				t.Fatalf("Start: err = %v, want %v", err, tc.start)
			}
		})
	}
}

// TestConfig: New refuses incomplete configurations.
func TestConfig(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name string
		cfg  wallet.Config
	}{
		{"empty", wallet.Config{}},
		{"no validator", wallet.Config{Fetcher: e.fetcher()}},
		{"no holder key", wallet.Config{Fetcher: e.fetcher(), Validator: e.validator(nil)}},
		{"nil holder key", wallet.Config{Fetcher: e.fetcher(), Validator: e.validator(nil), HolderKeys: []*wallet.HolderKey{nil}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := wallet.New(tc.cfg); !errors.Is(err, wallet.ErrConfig) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestInvalidNonceRetry: an issuer that rejects the first proof's nonce
// gets exactly one retry with a fresh nonce; a second rejection is final.
func TestInvalidNonceRetry(t *testing.T) {
	for _, rejects := range []int{1, 2} {
		t.Run(map[int]string{1: "once", 2: "twice"}[rejects], func(t *testing.T) {
			e := newEnv(t)
			link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
			n := 0
			e.setIntercept(func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/credential" || n >= rejects {
					return false
				}
				n++
				oid4vci.WriteError(w, oid4vci.NewError(oid4vci.CodeInvalidNonce, "stale"))
				return true
			})
			w := e.wallet(walletOpts{})
			got, err := w.AcceptOffer(context.Background(), link)
			creds, nonces := len(e.requests("/credential")), len(e.requests("/nonce"))
			if rejects == 1 {
				must(t, err)
				if len(got) != 1 || creds != 2 || nonces != 2 {
					t.Fatalf("got %d, %d credential and %d nonce requests", len(got), creds, nonces)
				}
				return
			}
			var pe *oid4vci.Error
			if !errors.As(err, &pe) || pe.Code != oid4vci.CodeInvalidNonce || creds != 2 {
				t.Fatalf("err = %v after %d requests", err, creds)
			}
		})
	}
}
