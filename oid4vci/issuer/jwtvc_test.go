package issuer_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/presentation/w3c"
)

// TestJWTVCIssuance issues a jwt_vc_json credential to a did:key holder and
// verifies it with presentation/w3c (issuer key through did:key).
func TestJWTVCIssuance(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	must(t, err)
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme"}, ID: "vcjwt"}
	_, err = eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	signer, issuerDID, err := did.NewKeyDIDSigner(ctx, eng, ref, crypto.ES256)
	must(t, err)
	jp, err := issuer.NewJWTVCPlugin(nil, issuer.JWTVCCredential{
		ID: "degree_jwt", Signer: signer, IssuerID: issuerDID, Validity: time.Hour,
		Configuration: oid4vci.CredentialConfiguration{
			Format: oid4vci.FormatJWTVCJSON, Scope: "degree",
			CredentialDefinition:                 &oid4vci.CredentialDefinition{Type: []string{"VerifiableCredential", "UniversityDegreeCredential"}},
			CryptographicBindingMethodsSupported: []string{"did:key"},
			ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}}},
		},
	})
	must(t, err)
	e := newEnv(t, func(c *issuer.Config) { c.Plugins = append(c.Plugins, jp) })
	w := e.wallet(1)
	holderDID, kid, err := did.NewKeyDID(w.keys[0].Public())
	must(t, err)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{"degree_jwt", cfgPID}, Claims: map[string]any{"degree": "BSc"}})
	tr := w.token(offer, "")
	if len(tr.AuthorizationDetails) != 2 {
		t.Fatalf("%+v", tr.AuthorizationDetails)
	}
	creds, _ := credentials(t, w.credential(tr, "degree_jwt", w.proof(0, w.nonce(), func(h, _ map[string]any) { delete(h, "jwk"); h["kid"] = kid })))
	reg, err := did.NewRegistry(did.KeyMethod{})
	must(t, err)
	jc, err := w3c.VerifyCredentialJWT(ctx, creds[0], w3c.VerifyOptions{Resolver: &w3c.IssuerKeys{DID: did.NewKeyResolver(reg, did.KeyResolverOptions{})}})
	must(t, err)
	if jc.Issuer != issuerDID || jc.Subject != holderDID || !jc.Credential.HasType("UniversityDegreeCredential") || jc.Credential.CredentialSubject.Items[0]["degree"] != "BSc" {
		t.Fatalf("%+v", jc)
	}
	want, _ := crypto.PublicJWK(w.keys[0].Public())
	if jc.ConfirmationJWK["x"] != want["x"] {
		t.Fatal("cnf.jwk is not the holder key")
	}
	if _, err := issuer.NewJWTVCPlugin(nil, issuer.JWTVCCredential{ID: "x", Signer: signer, IssuerID: issuerDID,
		Configuration: oid4vci.CredentialConfiguration{Format: oid4vci.FormatJWTVCJSON, CredentialDefinition: &oid4vci.CredentialDefinition{Type: []string{"Degree"}}}}); err == nil {
		t.Fatal("type without VerifiableCredential accepted")
	}
}
