package ldp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/ldp"
	"github.com/ocmw/wstack/vocab"
)

// An issuer secures an ldp_vc with eddsa-rdfc-2022 under its did:key; the
// holder wraps it in an ldp_vp bound to the verifier's nonce (challenge)
// and client_id (domain); the verifier built by NewDefaultValidator with
// WithDataIntegrity(ldp.NewDefaultVerifier) checks both proofs, the binding
// and the credential through the one credential view.
func Example() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "alice", Group: "wallet"}, ID: "device"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	issuerDID, issuerVM, _ := did.NewKeyDIDFromEngine(ctx, engine, issuerRef)
	holderDID, holderVM, _ := did.NewKeyDIDFromEngine(ctx, engine, holderRef)
	// did:key resolves offline; the processor resolves proof keys with it.
	dids := did.NewKeyResolver(did.NewDefaultRegistry(nil, did.WebOptions{}), did.KeyResolverOptions{})
	proc, _ := dataintegrity.New(dataintegrity.Config{Resolver: dids})

	// Issuer.
	doc, _ := json.Marshal(map[string]any{
		"@context":          []any{w3c.ContextV2},
		"type":              []any{"VerifiableCredential"},
		"issuer":            issuerDID,
		"validFrom":         "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": holderDID, "name": "Alice"},
	})
	issuerKey, _ := dataintegrity.NewKeySigner(ctx, engine, issuerRef, issuerVM)
	signed, err := proc.Sign(ctx, doc, issuerKey, dataintegrity.ProofOptions{Suite: dataintegrity.EdDSARDFC2022})
	if err != nil {
		log.Fatal(err)
	}

	// Holder.
	holderKey, _ := dataintegrity.NewKeySigner(ctx, engine, holderRef, holderVM)
	vpSigner, _ := ldp.NewSigner(proc, holderKey, dataintegrity.EdDSARDFC2022)
	jwtSigner, _, _ := did.NewKeyDIDSigner(ctx, engine, holderRef, "")
	holder, _ := presentation.NewHolder(presentation.HolderConfig{Signer: jwtSigner, DID: holderDID, LDPSigner: vpSigner})
	cred, _ := holder.Parse(ctx, vocab.FormatLDPVC, signed)
	binding := presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	vp, err := holder.Presenter(binding).Present(ctx, vocab.FormatLDPVC, []*presentation.Credential{cred}, nil)
	if err != nil {
		log.Fatal(err)
	}

	// Verifier.
	v, err := presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID},
		presentation.WithDataIntegrity(ldp.NewDefaultVerifier))
	if err != nil {
		log.Fatal(err)
	}
	p, err := v.VerifyPresentation(ctx, vocab.FormatLDPVP, vp,
		presentation.PresentationOptions{Nonce: binding.Nonce, Audience: binding.Audience})
	fmt.Println(err, p.Holder == holderDID, p.Credentials[0].Claims["credentialSubject"].(map[string]any)["name"])
	// Output: <nil> true Alice
}
