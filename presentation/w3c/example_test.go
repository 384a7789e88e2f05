package w3c_test

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
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

// An issuer signs a jwt_vc_json with an engine key; a verifier checks it
// with an algorithm allow-list and the issuer's key resolved from its DID.
func ExampleSignCredentialJWT() {
	ctx := context.Background()
	issuer, _ := w3ctest.NewParty(ctx, crypto.KeyTypeECP256)
	cred := &w3c.Credential{
		Context:           w3c.Many[any](w3c.ContextV1),
		Type:              w3c.Many("VerifiableCredential", "EmployeeCredential"),
		Issuer:            &w3c.Issuer{ID: issuer.DID},
		IssuanceDate:      "2026-01-01T00:00:00Z",
		CredentialSubject: w3c.One(map[string]any{"id": "did:example:alice", "role": "engineer"}),
	}
	token, err := w3c.SignCredentialJWT(ctx, issuer.Signer, cred, w3c.SignOptions{Now: now, Header: issuer.Header()})
	if err != nil {
		panic(err)
	}
	got, err := w3c.VerifyCredentialJWT(ctx, token, w3c.VerifyOptions{
		ParseOptions: w3c.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}},
		Resolver:     &w3c.IssuerKeys{DID: w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)},
		Now:          clock,
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
	holder, _ := w3ctest.NewParty(ctx, crypto.KeyTypeEd25519)
	vp := &w3c.Presentation{
		Context:              w3c.Many[any](w3c.ContextV1),
		Type:                 w3c.One("VerifiablePresentation"),
		Holder:               &w3c.Issuer{ID: holder.DID},
		VerifiableCredential: w3c.Many[any]("eyJhbGciOiJFUzI1NiJ9.e30.sig"),
	}
	token, _ := w3c.SignPresentationJWT(ctx, holder.Signer, vp, w3c.PresentationSignOptions{
		Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org", Now: now, Header: holder.Header(),
	})
	got, err := w3c.VerifyPresentationJWT(ctx, token, w3c.PresentationVerifyOptions{
		VerifyOptions: w3c.VerifyOptions{
			ParseOptions: w3c.ParseOptions{Algorithms: []crypto.Algorithm{crypto.EdDSA}},
			Resolver:     &w3c.IssuerKeys{DID: w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK), Relationship: w3c.Authentication},
			Now:          clock,
		},
		Nonce:    "n-0S6_WzA2Mj",
		Audience: "x509_san_dns:verifier.example.org",
	})
	fmt.Println(err, got.Holder == holder.DID, len(got.Presentation.VerifiableCredential.Items))
	// Output: <nil> true 1
}
