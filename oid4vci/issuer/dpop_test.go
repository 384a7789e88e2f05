package issuer_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

func (w *wallet) dpopCredential(tok, proof string, body []byte) *response {
	req := mustReq(http.NewRequest(http.MethodPost, w.e.id+"/credential", bytes.NewReader(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "DPoP "+tok)
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	return w.do(req)
}

// TestDPoP: a token request with a DPoP proof gets a DPoP-bound token
// (cnf.jkt); the credential endpoint then requires a matching proof with
// htm, htu and ath, and rejects replays, other keys and Bearer use.
func TestDPoP(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(1)
	offer := mustOffer(w)
	tokURL := e.id + "/token"
	res := w.tokenForm(w.preAuthForm(offer.Grants.PreAuthorizedCode.PreAuthorizedCode, ""), w.dpopProof("POST", tokURL, "", "", nil))
	if res.status != 200 {
		t.Fatalf("token: %d %s", res.status, res.body)
	}
	tr, err := oid4vci.Parser{}.TokenResponse(res.body)
	must(t, err)
	if !tr.IsDPoP() {
		t.Fatalf("token_type %q", tr.TokenType)
	}
	_, c := decodeJWT(t, tr.AccessToken)
	if c["cnf"].(map[string]any)["jkt"] == "" {
		t.Fatal("no cnf.jkt")
	}
	credURL := e.id + "/credential"
	other := e.wallet(0) // another DPoP key
	nonce := w.nonce()
	reqBody := func() []byte {
		return body(map[string]any{"credential_identifier": cfgPID, "proofs": map[string]any{"jwt": []string{w.proof(0, nonce, nil)}}})
	}
	replayed := w.dpopProof("POST", credURL, tr.AccessToken, "", nil)
	for _, tc := range []struct {
		name, scheme, proof, code string
	}{
		{"Bearer use of a DPoP token", "Bearer", w.dpopProof("POST", credURL, tr.AccessToken, "", nil), "invalid_token"},
		{"no DPoP proof", "DPoP", "", "invalid_dpop_proof"},
		{"proof of another key", "DPoP", other.dpopProof("POST", credURL, tr.AccessToken, "", nil), "invalid_dpop_proof"},
		{"wrong htm", "DPoP", w.dpopProof("GET", credURL, tr.AccessToken, "", nil), "invalid_dpop_proof"},
		{"wrong htu", "DPoP", w.dpopProof("POST", e.id+"/nonce", tr.AccessToken, "", nil), "invalid_dpop_proof"},
		{"missing ath", "DPoP", w.dpopProof("POST", credURL, "", "", nil), "invalid_dpop_proof"},
		{"wrong ath", "DPoP", w.dpopProof("POST", credURL, tr.AccessToken, "", func(_, c map[string]any) { c["ath"] = "AAAA" }), "invalid_dpop_proof"},
		{"stale iat", "DPoP", w.dpopProof("POST", credURL, tr.AccessToken, "", func(_, c map[string]any) { c["iat"] = time.Now().Add(-time.Hour).Unix() }), "invalid_dpop_proof"},
		{"typ JWT", "DPoP", w.dpopProof("POST", credURL, tr.AccessToken, "", func(h, _ map[string]any) { h["typ"] = "JWT" }), "invalid_dpop_proof"},
		{"private key in jwk", "DPoP", w.dpopProof("POST", credURL, tr.AccessToken, "", func(h, _ map[string]any) { h["jwk"].(map[string]any)["d"] = "AAAA" }), "invalid_dpop_proof"},
		{"no jti", "DPoP", w.dpopProof("POST", credURL, tr.AccessToken, "", func(_, c map[string]any) { delete(c, "jti") }), "invalid_dpop_proof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := mustReq(http.NewRequest(http.MethodPost, credURL, bytes.NewReader(reqBody())))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", tc.scheme+" "+tr.AccessToken)
			if tc.proof != "" {
				req.Header.Set("DPoP", tc.proof)
			}
			r := w.do(req)
			if r.status != 401 || r.errCode() != tc.code || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "DPoP ") {
				t.Fatalf("got %d %v, want 401 %s", r.status, r.header.Values("WWW-Authenticate"), tc.code)
			}
		})
	}
	creds, _ := credentials(t, w.dpopCredential(tr.AccessToken, replayed, reqBody()))
	if len(creds) != 1 {
		t.Fatal(len(creds))
	}
	// The same DPoP proof again: replay.
	r := w.dpopCredential(tr.AccessToken, replayed, body(map[string]any{"credential_identifier": cfgPID, "proofs": map[string]any{"jwt": []string{w.proof(0, w.nonce(), nil)}}}))
	if r.status != 401 || r.errCode() != "invalid_dpop_proof" {
		t.Fatalf("replayed DPoP proof: %d %v", r.status, r.header)
	}
	// Token endpoint: a bad DPoP proof burns no code.
	offer2 := mustOffer(w)
	code2 := offer2.Grants.PreAuthorizedCode.PreAuthorizedCode
	if r := w.tokenForm(w.preAuthForm(code2, ""), w.dpopProof("POST", e.id+"/other", "", "", nil)); r.status != 400 || r.errCode() != "invalid_dpop_proof" {
		t.Fatalf("bad token DPoP: %d %s", r.status, r.body)
	}
	if r := w.tokenForm(w.preAuthForm(code2, ""), w.dpopProof("POST", tokURL, "", "", nil)); r.status != 200 {
		t.Fatalf("code burnt by a bad DPoP proof: %d %s", r.status, r.body)
	}
}

// TestDPoPRequiredAndNonces: with DPoP required, a token request without a
// proof fails; with DPoP nonces, proofs without the server nonce get
// use_dpop_nonce and a DPoP-Nonce to retry with (RFC 9449 §8, §9).
func TestDPoPRequiredAndNonces(t *testing.T) {
	e := newEnv(t, func(c *issuer.Config) { c.DPoP = issuer.DPoPConfig{Required: true, Nonces: true} })
	w := e.wallet(1)
	offer := mustOffer(w)
	code := offer.Grants.PreAuthorizedCode.PreAuthorizedCode
	tokURL := e.id + "/token"
	if r := w.tokenForm(w.preAuthForm(code, ""), ""); r.status != 400 || r.errCode() != "invalid_dpop_proof" {
		t.Fatalf("no DPoP: %d %s", r.status, r.body)
	}
	r := w.tokenForm(w.preAuthForm(code, ""), w.dpopProof("POST", tokURL, "", "", nil))
	dn := r.header.Get("DPoP-Nonce")
	if r.status != 400 || r.errCode() != "use_dpop_nonce" || dn == "" {
		t.Fatalf("nonce challenge: %d %s %v", r.status, r.body, r.header)
	}
	if r := w.tokenForm(w.preAuthForm(code, ""), w.dpopProof("POST", tokURL, "", dn+"x", nil)); r.errCode() != "use_dpop_nonce" {
		t.Fatalf("forged DPoP nonce: %s", r.body)
	}
	r = w.tokenForm(w.preAuthForm(code, ""), w.dpopProof("POST", tokURL, "", dn, nil))
	if r.status != 200 {
		t.Fatalf("with nonce: %d %s", r.status, r.body)
	}
	tr, err := oid4vci.Parser{}.TokenResponse(r.body)
	must(t, err)
	credURL := e.id + "/credential"
	b := body(map[string]any{"credential_identifier": cfgPID, "proofs": map[string]any{"jwt": []string{w.proof(0, w.nonce(), nil)}}})
	res := w.dpopCredential(tr.AccessToken, w.dpopProof("POST", credURL, tr.AccessToken, "", nil), b)
	if res.status != 401 || res.errCode() != "use_dpop_nonce" || res.header.Get("DPoP-Nonce") == "" {
		t.Fatalf("resource nonce challenge: %d %v", res.status, res.header)
	}
	credentials(t, w.dpopCredential(tr.AccessToken, w.dpopProof("POST", credURL, tr.AccessToken, res.header.Get("DPoP-Nonce"), nil), b))
	// An expired DPoP nonce is refused.
	e.clock.Add(10 * time.Minute)
	if r := w.tokenForm(w.preAuthForm("x", ""), w.dpopProof("POST", tokURL, "", dn, nil)); r.errCode() != "use_dpop_nonce" {
		t.Fatalf("expired DPoP nonce: %s", r.body)
	}
}
