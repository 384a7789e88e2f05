package dcql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

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

// A verifier re-validates a received vp_token against its own query; the
// Decoder verifies each presentation (signature, key binding, nonce,
// audience) and returns the credential view.
func Example_verifier() {
	q, _ := dcql.Parse([]byte(`{"credentials": [{"id": "pid", "format": "dc+sd-jwt",
	  "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
	  "claims": [{"path": ["last_name"]}]}]}`))
	c, _ := dcql.Compile(q)

	decoder := dcql.DecoderFunc(func(_ context.Context, f vocab.Format, p any) (*presentation.Credential, error) {
		// In a real verifier: sdjwt.Verify(...) and the credential view.
		return &presentation.Credential{
			Format: f, VCT: "https://credentials.example.com/identity_credential",
			Claims: map[string]any{"last_name": "Doe"}, HolderJWK: map[string]any{"kty": "EC"},
		}, nil
	})
	token, _ := dcql.ParseVPToken([]byte(`{"pid": ["eyJ...~WyJ...~eyJ..."]}`))
	v, err := c.Verify(context.Background(), token, decoder)
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	out, _ := json.Marshal(v.Accepted["pid"][0].Claims)
	fmt.Println("accepted:", string(out))

	// A token answering an unknown query id is rejected as a whole.
	bad, _ := dcql.ParseVPToken([]byte(`{"pid": ["a"], "other": ["b"]}`))
	_, err = c.Verify(context.Background(), bad, decoder)
	fmt.Println(err != nil, dcql.Code(err))
	// Output:
	// accepted: {"last_name":"Doe"}
	// true invalid_request
}
