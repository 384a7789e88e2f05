package issuer_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// rawJWT assembles a JWS from a raw header and claims, signed by s (nil:
// empty signature).
func rawJWT(t testing.TB, s jose.MessageSigner, header string, claims map[string]any) string {
	t.Helper()
	cb, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString(cb)
	if s == nil {
		return in + "."
	}
	sig, err := s.SignMessage(context.Background(), []byte(in))
	must(t, err)
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func jwkJSON(t testing.TB, s *jose.KeySigner) string {
	jwk, err := crypto.PublicJWK(s.Public())
	must(t, err)
	b, _ := json.Marshal(jwk)
	return string(b)
}

func body(v any) []byte { b, _ := json.Marshal(v); return b }

// TestCredentialBadInput covers security.md rows 1–3, 10–12, 14–16, 40, 41,
// 43 and the credential cases. Every request fails with its code,
// issues nothing and leaves the c_nonce unused: the same nonce then works.
func TestCredentialBadInput(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(3)
	other := newEnv(t) // another issuer: its tokens and keys
	ow := other.wallet(0)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	tr := w.token(offer, "")
	oOffer, _ := ow.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}})
	oTok := ow.token(oOffer, "").AccessToken
	nonce := w.nonce()
	claims := func() map[string]any {
		return map[string]any{"aud": e.id, "iat": e.clock.Now().Unix(), "nonce": nonce, "iss": "wallet-1"}
	}
	jwk0 := jwkJSON(t, w.keys[0])
	typ := `"typ":"openid4vci-proof+jwt"`
	req := func(proofs ...string) []byte {
		return body(map[string]any{"credential_identifier": cfgPID, "proofs": map[string]any{"jwt": proofs}})
	}
	hs256 := func() string {
		h := `{"alg":"HS256",` + typ + `,"jwk":` + jwk0 + `}`
		cb, _ := json.Marshal(claims())
		in := base64.RawURLEncoding.EncodeToString([]byte(h)) + "." + base64.RawURLEncoding.EncodeToString(cb)
		m := hmac.New(sha256.New, []byte(jwk0))
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	nonCanonical := func() string {
		p := w.proof(0, nonce, nil)
		last := p[len(p)-1]
		// The last of 86 characters carries 2 unused bits; set them.
		idx := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", last)
		return p[:len(p)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[idx|1])
	}
	// encoding/base64 skips CR and LF even in Strict mode; a proof holding
	// one is not the JWS that was signed and is refused.
	lineBreak := func() string {
		p := w.proof(0, nonce, nil)
		i := strings.IndexByte(p, '.') + 10
		return p[:i] + "\n" + p[i:]
	}
	_, otherDIDKid, err := did.NewKeyDID(w.keys[1].Public())
	must(t, err)
	many := make([]string, 11)
	for k := range many {
		many[k] = w.proof(k%3, nonce, func(_, c map[string]any) { c["jti"] = k })
	}
	bearer := "Bearer " + tr.AccessToken
	for _, tc := range []struct {
		name   string
		auth   string
		ctype  string
		body   []byte
		status int
		code   string
	}{
		// security.md row 1
		{name: "proof alg none", body: req(rawJWT(t, nil, `{"alg":"none",`+typ+`,"jwk":`+jwk0+`}`, claims())), code: "invalid_proof"},
		{name: "proof empty signature", body: req(rawJWT(t, nil, `{"alg":"ES256",`+typ+`,"jwk":`+jwk0+`}`, claims())), code: "invalid_proof"},
		// row 2
		{name: "proof HS256 over the public key", body: req(hs256()), code: "invalid_proof"},
		{name: "proof alg not in proof_signing_alg_values_supported", body: req(rawJWT(t, w.keys[0], `{"alg":"ES384",`+typ+`,"jwk":`+jwk0+`}`, claims())), code: "invalid_proof"},
		// row 3
		{name: "proof jwk with private key", body: req(w.proof(0, nonce, func(h, _ map[string]any) { h["jwk"].(map[string]any)["d"] = "AAAA" })), code: "invalid_proof"},
		{name: "proof kid and jwk", body: req(w.proof(0, nonce, func(h, _ map[string]any) { h["kid"] = otherDIDKid })), code: "invalid_proof"},
		{name: "proof without key", body: req(w.proof(0, nonce, func(h, _ map[string]any) { delete(h, "jwk") })), code: "invalid_proof"},
		// row 10
		{name: "proof crit unknown", body: req(w.proof(0, nonce, func(h, _ map[string]any) { h["crit"] = []string{"x-ext"}; h["x-ext"] = 1 })), code: "invalid_proof"},
		// row 11
		{name: "proof duplicate header member", body: req(rawJWT(t, w.keys[0], `{"alg":"ES256","alg":"none",`+typ+`,"jwk":`+jwk0+`}`, claims())), code: "invalid_proof"},
		{name: "request duplicate member", ctype: "application/json", body: []byte(`{"credential_identifier":"pid_sd_jwt","credential_identifier":"badge_sd_jwt","proofs":{"jwt":["` + w.proof(0, nonce, nil) + `"]}}`), code: "invalid_credential_request"},
		// row 12
		{name: "proof aud array", body: req(w.proof(0, nonce, func(_, c map[string]any) { c["aud"] = []string{e.id} })), code: "invalid_proof"},
		{name: "proof for another issuer", body: req(w.proof(0, nonce, func(_, c map[string]any) { c["aud"] = other.id })), code: "invalid_proof"},
		{name: "proof aud empty", body: req(w.proof(0, nonce, func(_, c map[string]any) { c["aud"] = "" })), code: "invalid_proof"},
		// row 14
		{name: "proof non-canonical base64url signature", body: req(nonCanonical()), code: "invalid_proof"},
		{name: "proof line break in base64url", body: req(lineBreak()), code: "invalid_proof"},
		// row 15
		{name: "proof typ JWT", body: req(w.proof(0, nonce, func(h, _ map[string]any) { h["typ"] = "JWT" })), code: "invalid_proof"},
		{name: "proof typ dpop+jwt", body: req(w.proof(0, nonce, func(h, _ map[string]any) { h["typ"] = "dpop+jwt" })), code: "invalid_proof"},
		{name: "access token as proof", body: req(tr.AccessToken), code: "invalid_proof"},
		// row 16
		{name: "proof kid path traversal", body: req(w.proof(0, nonce, func(h, _ map[string]any) { delete(h, "jwk"); h["kid"] = "../../dev/null" })), code: "invalid_proof"},
		{name: "proof kid SQL", body: req(w.proof(0, nonce, func(h, _ map[string]any) { delete(h, "jwk"); h["kid"] = "' UNION SELECT key FROM keys--" })), code: "invalid_proof"},
		{name: "proof kid URL", body: req(w.proof(0, nonce, func(h, _ map[string]any) { delete(h, "jwk"); h["kid"] = "did:web:169.254.169.254#k" })), code: "invalid_proof"},
		{name: "proof did kid of another key", body: req(w.proof(0, nonce, func(h, _ map[string]any) { delete(h, "jwk"); h["kid"] = otherDIDKid })), code: "invalid_proof"},
		// row 40
		{name: "nonce forged", body: req(w.proof(0, "forged-"+nonce, nil)), code: "invalid_nonce"},
		{name: "nonce missing", body: req(w.proof(0, nonce, func(_, c map[string]any) { delete(c, "nonce") })), code: "invalid_nonce"},
		{name: "nonces differ in a batch", body: req(w.proof(0, nonce, nil), w.proof(1, w.nonce(), nil)), code: "invalid_nonce"},
		// row 41
		{name: "proof iat in the future", body: req(w.proof(0, nonce, func(_, c map[string]any) { c["iat"] = e.clock.Now().Add(time.Hour).Unix() })), code: "invalid_proof"},
		{name: "proof iat too old", body: req(w.proof(0, nonce, func(_, c map[string]any) { c["iat"] = e.clock.Now().Add(-time.Hour).Unix() })), code: "invalid_proof"},
		{name: "proof iss not the client", body: req(w.proof(0, nonce, func(_, c map[string]any) { c["iss"] = "another-wallet" })), code: "invalid_proof"},
		{name: "proof signed by another key than the header key", body: req(rawJWT(t, w.keys[1], `{"alg":"ES256",`+typ+`,"jwk":`+jwk0+`}`, claims())), code: "invalid_proof"},
		// row 43 and the list
		{name: "unknown credential identifier", body: body(map[string]any{"credential_identifier": "nope", "proofs": map[string]any{"jwt": []string{w.proof(0, nonce, nil)}}}), code: "unknown_credential_identifier"},
		{name: "configuration not covered by the token", body: body(map[string]any{"credential_identifier": cfgBadge}), code: "unknown_credential_identifier"},
		{name: "configuration id not covered by the token", body: body(map[string]any{"credential_configuration_id": cfgBadge}), code: "unknown_credential_configuration"},
		{name: "identifier and configuration id", body: body(map[string]any{"credential_identifier": cfgPID, "credential_configuration_id": cfgPID}), code: "invalid_credential_request"},
		{name: "proofs missing", body: body(map[string]any{"credential_identifier": cfgPID}), code: "invalid_proof"},
		{name: "proof type not supported", body: body(map[string]any{"credential_identifier": cfgPID, "proofs": map[string]any{"attestation": []string{"x.y.z"}}}), code: "invalid_proof"},
		{name: "batch larger than batch_size", body: req(many...), code: "invalid_credential_request"},
		{name: "same proof key twice", body: req(w.proof(0, nonce, nil), w.proof(0, nonce, func(_, c map[string]any) { c["jti"] = "2" })), code: "invalid_proof"},
		{name: "response encryption asked", body: body(map[string]any{"credential_identifier": cfgPID, "proofs": map[string]any{"jwt": []string{w.proof(0, nonce, nil)}}, "credential_response_encryption": map[string]any{"jwk": map[string]any{"kty": "EC"}, "enc": "A128GCM"}}), code: "invalid_encryption_parameters"},
		{name: "encrypted request", ctype: "application/jwt", body: []byte("a.b.c.d.e"), code: "invalid_encryption_parameters"},
		{name: "form body", ctype: "application/x-www-form-urlencoded", body: []byte("credential_identifier=pid_sd_jwt"), code: "invalid_credential_request"},
		{name: "not JSON", body: []byte(`{"credential_identifier":`), code: "invalid_credential_request"},
		{name: "too deep", body: []byte(strings.Repeat("[", 100) + strings.Repeat("]", 100)), code: "invalid_credential_request"},
		// access tokens (RFC 6750 §3)
		{name: "no access token", auth: "-", body: req(w.proof(0, nonce, nil)), status: 401, code: ""},
		{name: "access token of another issuer", auth: "Bearer " + oTok, body: req(w.proof(0, nonce, nil)), status: 401, code: "invalid_token"},
		{name: "access token tampered", auth: bearer[:len(bearer)-3] + "AAA", body: req(w.proof(0, nonce, nil)), status: 401, code: "invalid_token"},
		{name: "access token alg none", auth: "Bearer " + rawJWT(t, nil, `{"alg":"none","typ":"at+jwt"}`, map[string]any{"iss": e.id, "aud": e.id, "sub": "x", "exp": 9999999999}), body: req(w.proof(0, nonce, nil)), status: 401, code: "invalid_token"},
		{name: "unbound token as DPoP", auth: "DPoP " + tr.AccessToken, body: req(w.proof(0, nonce, nil)), status: 401, code: "invalid_token"},
		{name: "unknown scheme", auth: "Basic " + tr.AccessToken, body: req(w.proof(0, nonce, nil)), status: 400, code: "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth := tc.auth
			switch auth {
			case "":
				auth = bearer
			case "-":
				auth = ""
			}
			hreq := mustReq(http.NewRequest(http.MethodPost, e.id+"/credential", strings.NewReader(string(tc.body))))
			ct := tc.ctype
			if ct == "" {
				ct = "application/json"
			}
			hreq.Header.Set("Content-Type", ct)
			if auth != "" {
				hreq.Header.Set("Authorization", auth)
			}
			res := w.do(hreq)
			status := tc.status
			if status == 0 {
				status = 400
			}
			if res.status != status || res.errCode() != tc.code {
				t.Fatalf("got %d %s %v, want %d %s", res.status, res.body, res.header.Values("WWW-Authenticate"), status, tc.code)
			}
			if status == 401 && res.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	if n := e.events.count(issuer.EventCredentialsIssued); n != 0 {
		t.Fatalf("%d issuances after bad requests", n)
	}
	// Every failure reached the metrics hook with its code.
	e.events.mu.Lock()
	byCode := map[string]int{}
	for _, ev := range e.events.ev {
		if ev.Kind == issuer.EventFailure && ev.Endpoint == "credential" {
			byCode[string(ev.Code)]++
		}
	}
	e.events.mu.Unlock()
	if byCode["invalid_proof"] < 20 || byCode["invalid_nonce"] != 3 || byCode["invalid_token"] != 4 {
		t.Fatalf("failure metrics %v", byCode)
	}
	// Nothing consumed the nonce.
	credentials(t, w.credential(tr, cfgPID, w.proof(0, nonce, nil)))
	// Now it is used up (row 40: replay).
	if r := w.credential(tr, cfgPID, w.proof(0, nonce, nil)); r.status != 400 || r.errCode() != "invalid_nonce" {
		t.Fatalf("replayed nonce: %d %s", r.status, r.body)
	}
	// Expired nonce.
	n2 := w.nonce()
	e.clock.Add(6 * time.Minute)
	tr2 := w.token(mustOffer(w), "")
	if r := w.credential(tr2, cfgPID, w.proof(0, n2, nil)); r.status != 400 || r.errCode() != "invalid_nonce" {
		t.Fatalf("expired nonce: %d %s", r.status, r.body)
	}
	// A nonce of another issuer.
	if r := w.credential(tr2, cfgPID, w.proof(0, ow.nonce(), nil)); r.status != 400 || r.errCode() != "invalid_nonce" {
		t.Fatalf("foreign nonce: %d %s", r.status, r.body)
	}
}

func mustOffer(w *wallet) *oid4vci.CredentialOffer {
	o, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	return o
}

// TestDIDProof: a proof whose kid is a did:key URL is resolved through
// crypto/did; the credential's cnf is that key.
func TestDIDProof(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(1)
	_, kid, err := did.NewKeyDID(w.keys[0].Public())
	must(t, err)
	tr := w.token(mustOffer(w), "")
	creds, _ := credentials(t, w.credential(tr, cfgPID, w.proof(0, w.nonce(), func(h, _ map[string]any) { delete(h, "jwk"); h["kid"] = kid })))
	res, err := e.verifier().VerifyIssued(context.Background(), creds[0])
	must(t, err)
	want, _ := crypto.PublicJWK(w.keys[0].Public())
	if res.Claims["cnf"].(map[string]any)["jwk"].(map[string]any)["x"] != want["x"] {
		t.Fatal("cnf is not the DID key")
	}
}

// TestNonceEndpoint: POST only, no-store, fresh values.
func TestNonceEndpoint(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(0)
	if r := w.do(mustReq(http.NewRequest(http.MethodGet, e.id+"/nonce", nil))); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", r.status)
	}
	a, b := w.nonce(), w.nonce()
	if a == b || len(a) < 32 {
		t.Fatalf("%q %q", a, b)
	}
}
