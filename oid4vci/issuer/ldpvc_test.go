package issuer_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// TestLDPVCIssuance issues an ldp_vc (VCDM 2.0, eddsa-rdfc-2022) to a
// did:key holder and verifies the Data Integrity proof with the issuer's
// did:key resolved through crypto/did.
func TestLDPVCIssuance(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	must(t, err)
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme"}, ID: "ldp"}
	_, err = eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	must(t, err)
	issuerDID, vm, err := did.NewKeyDIDFromEngine(ctx, eng, ref)
	must(t, err)
	signer, err := dataintegrity.NewKeySigner(ctx, eng, ref, vm)
	must(t, err)
	reg, err := did.NewRegistry(did.KeyMethod{})
	must(t, err)
	proc, err := dataintegrity.New(dataintegrity.Config{Resolver: did.NewKeyResolver(reg, did.KeyResolverOptions{})})
	must(t, err)
	lp, err := issuer.NewLDPVCPlugin(nil, issuer.LDPVCCredential{
		ID: "degree_ldp", Processor: proc, Signer: signer, Suite: dataintegrity.EdDSARDFC2022, IssuerID: issuerDID, Validity: time.Hour,
		Configuration: oid4vci.CredentialConfiguration{
			Format: oid4vci.FormatLDPVC, Scope: "degree_ldp",
			CredentialDefinition:                 &oid4vci.CredentialDefinition{Context: []any{"https://www.w3.org/ns/credentials/v2"}, Type: []string{"VerifiableCredential"}},
			CryptographicBindingMethodsSupported: []string{"did:key"},
			ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}}},
		},
	})
	must(t, err)
	e := newEnv(t, func(c *issuer.Config) { c.Plugins = append(c.Plugins, lp) })
	w := e.wallet(1)
	holderDID, kid, err := did.NewKeyDID(w.keys[0].Public())
	must(t, err)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{"degree_ldp"}, Claims: map[string]any{"name": "Erika Mustermann"}})
	tr := w.token(offer, "")
	// A jwk-bound proof cannot bind an ldp_vc.
	if r := w.credential(tr, "degree_ldp", w.proof(0, w.nonce(), nil)); r.status != 400 || r.errCode() != "invalid_proof" {
		t.Fatalf("jwk proof for ldp_vc: %d %s", r.status, r.body)
	}
	res := w.credential(tr, "degree_ldp", w.proof(0, w.nonce(), func(h, _ map[string]any) { delete(h, "jwk"); h["kid"] = kid }))
	cr, err := oid4vci.Parser{}.CredentialResponse(res.status, res.body)
	must(t, err)
	doc := []byte(cr.Credentials[0].Credential)
	vr, err := proc.Verify(ctx, doc, dataintegrity.VerifyOptions{Suites: []dataintegrity.Suite{dataintegrity.EdDSARDFC2022}})
	must(t, err)
	if vr.Proofs[0].VerificationMethod != vm {
		t.Fatalf("vm %s", vr.Proofs[0].VerificationMethod)
	}
	var vc map[string]any
	must(t, json.Unmarshal(doc, &vc))
	if vc["credentialSubject"].(map[string]any)["id"] != holderDID || vc["issuer"] != issuerDID {
		t.Fatalf("%v", vc)
	}
}
