package pex_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"slices"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// A verifier asks for an adult's PID with a presentation definition; the
// wallet evaluates it over what it holds and presents the selection with
// the minimal disclosures and a presentation_submission; the verifier
// re-evaluates the definition on what it received (the wallet's matching
// is never trusted), verifying each credential with the Validator of
// presentation.NewDefaultValidator.
func Example() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "alice", Group: "wallet"}, ID: "device"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, issuerRef, "")
	holderKey, _, _ := did.NewKeyDIDSigner(ctx, engine, holderRef, "")
	holderJWK, _ := holderKey.JWK()
	issued, err := vc.Issue(ctx, issuer, map[string]any{
		"iss": issuerDID, "vct": "https://example.com/pid", "birthdate": "1990-02-03", "family_name": "Doe",
	}, sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"birthdate"}, {"family_name"}}, HolderJWK: holderJWK})
	if err != nil {
		log.Fatal(err)
	}

	def, err := pex.ParseDefinition([]byte(`{
	  "id": "age-check",
	  "input_descriptors": [{
	    "id": "pid",
	    "format": {"dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"]}},
	    "constraints": {
	      "limit_disclosure": "required",
	      "fields": [
	        {"path": ["$.vct"], "filter": {"const": "https://example.com/pid"}},
	        {"path": ["$.birthdate"], "filter": {"type": "string", "format": "date", "formatMaximum": "2007-01-01"}}
	      ]
	    }
	  }]
	}`))
	if err != nil {
		log.Fatal(err) // the definition failed the DIF schema
	}
	compiled, err := pex.Compile(def) // compile once, evaluate many times
	if err != nil {
		log.Fatal(err)
	}

	// Wallet.
	holder, _ := presentation.NewHolder(presentation.HolderConfig{Signer: holderKey})
	held, _ := holder.Parse(ctx, vocab.FormatSDJWTVC, issued.String())
	res, err := compiled.Evaluate(ctx, slices.Values([]*presentation.Credential{held}))
	if err != nil {
		log.Fatal(err) // *pex.UnsatisfiedError says which descriptor and why
	}
	binding := presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	vpToken, sub, err := res.Present(ctx, holder.Presenter(binding), pex.PresentOptions{SubmissionID: "sub-1"})
	if err != nil {
		log.Fatal(err)
	}
	js, _ := json.Marshal(sub)
	fmt.Println(string(js))

	// Verifier.
	verifier, _ := presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID})
	decoder := pex.DecoderFuncs{CredentialFunc: verifier.DecodeFunc(
		presentation.PresentationOptions{Nonce: binding.Nonce, Audience: binding.Audience})}
	v, err := compiled.Verify(ctx, sub, vpToken, decoder)
	if err != nil {
		log.Fatal(err)
	}
	claims := v.Descriptors[0].Credential.Claims
	fmt.Println(claims["birthdate"], claims["family_name"])
	// Output:
	// {"id":"sub-1","definition_id":"age-check","descriptor_map":[{"id":"pid","format":"dc+sd-jwt","path":"$"}]}
	// 1990-02-03 <nil>
}

// Before evaluation, a wallet's store narrows its rows with the compiled
// definition's hints.
func ExampleCompiled_Hints() {
	def, _ := pex.ParseDefinition([]byte(`{"id": "age-check", "input_descriptors": [{"id": "pid",
	  "format": {"dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"]}},
	  "constraints": {"fields": [{"path": ["$.vct"], "filter": {"const": "https://example.com/pid"}}]}}]}`))
	c, _ := pex.Compile(def)
	fmt.Println(c.Hints().Descriptors[0].Formats)
	// Output: [dc+sd-jwt sd_jwt vc+sd-jwt]
}

// The verifier never trusts the wallet's matching: a wallet that presents a
// minor's (validly signed) PID for the age check anyway is rejected when
// the definition is re-evaluated on the verified credential.
func Example_verifier() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "bob", Group: "wallet"}, ID: "device"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, issuerRef, "")
	holderKey, _, _ := did.NewKeyDIDSigner(ctx, engine, holderRef, "")
	holderJWK, _ := holderKey.JWK()
	issued, _ := vc.Issue(ctx, issuer, map[string]any{
		"iss": issuerDID, "vct": "https://example.com/pid", "birthdate": "2015-06-01",
	}, sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"birthdate"}}, HolderJWK: holderJWK})

	// The wallet skips Evaluate and answers with its own submission.
	holder, _ := presentation.NewHolder(presentation.HolderConfig{Signer: holderKey})
	held, _ := holder.Parse(ctx, vocab.FormatSDJWTVC, issued.String())
	binding := presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	vpToken, _ := holder.Presenter(binding).Present(ctx, vocab.FormatSDJWTVC, []*presentation.Credential{held},
		[][]vocab.ClaimPath{{{"birthdate"}}})
	sub, _ := pex.ParseSubmission([]byte(`{"id":"sub-1","definition_id":"age-check",
	  "descriptor_map":[{"id":"pid","format":"dc+sd-jwt","path":"$"}]}`))

	def, _ := pex.ParseDefinition([]byte(`{"id": "age-check", "input_descriptors": [{"id": "pid",
	  "constraints": {"fields": [{"path": ["$.vct"], "filter": {"const": "https://example.com/pid"}},
	    {"path": ["$.birthdate"], "filter": {"type": "string", "format": "date", "formatMaximum": "2007-01-01"}}]}}]}`))
	compiled, _ := pex.Compile(def)
	verifier, _ := presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID})
	decoder := pex.DecoderFuncs{CredentialFunc: verifier.DecodeFunc(
		presentation.PresentationOptions{Nonce: binding.Nonce, Audience: binding.Audience})}
	v, err := compiled.Verify(ctx, sub, vpToken, decoder)
	fmt.Println("rejected:", err != nil)
	fmt.Println("reason:", v.Descriptors[0].Err)
	// Output:
	// rejected: true
	// reason: pex: required field not matched
}
