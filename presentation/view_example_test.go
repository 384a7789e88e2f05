package presentation_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
	"github.com/ocmw/wstack/vocab"
)

// exampleWorld is the issuer and holder of the examples (did:jwk keys in an
// in-memory engine).
func exampleWorld() *world {
	ctx := context.Background()
	iss, _ := w3ctest.NewParty(ctx, crypto.KeyTypeECP256)
	hol, _ := w3ctest.NewParty(ctx, crypto.KeyTypeEd25519)
	oth, _ := w3ctest.NewParty(ctx, crypto.KeyTypeEd25519)
	return &world{issuer: iss, holder: hol, other: oth, status: &fakeStatus{values: map[uint64]uint8{}}}
}

// Parse maps a jwt_vc_json into the view that DCQL and Presentation
// Exchange match on.
func ExampleParse_jwtVCJSON() {
	w := exampleWorld()
	token, _ := w3c.SignCredentialJWT(context.Background(), w.issuer.Signer, w.credential(w.holder.DID, 7), w3c.SignOptions{Now: now, Header: w.issuer.Header()})

	c, err := presentation.Parse(context.Background(), vocab.FormatJWTVCJSON, token)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Types, c.Subject == w.holder.DID)
	fmt.Println(c.Document["credentialSubject"].(map[string]any)["role"])
	fmt.Println(c.Status[0].Type, c.Status[0].Index, c.Status[0].Purpose)
	fmt.Println(c.ValidUntil.UTC().Format(time.DateOnly))
	// Output:
	// [VerifiableCredential EmployeeCredential] true
	// engineer
	// StatusList2021Entry 7 revocation
	// 2027-01-01
}

// Parse maps an ldp_vc document (as found in a vp_token) into the view.
func ExampleParse_ldpVC() {
	doc := map[string]any{
		"@context":          []any{"https://www.w3.org/ns/credentials/v2"},
		"type":              []any{"VerifiableCredential"},
		"issuer":            "did:example:issuer",
		"validFrom":         "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": "did:example:alice", "name": "Alice"},
		"proof":             map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z3FXQ"},
	}
	c, err := presentation.Parse(context.Background(), vocab.FormatLDPVC, doc)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Issuer, c.Subject, c.Claims["credentialSubject"].(map[string]any)["name"])
	// Output: did:example:issuer did:example:alice Alice
}

// A Parser with an SD-JWT handler maps dc+sd-jwt: the processed claims and
// every selectively disclosable path.
func ExampleParser_sdJWTVC() {
	w := exampleWorld()
	raw := w.sdjwtVC(nil, now.Add(time.Hour), 3)
	p := presentation.NewParser(presentation.ParserConfig{SDJWT: &sdjwtHandler{w: w}})
	c, err := p.Parse(context.Background(), vocab.FormatSDJWTVC, raw)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.VCT, c.Claims["given_name"], len(c.Disclosable), c.HolderJWK != nil)
	// Output: https://credentials.example.com/identity_credential Alice 3 true
}

// A Validator checks signature, validity window, status and trust and lists
// every failure, each matchable with errors.Is.
func ExampleValidator_Verify() {
	w := exampleWorld()
	token, _ := w3c.SignCredentialJWT(context.Background(), w.issuer.Signer, w.credential(w.holder.DID, 1), w3c.SignOptions{Now: now, Header: w.issuer.Header()})
	w.status.values[1] = 1 // revoked

	v := presentation.NewValidator(presentation.ValidatorConfig{
		IssuerKeys: &w3c.IssuerKeys{DID: w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)},
		Status:     w.status,
		Trust:      presentation.TrustedIssuers{w.issuer.DID},
		Now:        func() time.Time { return time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC) },
	})
	_, err := v.Verify(context.Background(), vocab.FormatJWTVCJSON, token)
	fmt.Println(errors.Is(err, presentation.ErrSignature), errors.Is(err, presentation.ErrExpired),
		errors.Is(err, presentation.ErrRevoked), errors.Is(err, presentation.ErrUntrustedIssuer))

	// An issuer outside the trust policy is rejected before its key is
	// resolved or its status list fetched.
	v = presentation.NewValidator(presentation.ValidatorConfig{
		IssuerKeys: &w3c.IssuerKeys{DID: w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)},
		Status:     w.status,
		Trust:      presentation.TrustedIssuers{"did:web:issuer.example.com"},
		Now:        clock,
	})
	_, err = v.Verify(context.Background(), vocab.FormatJWTVCJSON, token)
	fmt.Println(errors.Is(err, presentation.ErrUntrustedIssuer), errors.Is(err, presentation.ErrRevoked))
	// Output:
	// false true true false
	// true false
}

// The holder builds a jwt_vp_json for the request; the verifier checks the
// holder signature, nonce and audience, and every credential in it.
func ExampleValidator_VerifyPresentation() {
	ctx := context.Background()
	w := exampleWorld()
	token, _ := w3c.SignCredentialJWT(ctx, w.issuer.Signer, w.credential(w.holder.DID, 1), w3c.SignOptions{Now: now, Header: w.issuer.Header()})
	cred, _ := presentation.Parse(ctx, vocab.FormatJWTVCJSON, token)

	wallet := &presentation.Presenter{
		Binding:   presentation.Binding{Nonce: nonce, Audience: audience},
		Holder:    w.holder.DID,
		JWTSigner: w.holder.Signer,
		JWTHeader: w.holder.Header(),
		Now:       clock,
	}
	vp, _ := wallet.Present(ctx, vocab.FormatJWTVCJSON, []*presentation.Credential{cred}, nil)

	resolver := w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)
	verifier := presentation.NewValidator(presentation.ValidatorConfig{
		IssuerKeys: &w3c.IssuerKeys{DID: resolver},
		HolderKeys: &w3c.IssuerKeys{DID: resolver, Relationship: w3c.Authentication},
		Status:     w.status,
		Trust:      presentation.TrustedIssuers{w.issuer.DID},
		Now:        clock,
	})
	p, err := verifier.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp, presentation.PresentationOptions{Nonce: nonce, Audience: audience})
	fmt.Println(err, p.Holder == w.holder.DID, len(p.Credentials))

	_, err = verifier.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp, presentation.PresentationOptions{Nonce: "replayed", Audience: audience})
	fmt.Println(errors.Is(err, presentation.ErrNonce))
	// Output:
	// <nil> true 1
	// true
}

// An SD-JWT VC is presented with a Key Binding JWT revealing one claim and
// verified through the same view.
func ExampleValidator_VerifyPresentation_sdJWT() {
	ctx := context.Background()
	w := exampleWorld()
	h := &sdjwtHandler{w: w}
	v := presentation.NewValidator(presentation.ValidatorConfig{
		Parser: presentation.NewParser(presentation.ParserConfig{SDJWT: h}),
		Status: w.status,
		Trust:  presentation.TrustedIssuers{w.issuer.DID},
		Now:    clock,
	})
	held, _ := v.Verify(ctx, vocab.FormatSDJWTVC, w.sdjwtVC(nil, now.Add(time.Hour), 1))
	wallet := &presentation.Presenter{Binding: presentation.Binding{Nonce: nonce, Audience: audience}, SDJWT: h, Now: clock}
	pres, _ := wallet.Present(ctx, vocab.FormatSDJWTVC, []*presentation.Credential{held}, [][]vocab.ClaimPath{{{"given_name"}}})

	p, err := v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, pres, presentation.PresentationOptions{Nonce: nonce, Audience: audience})
	fmt.Println(err, p.Credentials[0].Claims["given_name"], p.Credentials[0].Claims["family_name"])
	// Output: <nil> Alice <nil>
}
