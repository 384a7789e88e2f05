package dcql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

const sdQuery = `{"credentials":[{"id":"q","format":"dc+sd-jwt","meta":{"vct_values":["%s"]},"claims":[%s]}]}`

func TestRow50InvalidQueries(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"row50_duplicate_credential_ids", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}},{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}`, dcql.ErrDuplicateID},
		{"row50_duplicate_claim_ids", fmt.Sprintf(sdQuery, "x", `{"id":"c","path":["a"]},{"id":"c","path":["b"]}`), dcql.ErrDuplicateID},
		{"row50_id_with_space", `{"credentials":[{"id":"a b","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}`, dcql.ErrInvalidID},
		{"row50_id_with_dot", `{"credentials":[{"id":"a.b","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}`, dcql.ErrInvalidID},
		{"row50_id_empty", `{"credentials":[{"id":"","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}`, dcql.ErrInvalidID},
		{"row50_id_unicode", `{"credentials":[{"id":"ä","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}`, dcql.ErrInvalidID},
		{"row50_claim_id_invalid", fmt.Sprintf(sdQuery, "x", `{"id":"c!","path":["a"]}`), dcql.ErrInvalidID},
		{"row50_path_negative_index", fmt.Sprintf(sdQuery, "x", `{"path":["a",-1]}`), dcql.ErrInvalidPath},
		{"row50_path_fractional_index", fmt.Sprintf(sdQuery, "x", `{"path":["a",1.5]}`), dcql.ErrInvalidPath},
		{"row50_path_object_component", fmt.Sprintf(sdQuery, "x", `{"path":["a",{}]}`), dcql.ErrInvalidPath},
		{"row50_path_bool_component", fmt.Sprintf(sdQuery, "x", `{"path":[true]}`), dcql.ErrInvalidPath},
		{"row50_path_empty", fmt.Sprintf(sdQuery, "x", `{"path":[]}`), dcql.ErrInvalidPath},
		{"row50_path_missing", fmt.Sprintf(sdQuery, "x", `{"id":"c"}`), dcql.ErrInvalidPath},
		{"row50_path_not_array", fmt.Sprintf(sdQuery, "x", `{"path":"a.b"}`), dcql.ErrInvalidMember},
		{"row50_empty_credentials", `{"credentials":[]}`, dcql.ErrMissingMember},
		{"row50_no_credentials", `{}`, dcql.ErrMissingMember},
		{"row50_empty_claims", fmt.Sprintf(sdQuery, "x", ``), dcql.ErrMissingMember},
		{"row50_empty_values", fmt.Sprintf(sdQuery, "x", `{"path":["a"],"values":[]}`), dcql.ErrMissingMember},
		{"row50_object_value", fmt.Sprintf(sdQuery, "x", `{"path":["a"],"values":[{}]}`), dcql.ErrInvalidMember},
		{"row50_float_value", fmt.Sprintf(sdQuery, "x", `{"path":["a"],"values":[1.5]}`), dcql.ErrInvalidMember},
		{"row50_claim_sets_without_claims", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claim_sets":[["c"]]}]}`, dcql.ErrClaimSetsWithoutClaims},
		{"row50_claim_sets_unknown_id", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"id":"c","path":["a"]}],"claim_sets":[["d"]]}]}`, dcql.ErrUnknownReference},
		{"row50_claim_sets_claim_without_id", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"path":["a"]}],"claim_sets":[["c"]]}]}`, dcql.ErrInvalidID},
		{"row50_empty_claim_set", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"id":"c","path":["a"]}],"claim_sets":[[]]}]}`, dcql.ErrMissingMember},
		{"row50_credential_set_unknown_id", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}],"credential_sets":[{"options":[["b"]]}]}`, dcql.ErrUnknownReference},
		{"row50_credential_set_empty_options", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}],"credential_sets":[{"options":[]}]}`, dcql.ErrMissingMember},
		{"row50_credential_set_empty_option", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}],"credential_sets":[{"options":[[]]}]}`, dcql.ErrMissingMember},
		{"row50_empty_credential_sets", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}],"credential_sets":[]}`, dcql.ErrMissingMember},
		{"row50_missing_meta", `{"credentials":[{"id":"a","format":"dc+sd-jwt"}]}`, dcql.ErrMissingMember},
		{"row50_missing_format", `{"credentials":[{"id":"a","meta":{}}]}`, dcql.ErrMissingMember},
		{"row50_sd_jwt_without_vct_values", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{}}]}`, dcql.ErrMissingMember},
		{"row50_mdoc_without_doctype", `{"credentials":[{"id":"a","format":"mso_mdoc","meta":{}}]}`, dcql.ErrMissingMember},
		{"row50_w3c_without_type_values", `{"credentials":[{"id":"a","format":"ldp_vc","meta":{}}]}`, dcql.ErrMissingMember},
		{"row50_trusted_authorities_empty", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"trusted_authorities":[]}]}`, dcql.ErrMissingMember},
		{"row50_trusted_authority_no_values", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"trusted_authorities":[{"type":"aki","values":[]}]}]}`, dcql.ErrMissingMember},
		{"row50_duplicate_json_member", `{"credentials":[{"id":"a","id":"b","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}`, jsonx.ErrDuplicateMember},
		{"row50_deep_nesting", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"],"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}]}`, dcql.ErrQueryTooLarge},
		{"row50_too_large", `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["` + strings.Repeat("x", dcql.MaxQueryBytes) + `"]}}]}`, dcql.ErrQueryTooLarge},
		{"row50_wrong_type_multiple", `{"credentials":[{"id":"a","format":"dc+sd-jwt","multiple":"yes","meta":{"vct_values":["x"]}}]}`, dcql.ErrInvalidMember},
		{"row50_not_an_object", `[]`, dcql.ErrInvalidMember},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := dcql.Parse([]byte(tc.in))
			require.Nil(t, q)
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, dcql.ErrInvalidQuery)
			require.Equal(t, dcql.CodeInvalidRequest, dcql.Code(err))
		})
	}
}

func TestUnknownMembersIgnoredAndKept(t *testing.T) {
	in := `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"],"future":1},"claims":[{"path":["a"],"z":true}],"ext":{"k":"v"}}],"transaction_data_hint":[1]}`
	q, err := dcql.Parse([]byte(in))
	require.NoError(t, err)
	require.Contains(t, q.Extra, "transaction_data_hint")
	out, err := json.Marshal(q)
	require.NoError(t, err)
	require.JSONEq(t, in, string(out))
}

func TestClaimsPathPointerSemantics(t *testing.T) {
	c := func(claims string) *dcql.Compiled {
		q, err := dcql.Parse([]byte(fmt.Sprintf(sdQuery, vctPID, claims)))
		require.NoError(t, err)
		cc, err := dcql.Compile(q)
		require.NoError(t, err)
		return cc
	}
	ctx := context.Background()
	t.Run("row50_string_on_array", func(t *testing.T) {
		_, err := c(`{"path":["nationalities","x"]}`).MatchCredential(ctx, "q", pid())
		require.ErrorIs(t, err, dcql.ErrClaimMissing)
	})
	t.Run("row50_index_on_object", func(t *testing.T) {
		_, err := c(`{"path":["address",0]}`).MatchCredential(ctx, "q", pid())
		require.ErrorIs(t, err, dcql.ErrClaimMissing)
	})
	t.Run("row50_empty_selection", func(t *testing.T) {
		_, err := c(`{"path":["nationalities",7]}`).MatchCredential(ctx, "q", pid())
		require.ErrorIs(t, err, dcql.ErrClaimMissing)
	})
	t.Run("null_selects_all_elements", func(t *testing.T) {
		m, err := c(`{"path":["nationalities",null]}`).MatchCredential(ctx, "q", pid())
		require.NoError(t, err)
		require.Equal(t, [][]any{{"nationalities", 0}, {"nationalities", 1}}, m.Paths)
		require.Equal(t, []vocab.ClaimPath{cp("nationalities", nil)}, m.Disclose)
	})
	t.Run("null_with_values_keeps_matching_elements", func(t *testing.T) {
		m, err := c(`{"path":["nationalities",null],"values":["DE"]}`).MatchCredential(ctx, "q", pid())
		require.NoError(t, err)
		require.Equal(t, [][]any{{"nationalities", 1}}, m.Paths)
	})
	t.Run("index", func(t *testing.T) {
		m, err := c(`{"path":["nationalities",1]}`).MatchCredential(ctx, "q", pid())
		require.NoError(t, err)
		require.Equal(t, [][]any{{"nationalities", 1}}, m.Paths)
	})
	t.Run("values_type_must_match", func(t *testing.T) {
		cred := pid()
		cred.Claims["age"] = float64(42)
		_, err := c(`{"path":["age"],"values":["42"]}`).MatchCredential(ctx, "q", cred)
		require.ErrorIs(t, err, dcql.ErrClaimMissing)
		_, err = c(`{"path":["age"],"values":[42]}`).MatchCredential(ctx, "q", cred)
		require.NoError(t, err)
	})
	t.Run("object_claim_discloses_children", func(t *testing.T) {
		m, err := c(`{"path":["address"]}`).MatchCredential(ctx, "q", pid())
		require.NoError(t, err)
		require.ElementsMatch(t, []vocab.ClaimPath{cp("address"), cp("address", "street_address"), cp("address", "locality"), cp("address", "region")}, m.Disclose)
	})
}

func TestNoClaimsDisclosesNothing(t *testing.T) {
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"q","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]}}]}`))
	require.NoError(t, err)
	c, err := dcql.Compile(q)
	require.NoError(t, err)
	res, err := c.Evaluate(context.Background(), seq(pid()))
	require.NoError(t, err)
	require.Empty(t, res.Selection["q"][0].Disclose)
}

func TestHolderBinding(t *testing.T) {
	unbound := pid()
	unbound.HolderJWK = nil
	for _, tc := range []struct {
		name    string
		binding string
		wantErr error
	}{
		{"default_requires_binding", ``, dcql.ErrHolderBinding},
		{"explicit_true", `,"require_cryptographic_holder_binding":true`, dcql.ErrHolderBinding},
		{"waived", `,"require_cryptographic_holder_binding":false`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := dcql.Parse([]byte(`{"credentials":[{"id":"q","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]}` + tc.binding + `}]}`))
			require.NoError(t, err)
			c, err := dcql.Compile(q)
			require.NoError(t, err)
			_, err = c.MatchCredential(context.Background(), "q", unbound)
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
			}
		})
	}
}

func TestTrustedAuthoritiesWithoutChecker(t *testing.T) {
	data := `{"credentials":[{"id":"q","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]},"trusted_authorities":[{"type":"etsi_tl","values":["https://lotl.example"]}]}]}`
	q, err := dcql.Parse([]byte(data))
	require.NoError(t, err)
	c, err := dcql.Compile(q, trustOpt())
	require.NoError(t, err)
	_, err = c.Evaluate(context.Background(), seq(pid()))
	var ue *dcql.UnsatisfiedError
	require.True(t, errors.As(err, &ue))
	require.ErrorIs(t, ue.Reasons["q"], dcql.ErrTrustCheckerMissing)
}

func TestUnknownFormatIsTyped(t *testing.T) {
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"q","format":"x-unknown","meta":{}}]}`))
	require.NoError(t, err)
	c, err := dcql.Compile(q)
	require.NoError(t, err)
	cred := pid()
	cred.Format = "x-unknown"
	_, err = c.Evaluate(context.Background(), seq(cred))
	require.ErrorIs(t, err, dcql.ErrFormatNotSupported)
	require.ErrorIs(t, err, dcql.ErrUnsatisfiable)
	require.Equal(t, dcql.CodeVPFormatsNotSupported, dcql.Code(err))
}

func TestHints(t *testing.T) {
	c := load(t, "credentials_alternatives.json")
	h := c.Hints()
	require.Equal(t, []vocab.Format{vocab.FormatSDJWTVC}, h.Formats)
	require.ElementsMatch(t, []string{vctPID, vctOtherPID, vctReduced, vctResidence, vctRewards}, h.VCTValues)
	require.Len(t, h.Queries, 5)
	j := load(t, "dcql_jwt_vc.json").Hints()
	require.ElementsMatch(t, []vocab.Format{vocab.FormatJWTVCJSON, vocab.FormatDIFJWTVC}, j.Formats)
	require.Equal(t, [][]string{{"IDCredential"}}, j.TypeSets)
}

func TestContextCancelled(t *testing.T) {
	c := load(t, "simple_sd_jwt.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Evaluate(ctx, seq(pid()))
	require.ErrorIs(t, err, context.Canceled)
	c2, err := dcql.Compile(c.Query(), dcql.WithParallelism(4))
	require.NoError(t, err)
	_, err = c2.Evaluate(ctx, seq(pid(), pid(), pid()))
	require.ErrorIs(t, err, context.Canceled)
}

type expanderFunc func(ctx context.Context, cred *presentation.Credential) ([]string, error)

func (f expanderFunc) ExpandTypes(ctx context.Context, cred *presentation.Credential) ([]string, error) {
	return f(ctx, cred)
}

func TestTypeValuesExpanded(t *testing.T) {
	ctx := context.Background()
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"q","format":"jwt_vc_json","require_cryptographic_holder_binding":false,
		"meta":{"type_values":[["https://www.w3.org/2018/credentials#VerifiableCredential","https://example.org/IDCredential"]]}}]}`))
	require.NoError(t, err)
	plain, err := dcql.Compile(q)
	require.NoError(t, err)
	_, err = plain.MatchCredential(ctx, "q", jwtVC())
	require.ErrorIs(t, err, dcql.ErrMetaMismatch, "short names do not equal IRIs")

	exp := expanderFunc(func(_ context.Context, cred *presentation.Credential) ([]string, error) {
		var out []string
		for _, ty := range cred.Types {
			if ty == "VerifiableCredential" {
				out = append(out, "https://www.w3.org/2018/credentials#VerifiableCredential")
			} else {
				out = append(out, "https://example.org/"+ty)
			}
		}
		return out, nil
	})
	c, err := dcql.Compile(q, dcql.WithTypeExpander(exp))
	require.NoError(t, err)
	_, err = c.MatchCredential(ctx, "q", jwtVC())
	require.NoError(t, err)

	failing := expanderFunc(func(context.Context, *presentation.Credential) ([]string, error) {
		return nil, errors.New("context not in the offline loader")
	})
	c, err = dcql.Compile(q, dcql.WithTypeExpander(failing))
	require.NoError(t, err)
	_, err = c.MatchCredential(ctx, "q", jwtVC())
	require.ErrorIs(t, err, dcql.ErrMetaMismatch)
}

func TestParallelEqualsSequential(t *testing.T) {
	ctx := context.Background()
	wallet := benchWallet(2000)
	base := load(t, "claims_alternatives.json")
	par, err := dcql.Compile(base.Query(), dcql.WithParallelism(4))
	require.NoError(t, err)
	a, _, err := base.Candidates(ctx, seq(wallet...))
	require.NoError(t, err)
	b, _, err := par.Candidates(ctx, seq(wallet...))
	require.NoError(t, err)
	require.Equal(t, len(a["pid"]), len(b["pid"]))
	require.Equal(t, 500, len(a["pid"]))
	for i := range a["pid"] {
		require.Same(t, a["pid"][i].Credential, b["pid"][i].Credential)
	}
}
