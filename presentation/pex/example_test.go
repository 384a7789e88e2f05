package pex_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

const exampleDefinition = `{
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
}`

// examplePresenter stands in for the sdjwt package: it renders which
// disclosures it was asked for.
type examplePresenter struct{}

func (examplePresenter) Present(_ context.Context, f vocab.Format, creds []*presentation.Credential, disclose [][]vocab.ClaimPath) (any, error) {
	var parts []string
	for _, d := range disclose[0] {
		parts = append(parts, fmt.Sprint([]any(d)))
	}
	return fmt.Sprintf("<%s of %s revealing %s>", f, creds[0].ID, strings.Join(parts, " ")), nil
}

// A wallet answers a presentation definition: parse (DIF schema), compile
// once, evaluate its credentials, present the selection.
func Example_holder() {
	def, err := pex.ParseDefinition([]byte(exampleDefinition))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := pex.Compile(def)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("pre-filter formats:", c.Hints().Descriptors[0].Formats)

	wallet := []*presentation.Credential{{
		Format: vocab.FormatSDJWTVC, ID: "pid-1", VCT: "https://example.com/pid",
		Raw:         "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~", // header {"alg":"ES256"}
		Claims:      map[string]any{"vct": "https://example.com/pid", "birthdate": "1990-02-03", "family_name": "Doe"},
		Disclosable: []vocab.ClaimPath{{"birthdate"}, {"family_name"}},
		HolderJWK:   map[string]any{"kty": "EC"},
	}}
	res, err := c.Evaluate(context.Background(), slices.Values(wallet))
	if err != nil {
		fmt.Println(err) // *pex.UnsatisfiedError says which descriptor and why
		return
	}
	token, sub, err := res.Present(context.Background(), examplePresenter{}, pex.PresentOptions{SubmissionID: "sub-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	js, _ := json.Marshal(sub)
	fmt.Println(token)
	fmt.Println(string(js))
	// Output:
	// pre-filter formats: [dc+sd-jwt sd_jwt vc+sd-jwt]
	// <dc+sd-jwt of pid-1 revealing [birthdate]>
	// {"id":"sub-1","definition_id":"age-check","descriptor_map":[{"id":"pid","format":"dc+sd-jwt","path":"$"}]}
}

// exampleDecoder stands in for the sdjwt verifier.
type exampleDecoder struct{ birthdate string }

func (exampleDecoder) Presentation(context.Context, vocab.Format, any) (any, error) {
	return nil, fmt.Errorf("no nested presentations here")
}

func (d exampleDecoder) Credential(_ context.Context, f vocab.Format, _ any) (*presentation.Credential, error) {
	return &presentation.Credential{
		Format: f, VCT: "https://example.com/pid", Raw: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~",
		Claims: map[string]any{"vct": "https://example.com/pid", "birthdate": d.birthdate},
	}, nil
}

// A verifier re-evaluates the definition on what it received: the wallet's
// claim that a credential matches is never trusted.
func Example_verifier() {
	def, _ := pex.ParseDefinition([]byte(exampleDefinition))
	c, _ := pex.Compile(def)
	sub, _ := pex.ParseSubmission([]byte(`{"id":"sub-1","definition_id":"age-check",
	  "descriptor_map":[{"id":"pid","format":"dc+sd-jwt","path":"$"}]}`))

	_, err := c.Verify(context.Background(), sub, "eyJ...~WyJ...~eyJ...", exampleDecoder{birthdate: "1990-02-03"})
	fmt.Println("adult:", err)

	v, err := c.Verify(context.Background(), sub, "eyJ...~WyJ...~eyJ...", exampleDecoder{birthdate: "2015-06-01"})
	fmt.Println("minor rejected:", err != nil)
	fmt.Println("reason:", v.Descriptors[0].Err)
	// Output:
	// adult: <nil>
	// minor rejected: true
	// reason: pex: required field not matched
}
