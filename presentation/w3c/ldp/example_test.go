package ldp_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/ldp"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
	"github.com/ocmw/wstack/vocab"
)

// An issuer secures an ldp_vc with eddsa-rdfc-2022; the holder wraps it in
// an ldp_vp bound to the verifier's nonce (challenge) and client_id
// (domain); the verifier checks both proofs, the binding and the credential
// through the one credential view.
func Example() {
	ctx := context.Background()
	// did:jwk keys; in production crypto/did's KeyResolver resolves them.
	resolver := w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)
	proc, _ := dataintegrity.New(dataintegrity.Config{Resolver: resolver, Now: clock})
	issuer, _ := w3ctest.NewParty(ctx, crypto.KeyTypeEd25519)
	holder, _ := w3ctest.NewParty(ctx, crypto.KeyTypeEd25519)

	doc, _ := json.Marshal(map[string]any{
		"@context":          []any{w3c.ContextV2},
		"type":              []any{"VerifiableCredential"},
		"issuer":            issuer.DID,
		"validFrom":         "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": holder.DID, "name": "Alice"},
	})
	issuerKey, _ := dataintegrity.NewKeySigner(ctx, issuer.Engine, issuer.Ref, issuer.KID())
	signed, _ := proc.Sign(ctx, doc, issuerKey, dataintegrity.ProofOptions{Suite: dataintegrity.EdDSARDFC2022})

	// Holder side.
	cred, _ := presentation.Parse(ctx, vocab.FormatLDPVC, signed)
	holderKey, _ := dataintegrity.NewKeySigner(ctx, holder.Engine, holder.Ref, holder.KID())
	signer, _ := ldp.NewSigner(proc, holderKey, dataintegrity.EdDSARDFC2022)
	wallet := &presentation.Presenter{
		Binding:   presentation.Binding{Nonce: nonce, Audience: audience},
		Holder:    holder.DID,
		LDPSigner: signer,
	}
	vp, _ := wallet.Present(ctx, vocab.FormatLDPVC, []*presentation.Credential{cred}, nil)

	// Verifier side.
	proofs, _ := ldp.NewVerifier(proc, dataintegrity.EdDSARDFC2022, dataintegrity.ECDSARDFC2019)
	v := presentation.NewValidator(presentation.ValidatorConfig{
		Proofs: proofs,
		Trust:  presentation.TrustedIssuers{issuer.DID},
		Now:    clock,
	})
	p, err := v.VerifyPresentation(ctx, vocab.FormatLDPVP, vp, presentation.PresentationOptions{Nonce: nonce, Audience: audience})
	fmt.Println(err, p.Holder == holder.DID, p.Credentials[0].Claims["credentialSubject"].(map[string]any)["name"])
	// Output: <nil> true Alice
}
