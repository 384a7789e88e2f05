package w3c_test

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation/w3c"
)

// A VCDM 2.0 credential is decoded, validated and re-encoded without losing
// members the types do not model.
func ExampleParseCredential() {
	doc := []byte(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2"],
	  "type": ["VerifiableCredential"],
	  "issuer": {"id": "did:example:issuer", "name": "Example Issuer"},
	  "validFrom": "2025-01-01T00:00:00Z",
	  "validUntil": "2024-01-01T00:00:00Z",
	  "credentialSubject": {"id": "did:example:subject", "givenName": "Alice"}
	}`)
	c, err := w3c.ParseCredential(doc, w3c.Limits{})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Version(), c.IssuerID(), c.SubjectID())
	fmt.Println(c.Validate())
	// Output:
	// VCDM 2.0 did:example:issuer did:example:subject
	// w3c: invalid document: w3c: bad validity period: validFrom 2025-01-01T00:00:00Z after validUntil 2024-01-01T00:00:00Z
}

// An issuer signs a jwt_vc_json with an engine key named by its did:key
// (the signer's kid is the DID URL); a verifier checks it with an
// algorithm allow-list and the issuer's key resolved from its DID.
func ExampleSignCredentialJWT() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, ref, "")

	cred := &w3c.Credential{
		Context:           w3c.Many[any](w3c.ContextV1),
		Type:              w3c.Many("VerifiableCredential", "EmployeeCredential"),
		Issuer:            &w3c.Issuer{ID: issuerDID},
		IssuanceDate:      "2026-01-01T00:00:00Z",
		CredentialSubject: w3c.One(map[string]any{"id": "did:example:alice", "role": "engineer"}),
	}
	token, err := w3c.SignCredentialJWT(ctx, issuer, cred, w3c.SignOptions{})
	if err != nil {
		panic(err)
	}

	// did:key and did:jwk resolve offline; pass a fetch.Fetcher for did:web.
	dids := did.NewKeyResolver(did.NewDefaultRegistry(nil, did.WebOptions{}), did.KeyResolverOptions{})
	got, err := w3c.VerifyCredentialJWT(ctx, token, w3c.VerifyOptions{
		ParseOptions: w3c.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}},
		Resolver:     &w3c.IssuerKeys{DID: dids},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Subject, got.Credential.CredentialSubject.Items[0]["role"])
	// Output: did:example:alice engineer
}

// A holder wraps credentials in a jwt_vp_json bound to the verifier's nonce
// and client_id.
func ExampleSignPresentationJWT() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "alice", Group: "wallet"}, ID: "device"}
	engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	holder, holderDID, _ := did.NewKeyDIDSigner(ctx, engine, ref, "")

	vp := &w3c.Presentation{
		Context:              w3c.Many[any](w3c.ContextV1),
		Type:                 w3c.One("VerifiablePresentation"),
		Holder:               &w3c.Issuer{ID: holderDID},
		VerifiableCredential: w3c.Many[any]("eyJhbGciOiJFUzI1NiJ9.e30.sig"),
	}
	token, _ := w3c.SignPresentationJWT(ctx, holder, vp, w3c.PresentationSignOptions{
		Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org",
	})

	dids := did.NewKeyResolver(did.NewDefaultRegistry(nil, did.WebOptions{}), did.KeyResolverOptions{})
	got, err := w3c.VerifyPresentationJWT(ctx, token, w3c.PresentationVerifyOptions{
		VerifyOptions: w3c.VerifyOptions{
			ParseOptions: w3c.ParseOptions{Algorithms: []crypto.Algorithm{crypto.EdDSA}},
			Resolver:     &w3c.IssuerKeys{DID: dids, Relationship: w3c.Authentication},
		},
		Nonce:    "n-0S6_WzA2Mj",
		Audience: "x509_san_dns:verifier.example.org",
	})
	fmt.Println(err, got.Holder == holderDID, len(got.Presentation.VerifiableCredential.Items))
	// Output: <nil> true 1
}
