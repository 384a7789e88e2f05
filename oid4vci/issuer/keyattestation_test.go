package issuer_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// TestKeyAttestation: a configuration with key_attestations_required
// (HAIP) accepts a jwt proof only with a key_attestation signed by a trusted
// attester that attests the proof key at the required level.
func TestKeyAttestation(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	must(t, err)
	mk := func(id string) *jose.KeySigner {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "att"}, ID: id}
		_, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256, KID: id})
		must(t, err)
		s, err := jose.NewKeySigner(ctx, eng, ref, crypto.ES256)
		must(t, err)
		return s
	}
	attester, rogue, _ := mk("attester-1"), mk("rogue"), mk("cred")
	trusted := jose.NewTrustedKeys()
	must(t, trusted.Add("https://attester.example", "attester-1", attester.Public()))
	credSigner, issuerDID, err := did.NewKeyDIDSigner(ctx, eng, crypto.KeyRef{Context: crypto.Context{Namespace: "att"}, ID: "cred"}, crypto.ES256)
	must(t, err)
	attCfg := oid4vci.CredentialConfiguration{
		Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/pid", Scope: "pid_att",
		CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
		ProofTypesSupported: map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeAttestation: {
			ProofSigningAlgValuesSupported: []string{"ES256"},
			KeyAttestationsRequired:        &oid4vci.KeyAttestationsRequired{KeyStorage: []string{oid4vci.ISO18045High}},
		}},
	}
	plugin, err := issuer.NewSDJWTPlugin(nil, issuer.SDJWTCredential{ID: "pid_att", Signer: credSigner, IssuerID: issuerDID, Configuration: attCfg}, issuer.SDJWTCredential{
		ID: "pid_haip", Signer: credSigner, IssuerID: issuerDID,
		Configuration: oid4vci.CredentialConfiguration{
			Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/pid", Scope: "pid",
			CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
			ProofTypesSupported: map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeJWT: {
				ProofSigningAlgValuesSupported: []string{"ES256"},
				KeyAttestationsRequired:        &oid4vci.KeyAttestationsRequired{KeyStorage: []string{oid4vci.ISO18045High}},
			}},
		},
	})
	must(t, err)
	// Without attesters the configuration is refused.
	if _, err := issuer.New(issuer.Config{Issuer: "https://issuer.example.com", Signer: credSigner, Plugins: []issuer.Plugin{plugin}}); err == nil {
		t.Fatal("key_attestations_required without KeyAttesters accepted")
	}
	e := newEnv(t, func(c *issuer.Config) { c.Plugins = []issuer.Plugin{plugin}; c.KeyAttesters = trusted })
	w := e.wallet(2)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{"pid_haip", "pid_att"}, Claims: pidClaims})
	tr := w.token(offer, "")
	n := w.nonce()
	attest := func(s *jose.KeySigner, key int, mod func(c map[string]any)) string {
		jwk, _ := crypto.PublicJWK(w.keys[max(key, 0)].Public())
		c := map[string]any{"iss": "https://attester.example", "iat": e.clock.Now().Unix(), "exp": e.clock.Now().Add(time.Hour).Unix(),
			"attested_keys": []any{jwk}, "key_storage": []string{oid4vci.ISO18045High}, "nonce": n}
		if key < 0 { // both wallet keys
			j1, _ := crypto.PublicJWK(w.keys[1].Public())
			j0, _ := crypto.PublicJWK(w.keys[0].Public())
			c["attested_keys"] = []any{j0, j1}
		}
		if mod != nil {
			mod(c)
		}
		tok, err := jose.SignJWT(ctx, s, map[string]any{"typ": oid4vci.KeyAttestationJWTType}, c)
		must(t, err)
		return tok
	}
	withAtt := func(att string) string {
		return w.proof(0, n, func(h, _ map[string]any) { h["key_attestation"] = att })
	}
	for _, tc := range []struct{ name, proof, code string }{
		{"no key attestation", w.proof(0, n, nil), "invalid_proof"},
		{"untrusted attester", withAtt(attest(rogue, 0, nil)), "invalid_proof"},
		{"proof key not attested", withAtt(attest(attester, 1, nil)), "invalid_proof"},
		{"key storage too weak", withAtt(attest(attester, 0, func(c map[string]any) { c["key_storage"] = []string{oid4vci.ISO18045Basic} })), "invalid_proof"},
		{"expired", withAtt(attest(attester, 0, func(c map[string]any) {
			c["exp"] = e.clock.Now().Add(-time.Hour).Unix()
			c["iat"] = e.clock.Now().Add(-2 * time.Hour).Unix()
		})), "invalid_proof"},
		{"other nonce", withAtt(attest(attester, 0, func(c map[string]any) { c["nonce"] = "other" })), "invalid_nonce"},
		{"wrong typ", withAtt(func() string {
			jwk, _ := crypto.PublicJWK(w.keys[0].Public())
			tok, _ := jose.SignJWT(ctx, attester, map[string]any{"typ": "JWT"}, map[string]any{"iss": "https://attester.example", "iat": 1, "exp": 9999999999, "attested_keys": []any{jwk}})
			return tok
		}()), "invalid_proof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.credential(tr, "pid_haip", tc.proof)
			if r.status != 400 || r.errCode() != tc.code {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	creds, _ := credentials(t, w.credential(tr, "pid_haip", withAtt(attest(attester, 0, nil))))
	if _, err := e.verifier().VerifyIssued(ctx, creds[0]); err != nil {
		t.Fatal(err)
	}

	// The attestation proof type (§F.3): the attested keys are the holder keys.
	attReq := func(atts ...string) []byte {
		return body(map[string]any{"credential_identifier": "pid_att", "proofs": map[string]any{"attestation": atts}})
	}
	n = w.nonce()
	for _, tc := range []struct {
		name string
		body []byte
		code string
	}{
		{"no nonce", attReq(attest(attester, -1, func(c map[string]any) { delete(c, "nonce") })), "invalid_nonce"},
		{"unknown nonce", attReq(attest(attester, -1, func(c map[string]any) { c["nonce"] = "forged" })), "invalid_nonce"},
		{"untrusted attester", attReq(attest(rogue, -1, nil)), "invalid_proof"},
		{"two attestations", attReq(attest(attester, -1, nil), attest(attester, 0, nil)), "invalid_proof"},
		{"level too weak", attReq(attest(attester, -1, func(c map[string]any) { c["key_storage"] = []string{oid4vci.ISO18045Moderate} })), "invalid_proof"},
		{"jwt proof for an attestation-only configuration", body(map[string]any{"credential_identifier": "pid_att", "proofs": map[string]any{"jwt": []string{w.proof(0, n, nil)}}}), "invalid_proof"},
	} {
		t.Run("attestation/"+tc.name, func(t *testing.T) {
			r := w.credentialRaw("Bearer "+tr.AccessToken, tc.body, "")
			if r.status != 400 || r.errCode() != tc.code {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	good := attReq(attest(attester, -1, nil))
	creds, _ = credentials(t, w.credentialRaw("Bearer "+tr.AccessToken, good, ""))
	if len(creds) != 2 {
		t.Fatalf("%d credentials for 2 attested keys", len(creds))
	}
	for k, c := range creds {
		res, err := e.verifier().VerifyIssued(ctx, c)
		must(t, err)
		want, _ := crypto.PublicJWK(w.keys[k].Public())
		if res.Claims["cnf"].(map[string]any)["jwk"].(map[string]any)["x"] != want["x"] {
			t.Fatalf("credential %d not bound to attested key %d", k, k)
		}
	}
	if r := w.credentialRaw("Bearer "+tr.AccessToken, good, ""); r.errCode() != "invalid_nonce" {
		t.Fatalf("replayed attestation: %s", r.body)
	}
}
