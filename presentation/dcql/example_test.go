package dcql_test

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

// A verifier's DCQL query answered by a wallet and checked by the
// verifier: the issuer signs an SD-JWT VC with its did:key; the wallet
// compiles the query once, evaluates what it holds and builds the
// vp_token with exactly the disclosures the query selects; the verifier
// re-validates the token against its own query, verifying each
// presentation with the Validator of presentation.NewDefaultValidator.
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
		"iss": issuerDID, "vct": "https://credentials.example.com/identity_credential",
		"first_name": "John", "last_name": "Doe",
	}, sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"first_name"}, {"last_name"}}, HolderJWK: holderJWK})
	if err != nil {
		log.Fatal(err)
	}

	q, err := dcql.Parse([]byte(`{"credentials": [{"id": "pid", "format": "dc+sd-jwt",
	  "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
	  "claims": [{"path": ["last_name"]}]}]}`))
	if err != nil {
		log.Fatal(err)
	}
	compiled, err := dcql.Compile(q)
	if err != nil {
		log.Fatal(err)
	}

	// Wallet.
	holder, _ := presentation.NewHolder(presentation.HolderConfig{Signer: holderKey})
	held, _ := holder.Parse(ctx, vocab.FormatSDJWTVC, issued.String())
	match, err := compiled.Evaluate(ctx, slices.Values([]*presentation.Credential{held}))
	if err != nil {
		log.Fatal(err) // *dcql.UnsatisfiedError: answer access_denied
	}
	binding := presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	vpToken, err := match.VPToken(ctx, holder.Presenter(binding))
	if err != nil {
		log.Fatal(err)
	}

	// Verifier.
	verifier, _ := presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID})
	decode := dcql.DecoderFunc(verifier.DecodeFunc(presentation.PresentationOptions{Nonce: binding.Nonce, Audience: binding.Audience}))
	res, err := compiled.Verify(ctx, vpToken, decode)
	if err != nil {
		log.Fatal(err)
	}
	claims := res.Accepted["pid"][0].Claims
	fmt.Println(claims["last_name"], claims["first_name"], claims["iss"] == issuerDID)
	// Output: Doe <nil> true
}

// A wallet answers a DCQL query: compile once, evaluate its credentials,
// present the selection with the minimal SD-JWT disclosures.
func Example_holder() {
	q, err := dcql.Parse([]byte(`{
	  "credentials": [{
	    "id": "pid",
	    "format": "dc+sd-jwt",
	    "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
	    "claims": [{"path": ["last_name"]}, {"path": ["address", "street_address"]}]
	  }]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := dcql.Compile(q)
	if err != nil {
		fmt.Println(err)
		return
	}
	// A store narrows its rows with the hints before evaluation.
	fmt.Println("pre-filter:", c.Hints().Formats, c.Hints().VCTValues)

	wallet := []*presentation.Credential{{
		Format: vocab.FormatSDJWTVC,
		ID:     "pid-1",
		VCT:    "https://credentials.example.com/identity_credential",
		Claims: map[string]any{
			"last_name": "Doe", "first_name": "John",
			"address": map[string]any{"street_address": "123 Main St", "locality": "Anytown"},
		},
		Disclosable: []vocab.ClaimPath{{"last_name"}, {"first_name"}, {"address"}, {"address", "street_address"}, {"address", "locality"}},
		HolderJWK:   map[string]any{"kty": "EC"},
	}}
	res, err := c.Evaluate(context.Background(), slices.Values(wallet))
	if err != nil {
		fmt.Println(err) // *dcql.UnsatisfiedError: answer access_denied
		return
	}
	m := res.Selection["pid"][0]
	fmt.Println("present:", m.Credential.ID)
	fmt.Println("disclose:", m.Disclose)
	// res.VPToken(ctx, presenter) builds {"pid": [<SD-JWT+KB>]} through the
	// sdjwt package.
	// Output:
	// pre-filter: [dc+sd-jwt] [https://credentials.example.com/identity_credential]
	// present: pid-1
	// disclose: [[last_name] [address] [address street_address]]
}

// A verifier re-validates a received vp_token against its own query: a
// token answering an unknown query id is rejected as a whole, before any
// presentation in it is verified.
func Example_verifier() {
	q, _ := dcql.Parse([]byte(`{"credentials": [{"id": "pid", "format": "dc+sd-jwt",
	  "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
	  "claims": [{"path": ["last_name"]}]}]}`))
	c, _ := dcql.Compile(q)

	verifier, _ := presentation.NewDefaultValidator(presentation.TrustedIssuers{"did:web:issuer.example.com"})
	decode := dcql.DecoderFunc(verifier.DecodeFunc(presentation.PresentationOptions{
		Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}))
	bad, _ := dcql.ParseVPToken([]byte(`{"pid": ["a"], "other": ["b"]}`))
	_, err := c.Verify(context.Background(), bad, decode)
	fmt.Println(err != nil, dcql.Code(err))
	// Output:
	// true invalid_request
}
