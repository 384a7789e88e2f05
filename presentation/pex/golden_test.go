package pex_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

func TestGoldenSpecExamples(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		file     string
		wallet   []*presentation.Credential
		want     map[string]string
		disclose map[string][]vocab.ClaimPath
		unsat    []string
	}{
		{
			name: "multi_group", file: "multi_group_example.json",
			wallet: []*presentation.Credential{passport(), euDL(), bank2(), employment(), bank1()},
			want:   map[string]string{"banking_input_1": "bank1", "employment_input": "employment", "drivers_license_input_1": "eudl"},
			disclose: map[string][]vocab.ClaimPath{
				// limit_disclosure=required: the account array and element
				// holding account_number, and portfolio_value; not name.
				"banking_input_1":  {cp("credentialSubject", "account"), cp("credentialSubject", "account", 0), cp("credentialSubject", "portfolio_value")},
				"employment_input": {cp("jobs", nil), cp("jobs", 0, "active")},
			},
		},
		{
			name: "multi_group without SD-JWT bank", file: "multi_group_example.json",
			wallet: []*presentation.Credential{passport(), euDL(), bank2(), employment()},
			want:   map[string]string{"banking_input_2": "bank2", "employment_input": "employment", "drivers_license_input_1": "eudl"},
		},
		{
			name: "multi_group missing group B", file: "multi_group_example.json",
			wallet: []*presentation.Credential{passport(), euDL(), bank2(), bank1()},
			unsat:  []string{"employment_input"},
		},
		{
			name: "single_group picks the passport", file: "single_group_example.json",
			wallet: []*presentation.Credential{bank2(), passport()},
			want:   map[string]string{"citizenship_input_2": "passport"},
		},
		{
			name: "basic", file: "basic_example.json",
			wallet: []*presentation.Credential{passport(), bank1()},
			unsat:  []string{"bankaccount_input"},
		},
		{
			name: "pd_filter2 trust scheme", file: "pd_filter2.json",
			wallet: []*presentation.Credential{creditCard("evil.example"), creditCard("worldbankfederation.com")},
			want:   map[string]string{"any type of credit card from any bank": "cc-worldbankfederation.com"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, par := range []int{1, 3} {
				c := compileDef(t, tc.file, pex.WithParallelism(par))
				res, err := c.Evaluate(ctx, seq(tc.wallet...))
				if tc.unsat != nil {
					require.ErrorIs(t, err, pex.ErrUnsatisfiable)
					var ue *pex.UnsatisfiedError
					require.ErrorAs(t, err, &ue)
					require.Equal(t, tc.unsat, ue.Descriptors)
					require.False(t, res.Satisfiable)
					require.Nil(t, res.Selection)
					continue
				}
				require.NoError(t, err)
				require.True(t, res.Satisfiable)
				require.True(t, res.Optimal)
				require.Equal(t, tc.want, selection(res))
				for id, want := range tc.disclose {
					require.ElementsMatch(t, want, res.Selection[id].Disclose, id)
				}
			}
		})
	}
}

func TestGoldenParse(t *testing.T) {
	for _, f := range []string{"basic_example.json", "single_group_example.json", "multi_group_example.json", "format_example.json", "pd_filter2.json"} {
		t.Run(f, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "spec", f))
			require.NoError(t, err)
			d := loadDef(t, f)
			out, err := json.Marshal(d)
			require.NoError(t, err)
			require.JSONEq(t, string(raw), string(out), "round trip")
		})
	}
	// format_example has no input descriptors: valid for the schema,
	// meaningless for matching.
	_, err := pex.Compile(loadDef(t, "format_example.json"))
	require.ErrorIs(t, err, pex.ErrInvalidDefinition)

	raw, err := os.ReadFile(filepath.Join("testdata", "spec", "submission_example.json"))
	require.NoError(t, err)
	s, err := pex.ParseSubmission(raw)
	require.NoError(t, err)
	require.Len(t, s.DescriptorMap, 4)
	require.Equal(t, "$.mostInnerCredential[2]", s.DescriptorMap[3].PathNested.PathNested.Path)
	out, err := json.Marshal(s)
	require.NoError(t, err)
	require.JSONEq(t, string(raw), string(out))
}

func TestUnknownMembersKept(t *testing.T) {
	// Extra members at every level survive a round trip (schema
	// validation is skipped by decoding directly).
	in := `{"id":"d","x-top":1,"input_descriptors":[{"id":"a","x-desc":true,"constraints":{"x-c":"y","fields":[{"path":["$.a"],"x-f":[1]}]}}]}`
	var d pex.Definition
	require.NoError(t, json.Unmarshal([]byte(in), &d))
	out, err := json.Marshal(&d)
	require.NoError(t, err)
	require.JSONEq(t, in, string(out))
	// The DIF schema itself refuses unknown members.
	_, err = pex.ParseDefinition([]byte(in))
	require.ErrorIs(t, err, pex.ErrSchema)
}

// The specification's submission requirement examples over a fixed set of
// descriptors: A = {bank}, B = {passport, licence, job}.
func TestGoldenSubmissionRequirements(t *testing.T) {
	ctx := context.Background()
	descriptors := `[
		{"id":"bank","group":["A"],"constraints":{"fields":[{"path":["$.vc.credentialSchema.id"],"filter":{"pattern":"^https://bank-schemas.org/"}}]}},
		{"id":"passport","group":["B"],"constraints":{"fields":[{"path":["$.vc.credentialSubject.birth_date"]}]}},
		{"id":"licence","group":["B"],"constraints":{"fields":[{"path":["$.credentialSubject.dob"]}]}},
		{"id":"job","group":["B"],"constraints":{"fields":[{"path":["$.jobs[*].active"],"filter":{"const":true}}]}}]`
	tests := []struct {
		file   string
		wallet []*presentation.Credential
		want   map[string]string // nil: unsatisfiable
	}{
		{"all_example.json", []*presentation.Credential{passport(), bank2()}, map[string]string{"bank": "bank2"}},
		{"all_example.json", []*presentation.Credential{passport()}, nil},
		{"pick_1_example.json", []*presentation.Credential{employment(), passport()}, map[string]string{"passport": "passport"}},
		{"pick_2_example.json", []*presentation.Credential{employment(), passport(), euDL()}, map[string]string{"passport": "passport", "licence": "eudl"}},
		{"pick_2_example.json", []*presentation.Credential{employment(), bank2()}, nil},
		{"pick_3_example.json", []*presentation.Credential{passport(), bank2(), euDL()}, map[string]string{"bank": "bank2"}},
		{"pick_3_example.json", []*presentation.Credential{passport(), euDL()}, map[string]string{"passport": "passport", "licence": "eudl"}},
		{"pick_3_example.json", []*presentation.Credential{passport()}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "spec", "submission-requirements", tc.file))
			require.NoError(t, err)
			var sr struct {
				SubmissionRequirements json.RawMessage `json:"submission_requirements"`
			}
			require.NoError(t, json.Unmarshal(raw, &sr))
			c := parseCompile(t, `{"id":"d","submission_requirements":`+string(sr.SubmissionRequirements)+`,"input_descriptors":`+descriptors+`}`)
			res, err := c.Evaluate(ctx, seq(tc.wallet...))
			if tc.want == nil {
				require.ErrorIs(t, err, pex.ErrUnsatisfiable)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, selection(res))

			// The verifier accepts exactly this selection.
			w := walletOf(tc.wallet...)
			tok, sub, err := res.Present(ctx, w, pex.PresentOptions{})
			require.NoError(t, err)
			_, err = c.Verify(ctx, sub, tok, w)
			require.NoError(t, err)
		})
	}
}
