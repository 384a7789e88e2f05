package presentation_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// The whole flow for an SD-JWT VC: the issuer signs with a did:key (the kid
// is the DID URL, so no header is set), the wallet parses what it holds and
// presents one claim with a Key Binding JWT, and the verifier built by
// NewDefaultValidator checks the issuer signature, key binding, nonce,
// audience and trust.
func Example() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "alice", Group: "wallet"}, ID: "device"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, issuerRef, "")
	holderKey, _, _ := did.NewKeyDIDSigner(ctx, engine, holderRef, "")

	// Issuer.
	holderJWK, _ := holderKey.JWK()
	issued, err := vc.Issue(ctx, issuer, map[string]any{
		"iss": issuerDID, "vct": "https://credentials.example.com/identity_credential",
		"given_name": "Alice", "family_name": "Doe",
	}, sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}}, HolderJWK: holderJWK})
	if err != nil {
		log.Fatal(err)
	}

	// Wallet.
	holder, _ := presentation.NewHolder(presentation.HolderConfig{Signer: holderKey})
	held, _ := holder.Parse(ctx, vocab.FormatSDJWTVC, issued.String())
	binding := presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	vp, err := holder.Presenter(binding).Present(ctx, vocab.FormatSDJWTVC, []*presentation.Credential{held},
		[][]vocab.ClaimPath{{{"given_name"}}})
	if err != nil {
		log.Fatal(err)
	}

	// Verifier.
	verifier, err := presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID})
	if err != nil {
		log.Fatal(err)
	}
	p, err := verifier.VerifyPresentation(ctx, vocab.FormatSDJWTVC, vp,
		presentation.PresentationOptions{Nonce: binding.Nonce, Audience: binding.Audience})
	if err != nil {
		log.Fatal(err)
	}
	claims := p.Credentials[0].Claims
	fmt.Println(claims["given_name"], claims["family_name"])
	// Output: Alice <nil>
}

// Parse maps a jwt_vc_json into the view that DCQL and Presentation
// Exchange match on.
func ExampleParse_jwtVCJSON() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, ref, "")

	token, err := w3c.SignCredentialJWT(ctx, issuer, &w3c.Credential{
		Context:        w3c.Many[any](w3c.ContextV1, "https://w3id.org/vc/status-list/2021/v1"),
		Type:           w3c.Many("VerifiableCredential", "EmployeeCredential"),
		Issuer:         &w3c.Issuer{ID: issuerDID},
		IssuanceDate:   "2026-01-01T00:00:00Z",
		ExpirationDate: "2036-01-01T00:00:00Z",
		CredentialSubject: w3c.One(map[string]any{
			"id": "did:example:alice", "role": "engineer",
		}),
		CredentialStatus: w3c.One(w3c.Object{
			ID:   "https://issuer.example.com/status/1#7",
			Type: w3c.One("StatusList2021Entry"),
			Extra: map[string]any{
				"statusPurpose": "revocation", "statusListIndex": "7",
				"statusListCredential": "https://issuer.example.com/status/1",
			},
		}),
	}, w3c.SignOptions{})
	if err != nil {
		log.Fatal(err)
	}

	c, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Types, c.Subject, c.Issuer == issuerDID)
	fmt.Println(c.Document["credentialSubject"].(map[string]any)["role"])
	fmt.Println(c.Status[0].Type, c.Status[0].Index, c.Status[0].Purpose)
	fmt.Println(c.ValidUntil.UTC().Format(time.DateOnly))
	// Output:
	// [VerifiableCredential EmployeeCredential] did:example:alice true
	// engineer
	// StatusList2021Entry 7 revocation
	// 2036-01-01
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
		log.Fatal(err)
	}
	fmt.Println(c.Issuer, c.Subject, c.Claims["credentialSubject"].(map[string]any)["name"])
	// Output: did:example:issuer did:example:alice Alice
}

// Parse maps a dc+sd-jwt: the processed claims and every selectively
// disclosable path.
func ExampleParse_sdJWTVC() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, ref, "")
	issued, _ := vc.Issue(ctx, issuer, map[string]any{
		"iss": issuerDID, "vct": "https://credentials.example.com/identity_credential",
		"given_name": "Alice", "family_name": "Doe", "birthdate": "1990-02-03",
	}, sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}, {"birthdate"}}})

	c, err := presentation.Parse(ctx, vocab.FormatSDJWTVC, issued.String())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.VCT, c.Claims["given_name"], len(c.Disclosable))
	// Output: https://credentials.example.com/identity_credential Alice 3
}

// A Validator checks signature, validity window, status and trust and lists
// every failure, each matchable with errors.Is.
func ExampleValidator_Verify() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, ref, "")
	issued, _ := vc.Issue(ctx, issuer, map[string]any{
		"iss": issuerDID, "vct": "https://credentials.example.com/employee",
		"exp":    time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
		"status": map[string]any{"status_list": map[string]any{"idx": 1, "uri": "https://issuer.example.com/status/1"}},
	}, sdjwt.IssueOptions{})

	// The status list says "revoked" (in production: the default
	// statuslist.Checker, which fetches and verifies the list token).
	revoked := vocab.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
		return vocab.StatusResult{Value: 0x01}, nil
	})
	trust := presentation.TrustedIssuers{issuerDID}
	v, _ := presentation.NewDefaultValidator(trust, presentation.WithStatusChecker(revoked))
	_, err := v.Verify(ctx, vocab.FormatSDJWTVC, issued.String())
	fmt.Println(errors.Is(err, presentation.ErrRevoked), errors.Is(err, presentation.ErrExpired))

	// Once expired, its status list is not fetched.
	in2037 := func() time.Time { return time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC) }
	v, _ = presentation.NewDefaultValidator(trust, presentation.WithStatusChecker(revoked),
		presentation.WithClock(in2037, time.Minute))
	_, err = v.Verify(ctx, vocab.FormatSDJWTVC, issued.String())
	fmt.Println(errors.Is(err, presentation.ErrRevoked), errors.Is(err, presentation.ErrExpired))

	// An issuer outside the trust policy is rejected before its key is
	// resolved or its status list fetched.
	v, _ = presentation.NewDefaultValidator(presentation.TrustedIssuers{"did:web:issuer.example.com"},
		presentation.WithStatusChecker(revoked))
	_, err = v.Verify(ctx, vocab.FormatSDJWTVC, issued.String())
	fmt.Println(errors.Is(err, presentation.ErrUntrustedIssuer), errors.Is(err, presentation.ErrRevoked),
		errors.Is(err, presentation.ErrSignature))
	// Output:
	// true false
	// false true
	// true false false
}

// The holder wraps a jwt_vc_json in a jwt_vp_json signed with its DID key
// for the request; the verifier checks the holder signature, nonce and
// audience, and every credential in it.
func ExampleValidator_VerifyPresentation() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "alice", Group: "wallet"}, ID: "device"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, issuerRef, "")
	holderKey, holderDID, _ := did.NewKeyDIDSigner(ctx, engine, holderRef, "")
	token, _ := w3c.SignCredentialJWT(ctx, issuer, &w3c.Credential{
		Context:           w3c.Many[any](w3c.ContextV1),
		Type:              w3c.Many("VerifiableCredential", "EmployeeCredential"),
		Issuer:            &w3c.Issuer{ID: issuerDID},
		IssuanceDate:      "2026-01-01T00:00:00Z",
		CredentialSubject: w3c.One(map[string]any{"id": holderDID, "role": "engineer"}),
	}, w3c.SignOptions{})

	// Wallet.
	holder, _ := presentation.NewHolder(presentation.HolderConfig{Signer: holderKey, DID: holderDID})
	cred, _ := holder.Parse(ctx, vocab.FormatJWTVCJSON, token)
	binding := presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	vp, _ := holder.Presenter(binding).Present(ctx, vocab.FormatJWTVCJSON, []*presentation.Credential{cred}, nil)

	// Verifier.
	verifier, _ := presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID})
	p, err := verifier.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp,
		presentation.PresentationOptions{Nonce: binding.Nonce, Audience: binding.Audience})
	fmt.Println(err, p.Holder == holderDID, len(p.Credentials))

	_, err = verifier.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp,
		presentation.PresentationOptions{Nonce: "replayed", Audience: binding.Audience})
	fmt.Println(errors.Is(err, presentation.ErrNonce))
	// Output:
	// <nil> true 1
	// true
}
