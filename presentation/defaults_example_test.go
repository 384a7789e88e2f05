package presentation_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// A verifier of SD-JWT VC presentations in one call: issuer keys through
// DIDs (did:key, did:jwk, did:web), JWT VC Issuer Metadata, x5c or
// configured keys (presentation.WithTrustedKeys), status through the guarded
// fetcher, and a required trust policy. The issuer and holder are set up
// first so that the example runs on its own.
func ExampleNewDefaultValidator() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	issuerRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "signing"}
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "alice", Group: "wallet"}, ID: "device"}
	engine.GenerateKey(ctx, issuerRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	engine.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, issuerRef, "") // kid = the DID URL
	holderKey, holderDID, _ := did.NewKeyDIDSigner(ctx, engine, holderRef, "")
	holderJWK, _ := holderKey.JWK()
	issued, _ := vc.Issue(ctx, issuer, map[string]any{"iss": issuerDID, "vct": "https://credentials.example.com/employee",
		"given_name": "Alice", "role": "engineer"},
		sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"given_name"}, {"role"}}, HolderJWK: holderJWK})

	// Wallet: match a DCQL query and present with exactly its disclosures.
	holder, _ := presentation.NewHolder(presentation.HolderConfig{Signer: holderKey, DID: holderDID})
	held, _ := holder.Parse(ctx, vocab.FormatSDJWTVC, issued.String())
	query, _ := dcql.Parse([]byte(`{"credentials":[{"id":"employee","format":"dc+sd-jwt",
	  "meta":{"vct_values":["https://credentials.example.com/employee"]},"claims":[{"path":["role"]}]}]}`))
	compiled, _ := dcql.Compile(query)
	match, _ := compiled.Evaluate(ctx, slices.Values([]*presentation.Credential{held}))
	binding := presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	vpToken, _ := match.VPToken(ctx, holder.Presenter(binding))

	// Verifier.
	verifier, err := presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID})
	if err != nil {
		log.Fatal(err)
	}
	decode := dcql.DecoderFunc(verifier.DecodeFunc(presentation.PresentationOptions{Nonce: binding.Nonce, Audience: binding.Audience}))
	res, err := compiled.Verify(ctx, vpToken, decode)
	if err != nil {
		log.Fatal(err)
	}
	claims := res.Accepted["employee"][0].Claims
	fmt.Println(claims["role"], claims["given_name"])
	// Output: engineer <nil>
}
