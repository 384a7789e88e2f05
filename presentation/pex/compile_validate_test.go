package pex_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation/pex"
)

// TestCompileValidatesLikeParse: a definition built in Go is held to the
// DIF schema that ParseDefinition applies (PE v2.1.1: input_descriptor
// requires constraints; limit_disclosure is "required" or "preferred").
func TestCompileValidatesLikeParse(t *testing.T) {
	field := func() *pex.Field { return &pex.Field{Path: []string{"$.vct"}} }
	for _, tc := range []struct {
		name string
		def  *pex.Definition
		want error
	}{
		{"no_constraints", &pex.Definition{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a"}}}, pex.ErrSchema},
		{"limit_disclosure_invalid", &pex.Definition{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a",
			Constraints: &pex.Constraints{LimitDisclosure: "always", Fields: []*pex.Field{field()}}}}}, pex.ErrSchema},
		{"subject_is_issuer_invalid", &pex.Definition{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a",
			Constraints: &pex.Constraints{SubjectIsIssuer: "maybe", Fields: []*pex.Field{field()}}}}}, pex.ErrSchema},
		{"is_holder_directive_invalid", &pex.Definition{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a",
			Constraints: &pex.Constraints{Fields: []*pex.Field{{ID: "f", Path: []string{"$.vct"}}}, IsHolder: []*pex.SubjectConstraint{{FieldID: []string{"f"}, Directive: "sometimes"}}}}}}, pex.ErrSchema},
		{"unknown_rule", &pex.Definition{ID: "d", SubmissionRequirements: []*pex.SubmissionRequirement{{Rule: "some", From: "A"}},
			InputDescriptors: []*pex.InputDescriptor{{ID: "a", Group: []string{"A"}, Constraints: &pex.Constraints{Fields: []*pex.Field{field()}}}}}, pex.ErrSchema},
		{"unknown_format", &pex.Definition{ID: "d", Format: pex.ClaimFormats{"bogus_vc": {Alg: []string{"ES256"}}},
			InputDescriptors: []*pex.InputDescriptor{{ID: "a", Constraints: &pex.Constraints{Fields: []*pex.Field{field()}}}}}, pex.ErrUnknownFormat},
		{"constraints_unknown_member", &pex.Definition{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a",
			Constraints: &pex.Constraints{Fields: []*pex.Field{field()}, Extra: map[string]json.RawMessage{"x": json.RawMessage(`1`)}}}}}, pex.ErrSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pex.Compile(tc.def)
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, pex.ErrInvalidDefinition)
			// ParseDefinition refuses the JSON form alike.
			b, merr := json.Marshal(tc.def)
			require.NoError(t, merr)
			_, err = pex.ParseDefinition(b)
			require.ErrorIs(t, err, tc.want)
		})
	}

	ok := &pex.Definition{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a",
		Constraints: &pex.Constraints{LimitDisclosure: pex.Required, Fields: []*pex.Field{field()}}}}}
	_, err := pex.Compile(ok)
	require.NoError(t, err)
	// constraints: {} is what the schema allows (no fields).
	_, err = pex.Compile(&pex.Definition{ID: "d", InputDescriptors: []*pex.InputDescriptor{{ID: "a", Constraints: &pex.Constraints{}}}})
	require.NoError(t, err)
}
