package dcql_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

func load(t testing.TB, name string) *dcql.Compiled {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "spec", name))
	require.NoError(t, err)
	q, err := dcql.Parse(data)
	require.NoError(t, err, name)
	c, err := dcql.Compile(q, trustOpt())
	require.NoError(t, err, name)
	return c
}

// selection flattens a result to query id -> credential ids.
func selection(r *dcql.Result) map[string][]string {
	out := map[string][]string{}
	for id, ms := range r.Selection {
		for _, m := range ms {
			out[id] = append(out[id], m.Credential.ID)
		}
	}
	return out
}

func TestGoldenSpecExamples(t *testing.T) {
	pidNoLocality := pid()
	delete(pidNoLocality.Claims, "locality")
	pidNoLocality.ID = "pid-nolocality"
	otherPID := sdCred("other-1", vctOtherPID, pidClaims(), pidDisclosable()...)
	reduced := sdCred("reduced-1", vctReduced, map[string]any{"family_name": "Doe", "given_name": "John"}, cp("family_name"), cp("given_name"))
	residence := sdCred("residence-1", vctResidence, map[string]any{"postal_code": "90210", "locality": "Anytown", "region": "Anystate"}, cp("postal_code"), cp("locality"), cp("region"))
	rewards := sdCred("rewards-1", vctRewards, map[string]any{"rewards_number": "12345"}, cp("rewards_number"))
	pidOtherIssuer := pid()
	pidOtherIssuer.ID = "pid-other-issuer"
	pidOtherIssuer.Issuer = "https://rogue.example"
	pidRoe := pid()
	pidRoe.ID = "pid-roe"
	pidRoe.Claims["last_name"] = "Roe"

	tests := []struct {
		name     string
		file     string
		wallet   []*presentation.Credential
		want     map[string][]string
		sets     []int
		claimSet map[string]int
		disclose map[string][]vocab.ClaimPath
		wantErr  []string // missing query ids
	}{
		{
			name: "simple_sd_jwt", file: "simple_sd_jwt.json",
			wallet: []*presentation.Credential{jwtVC(), reduced, pid()},
			want:   map[string][]string{"my_credential": {"pid-1"}},
			disclose: map[string][]vocab.ClaimPath{"my_credential": {
				cp("last_name"), cp("first_name"), cp("address"), cp("address", "street_address"),
			}},
		},
		{
			name: "claims_alternatives first set", file: "claims_alternatives.json",
			wallet:   []*presentation.Credential{pid()},
			want:     map[string][]string{"pid": {"pid-1"}},
			claimSet: map[string]int{"pid": 0},
			disclose: map[string][]vocab.ClaimPath{"pid": {cp("last_name"), cp("date_of_birth"), cp("locality"), cp("region")}},
		},
		{
			name: "claims_alternatives second set", file: "claims_alternatives.json",
			wallet:   []*presentation.Credential{pidNoLocality},
			want:     map[string][]string{"pid": {"pid-nolocality"}},
			claimSet: map[string]int{"pid": 1},
			disclose: map[string][]vocab.ClaimPath{"pid": {cp("last_name"), cp("date_of_birth"), cp("postal_code")}},
		},
		{
			name: "credentials_alternatives first option and optional set", file: "credentials_alternatives.json",
			wallet: []*presentation.Credential{reduced, residence, pid(), otherPID, rewards},
			want:   map[string][]string{"pid": {"pid-1"}, "nice_to_have": {"rewards-1"}},
			sets:   []int{0, 0},
		},
		{
			name: "credentials_alternatives second option", file: "credentials_alternatives.json",
			wallet: []*presentation.Credential{reduced, otherPID},
			want:   map[string][]string{"other_pid": {"other-1"}},
			sets:   []int{1, -1},
		},
		{
			name: "credentials_alternatives combined option", file: "credentials_alternatives.json",
			wallet: []*presentation.Credential{reduced, residence, rewards},
			want:   map[string][]string{"pid_reduced_cred_1": {"reduced-1"}, "pid_reduced_cred_2": {"residence-1"}, "nice_to_have": {"rewards-1"}},
			sets:   []int{2, 0},
		},
		{
			name: "credentials_alternatives unsatisfiable", file: "credentials_alternatives.json",
			wallet:  []*presentation.Credential{reduced, rewards},
			wantErr: []string{"pid", "other_pid", "pid_reduced_cred_2"},
		},
		{
			name: "complex_mdoc", file: "complex_mdoc.json",
			wallet: []*presentation.Credential{vrc(), mdl()},
			want:   map[string][]string{"mdl-id": {"mdl-1"}, "mdl-address": {"mdl-1"}},
			sets:   []int{0, 0},
		},
		{
			name: "simple_mdoc", file: "simple_mdoc.json",
			wallet: []*presentation.Credential{mdl(), vrc()},
			want:   map[string][]string{"my_credential": {"vrc-1"}},
		},
		{
			name: "simple_mdoc unsatisfiable", file: "simple_mdoc.json",
			wallet:  []*presentation.Credential{mdl(), pid()},
			wantErr: []string{"my_credential"},
		},
		{
			name: "dcql_jwt_vc", file: "dcql_jwt_vc.json",
			wallet: []*presentation.Credential{pid(), jwtVC()},
			want:   map[string][]string{"example_jwt_vc": {"jwtvc-1"}},
		},
		{
			name: "claims_values", file: "claims_values.json",
			wallet: []*presentation.Credential{pidRoe, pid()},
			want:   map[string][]string{"my_credential": {"pid-1"}},
		},
		{
			name: "claims_values none", file: "claims_values.json",
			wallet:  []*presentation.Credential{pidRoe},
			wantErr: []string{"my_credential"},
		},
		{
			name: "trusted_authorities", file: "trusted_authorities.json",
			wallet: []*presentation.Credential{pidOtherIssuer, pid()},
			want:   map[string][]string{"my_credential": {"pid-1"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := load(t, tc.file)
			for _, par := range []int{1, 3} {
				c2, err := dcql.Compile(c.Query(), append([]dcql.Option{dcql.WithParallelism(par)}, trustOpt())...)
				require.NoError(t, err)
				res, err := c2.Evaluate(context.Background(), seq(tc.wallet...))
				if tc.wantErr != nil {
					require.ErrorIs(t, err, dcql.ErrUnsatisfiable)
					require.Nil(t, res, "no partial result")
					var ue *dcql.UnsatisfiedError
					require.True(t, errors.As(err, &ue))
					require.ElementsMatch(t, tc.wantErr, ue.Queries)
					require.Equal(t, dcql.CodeAccessDenied, dcql.Code(err))
					continue
				}
				require.NoError(t, err)
				if d := cmp.Diff(tc.want, selection(res)); d != "" {
					t.Fatalf("selection (-want +got):\n%s", d)
				}
				if tc.sets != nil {
					require.Equal(t, tc.sets, res.CredentialSets)
				}
				for id, cs := range tc.claimSet {
					require.Equal(t, cs, res.Selection[id][0].ClaimSet, id)
				}
				for id, want := range tc.disclose {
					require.ElementsMatch(t, want, res.Selection[id][0].Disclose, id)
				}
			}
		})
	}
}

func trustOpt() dcql.Option {
	return dcql.WithTrustChecker(dcql.AuthorityAKI, dcql.TrustCheckerFunc(
		func(_ context.Context, cred *presentation.Credential, values []string) (bool, error) {
			for _, v := range values {
				if cred.Issuer == "https://issuer.example" && v == "s9tIpPmhxdiuNkHMEWNpYim8S8Y" {
					return true, nil
				}
			}
			return false, nil
		}))
}
