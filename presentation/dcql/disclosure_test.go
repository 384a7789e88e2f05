package dcql_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/internal/sdtest"
	"github.com/ocmw/wstack/internal/sdtest/sdvc"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

func sorted(ks ...string) []string {
	out := append([]string{}, ks...)
	slices.Sort(out)
	return out
}

const dp = "driving_privileges"

// TestVPTokenDisclosesExactlyRequested builds the vp_token for the
// OpenID4VP 1.0 §7.4 query and the Appendix D queries (and pointer cases
// around arrays) over recursively disclosable PID-shaped SD-JWT VCs and
// asserts the exact set of disclosures each presentation carries: the
// requested claims and their enclosing containers, never a sibling
// (§6.4.1; a pointer to an object as a whole releases everything below
// it). The vp_token then verifies against the same query.
func TestVPTokenDisclosesExactlyRequested(t *testing.T) {
	ctx := context.Background()
	w := sdvc.New(t)
	pid := w.PID(t, vctPID)
	pidNoLocality := w.PID(t, vctPID, "locality")
	otherPID := w.Issue(t, vctOtherPID, map[string]any{"given_name": "J", "family_name": "D", "address": map[string]any{"street_address": "x", "locality": "y"}},
		cp("given_name"), cp("family_name"), cp("address"), cp("address", "street_address"), cp("address", "locality"))
	reduced := w.Issue(t, vctReduced, map[string]any{"family_name": "Doe", "given_name": "John", "birthdate": "1940-01-01"},
		cp("family_name"), cp("given_name"), cp("birthdate"))
	residence := w.Issue(t, vctResidence, map[string]any{"postal_code": "90210", "locality": "Anytown", "region": "Anystate", "street_address": "123 Main St"},
		cp("postal_code"), cp("locality"), cp("region"), cp("street_address"))
	rewards := w.Issue(t, vctRewards, map[string]any{"rewards_number": "12345", "tier": "gold"}, cp("rewards_number"), cp("tier"))
	vrcCred := vrc()

	specQuery := func(name string) string {
		t.Helper()
		return string(specExample(t, name))
	}
	one := func(path string, extra ...string) string {
		return `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]},"claims":[{"path":` + path + `}` + strings.Join(extra, "") + `]}]}`
	}
	tests := []struct {
		name     string
		query    string
		wallet   []*presentation.Credential
		want     map[string][]string // query id -> disclosed paths (as held)
		noVerify bool
	}{
		{name: "§7.4 simple", query: specQuery("simple.json"), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"my_credential": {"address", "address.street_address", "family_name", "given_name"}}},
		{name: "D multi_credentials", query: specQuery("multi_credentials.json"), wallet: []*presentation.Credential{pid, vrcCred},
			want:     map[string][]string{"pid": {"address", "address.street_address", "family_name", "given_name"}},
			noVerify: true}, // the mdoc answer is not a real DeviceResponse here
		{name: "D credentials_alternatives: pid and nice_to_have", query: specQuery("credentials_alternatives.json"),
			wallet: []*presentation.Credential{rewards, pid},
			want: map[string][]string{
				"pid":          {"address", "address.street_address", "family_name", "given_name"},
				"nice_to_have": {"rewards_number"},
			}},
		{name: "D credentials_alternatives: other_pid", query: specQuery("credentials_alternatives.json"),
			wallet: []*presentation.Credential{otherPID},
			want:   map[string][]string{"other_pid": {"address", "address.street_address", "family_name", "given_name"}}},
		{name: "D credentials_alternatives: reduced pair", query: specQuery("credentials_alternatives.json"),
			wallet: []*presentation.Credential{reduced, residence},
			want: map[string][]string{
				"pid_reduced_cred_1": {"family_name", "given_name"},
				"pid_reduced_cred_2": {"locality", "postal_code", "region"},
			}},
		{name: "D claims_alternatives: first claim set", query: specQuery("claims_alternatives.json"), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"date_of_birth", "family_name", "locality", "region"}}},
		{name: "D claims_alternatives: second claim set", query: specQuery("claims_alternatives.json"), wallet: []*presentation.Credential{pidNoLocality},
			want: map[string][]string{"pid": {"date_of_birth", "family_name", "postal_code"}}},
		{name: "D value_matching_simple", query: specQuery("value_matching_simple.json"), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"my_credential": {"address", "address.street_address", "family_name", "given_name", "postal_code"}}},
		{name: "object as a whole", query: one(`["address"]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"address", "address.country", "address.house_number", "address.locality", "address.postal_code", "address.region", "address.street_address"}}},
		{name: "two members of a recursive object", query: one(`["address","locality"]`, `,{"path":["address","country"]}`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"address", "address.country", "address.locality"}}},
		{name: "one element of driving_privileges", query: one(`["driving_privileges",1]`), wallet: []*presentation.Credential{pid},
			want:     map[string][]string{"pid": {dp, dp + "[1]", dp + "[1].expiry_date", dp + "[1].issue_date", dp + "[1].vehicle_category_code"}},
			noVerify: true}, // the verifier re-reads index 1 in an array that now has one element
		{name: "one member of one element", query: one(`["driving_privileges",0,"vehicle_category_code"]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {dp, dp + "[0]", dp + "[0].vehicle_category_code"}}},
		{name: "one member of every element", query: one(`["driving_privileges",null,"vehicle_category_code"]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {dp, dp + "[0]", dp + "[0].vehicle_category_code", dp + "[1]", dp + "[1].vehicle_category_code"}}},
		{name: "null: every element", query: one(`["nationalities",null]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"nationalities", "nationalities[0]", "nationalities[1]"}}},
		{name: "null with values: the matching element", query: `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]},"claims":[{"path":["nationalities",null],"values":["DE"]}]}]}`,
			wallet: []*presentation.Credential{pid},
			want:   map[string][]string{"pid": {"nationalities", "nationalities[1]"}}},
		{name: "numeric member name", query: one(`["age_equal_or_over","18"]`), wallet: []*presentation.Credential{pid},
			want: map[string][]string{"pid": {"age_equal_or_over", "age_equal_or_over.18"}}},
		{name: "no claims: only what is always disclosed", query: `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]}}]}`,
			wallet: []*presentation.Credential{pid}, want: map[string][]string{"pid": {}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := dcql.Parse([]byte(tc.query))
			require.NoError(t, err)
			c, err := dcql.Compile(q)
			require.NoError(t, err)
			res, err := c.Evaluate(ctx, seq(tc.wallet...))
			require.NoError(t, err)
			rec := &mdocRecorder{next: w.Presenter()}
			tok, err := res.VPToken(ctx, rec)
			require.NoError(t, err)
			got := map[string][]string{}
			for id, ps := range tok {
				m := res.Selection[id][0]
				if m.Format == vocab.FormatMsoMdoc {
					continue
				}
				require.Len(t, ps, 1)
				got[id] = sdvc.DisclosedPaths(t, m.Credential, ps[0])
			}
			want := map[string][]string{}
			for id, ks := range tc.want {
				want[id] = sorted(ks...)
			}
			require.Empty(t, cmp.Diff(want, got))
			if tc.name == "D multi_credentials" {
				require.Equal(t, [][]vocab.ClaimPath{{cp("org.iso.7367.1", "vehicle_holder"), cp("org.iso.18013.5.1", "given_name")}}, rec.mdoc)
			}
			if tc.noVerify {
				return
			}
			v, err := c.Verify(ctx, tok, dcql.DecoderFunc(w.Decode))
			require.NoError(t, err)
			require.Empty(t, v.Failures)
		})
	}
}

// mdocRecorder answers mso_mdoc queries with a marker (this package has no
// mdoc presenter) and records what it was asked to disclose; every other
// format goes to next.
type mdocRecorder struct {
	next dcql.Presenter
	mdoc [][]vocab.ClaimPath
}

func (r *mdocRecorder) Present(ctx context.Context, f vocab.Format, creds []*presentation.Credential, disclose [][]vocab.ClaimPath) (any, error) {
	if f == vocab.FormatMsoMdoc {
		r.mdoc = append(r.mdoc, disclose...)
		return "mdoc-not-built", nil
	}
	return r.next.Present(ctx, f, creds, disclose)
}

// specExample returns a DCQL query of OpenID4VP 1.0 (1.0/examples/query_lang)
// from testdata/spec.
func specExample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := readSpec(name)
	require.NoError(t, err)
	return b
}

// TestPropertyVPTokenDisclosesExactly: for random credentials with nested
// and recursive disclosures and random sets of requested claims (leaves,
// sometimes a whole object or array), the SD-JWT in the vp_token that
// Evaluate and VPToken build through presentation.RequestPresenter and
// presentation.SDJWTVCPresenter processes to exactly the requested claims, their enclosing
// containers with those containers' plaintext members, and what lies below
// a requested container (sdtest.Expected) — nothing more.
func TestPropertyVPTokenDisclosesExactly(t *testing.T) {
	ctx := context.Background()
	w := sdvc.New(t)
	n := 150
	if testing.Short() {
		n = 30
	}
	const vct = "https://credentials.example.com/random"
	for seed := range uint64(n) {
		g := sdtest.New(seed)
		cs := g.Case()
		held := w.Issue(t, vct, cs.Claims, cs.Disclosable...)
		ptrs := g.Pick(cs.Leaves, 1+g.Rand().IntN(4))
		if len(cs.Inner) > 0 && g.Rand().IntN(4) == 0 {
			ptrs = append(ptrs, g.Pick(cs.Inner, 1)...)
		}
		var claims []map[string]any
		for _, p := range ptrs {
			claims = append(claims, map[string]any{"path": []any(p)})
		}
		qb, err := json.Marshal(map[string]any{"credentials": []any{map[string]any{
			"id": "q", "format": "dc+sd-jwt", "meta": map[string]any{"vct_values": []string{vct}}, "claims": claims,
		}}})
		require.NoError(t, err)
		q, err := dcql.Parse(qb)
		require.NoError(t, err, "seed %d", seed)
		c, err := dcql.Compile(q)
		require.NoError(t, err)
		res, err := c.Evaluate(ctx, seq(held))
		require.NoError(t, err, "seed %d", seed)
		tok, err := res.VPToken(ctx, w.Presenter())
		require.NoError(t, err, "seed %d", seed)
		got := sdvc.PresentedClaims(t, tok["q"][0])
		want := sdtest.Expected(cs.Claims, cs.Disclosable, ptrs)
		require.Empty(t, cmp.Diff(want, got), "seed %d pointers %v", seed, ptrs)
	}
}

func readSpec(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", "spec", "1.0", name))
}
