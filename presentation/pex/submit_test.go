package pex_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// fakeWallet stands in for the credential-format packages: presentations
// are readable strings, and the decoder maps them back to the views.
type fakeWallet map[string]*presentation.Credential

func (w fakeWallet) Present(_ context.Context, f vocab.Format, creds []*presentation.Credential, disclose [][]vocab.ClaimPath) (any, error) {
	var ids []string
	for i, c := range creds {
		d, _ := json.Marshal(disclose[i])
		ids = append(ids, c.ID+"#"+string(d))
	}
	return string(f) + "|" + strings.Join(ids, ";"), nil
}

func (w fakeWallet) Presentation(_ context.Context, f vocab.Format, v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, errors.New("not a string")
	}
	format, rest, _ := strings.Cut(s, "|")
	if format != string(f) {
		return nil, fmt.Errorf("format %q is not %q", format, f)
	}
	var vcs []any
	for _, part := range strings.Split(rest, ";") {
		id, _, _ := strings.Cut(part, "#")
		vcs = append(vcs, id)
	}
	if f == vocab.FormatJWTVPJSON || f == vocab.FormatDIFJWTVP {
		return map[string]any{"vp": map[string]any{"verifiableCredential": vcs}}, nil
	}
	return map[string]any{"verifiableCredential": vcs}, nil
}

func (w fakeWallet) Credential(_ context.Context, f vocab.Format, v any) (*presentation.Credential, error) {
	s, ok := v.(string)
	if !ok {
		return nil, errors.New("not a string")
	}
	if strings.Contains(s, "|") { // a presentation of its own (SD-JWT)
		_, rest, _ := strings.Cut(s, "|")
		s, _, _ = strings.Cut(rest, "#")
	}
	c, ok := w[s]
	if !ok {
		return nil, fmt.Errorf("unknown credential %q", s)
	}
	return c, nil
}

func walletOf(creds ...*presentation.Credential) fakeWallet {
	w := fakeWallet{}
	for _, c := range creds {
		w[c.ID] = c
	}
	return w
}

func TestPresentAndVerifyRoundTrip(t *testing.T) {
	ctx := context.Background()
	creds := []*presentation.Credential{passport(), euDL(), bank2(), employment(), bank1()}
	w := walletOf(creds...)
	c := compileDef(t, "multi_group_example.json")
	res, err := c.Evaluate(ctx, seq(creds...))
	require.NoError(t, err)
	tok, sub, err := res.Present(ctx, w, pex.PresentOptions{SubmissionID: "sub-1"})
	require.NoError(t, err)

	// Three presentations: the SD-JWT bank1, the SD-JWT employment, and an
	// LDP VP around the EU driving licence.
	arr, ok := tok.([]any)
	require.True(t, ok)
	require.Len(t, arr, 3)
	require.Equal(t, "sub-1", sub.ID)
	require.Equal(t, c.Definition().ID, sub.DefinitionID)
	byID := map[string]*pex.Descriptor{}
	for _, d := range sub.DescriptorMap {
		byID[d.ID] = d
	}
	require.Equal(t, &pex.Descriptor{ID: "banking_input_1", Format: "dc+sd-jwt", Path: "$[0]"}, byID["banking_input_1"])
	require.Equal(t, "ldp_vp", byID["drivers_license_input_1"].Format)
	require.Equal(t, &pex.Descriptor{ID: "drivers_license_input_1", Format: "ldp_vc", Path: "$.verifiableCredential[0]"}, byID["drivers_license_input_1"].PathNested)
	require.Contains(t, arr[0], `["credentialSubject","portfolio_value"]`, "minimal disclosures passed to the presenter")
	require.NotContains(t, arr[0], `"name"`)

	// The submission survives the wire and validates against the schema.
	raw, err := json.Marshal(sub)
	require.NoError(t, err)
	sub2, err := pex.ParseSubmission(raw)
	require.NoError(t, err)

	v, err := c.Verify(ctx, sub2, tok, w)
	require.NoError(t, err)
	require.Len(t, v.Answered, 3)
	for _, r := range v.Descriptors {
		require.NoError(t, r.Err, r.ID)
	}
}

func TestPresentSingleJWTVP(t *testing.T) {
	ctx := context.Background()
	c := parseCompile(t, `{"id":"d","format":{"jwt_vp":{"alg":["ES256"]},"jwt_vc":{"alg":["ES256K","ES384"]}},"input_descriptors":[
		{"id":"bank","constraints":{"fields":[{"path":["$.vc.credentialSubject.account[*].id"]}]}},
		{"id":"pass","constraints":{"fields":[{"path":["$.vc.credentialSubject.birth_date"]}]}}]}`)
	w := walletOf(bank2(), passport())
	res, err := c.Evaluate(ctx, seq(bank2(), passport()))
	require.NoError(t, err)
	tok, sub, err := res.Present(ctx, w, pex.PresentOptions{})
	require.NoError(t, err)
	require.IsType(t, "", tok, "one presentation: the token is that presentation")
	require.Len(t, sub.ID, 32)
	require.Equal(t, "jwt_vp", sub.DescriptorMap[0].Format)
	require.Equal(t, "$", sub.DescriptorMap[0].Path)
	require.Equal(t, "$.vp.verifiableCredential[0]", sub.DescriptorMap[0].PathNested.Path)
	require.Equal(t, "$.vp.verifiableCredential[1]", sub.DescriptorMap[1].PathNested.Path)
	_, err = c.Verify(ctx, sub, tok, w)
	require.NoError(t, err)
}

func TestVerifierNeverTrustsWalletMatching(t *testing.T) {
	ctx := context.Background()
	c := compileDef(t, "single_group_example.json")
	w := walletOf(passport(), bank2(), euDL())
	good := func() *pex.Submission {
		return &pex.Submission{ID: "s", DefinitionID: c.Definition().ID, DescriptorMap: []*pex.Descriptor{
			{ID: "citizenship_input_2", Format: "jwt_vp_json", Path: "$", PathNested: &pex.Descriptor{ID: "citizenship_input_2", Format: "jwt_vc_json", Path: "$.vp.verifiableCredential[0]"}},
		}}
	}
	_, err := c.Verify(ctx, good(), "jwt_vp_json|passport#null", w)
	require.NoError(t, err)

	tests := []struct {
		name   string
		mutate func(*pex.Submission)
		token  any
		want   error
		report error
	}{
		{"wrong_credential_for_descriptor", nil, "jwt_vp_json|bank2#null", pex.ErrUnsatisfiable, pex.ErrFieldNotMatched},
		{"wrong_definition_id", func(s *pex.Submission) { s.DefinitionID = "other" }, "jwt_vp_json|passport#null", pex.ErrSubmissionRejected, nil},
		{"unknown_descriptor", func(s *pex.Submission) { s.DescriptorMap[0].ID = "nope" }, "jwt_vp_json|passport#null", pex.ErrUnknownDescriptor, pex.ErrUnknownDescriptor},
		{"path_not_found", func(s *pex.Submission) { s.DescriptorMap[0].PathNested.Path = "$.vp.verifiableCredential[5]" }, "jwt_vp_json|passport#null", pex.ErrUnsatisfiable, pex.ErrPathNotFound},
		{"format_mismatch", func(s *pex.Submission) { s.DescriptorMap[0].PathNested.Format = "ldp_vc" }, "jwt_vp_json|passport#null", pex.ErrUnsatisfiable, pex.ErrFormatMismatch},
		{"unknown_format", func(s *pex.Submission) { s.DescriptorMap[0].PathNested.Format = "x" }, "jwt_vp_json|passport#null", pex.ErrUnsatisfiable, pex.ErrUnknownFormat},
		{"vp_decode_fails", nil, "ldp_vp|passport#null", pex.ErrUnsatisfiable, nil},
		{"nested_id_differs", func(s *pex.Submission) { s.DescriptorMap[0].PathNested.ID = "citizenship_input_1" }, "jwt_vp_json|passport#null", pex.ErrUnsatisfiable, pex.ErrInvalidSubmission},
		{"empty_map", func(s *pex.Submission) { s.DescriptorMap = nil }, "jwt_vp_json|passport#null", pex.ErrUnsatisfiable, nil},
		{"script_path", func(s *pex.Submission) { s.DescriptorMap[0].Path = "$[(@.length-1)]" }, "jwt_vp_json|passport#null", pex.ErrUnsatisfiable, pex.ErrInvalidSubmission},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			if tc.mutate != nil {
				tc.mutate(s)
			}
			v, err := c.Verify(ctx, s, tc.token, w)
			require.ErrorIs(t, err, pex.ErrSubmissionRejected)
			require.ErrorIs(t, err, tc.want)
			if tc.report != nil {
				require.ErrorIs(t, v.Descriptors[0].Err, tc.report)
			}
		})
	}
}

func TestVerifierRejectsTooManyPicked(t *testing.T) {
	// pick count 1 from A: a submission answering both descriptors of A
	// breaks the requirement even though each entry is valid.
	ctx := context.Background()
	c := compileDef(t, "single_group_example.json")
	eu := euDL()
	eu.ID = "eu"
	eu.Document = map[string]any{
		"credentialSchema":  map[string]any{"id": "https://eu.com/claims/DriversLicense.json"},
		"issuer":            "did:example:gov1",
		"credentialSubject": map[string]any{"dob": "1990-01-01"},
	}
	w := walletOf(passport(), eu)
	sub := &pex.Submission{ID: "s", DefinitionID: c.Definition().ID, DescriptorMap: []*pex.Descriptor{
		{ID: "citizenship_input_2", Format: "jwt_vp_json", Path: "$[0]", PathNested: &pex.Descriptor{ID: "citizenship_input_2", Format: "jwt_vc_json", Path: "$.vp.verifiableCredential[0]"}},
		{ID: "citizenship_input_1", Format: "ldp_vc", Path: "$[1]"},
	}}
	token := []any{"jwt_vp_json|passport#null", "eu"}
	v, err := c.Verify(ctx, sub, token, w)
	require.ErrorIs(t, err, pex.ErrSubmissionRejected)
	require.ErrorIs(t, err, pex.ErrUnsatisfiable)
	require.Len(t, v.Answered, 2)

	sub.DescriptorMap = sub.DescriptorMap[1:]
	_, err = c.Verify(ctx, sub, token, w)
	require.NoError(t, err, "one of A is fine")
}

// One presenter implementation serves both query languages.
var _ dcql.Presenter = pex.Presenter(nil)

func TestSubmissionUsesTheDefinitionsFormatNames(t *testing.T) {
	ctx := context.Background()
	c := parseCompile(t, `{"id":"d","input_descriptors":[
		{"id":"sd","format":{"vc+sd-jwt":{}},"constraints":{"fields":[{"path":["$.credentialSubject.portfolio_value"]}]}},
		{"id":"w3c","format":{"jwt_vc":{},"jwt_vp":{}},"constraints":{"fields":[{"path":["$.vc.credentialSubject.birth_date"]}]}}]}`)
	res, err := c.Evaluate(ctx, seq(bank1(), passport()))
	require.NoError(t, err)
	_, sub, err := res.Present(ctx, walletOf(bank1(), passport()), pex.PresentOptions{})
	require.NoError(t, err)
	require.Equal(t, "vc+sd-jwt", sub.DescriptorMap[0].Format)
	require.Equal(t, "jwt_vp", sub.DescriptorMap[1].Format)
	require.Equal(t, "jwt_vc", sub.DescriptorMap[1].PathNested.Format)
}

func TestDecoderFuncs(t *testing.T) {
	ctx := context.Background()
	c := parseCompile(t, oneField(`{"path":["$.credentialSubject.portfolio_value"]}`))
	sub := &pex.Submission{ID: "s", DefinitionID: "d", DescriptorMap: []*pex.Descriptor{{ID: "a", Format: "dc+sd-jwt", Path: "$"}}}
	dec := pex.DecoderFuncs{CredentialFunc: func(_ context.Context, f vocab.Format, v any) (*presentation.Credential, error) {
		return bank1(), nil
	}}
	_, err := c.Verify(ctx, sub, "sd-jwt~", dec)
	require.NoError(t, err)
	sub.DescriptorMap[0].PathNested = &pex.Descriptor{ID: "a", Format: "dc+sd-jwt", Path: "$"}
	_, err = c.Verify(ctx, sub, "sd-jwt~", dec)
	require.ErrorIs(t, err, pex.ErrSubmissionRejected)
	_, err = c.Verify(ctx, sub, "sd-jwt~", pex.DecoderFuncs{})
	require.ErrorIs(t, err, pex.ErrSubmissionRejected)
}

func TestVerifierChecksPresentationFormat(t *testing.T) {
	ctx := context.Background()
	c := parseCompile(t, `{"id":"d","format":{"ldp_vp":{"proof_type":["Ed25519Signature2018"]},"jwt_vc_json":{}},"input_descriptors":[
		{"id":"pass","constraints":{"fields":[{"path":["$.vc.credentialSubject.birth_date"]}]}}]}`)
	w := walletOf(passport())
	sub := &pex.Submission{ID: "s", DefinitionID: "d", DescriptorMap: []*pex.Descriptor{
		{ID: "pass", Format: "jwt_vp_json", Path: "$", PathNested: &pex.Descriptor{ID: "pass", Format: "jwt_vc_json", Path: "$.vp.verifiableCredential[0]"}},
	}}
	v, err := c.Verify(ctx, sub, "jwt_vp_json|passport#null", w)
	require.ErrorIs(t, err, pex.ErrSubmissionRejected)
	require.ErrorIs(t, v.Descriptors[0].Err, pex.ErrFormatMismatch)

	sub.DescriptorMap[0].Format = "ldp_vp"
	sub.DescriptorMap[0].PathNested.Path = "$.verifiableCredential[0]"
	_, err = c.Verify(ctx, sub, "ldp_vp|passport#null", w)
	require.NoError(t, err)
}
