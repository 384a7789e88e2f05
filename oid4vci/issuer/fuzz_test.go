package issuer_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ocmw/wstack/oid4vci/issuer"
)

// serve sends a request straight into the issuer's handler.
func serve(e *env, method, path, ctype, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, e.id+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.iss.Handler().ServeHTTP(rec, req)
	return rec
}

func checkNoServerError(t *testing.T, rec *httptest.ResponseRecorder) {
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// FuzzTokenRequest feeds arbitrary form bodies to the token endpoint: no
// panic, no server error, no token without a real code.
func FuzzTokenRequest(f *testing.F) {
	e := newEnv(f)
	f.Add("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=abc&tx_code=1234&client_id=w")
	f.Add("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=abc&authorization_details=%5B%7B%22type%22%3A%22openid_credential%22%7D%5D")
	f.Add("%zz=&&&=")
	f.Fuzz(func(t *testing.T, body string) {
		rec := serve(e, http.MethodPost, "/token", "application/x-www-form-urlencoded", body, nil)
		checkNoServerError(t, rec)
		if rec.Code == 200 {
			t.Fatalf("token issued for %q", body)
		}
	})
}

// FuzzCredentialRequest feeds arbitrary bodies (with a valid access token)
// to the credential endpoint: nothing is ever issued.
func FuzzCredentialRequest(f *testing.F) {
	e := newEnv(f)
	w := e.wallet(1)
	tr := w.token(mustOffer(w), "")
	f.Add(`{"credential_identifier":"pid_sd_jwt","proofs":{"jwt":["eyJhbGciOiJFUzI1NiJ9.e30.AAAA"]}}`)
	f.Add(`{"credential_configuration_id":"pid_sd_jwt","proofs":{"di_vp":[{}]}}`)
	f.Add(w.proof(0, "n", nil))
	f.Fuzz(func(t *testing.T, body string) {
		rec := serve(e, http.MethodPost, "/credential", "application/json", body, map[string]string{"Authorization": "Bearer " + tr.AccessToken})
		checkNoServerError(t, rec)
		if rec.Code == 200 || rec.Code == 202 {
			t.Fatalf("issued for %q", body)
		}
	})
}

// FuzzProofJWT feeds arbitrary strings as the jwt key proof.
func FuzzProofJWT(f *testing.F) {
	e := newEnv(f)
	w := e.wallet(1)
	tr := w.token(mustOffer(w), "")
	f.Add(w.proof(0, "forged", nil))
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, proof string) {
		b := string(body(map[string]any{"credential_identifier": cfgPID, "proofs": map[string]any{"jwt": []string{proof}}}))
		rec := serve(e, http.MethodPost, "/credential", "application/json", b, map[string]string{"Authorization": "Bearer " + tr.AccessToken})
		checkNoServerError(t, rec)
		if rec.Code == 200 {
			t.Fatalf("issued for proof %q", proof)
		}
	})
}

// FuzzAuthorization feeds arbitrary Authorization and DPoP headers to the
// protected endpoints.
func FuzzAuthorization(f *testing.F) {
	e := newEnv(f)
	w := e.wallet(1)
	tr := w.token(mustOffer(w), "")
	f.Add("Bearer "+tr.AccessToken, "")
	f.Add("DPoP "+tr.AccessToken, w.dpopProof("POST", e.id+"/notification", tr.AccessToken, "", nil))
	f.Add("bearer", "x")
	f.Fuzz(func(t *testing.T, authz, dpop string) {
		hdr := map[string]string{"Authorization": authz}
		if dpop != "" {
			hdr["DPoP"] = dpop
		}
		rec := serve(e, http.MethodPost, "/notification", "application/json", `{"notification_id":"x","event":"credential_accepted"}`, hdr)
		checkNoServerError(t, rec)
		if rec.Code == 204 {
			t.Fatal("unknown notification accepted")
		}
	})
}

// FuzzDPoPProof feeds arbitrary DPoP proofs to the token endpoint.
func FuzzDPoPProof(f *testing.F) {
	e := newEnv(f, func(c *issuer.Config) { c.DPoP.Required = true })
	w := e.wallet(0)
	f.Add(w.dpopProof("POST", e.id+"/token", "", "", nil))
	f.Add("e30.e30.")
	f.Fuzz(func(t *testing.T, proof string) {
		rec := serve(e, http.MethodPost, "/token", "application/x-www-form-urlencoded",
			"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=unknown&client_id=w",
			map[string]string{"DPoP": proof})
		checkNoServerError(t, rec)
		if rec.Code == 200 {
			t.Fatal("token issued")
		}
	})
}
