package wallet_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation/dcql"
)

const pidQuery = `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
  "claims":[{"path":["given_name"]}]}]}`

// evil is a deliberately misbehaving verifier on the env's origin: it
// serves whatever Request Object the test built at /evil/request and
// records what is posted to /evil/response.
type evil struct {
	e       *testEnv
	mu      sync.Mutex
	serve   func(w http.ResponseWriter, r *http.Request)
	posted  []url.Values
	respond func(w http.ResponseWriter)
}

func newEvil(e *testEnv) *evil {
	ev := &evil{e: e}
	e.mux.HandleFunc("/evil/request", func(w http.ResponseWriter, r *http.Request) { ev.serve(w, r) })
	e.mux.HandleFunc("/evil/response", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		ev.mu.Lock()
		ev.posted = append(ev.posted, r.PostForm)
		ev.mu.Unlock()
		if ev.respond != nil {
			ev.respond(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	})
	return ev
}

func (ev *evil) didClientID() string {
	kid := ev.e.didSigner.KID()
	return "decentralized_identifier:" + kid[:strings.IndexByte(kid, '#')]
}

// claims are valid Request Object claims of a did verifier.
func (ev *evil) claims() map[string]any {
	var q any
	_ = json.Unmarshal([]byte(pidQuery), &q)
	return map[string]any{"client_id": ev.didClientID(), "response_type": "vp_token", "response_mode": "direct_post",
		"response_uri": ev.e.origin + "/evil/response", "nonce": "n-0123456789abcdef", "state": "s-1",
		"dcql_query": q, "aud": oid4vp.AudienceSelfIssued, "exp": time.Now().Add(time.Minute).Unix()}
}

func (ev *evil) sign(s *jose.KeySigner, header, claims map[string]any) string {
	tok, err := jose.SignJWT(ev.e.ctx, s, header, claims)
	require.NoError(ev.e.t, err)
	return tok
}

func (ev *evil) didHeader() map[string]any {
	return map[string]any{"typ": oid4vp.TypRequestObject, "kid": ev.e.didSigner.KID()}
}

func (ev *evil) x5cHeader() map[string]any {
	return map[string]any{"typ": oid4vp.TypRequestObject, "x5c": []string{base64.StdEncoding.EncodeToString(ev.e.leaf.Raw)}}
}

// serveObject serves tok as a Request Object.
func (ev *evil) serveObject(tok string) {
	ev.serve = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
		_, _ = io.WriteString(w, tok)
	}
}

func (ev *evil) link(clientID string, extra ...string) string {
	q := url.Values{"client_id": {clientID}, "request_uri": {ev.e.origin + "/evil/request"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "openid4vp://?" + q.Encode()
}

// TestHostileVerifier: each case is a verifier misbehaving the way an OIDF
// wallet negative test module (or security.md) describes; the wallet must
// refuse with the named error and present nothing.
func TestHostileVerifier(t *testing.T) {
	type tc struct {
		name  string
		setup func(ev *evil) string // returns the link
		cfg   func(*wallet.Config)
		want  []error
	}
	cases := []tc{
		{"unsigned request for a signing prefix", func(ev *evil) string {
			q := url.Values{}
			for k, v := range ev.claims() {
				switch v := v.(type) {
				case string:
					q.Set(k, v)
				case map[string]any:
					b, _ := json.Marshal(v)
					q.Set(k, string(b))
				}
			}
			return "openid4vp://?" + q.Encode()
		}, nil, []error{oid4vp.ErrRejectedPrefix}},
		{"alg none", func(ev *evil) string {
			h, _ := json.Marshal(map[string]any{"alg": "none", "typ": oid4vp.TypRequestObject, "kid": ev.e.didSigner.KID()})
			p, _ := json.Marshal(ev.claims())
			ev.serveObject(base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + ".")
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrRequestObject}},
		{"HS256 with the public key as secret", func(ev *evil) string {
			h, _ := json.Marshal(map[string]any{"alg": "HS256", "typ": oid4vp.TypRequestObject, "kid": ev.e.didSigner.KID()})
			p, _ := json.Marshal(ev.claims())
			ev.serveObject(base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + ".c2ln")
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrRequestObject}},
		{"wrong typ", func(ev *evil) string {
			h := ev.didHeader()
			h["typ"] = "JWT"
			ev.serveObject(ev.sign(ev.e.didSigner, h, ev.claims()))
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrRequestObject}},
		{"missing typ", func(ev *evil) string {
			h := ev.didHeader()
			delete(h, "typ")
			ev.serveObject(ev.sign(ev.e.didSigner, h, ev.claims()))
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrRequestObject}},
		{"client_id mismatch between link and request object", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "x509_san_dns:localhost"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrClientIDMismatch}},
		{"bad signature", func(ev *evil) string {
			// Signed by the x509 key, kid naming the verifier's DID.
			ev.serveObject(ev.sign(ev.e.x509Signer, ev.didHeader(), ev.claims()))
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrRequestObject}},
		{"kid of another DID", func(ev *evil) string {
			h := ev.didHeader()
			h["kid"] = ev.e.issuer.KID() // a did:key URL of the issuer, signed by it
			ev.serveObject(ev.sign(ev.e.issuer, h, ev.claims()))
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"wallet_nonce not echoed", func(ev *evil) string {
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), ev.claims()))
			return ev.link(ev.didClientID(), "request_uri_method", "post")
		}, nil, []error{oid4vp.ErrWalletNonceMismatch}},
		{"wallet_nonce replaced", func(ev *evil) string {
			c := ev.claims()
			c["wallet_nonce"] = "a-nonce-the-wallet-never-sent"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID(), "request_uri_method", "post")
		}, nil, []error{oid4vp.ErrWalletNonceMismatch}},
		{"x509_san_dns whose response_uri host differs", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "x509_san_dns:localhost"
			c["response_uri"] = strings.Replace(ev.e.origin, "localhost", "127.0.0.1", 1) + "/evil/response"
			ev.serveObject(ev.sign(ev.e.x509Signer, ev.x5cHeader(), c))
			return ev.link("x509_san_dns:localhost")
		}, nil, []error{oid4vp.ErrInvalidClientID}},
		{"x509_san_dns name not in the certificate", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "x509_san_dns:verifier.example.com"
			c["response_uri"] = "https://verifier.example.com/response"
			ev.serveObject(ev.sign(ev.e.x509Signer, ev.x5cHeader(), c))
			return ev.link("x509_san_dns:verifier.example.com")
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"x509 chain not to a trusted root", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "x509_san_dns:localhost"
			ev.serveObject(ev.sign(ev.e.x509Signer, ev.x5cHeader(), c))
			return ev.link("x509_san_dns:localhost")
		}, func(c *wallet.Config) { c.X509Roots = x509.NewCertPool() }, []error{wallet.ErrUntrustedVerifier}},
		{"x509_hash of another certificate", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "x509_hash:" + base64.RawURLEncoding.EncodeToString(make([]byte, 32))
			ev.serveObject(ev.sign(ev.e.x509Signer, ev.x5cHeader(), c))
			return ev.link(c["client_id"].(string))
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"x509_hash signed by a key other than the leaf", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "x509_hash:" + x509Hash(ev.e.leaf)
			ev.serveObject(ev.sign(ev.e.didSigner, ev.x5cHeader(), c))
			return ev.link(c["client_id"].(string))
		}, nil, []error{wallet.ErrRequestObject}},
		{"redirect_uri prefix with a request object", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "redirect_uri:" + ev.e.origin + "/evil/response"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(c["client_id"].(string))
		}, nil, []error{oid4vp.ErrRejectedPrefix}},
		{"verifier_attestation sub mismatch", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "verifier_attestation:other.example.com"
			h := map[string]any{"typ": oid4vp.TypRequestObject, "jwt": ev.e.attestation(nil)}
			ev.serveObject(ev.sign(ev.e.x509Signer, h, c))
			return ev.link(c["client_id"].(string))
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"verifier_attestation expired", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "verifier_attestation:verifier.example.com"
			att := ev.e.attestation(func(m map[string]any) { m["exp"] = time.Now().Add(-time.Minute).Unix() })
			ev.serveObject(ev.sign(ev.e.x509Signer, map[string]any{"typ": oid4vp.TypRequestObject, "jwt": att}, c))
			return ev.link(c["client_id"].(string))
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"verifier_attestation without exp", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "verifier_attestation:verifier.example.com"
			att := ev.e.attestation(func(m map[string]any) { delete(m, "exp") })
			ev.serveObject(ev.sign(ev.e.x509Signer, map[string]any{"typ": oid4vp.TypRequestObject, "jwt": att}, c))
			return ev.link(c["client_id"].(string))
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"verifier_attestation from an untrusted attester", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "verifier_attestation:verifier.example.com"
			jwk, _ := ev.e.x509Signer.JWK()
			att := ev.sign(ev.e.x509Signer, map[string]any{"typ": oid4vp.TypVerifierAttestation}, map[string]any{
				"iss": "https://attester.example", "sub": "verifier.example.com", "exp": time.Now().Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": jwk}})
			ev.serveObject(ev.sign(ev.e.x509Signer, map[string]any{"typ": oid4vp.TypRequestObject, "jwt": att}, c))
			return ev.link(c["client_id"].(string))
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"verifier_attestation request not signed by cnf key", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "verifier_attestation:verifier.example.com"
			ev.serveObject(ev.sign(ev.e.didSigner, map[string]any{"typ": oid4vp.TypRequestObject, "jwt": ev.e.attestation(nil)}, c))
			return ev.link(c["client_id"].(string))
		}, nil, []error{wallet.ErrRequestObject}},
		{"unsigned pre-registered client unknown", func(ev *evil) string {
			return "openid4vp://?" + url.Values{"client_id": {"some-client"}, "response_type": {"vp_token"},
				"response_mode": {"direct_post"}, "response_uri": {ev.e.origin + "/evil/response"}, "nonce": {"n-0123456789"},
				"dcql_query": {pidQuery}}.Encode()
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"openid_federation not supported", func(ev *evil) string {
			return ev.link("openid_federation:https://fed.example.com")
		}, nil, []error{wallet.ErrUnsupportedPrefix}},
		{"pre-registered client unknown", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "some-client"
			ev.serveObject(ev.sign(ev.e.didSigner, map[string]any{"typ": oid4vp.TypRequestObject}, c))
			return ev.link("some-client")
		}, nil, []error{wallet.ErrUntrustedVerifier}},
		{"a request_uri that redirects", func(ev *evil) string {
			ev.e.mux.HandleFunc("/evil/real", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
				_, _ = io.WriteString(w, ev.sign(ev.e.didSigner, ev.didHeader(), ev.claims()))
			})
			ev.serve = func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/evil/real", http.StatusFound) }
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrFetch, fetch.ErrRedirect}},
		{"a request_uri POST that redirects", func(ev *evil) string {
			ev.serve = func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/evil/real", http.StatusTemporaryRedirect)
			}
			return ev.link(ev.didClientID(), "request_uri_method", "post")
		}, nil, []error{wallet.ErrFetch, fetch.ErrRedirect}},
		{"an oversized request object", func(ev *evil) string {
			c := ev.claims()
			c["padding"] = strings.Repeat("x", 300<<10)
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrFetch, fetch.ErrTooLarge}},
		{"an oversized request object (post)", func(ev *evil) string {
			c := ev.claims()
			c["padding"] = strings.Repeat("x", 300<<10)
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID(), "request_uri_method", "post")
		}, nil, []error{wallet.ErrFetch, fetch.ErrTooLarge}},
		{"wrong content type", func(ev *evil) string {
			tok := ev.sign(ev.e.didSigner, ev.didHeader(), ev.claims())
			ev.serve = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, tok)
			}
			return ev.link(ev.didClientID())
		}, nil, []error{wallet.ErrFetch}},
		{"request_uri over http", func(ev *evil) string {
			return "openid4vp://?" + url.Values{"client_id": {ev.didClientID()}, "request_uri": {"http://verifier.example.com/request"}}.Encode()
		}, nil, []error{oid4vp.ErrInvalidParameter}},
		{"a response_uri that is http", func(ev *evil) string {
			c := ev.claims()
			c["response_uri"] = "http://verifier.example.com/response"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrInvalidParameter}},
		{"missing nonce", func(ev *evil) string {
			c := ev.claims()
			delete(c, "nonce")
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrMissingParameter}},
		{"nonce with characters outside the allowed set", func(ev *evil) string {
			c := ev.claims()
			c["nonce"] = "n o n c e"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrInvalidParameter}},
		{"expired request object", func(ev *evil) string {
			c := ev.claims()
			c["exp"] = time.Now().Add(-time.Minute).Unix()
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrExpired}},
		{"aud naming another wallet", func(ev *evil) string {
			c := ev.claims()
			c["aud"] = "https://other-wallet.example.com"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrAudienceMismatch}},
		{"redirect_uri with direct_post", func(ev *evil) string {
			c := ev.claims()
			c["redirect_uri"] = "https://verifier.example.com/cb"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrConflictingParams}},
		{"direct_post.jwt without an encryption key", func(ev *evil) string {
			c := ev.claims()
			c["response_mode"] = "direct_post.jwt"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrMissingParameter}},
		{"dcql_query and scope together", func(ev *evil) string {
			c := ev.claims()
			c["scope"] = "com.example.pid"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrConflictingParams}},
		{"unknown transaction_data type", func(ev *evil) string {
			c := ev.claims()
			td, _ := oid4vp.EncodeTransactionData(&oid4vp.TransactionData{Type: "wire_transfer", CredentialIDs: []string{"pid"}})
			c["transaction_data"] = []string{td}
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrTransactionData}},
		{"unsupported response mode", func(ev *evil) string {
			c := ev.claims()
			c["response_mode"] = "query.jwt"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrInvalidParameter}},
		{"presentation_definition outside the legacy profile", func(ev *evil) string {
			c := ev.claims()
			delete(c, "dcql_query")
			var pd any
			_ = json.Unmarshal([]byte(pidDefinition), &pd)
			c["presentation_definition"] = pd
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, nil, []error{oid4vp.ErrMissingParameter}},
		{"unsupported scheme", func(ev *evil) string {
			return strings.Replace(ev.link(ev.didClientID()), "openid4vp://", "evil-vp://", 1)
		}, nil, []error{oid4vp.ErrUnsupportedScheme}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEnv(t)
			ev := newEvil(e)
			link := c.setup(ev)
			w := e.wallet(c.cfg)
			req, err := w.Resolve(e.ctx, link)
			require.Error(t, err)
			require.Nil(t, req)
			for _, want := range c.want {
				require.ErrorIs(t, err, want)
			}
			require.Empty(t, ev.posted, "nothing is sent to a verifier that failed the checks")
		})
	}
}

// TestHostileQueryBudget: a DCQL query that exhausts the evaluation budget
// fails fast with a typed error and is answered with invalid_request.
func TestHostileQueryBudget(t *testing.T) {
	e := newTestEnv(t)
	ev := newEvil(e)
	// Many claims queries with null wildcards over every credential.
	var claims []string
	for i := range 50 {
		claims = append(claims, `{"id":"c`+strconv.Itoa(i)+`","path":["nationalities",null]}`)
	}
	var q any
	require.NoError(t, json.Unmarshal([]byte(`{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
	  "claims":[`+strings.Join(claims, ",")+`]}]}`), &q))
	c := ev.claims()
	c["dcql_query"] = q
	ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), c))
	w := e.wallet(func(c *wallet.Config) { c.Budget = 20 })
	req, err := w.Resolve(e.ctx, ev.link(ev.didClientID()))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { _, err := w.Select(e.ctx, req); done <- err }()
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("evaluation did not stop at the budget")
	}
	require.ErrorIs(t, err, wallet.ErrQueryBudget)
	require.ErrorIs(t, err, dcql.ErrBudgetExceeded)
	require.Equal(t, oid4vp.CodeInvalidRequest, oid4vp.CodeOf(err))

	_, err = w.Present(e.ctx, ev.link(ev.didClientID()))
	require.ErrorIs(t, err, wallet.ErrQueryBudget)
	require.Len(t, ev.posted, 1)
	require.Equal(t, "invalid_request", ev.posted[0].Get("error"))
	require.Equal(t, "s-1", ev.posted[0].Get("state"))
	require.Empty(t, ev.posted[0].Get("vp_token"))
}

// TestHostileResponseEndpoint: the wallet never follows a redirect from
// response_uri and surfaces the verifier's error.
func TestHostileResponseEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		respond func(w http.ResponseWriter)
		want    error
	}{
		{"redirect", func(w http.ResponseWriter) {
			w.Header().Set("Location", "https://attacker.example/")
			w.WriteHeader(http.StatusFound)
		}, fetch.ErrRedirect},
		{"error response", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_request","error_description":"no"}`)
		}, oid4vp.ErrProtocolError},
		{"oversized answer", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"x":"`+strings.Repeat("a", 100<<10)+`"}`)
		}, fetch.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			ev := newEvil(e)
			ev.respond = tc.respond
			ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), ev.claims()))
			_, err := e.wallet(nil).Present(e.ctx, ev.link(ev.didClientID()))
			require.ErrorIs(t, err, wallet.ErrResponse)
			require.ErrorIs(t, err, tc.want)
			require.Len(t, ev.posted, 1)
			require.NotEmpty(t, ev.posted[0].Get("vp_token"))
		})
	}
}

// TestAlgorithmAllowList: a Request Object signed with an algorithm off
// the wallet's list is refused even when the key would verify it.
func TestAlgorithmAllowList(t *testing.T) {
	e := newTestEnv(t)
	ev := newEvil(e)
	ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), ev.claims()))
	_, err := e.wallet(func(c *wallet.Config) { c.Algorithms = []crypto.Algorithm{crypto.ES384} }).Resolve(e.ctx, ev.link(ev.didClientID()))
	require.ErrorIs(t, err, wallet.ErrRequestObject)
	_, err = e.wallet(nil).Resolve(context.Background(), ev.link(ev.didClientID()))
	require.NoError(t, err, "the same object with ES256 allowed")
}

// TestGuardedPosts: without InsecureAllowLoopback the wallet's own client
// refuses to dial a loopback (or private) address, for the request_uri
// POST and for response_uri, even though the name resolved and the URL is
// https: a verifier cannot make the wallet post into the local network.
func TestGuardedPosts(t *testing.T) {
	e := newTestEnv(t)
	ev := newEvil(e)
	ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), ev.claims()))
	w := e.wallet(func(c *wallet.Config) { c.InsecureAllowLoopback = false })

	_, err := w.Resolve(e.ctx, ev.link(ev.didClientID(), "request_uri_method", "post"))
	require.ErrorIs(t, err, wallet.ErrFetch)
	require.ErrorIs(t, err, fetch.ErrBlockedAddress)

	// The GET goes through the Fetcher (which the test lets reach
	// loopback); the response post is the wallet's.
	_, err = w.Present(e.ctx, ev.link(ev.didClientID()))
	require.ErrorIs(t, err, wallet.ErrResponse)
	require.ErrorIs(t, err, fetch.ErrBlockedAddress)
	require.Empty(t, ev.posted)
}
