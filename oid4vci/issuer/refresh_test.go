package issuer_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

func refreshForm(rt, clientID string) url.Values {
	f := url.Values{"grant_type": {oid4vci.GrantTypeRefreshToken}, "refresh_token": {rt}}
	if clientID != "" {
		f.Set("client_id", clientID)
	}
	return f
}

func tokenOK(t *testing.T, r *response) *oid4vci.TokenResponse {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	tr, err := oid4vci.Parser{}.TokenResponse(r.body)
	must(t, err)
	return tr
}

// TestRefreshTokens: with Config.RefreshTokens a pre-authorized grant
// gets a refresh token; grant_type=refresh_token rotates it (single use)
// and gives an access token that works after the first expired; a reused
// refresh token is refused and revokes its family; client and DPoP
// binding, expiry and the disabled option are checked.
func TestRefreshTokens(t *testing.T) {
	e := newEnv(t, func(c *issuer.Config) {
		c.RefreshTokens, c.RefreshTokenTTL, c.AccessTokenTTL = true, time.Hour, time.Minute
	})
	w := e.wallet(1)
	tr := w.token(mustOffer(w), "")
	if tr.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	e.clock.Add(2 * time.Minute) // the access token expired
	if r := w.credential(tr, cfgPID, w.proof(0, w.nonce(), nil)); r.status != 401 {
		t.Fatalf("expired access token: %d", r.status)
	}
	tr2 := tokenOK(t, w.tokenForm(refreshForm(tr.RefreshToken, "wallet-1"), ""))
	if tr2.RefreshToken == "" || tr2.RefreshToken == tr.RefreshToken || len(tr2.AuthorizationDetails) != 1 {
		t.Fatalf("%+v", tr2)
	}
	credentials(t, w.credential(tr2, cfgPID, w.proof(0, w.nonce(), nil)))

	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"unknown", refreshForm("nope", "wallet-1")},
		{"empty", refreshForm("", "wallet-1")},
		{"another client", refreshForm(tr2.RefreshToken, "wallet-2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.tokenForm(tc.form, ""); r.status != 400 || (r.errCode() != "invalid_grant" && r.errCode() != "invalid_request") {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	// tr2's refresh token was burnt by the wrong client; a fresh chain for
	// the reuse test.
	tr3 := w.token(mustOffer(w), "")
	tr4 := tokenOK(t, w.tokenForm(refreshForm(tr3.RefreshToken, "wallet-1"), ""))
	if r := w.tokenForm(refreshForm(tr3.RefreshToken, "wallet-1"), ""); r.errCode() != "invalid_grant" {
		t.Fatalf("reuse: %s", r.body)
	}
	if r := w.tokenForm(refreshForm(tr4.RefreshToken, "wallet-1"), ""); r.errCode() != "invalid_grant" {
		t.Fatalf("token of a revoked family: %s", r.body)
	}
	// Expiry with the grant.
	tr5 := w.token(mustOffer(w), "")
	e.clock.Add(61 * time.Minute)
	if r := w.tokenForm(refreshForm(tr5.RefreshToken, "wallet-1"), ""); r.errCode() != "invalid_grant" {
		t.Fatalf("expired family: %s", r.body)
	}
	// Off by default: no refresh token, grant refused.
	f := newEnv(t)
	fw := f.wallet(1)
	if ftr := fw.token(mustOffer(fw), ""); ftr.RefreshToken != "" {
		t.Fatal("refresh token without the option")
	}
	if r := fw.tokenForm(refreshForm("x", "wallet-1"), ""); r.errCode() != "unsupported_grant_type" {
		t.Fatalf("%s", r.body)
	}
}

// TestRefreshTokenDPoP: the refresh token of a DPoP-bound grant needs a
// DPoP proof by the same key, and the new access token is bound to it.
func TestRefreshTokenDPoP(t *testing.T) {
	e := newEnv(t, func(c *issuer.Config) { c.RefreshTokens = true })
	w := e.wallet(1)
	o := mustOffer(w)
	tokenURL := e.id + "/token"
	tr := tokenOK(t, w.tokenForm(w.preAuthForm(o.Grants.PreAuthorizedCode.PreAuthorizedCode, ""), w.dpopProof(http.MethodPost, tokenURL, "", "", nil)))
	if tr.TokenType != "DPoP" || tr.RefreshToken == "" {
		t.Fatalf("%+v", tr)
	}
	other := e.wallet(1)
	for name, proof := range map[string]string{
		"no DPoP proof":  "",
		"another key":    other.dpopProof(http.MethodPost, tokenURL, "", "", nil),
		"another target": w.dpopProof(http.MethodPost, e.id+"/credential", "", "", nil),
	} {
		t.Run(name, func(t *testing.T) {
			// Each failure burns the token: use a fresh grant each time.
			o := mustOffer(w)
			tr := tokenOK(t, w.tokenForm(w.preAuthForm(o.Grants.PreAuthorizedCode.PreAuthorizedCode, ""), w.dpopProof(http.MethodPost, tokenURL, "", "", nil)))
			if r := w.tokenForm(refreshForm(tr.RefreshToken, "wallet-1"), proof); r.status != 400 {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	tr2 := tokenOK(t, w.tokenForm(refreshForm(tr.RefreshToken, "wallet-1"), w.dpopProof(http.MethodPost, tokenURL, "", "", nil)))
	if tr2.TokenType != "DPoP" {
		t.Fatalf("%+v", tr2)
	}
	_, c := decodeJWT(t, tr2.AccessToken)
	if cnf, _ := c["cnf"].(map[string]any); cnf == nil || cnf["jkt"] == "" {
		t.Fatalf("new access token not bound: %v", c)
	}
}
