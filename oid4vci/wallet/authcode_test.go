package wallet_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/presentation/w3c"
)

// testAS is a small authorization server: PAR, authorization endpoint
// (answering at once with a redirect), token endpoint with PKCE S256 and
// DPoP binding (cnf.jkt from dpop_jkt), JWT access tokens for the issuer.
type testAS struct {
	t      testing.TB
	url    string
	signer *jose.KeySigner
	aud    string
	// tamper changes the authorization response: "state", "iss", "no-iss",
	// "redirect".
	tamper string

	mu    sync.Mutex
	par   map[string]url.Values
	codes map[string]url.Values
	// pushed records the pushed authorization requests.
	pushed []url.Values
	// opaque makes the token endpoint issue opaque tokens, checked at
	// /as/introspect (RFC 7662).
	opaque       bool
	opaqueTokens map[string]map[string]any
}

const redirectURI = "https://wallet.example.com/cb"

func (a *testAS) routes(mux *http.ServeMux) {
	mux.HandleFunc("/.well-known/oauth-authorization-server/as", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": a.url, "authorization_endpoint": a.url + "/authorize", "token_endpoint": a.url + "/token",
			"pushed_authorization_request_endpoint": a.url + "/par", "require_pushed_authorization_requests": true,
			"code_challenge_methods_supported": []string{"S256"}, "dpop_signing_alg_values_supported": []string{"ES256"},
			"grant_types_supported": []string{"authorization_code"}, "response_types_supported": []string{"code"},
			"authorization_response_iss_parameter_supported": true,
		})
	})
	mux.HandleFunc("POST /as/par", func(w http.ResponseWriter, r *http.Request) {
		must(a.t, r.ParseForm())
		uri := "urn:ietf:params:oauth:request_uri:" + rand.Text()
		a.mu.Lock()
		a.par[uri] = r.PostForm
		a.pushed = append(a.pushed, r.PostForm)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"request_uri": uri, "expires_in": 60})
	})
	mux.HandleFunc("GET /as/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		a.mu.Lock()
		p := a.par[q.Get("request_uri")]
		delete(a.par, q.Get("request_uri"))
		a.mu.Unlock()
		if p == nil || p.Get("client_id") != q.Get("client_id") {
			http.Error(w, "unknown request_uri", http.StatusBadRequest)
			return
		}
		code := rand.Text()
		a.mu.Lock()
		a.codes[code] = p
		a.mu.Unlock()
		resp := url.Values{"code": {code}, "state": {p.Get("state")}, "iss": {a.url}}
		target := p.Get("redirect_uri")
		switch a.tamper {
		case "state":
			resp.Set("state", "forged")
		case "iss":
			resp.Set("iss", "https://mix-up.example.com")
		case "no-iss":
			resp.Del("iss")
		case "redirect":
			target = "https://evil.example.com/cb"
		}
		http.Redirect(w, r, target+"?"+resp.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /as/token", func(w http.ResponseWriter, r *http.Request) {
		must(a.t, r.ParseForm())
		f := r.PostForm
		a.mu.Lock()
		p := a.codes[f.Get("code")]
		delete(a.codes, f.Get("code"))
		a.mu.Unlock()
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		fail := func(code string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
		}
		if p == nil || f.Get("grant_type") != oid4vci.GrantTypeAuthorizationCode || f.Get("redirect_uri") != p.Get("redirect_uri") ||
			f.Get("client_id") != p.Get("client_id") || base64.RawURLEncoding.EncodeToString(sum[:]) != p.Get("code_challenge") ||
			p.Get("code_challenge_method") != "S256" {
			fail("invalid_grant")
			return
		}
		sub := "user-1"
		if a.tamper == "other-user" {
			sub = "user-2"
		}
		claims := map[string]any{"iss": a.url, "sub": sub, "aud": a.aud, "client_id": f.Get("client_id"),
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(), "scope": p.Get("scope")}
		tokenType := "Bearer"
		if jkt := p.Get("dpop_jkt"); jkt != "" {
			j, err := jose.Parse(r.Header.Get("DPoP"), jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"dpop+jwt"}})
			if err != nil || j.Header.JWK == nil {
				fail("invalid_dpop_proof")
				return
			}
			pub, err := crypto.PublicKeyFromJWK(j.Header.JWK)
			if err != nil {
				fail("invalid_dpop_proof")
				return
			}
			tp, _ := crypto.Thumbprint(pub)
			if tp != jkt || j.VerifySignature(pub) != nil {
				fail("invalid_dpop_proof")
				return
			}
			claims["cnf"] = map[string]any{"jkt": jkt}
			tokenType = "DPoP"
		}
		if st := p.Get("issuer_state"); st != "" {
			claims["issuer_state"] = st // the AS carries the offer's issuer_state into the token
		}
		var tok string
		if a.opaque {
			tok = rand.Text()
			claims["active"], claims["token_type"] = true, tokenType
			a.mu.Lock()
			a.opaqueTokens[tok] = claims
			a.mu.Unlock()
		} else {
			var err error
			tok, err = jose.SignJWT(r.Context(), a.signer, map[string]any{"typ": issuer.AccessTokenType, "kid": "as-1"}, claims)
			must(a.t, err)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": tokenType, "expires_in": 60})
	})
}

func (a *testAS) introspect(w http.ResponseWriter, r *http.Request) {
	if id, secret, ok := r.BasicAuth(); !ok || id != "issuer" || secret != "secret" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	must(a.t, r.ParseForm())
	a.mu.Lock()
	c, ok := a.opaqueTokens[r.PostForm.Get("token")]
	a.mu.Unlock()
	if !ok {
		c = map[string]any{"active": false}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(c)
}

// newStateASEnv is our issuer with an external AS that carries issuer_state
// into its tokens (JWTs, or opaque ones checked by introspection); no Grant
// callback, so only the offer correlation can supply the claims data.
func newStateASEnv(t *testing.T, opaque bool) (*env, *testAS) {
	as := &testAS{t: t, par: map[string]url.Values{}, codes: map[string]url.Values{}, opaque: opaque, opaqueTokens: map[string]map[string]any{}}
	e := newEnv(t, func(c *issuer.Config, e *env) {
		ctx := context.Background()
		as.url, as.aud = e.srv.URL+"/as", c.Issuer
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "as"}, ID: "tokens"}
		_, err := e.engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		must(t, err)
		as.signer, err = jose.NewKeySigner(ctx, e.engine, ref, crypto.ES256)
		must(t, err)
		ext := issuer.AuthorizationServer{Issuer: as.url}
		if opaque {
			ext.Introspection = &issuer.Introspection{Endpoint: as.url + "/introspect", ClientID: "issuer", ClientSecret: "secret", HTTPClient: e.srv.Client()}
		} else {
			jwk, err := crypto.PublicJWK(as.signer.Public())
			must(t, err)
			jwk["kid"] = "as-1"
			ext.JWKS = w3c.StaticJWKS{as.url: {jwk}}
		}
		c.AuthorizationServers = []issuer.AuthorizationServer{ext}
		as.routes(e.mux)
		e.mux.HandleFunc("POST /as/introspect", as.introspect)
	})
	return e, as
}

// TestAuthorizationCodeIssuerState: our wallet against our issuer for an
// offer made with the authorization_code grant: PAR with the offer's
// issuer_state, PKCE, the AS's token (JWT or opaque + introspection, Bearer
// or DPoP) correlated with the offer by the issuer, the offer's claims in
// the credential; a second run of the same offer by another user is refused.
func TestAuthorizationCodeIssuerState(t *testing.T) {
	for _, opaque := range []bool{false, true} {
		for _, dpop := range []bool{false, true} {
			name := map[bool]string{false: "jwt", true: "opaque"}[opaque] + "/" + map[bool]string{false: "bearer", true: "dpop"}[dpop]
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				e, as := newStateASEnv(t, opaque)
				created, err := e.iss.CreateOffer(ctx, issuer.OfferRequest{Subject: "erika", ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, Grants: issuer.GrantAuthorizationCode})
				must(t, err)
				w := e.wallet(walletOpts{dpop: dpop, mod: func(c *wallet.Config) {
					c.Authorize, c.RedirectURI = machineAuthorize(e.srv.Client()), redirectURI
				}})
				got, err := w.AcceptOffer(ctx, created.Link)
				must(t, err)
				if len(got) != 1 || got[0].VCT != vctPID || !strings.Contains(got[0].Raw, "~") {
					t.Fatalf("%+v", got)
				}
				if as.pushed[0].Get("issuer_state") != created.IssuerState {
					t.Fatalf("pushed %v", as.pushed[0])
				}
				if len(e.requests("/token")) != 0 {
					t.Fatal("the issuer's own token endpoint was used")
				}
				// Another user authorizing the same offer at the AS gets
				// a token the issuer refuses.
				as.mu.Lock()
				as.tamper = "other-user"
				as.mu.Unlock()
				if _, err := w.AcceptOffer(ctx, created.Link); err == nil || !strings.Contains(err.Error(), "invalid_token") {
					t.Fatalf("second user: %v", err)
				}
			})
		}
	}
}

func newASEnv(t *testing.T, tamper string) (*env, *testAS) {
	as := &testAS{t: t, tamper: tamper, par: map[string]url.Values{}, codes: map[string]url.Values{}}
	e := newEnv(t, func(c *issuer.Config, e *env) {
		ctx := context.Background()
		as.url, as.aud = e.srv.URL+"/as", c.Issuer
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "as"}, ID: "tokens"}
		_, err := e.engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		must(t, err)
		as.signer, err = jose.NewKeySigner(ctx, e.engine, ref, crypto.ES256)
		must(t, err)
		jwk, err := crypto.PublicJWK(as.signer.Public())
		must(t, err)
		jwk["kid"] = "as-1"
		c.AuthorizationServers = []issuer.AuthorizationServer{{
			Issuer: as.url, JWKS: w3c.StaticJWKS{as.url: {jwk}},
			Grant: func(_ context.Context, tok *issuer.ExternalToken) (*issuer.ExternalGrant, error) {
				return &issuer.ExternalGrant{Subject: tok.Subject, Claims: pidClaims}, nil
			},
		}}
		as.routes(e.mux)
	})
	return e, as
}

// authCodeOffer is an offer with only an authorization_code grant naming
// the external AS.
func authCodeOffer(e *env, as *testAS) string {
	b, _ := json.Marshal(map[string]any{
		"credential_issuer": e.id, "credential_configuration_ids": []string{cfgPID},
		"grants": map[string]any{"authorization_code": map[string]any{"issuer_state": "state-of-the-issuer", "authorization_server": as.url}},
	})
	return "openid-credential-offer://?credential_offer=" + url.QueryEscape(string(b))
}

// machineAuthorize follows the authorization URL one hop, as a machine
// wallet whose user is already authenticated would.
func machineAuthorize(hc *http.Client) wallet.Authorize {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return func(ctx context.Context, u string) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return "", err
		}
		res, err := c.Do(req)
		if err != nil {
			return "", err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			return "", errors.New(res.Status)
		}
		return res.Header.Get("Location"), nil
	}
}

// TestAuthorizationCode: the authorization code flow against a test AS
// with PAR required, PKCE S256, the RFC 9207 iss parameter and DPoP
// (dpop_jkt at PAR, a DPoP-bound token the issuer accepts).
func TestAuthorizationCode(t *testing.T) {
	for _, dpop := range []bool{false, true} {
		t.Run(map[bool]string{false: "bearer", true: "dpop"}[dpop], func(t *testing.T) {
			e, as := newASEnv(t, "")
			w := e.wallet(walletOpts{dpop: dpop, mod: func(c *wallet.Config) {
				c.Authorize, c.RedirectURI = machineAuthorize(e.srv.Client()), redirectURI
			}})
			got, err := w.AcceptOffer(context.Background(), authCodeOffer(e, as))
			must(t, err)
			if len(got) != 1 || got[0].VCT != vctPID {
				t.Fatalf("%+v", got)
			}
			if len(as.pushed) != 1 {
				t.Fatalf("%d pushed requests", len(as.pushed))
			}
			p := as.pushed[0]
			if p.Get("scope") != "pid" || p.Get("issuer_state") != "state-of-the-issuer" || p.Get("code_challenge_method") != "S256" ||
				p.Get("client_id") != "wallet-1" || (p.Get("dpop_jkt") != "") != dpop {
				t.Fatalf("pushed %v", p)
			}
			if len(e.requests("/token")) != 0 {
				t.Fatal("the issuer's own token endpoint was used")
			}
			for _, r := range e.requests("/credential") {
				if r.auth != map[bool]string{false: "Bearer", true: "DPoP"}[dpop] {
					t.Fatalf("credential request auth %q", r.auth)
				}
			}
		})
	}
}

// TestAuthorizationResponseChecks: a forged state, a mix-up iss, a missing
// iss the AS promised and a redirect elsewhere are refused before the
// token endpoint.
func TestAuthorizationResponseChecks(t *testing.T) {
	for _, tamper := range []string{"state", "iss", "no-iss", "redirect"} {
		t.Run(tamper, func(t *testing.T) {
			e, as := newASEnv(t, tamper)
			w := e.wallet(walletOpts{mod: func(c *wallet.Config) {
				c.Authorize, c.RedirectURI = machineAuthorize(e.srv.Client()), redirectURI
			}})
			_, err := w.AcceptOffer(context.Background(), authCodeOffer(e, as))
			if !errors.Is(err, wallet.ErrResponse) {
				t.Fatalf("err = %v", err)
			}
			as.mu.Lock()
			unused := len(as.codes)
			as.mu.Unlock()
			if unused != 1 || len(e.requests("/credential")) != 0 {
				t.Fatalf("code redeemed (%d left) or credential requested", unused)
			}
		})
	}
	t.Run("no Authorize callback", func(t *testing.T) {
		e, as := newASEnv(t, "")
		w := e.wallet(walletOpts{})
		if _, err := w.AcceptOffer(context.Background(), authCodeOffer(e, as)); !errors.Is(err, wallet.ErrConfig) {
			t.Fatalf("err = %v", err)
		}
	})
}
