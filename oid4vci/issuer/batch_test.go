package issuer_test

import (
	"context"
	"testing"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// TestLegacyBatchEndpoint: draft 13 §8 under ProfileLegacy with
// LegacyBatchEndpoint: advertised, credential_requests answered by
// credential_responses in order with a fresh c_nonce; the bad batches
// issue nothing and leave the c_nonce usable.
func TestLegacyBatchEndpoint(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(c *issuer.Config) { c.Profile, c.LegacyBatchEndpoint, c.BatchSize = oid4vci.ProfileLegacy, true, 3 })
	md, err := e.iss.IssuerMetadata(ctx)
	must(t, err)
	if md.BatchCredentialEndpoint != e.id+"/batch_credential" {
		t.Fatalf("batch_credential_endpoint %q", md.BatchCredentialEndpoint)
	}
	w := e.wallet(3)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID, cfgBadge}, Claims: pidClaims})
	tr := w.token(offer, "")
	legacy := oid4vci.Parser{Profile: oid4vci.ProfileLegacy}
	item := func(k int, nonce string) map[string]any {
		return map[string]any{"format": "vc+sd-jwt", "vct": vctPID, "proof": map[string]any{"proof_type": "jwt", "jwt": w.proof(k, nonce, nil)}}
	}
	batch := func(items ...map[string]any) *response {
		return w.post("/batch_credential", "application/json", "Bearer "+tr.AccessToken, body(map[string]any{"credential_requests": items}))
	}
	n := w.nonce()
	for _, tc := range []struct {
		name  string
		items []map[string]any
		code  string
	}{
		{"empty", []map[string]any{}, "invalid_credential_request"},
		{"too many", []map[string]any{item(0, n), item(1, n), item(2, n), item(0, n)}, "invalid_credential_request"},
		{"same key twice", []map[string]any{item(0, n), item(0, n)}, "invalid_proof"},
		{"different nonces", []map[string]any{item(0, n), item(1, w.nonce())}, "invalid_nonce"},
		{"one bad proof", []map[string]any{item(0, n), {"format": "vc+sd-jwt", "vct": vctPID, "proof": map[string]any{"proof_type": "jwt", "jwt": w.proof(1, n, func(h, c map[string]any) { c["aud"] = "https://other.example" })}}}, "invalid_proof"},
		{"uncovered format", []map[string]any{item(0, n), {"format": "vc+sd-jwt", "vct": "https://other.example/x"}}, "unsupported_credential_format"},
		{"encryption asked", []map[string]any{{"format": "vc+sd-jwt", "vct": vctPID, "credential_response_encryption": map[string]any{"jwk": map[string]any{"kty": "EC"}, "enc": "A256GCM"}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.events.count(issuer.EventCredentialsIssued)
			r := batch(tc.items...)
			if r.status != 400 || (tc.code != "" && r.errCode() != tc.code) {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if e.events.count(issuer.EventCredentialsIssued) != before {
				t.Fatal("issued")
			}
		})
	}
	// The nonce n survived every failed batch.
	r := batch(item(0, n), item(1, n), map[string]any{"credential_identifier": cfgBadge})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	br, err := legacy.BatchCredentialResponse(r.body)
	must(t, err)
	if len(br.CredentialResponses) != 3 || br.CNonce == "" {
		t.Fatalf("%s", r.body)
	}
	for k, cr := range br.CredentialResponses {
		var cred string
		must(t, jsonUnmarshal(cr.Credential, &cred))
		res, err := e.verifier().VerifyIssued(ctx, cred)
		must(t, err)
		if want := []string{vctPID, vctPID, "https://credentials.example.com/badge"}[k]; res.Claims["vct"] != want {
			t.Fatalf("%d: vct %v", k, res.Claims["vct"])
		}
	}
	// n is used up; the response's c_nonce works.
	if r := batch(item(2, n)); r.errCode() != "invalid_nonce" {
		t.Fatalf("reused nonce: %s", r.body)
	}
	if r := batch(item(2, br.CNonce)); r.status != 200 {
		t.Fatalf("fresh c_nonce: %d %s", r.status, r.body)
	}
	// Not served without the option; the option needs the legacy profile.
	f := newEnv(t, func(c *issuer.Config) { c.Profile = oid4vci.ProfileLegacy })
	if md, _ := f.iss.IssuerMetadata(ctx); md.BatchCredentialEndpoint != "" {
		t.Fatal("advertised without LegacyBatchEndpoint")
	}
	cfg := baseConfig(f)
	cfg.Profile, cfg.LegacyBatchEndpoint = oid4vci.ProfileFinal, true
	if _, err := issuer.New(cfg); err == nil {
		t.Fatal("LegacyBatchEndpoint under ProfileFinal accepted")
	}
}
