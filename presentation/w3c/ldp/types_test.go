package ldp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/w3c/ldp"
	"github.com/ocmw/wstack/vocab"
)

// degreeContext is an issuer vocabulary a wallet pins.
const (
	degreeContextURL = "https://degrees.example/contexts/v1"
	degreeContext    = `{"@context":{"@version":1.1,"@protected":true,
	  "deg":"https://degrees.example/vocab#",
	  "UniversityDegreeCredential":"deg:UniversityDegreeCredential",
	  "degree":{"@id":"deg:degree","@type":"@json"}}}`
)

func view(t *testing.T, format vocab.Format, doc string) *presentation.Credential {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(stringsReader(doc))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	return &presentation.Credential{Format: format, Document: m, Claims: m, HolderID: "did:example:holder"}
}

func TestExpandTypes(t *testing.T) {
	ctx := context.Background()
	loader, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{degreeContextURL: []byte(degreeContext)}})
	require.NoError(t, err)
	exp, err := ldp.NewTypeExpander(loader)
	require.NoError(t, err)
	bundledOnly, err := ldp.NewTypeExpander(nil)
	require.NoError(t, err)

	v1 := view(t, vocab.FormatLDPVC, `{"@context":["`+contexts.CredentialsV1+`","`+degreeContextURL+`"],
	  "type":["VerifiableCredential","UniversityDegreeCredential"],"issuer":"did:example:issuer",
	  "credentialSubject":{"id":"did:example:holder","undefinedTermsElsewhere":1.5}}`)
	v2 := view(t, vocab.FormatJWTVCJSON, `{"@context":["`+contexts.CredentialsV2+`"],
	  "type":["VerifiableCredential"]}`)
	inline := view(t, vocab.FormatLDPVC, `{"@context":["`+contexts.CredentialsV1+`",{"@version":1.1,"Inline":"https://inline.example/#Inline"}],
	  "type":["VerifiableCredential","Inline"]}`)
	undefined := view(t, vocab.FormatLDPVC, `{"@context":["`+contexts.CredentialsV1+`"],"type":["VerifiableCredential","NotDefined"]}`)
	unknownCtx := view(t, vocab.FormatLDPVC, `{"@context":["`+contexts.CredentialsV1+`","https://elsewhere.example/ctx"],"type":["VerifiableCredential"]}`)

	for _, tc := range []struct {
		name string
		exp  *ldp.TypeExpander
		cred *presentation.Credential
		want []string
		err  error
	}{
		{"v1_pinned_vocabulary", exp, v1, []string{"https://www.w3.org/2018/credentials#VerifiableCredential", "https://degrees.example/vocab#UniversityDegreeCredential"}, nil},
		{"v2", bundledOnly, v2, []string{"https://www.w3.org/2018/credentials#VerifiableCredential"}, nil},
		{"inline_context_with_version_number", bundledOnly, inline, []string{"https://www.w3.org/2018/credentials#VerifiableCredential", "https://inline.example/#Inline"}, nil},
		{"undefined_type", bundledOnly, undefined, nil, dataintegrity.ErrUndefinedTerm},
		{"context_not_pinned", bundledOnly, v1, nil, contexts.ErrNotAllowed},
		{"unknown_context", exp, unknownCtx, nil, contexts.ErrNotAllowed},
		{"no_document", exp, &presentation.Credential{Format: vocab.FormatSDJWTVC}, nil, ldp.ErrNoDocument},
		{"no_context", exp, view(t, vocab.FormatLDPVC, `{"type":["VerifiableCredential"]}`), nil, ldp.ErrNoDocument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.exp.ExpandTypes(ctx, tc.cred)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.ElementsMatch(t, tc.want, got)
		})
	}
}

// TestTypeExpanderWithDCQL: type_values naming expanded IRIs match
// through the expander (OpenID4VP 1.0 Appendix B.1.1), short names still
// match as written, and a credential of another type does not.
func TestTypeExpanderWithDCQL(t *testing.T) {
	ctx := context.Background()
	loader, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{degreeContextURL: []byte(degreeContext)}})
	require.NoError(t, err)
	exp, err := ldp.NewTypeExpander(loader)
	require.NoError(t, err)
	degree := view(t, vocab.FormatLDPVC, `{"@context":["`+contexts.CredentialsV1+`","`+degreeContextURL+`"],
	  "type":["VerifiableCredential","UniversityDegreeCredential"]}`)
	degree.Types = []string{"VerifiableCredential", "UniversityDegreeCredential"}
	other := view(t, vocab.FormatLDPVC, `{"@context":["`+contexts.CredentialsV2+`"],"type":["VerifiableCredential","UniversityDegreeCredential"]}`)
	other.Types = []string{"VerifiableCredential", "UniversityDegreeCredential"}

	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"d","format":"ldp_vc","multiple":true,
	  "meta":{"type_values":[["https://www.w3.org/2018/credentials#VerifiableCredential","https://degrees.example/vocab#UniversityDegreeCredential"]]}}]}`))
	require.NoError(t, err)
	c, err := dcql.Compile(q, dcql.WithTypeExpander(exp))
	require.NoError(t, err)
	res, err := c.Evaluate(ctx, func(yield func(*presentation.Credential) bool) { _ = yield(degree) && yield(other) })
	require.NoError(t, err)
	require.Len(t, res.Candidates["d"], 1, "the v2 credential's contexts do not define the degree type")
	require.Same(t, degree, res.Candidates["d"][0].Credential)

	without, err := dcql.Compile(q)
	require.NoError(t, err)
	_, err = without.Evaluate(ctx, func(yield func(*presentation.Credential) bool) { yield(degree) })
	require.ErrorIs(t, err, dcql.ErrUnsatisfiable)
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func BenchmarkExpandTypes(b *testing.B) {
	loader, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{degreeContextURL: []byte(degreeContext)}})
	require.NoError(b, err)
	exp, err := ldp.NewTypeExpander(loader)
	require.NoError(b, err)
	cred := &presentation.Credential{Format: vocab.FormatLDPVC, Document: map[string]any{
		"@context": []any{contexts.CredentialsV1, degreeContextURL},
		"type":     []any{"VerifiableCredential", "UniversityDegreeCredential"},
	}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := exp.ExpandTypes(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
}
