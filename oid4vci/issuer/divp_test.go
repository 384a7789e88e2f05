package issuer_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// TestDIVPProof: a di_vp key proof (a VP with a Data Integrity proof,
// purpose authentication, domain = issuer, challenge = c_nonce, signed by
// the holder DID's key) binds the credential to that key.
func TestDIVPProof(t *testing.T) {
	ctx := context.Background()
	reg, err := did.NewRegistry(did.KeyMethod{})
	must(t, err)
	proc, err := dataintegrity.New(dataintegrity.Config{Resolver: did.NewKeyResolver(reg, did.KeyResolverOptions{})})
	must(t, err)
	eng, err := local.New(local.Options{})
	must(t, err)
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme"}, ID: "c"}
	_, err = eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	cs, issuerDID, err := did.NewKeyDIDSigner(ctx, eng, ref, crypto.ES256)
	must(t, err)
	plugin, err := issuer.NewSDJWTPlugin(nil, issuer.SDJWTCredential{ID: "pid_divp", Signer: cs, IssuerID: issuerDID,
		Configuration: oid4vci.CredentialConfiguration{Format: oid4vci.FormatSDJWTVC, VCT: vctPID, Scope: "pid",
			CryptographicBindingMethodsSupported: []string{"did:key"},
			ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeDIVP: {ProofSigningAlgValuesSupported: []string{"ecdsa-rdfc-2019"}}}}})
	must(t, err)
	if _, err := issuer.New(issuer.Config{Issuer: "https://issuer.example.com", Signer: cs, Plugins: []issuer.Plugin{plugin}}); err == nil {
		t.Fatal("di_vp without a Data Integrity processor accepted")
	}
	e := newEnv(t, func(c *issuer.Config) { c.DataIntegrity = proc; c.Plugins = []issuer.Plugin{plugin} })
	w := e.wallet(1)
	hRef := crypto.KeyRef{Context: crypto.Context{Namespace: "holder"}, ID: "h"}
	_, err = eng.GenerateKey(ctx, hRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	holderDID, vm, err := did.NewKeyDIDFromEngine(ctx, eng, hRef)
	must(t, err)
	hs, err := dataintegrity.NewKeySigner(ctx, eng, hRef, vm)
	must(t, err)
	vp := func(holder, challenge, domain, purpose string) json.RawMessage {
		doc := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"` + holder + `"}`)
		out, err := proc.Sign(ctx, doc, hs, dataintegrity.ProofOptions{Suite: dataintegrity.ECDSARDFC2019, Purpose: purpose, Challenge: challenge, Domain: domain})
		must(t, err)
		return out
	}
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{"pid_divp"}, Claims: pidClaims})
	tr := w.token(offer, "")
	n := w.nonce()
	req := func(vps ...json.RawMessage) []byte {
		return body(map[string]any{"credential_identifier": "pid_divp", "proofs": map[string]any{"di_vp": vps}})
	}
	otherDID, _, _ := did.NewKeyDID(w.keys[0].Public())
	good := vp(holderDID, n, e.id, dataintegrity.PurposeAuthentication)
	tampered := json.RawMessage(strings.Replace(string(good), `"VerifiablePresentation"`, `"VerifiablePresentation","Extra"`, 1))
	for _, tc := range []struct {
		name string
		body []byte
		code string
	}{
		{"domain of another issuer", req(vp(holderDID, n, "https://other.example", dataintegrity.PurposeAuthentication)), "invalid_proof"},
		{"purpose assertionMethod", req(vp(holderDID, n, e.id, dataintegrity.PurposeAssertionMethod)), "invalid_proof"},
		{"holder is not the signer", req(vp(otherDID, n, e.id, dataintegrity.PurposeAuthentication)), "invalid_proof"},
		{"forged challenge", req(vp(holderDID, "forged", e.id, dataintegrity.PurposeAuthentication)), "invalid_nonce"},
		{"tampered presentation", req(tampered), "invalid_proof"},
		{"same key twice", req(good, good), "invalid_proof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.credentialRaw("Bearer "+tr.AccessToken, tc.body, "")
			if r.status != 400 || r.errCode() != tc.code {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	creds, _ := credentials(t, w.credentialRaw("Bearer "+tr.AccessToken, req(good), ""))
	res, err := e.verifier().VerifyIssued(ctx, creds[0])
	must(t, err)
	if res.Claims["cnf"] == nil {
		t.Fatal("no cnf")
	}
	if r := w.credentialRaw("Bearer "+tr.AccessToken, req(good), ""); r.errCode() != "invalid_nonce" {
		t.Fatalf("replayed di_vp: %s", r.body)
	}
}
