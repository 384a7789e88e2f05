package verifier_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation/pex"
)

// FuzzResponseForm posts arbitrary form bodies to a fresh transaction of
// each mode: nothing panics and nothing is accepted (the fuzzer cannot
// forge the KB-JWT of a fresh nonce).
func FuzzResponseForm(f *testing.F) {
	e, v := newEnv(f, envOptions{})
	seedFlow := e.start(v, twoQuery, oid4vp.ResponseModeDirectPost)
	valid := e.responseForm(seedFlow.claims, e.present(seedFlow.claims, presentOptions{}), postOptions{})
	f.Add(valid.Encode(), false, false)
	f.Add("vp_token=%7B%22pid%22%3A%5B%22x%22%5D%7D&state=s", false, false)
	f.Add("response=a.b.c.d.e", true, false)
	f.Add("error=access_denied&state=x", true, false)
	f.Add("vp_token=%7B%7D&vp_token=%7B%7D", false, false)
	f.Add(`vp_token=eyJ.eyJ.sig~&presentation_submission={"id":"s","definition_id":"pd-pid","descriptor_map":[{"id":"pid","format":"dc+sd-jwt","path":"$"}]}`, false, true)
	f.Add(`vp_token=["a","b"]&presentation_submission={"id":"s","definition_id":"pd-pid","descriptor_map":[{"id":"pid","format":"jwt_vp_json","path":"$[1]","path_nested":{"format":"jwt_vc_json","path":"$.vp.verifiableCredential[0]"}}]}`, false, true)
	def, err := pex.ParseDefinition([]byte(pidDefinition))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, encrypted, legacy bool) {
		mode := oid4vp.ResponseModeDirectPost
		if encrypted {
			mode = oid4vp.ResponseModeDirectPostJWT
		}
		cr := verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery), ResponseMode: mode}
		if legacy {
			cr.Query, cr.PresentationDefinition = nil, def
		}
		tx, err := v.Create(e.ctx, cr)
		if err != nil {
			t.Fatal(err)
		}
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		if _, err := v.HandleResponse(e.ctx, "acme", tx.ID, form); err == nil && form.Get("error") == "" {
			if res, _ := v.Result(e.ctx, "acme", tx.ID, tx.Secret); res != nil && res.Status == verifier.StatusAccepted {
				t.Fatalf("accepted a fuzzed response: %q", body)
			}
		}
	})
}

// FuzzEncryptedPayload encrypts arbitrary payloads to a fresh
// transaction's key: the decrypted payload goes through the same parse and
// checks, nothing panics, nothing is accepted.
func FuzzEncryptedPayload(f *testing.F) {
	e, v := newEnv(f, envOptions{})
	f.Add([]byte(`{"vp_token":{"pid":["x"],"employee":["y"]},"state":"s"}`))
	f.Add([]byte(`{"response":"a.b.c.d.e"}`))
	f.Add([]byte(`{"error":"access_denied"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"vp_token":{"pid":[{"a":{"b":[[[[[[[]]]]]]]}}]}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		tx, err := v.Create(e.ctx, verifier.CreateRequest{Tenant: "acme", Query: mustQuery(t, twoQuery)})
		if err != nil {
			t.Fatal(err)
		}
		fl := flow{tx, requestClaims(t, v, tx)}
		// Give the fuzzer the real state so that it reaches the vp_token
		// checks.
		var m map[string]any
		if json.Unmarshal(payload, &m) == nil && m != nil {
			if _, ok := m["state"]; ok {
				m["state"] = fl.claims.State
				payload, _ = json.Marshal(m)
			}
		}
		jwe, err := jose.Encrypt(payload, firstJWK(t, fl.claims), jose.EncryptOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = v.HandleResponse(e.ctx, "acme", fl.tx.ID, url.Values{"response": {jwe}})
		if res, _ := v.Result(e.ctx, "acme", fl.tx.ID, fl.tx.Secret); res != nil && res.Status == verifier.StatusAccepted {
			t.Fatalf("accepted a fuzzed payload: %q", payload)
		}
	})
}

// requestClaims reads a transaction's Request Object claims without
// verifying the signature (the fuzz targets only need the nonce, state
// and key).
func requestClaims(t *testing.T, v *verifier.Verifier, tx *verifier.Transaction) *oid4vp.AuthorizationRequest {
	jwt, err := v.FetchRequestObject(context.Background(), tx.Tenant, tx.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	j, err := jose.Parse(jwt, jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypRequestObject}})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := oid4vp.DecodeRequest(j.Payload, oid4vp.ProfileFinal)
	if err != nil {
		t.Fatal(err)
	}
	return claims
}
