package dataintegrity_test

import (
	"context"
	"fmt"
	"time"

	wcrypto "github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/local"
)

// Example signs a VCDM 2.0 credential with eddsa-rdfc-2022 using a key held
// in the local engine and verifies it.
func Example() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := wcrypto.KeyRef{Context: wcrypto.Context{Namespace: "issuer"}, ID: "signing"}
	if _, err := engine.GenerateKey(ctx, ref, wcrypto.KeySpec{Type: wcrypto.KeyTypeEd25519}); err != nil {
		panic(err)
	}
	vm := "did:example:issuer#key-1"
	signer, err := dataintegrity.NewKeySigner(ctx, engine, ref, vm)
	if err != nil {
		panic(err)
	}
	// A resolver that pins the issuer key; crypto/did resolves DIDs.
	resolver := dataintegrity.StaticResolver{vm: {Key: signer.Public, Purposes: []string{dataintegrity.PurposeAssertionMethod}}}
	p, err := dataintegrity.New(dataintegrity.Config{Resolver: resolver})
	if err != nil {
		panic(err)
	}
	credential := []byte(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2"],
	  "type": ["VerifiableCredential"],
	  "issuer": "did:example:issuer",
	  "validFrom": "2025-01-01T00:00:00Z",
	  "name": "Example",
	  "credentialSubject": {"id": "did:example:holder"}
	}`)
	secured, err := p.Sign(ctx, credential, signer, dataintegrity.ProofOptions{
		Suite:   dataintegrity.EdDSARDFC2022,
		Created: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	res, err := p.Verify(ctx, secured, dataintegrity.VerifyOptions{Suites: []dataintegrity.Suite{dataintegrity.EdDSARDFC2022}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Proofs[0].Suite, res.Proofs[0].VerificationMethod)
	// Output: eddsa-rdfc-2022 did:example:issuer#key-1
}

// ExampleProcessor_Verify_presentation verifies a presentation proof bound
// to a verifier's challenge and domain (OpenID4VP ldp_vp).
func ExampleProcessor_Verify_presentation() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := wcrypto.KeyRef{Context: wcrypto.Context{Namespace: "holder"}, ID: "auth"}
	if _, err := engine.GenerateKey(ctx, ref, wcrypto.KeySpec{Type: wcrypto.KeyTypeECP256}); err != nil {
		panic(err)
	}
	vm := "did:example:holder#key-1"
	signer, _ := dataintegrity.NewKeySigner(ctx, engine, ref, vm)
	resolver := dataintegrity.StaticResolver{vm: {Key: signer.Public, Purposes: []string{dataintegrity.PurposeAuthentication}}}
	p, _ := dataintegrity.New(dataintegrity.Config{Resolver: resolver})
	vp := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"did:example:holder"}`)
	secured, err := p.Sign(ctx, vp, signer, dataintegrity.ProofOptions{
		Suite: dataintegrity.ECDSARDFC2019, Purpose: dataintegrity.PurposeAuthentication,
		Challenge: "3f2a9c1e", Domain: "x509_san_dns:verifier.example",
	})
	if err != nil {
		panic(err)
	}
	_, err = p.Verify(ctx, secured, dataintegrity.VerifyOptions{
		Suites:  []dataintegrity.Suite{dataintegrity.ECDSARDFC2019},
		Purpose: dataintegrity.PurposeAuthentication, Challenge: "3f2a9c1e", Domain: "x509_san_dns:verifier.example",
	})
	fmt.Println(err)
	_, err = p.Verify(ctx, secured, dataintegrity.VerifyOptions{
		Suites:  []dataintegrity.Suite{dataintegrity.ECDSARDFC2019},
		Purpose: dataintegrity.PurposeAuthentication, Challenge: "replayed",
	})
	fmt.Println(err)
	// Output:
	// <nil>
	// dataintegrity: INVALID_CHALLENGE_ERROR: challenge does not match
}
