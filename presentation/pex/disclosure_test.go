package pex_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/internal/sdtest"
	"github.com/ocmw/wstack/internal/sdtest/sdvc"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

const vctPIDRecursive = "https://credentials.example.com/identity_credential"

// TestSubmissionDisclosesExactlyRequested builds the vp_token of a
// Presentation Exchange submission for input descriptors with
// limit_disclosure over a recursively disclosable PID-shaped SD-JWT VC and
// asserts the exact disclosures the presentation carries: the fields'
// claims and their enclosing containers, never a sibling (PE 2.1.1
// §5.1.1.1 limit_disclosure); without limit_disclosure every disclosure is
// sent, as before.
func TestSubmissionDisclosesExactlyRequested(t *testing.T) {
	ctx := context.Background()
	w := sdvc.New(t)
	pid := w.PID(t, vctPIDRecursive)
	const dp = "driving_privileges"
	vctField := `{"path":["$.vct"],"filter":{"type":"string","const":"` + vctPIDRecursive + `"}}`
	def := func(limit string, fields ...string) string {
		if limit != "" {
			limit = `"limit_disclosure":"` + limit + `",`
		}
		return `{"id":"pid-request","input_descriptors":[{"id":"pid","format":{"dc+sd-jwt":{}},"constraints":{` + limit +
			`"fields":[` + strings.Join(append([]string{vctField}, fields...), ",") + `]}}]}`
	}
	path := func(p string) string { return `{"path":["` + p + `"]}` }
	tests := []struct {
		name     string
		def      string
		want     []string
		noVerify bool
	}{
		{name: "leaves of a recursive object", def: def("required", path("$.family_name"), path("$.given_name"), path("$.address.street_address")),
			want: []string{"address", "address.street_address", "family_name", "given_name"}},
		{name: "preferred is minimal too", def: def("preferred", path("$.address.locality")),
			want: []string{"address", "address.locality"}},
		{name: "object as a whole", def: def("required", path("$.address")),
			want: []string{"address", "address.country", "address.house_number", "address.locality", "address.postal_code", "address.region", "address.street_address"}},
		{name: "member of one element", def: def("required", path("$.driving_privileges[0].vehicle_category_code")),
			want: []string{dp, dp + "[0]", dp + "[0].vehicle_category_code"}},
		{name: "one element", def: def("required", path("$.driving_privileges[1]")),
			want:     []string{dp, dp + "[1]", dp + "[1].expiry_date", dp + "[1].issue_date", dp + "[1].vehicle_category_code"},
			noVerify: true}, // the verifier re-reads [1] in an array that now has one element
		{name: "wildcard: the first result", def: def("required", path("$.driving_privileges[*].vehicle_category_code")),
			want: []string{dp, dp + "[0]", dp + "[0].vehicle_category_code"}},
		{name: "one array element", def: def("required", `{"path":["$.nationalities[0]"],"filter":{"type":"string","const":"US"}}`),
			want: []string{"nationalities", "nationalities[0]"}},
		{name: "path alternatives: the one that matched", def: def("required", `{"path":["$.birthdate","$.date_of_birth"]}`),
			want: []string{"date_of_birth"}},
		{name: "optional field absent", def: def("required", path("$.given_name"), `{"path":["$.nickname"],"optional":true}`),
			want: []string{"given_name"}},
		{name: "numeric member name", def: def("required", `{"path":["$.age_equal_or_over['18']"]}`),
			want: []string{"age_equal_or_over", "age_equal_or_over.18"}},
		{name: "plaintext fields only", def: def("required"), want: []string{}},
		{name: "two descriptors, one credential: the union", def: `{"id":"two","input_descriptors":[
			{"id":"a","constraints":{"limit_disclosure":"required","fields":[` + vctField + `,` + path("$.address.region") + `]}},
			{"id":"b","constraints":{"limit_disclosure":"required","fields":[` + vctField + `,` + path("$.family_name") + `]}}]}`,
			want: []string{"address", "address.region", "family_name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := pex.ParseDefinition([]byte(tc.def))
			require.NoError(t, err)
			c, err := pex.Compile(d)
			require.NoError(t, err)
			res, err := c.Evaluate(ctx, seq(pid))
			require.NoError(t, err)
			require.True(t, res.Satisfiable)
			tok, sub, err := res.Present(ctx, w.Presenter(), pex.PresentOptions{})
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.want, sdvc.DisclosedPaths(t, pid, tok)))
			if tc.noVerify {
				return
			}
			v, err := c.Verify(ctx, sub, tok, pex.DecoderFuncs{CredentialFunc: w.Decode})
			require.NoError(t, err)
			for _, r := range v.Descriptors {
				require.NoError(t, r.Err, r.ID)
			}
		})
	}

	// Without limit_disclosure the holder may send everything (PE leaves it
	// to the wallet; WithMinimalDisclosure opts into the minimal set).
	all := def("", path("$.given_name"))
	d, err := pex.ParseDefinition([]byte(all))
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		opts []pex.Option
		want int
	}{{"no limit_disclosure", nil, len(pid.Disclosable)}, {"WithMinimalDisclosure", []pex.Option{pex.WithMinimalDisclosure()}, 1}} {
		c, err := pex.Compile(d, tc.opts...)
		require.NoError(t, err)
		res, err := c.Evaluate(ctx, seq(pid))
		require.NoError(t, err)
		tok, _, err := res.Present(ctx, w.Presenter(), pex.PresentOptions{})
		require.NoError(t, err)
		require.Len(t, sdvc.DisclosedPaths(t, pid, tok), tc.want, tc.name)
	}
}

// jsonPath renders a concrete claim path as a PE JSONPath.
func jsonPath(p vocab.ClaimPath) string {
	var b strings.Builder
	b.WriteString("$")
	for _, c := range p {
		switch k := c.(type) {
		case string:
			fmt.Fprintf(&b, "['%s']", k)
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		}
	}
	return b.String()
}

// TestPropertySubmissionDisclosesExactly: for random credentials with
// nested and recursive disclosures and random sets of requested claims
// (leaves, sometimes a whole object or array) asked for as fields under
// limit_disclosure required, the SD-JWT that Present builds processes to
// exactly those claims, their enclosing containers with the containers'
// plaintext members, and what lies below a requested container
// (sdtest.Expected) — nothing more.
func TestPropertySubmissionDisclosesExactly(t *testing.T) {
	ctx := context.Background()
	w := sdvc.New(t)
	n := 100
	if testing.Short() {
		n = 20
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
		fields := []any{map[string]any{"path": []string{"$.vct"}, "filter": map[string]any{"type": "string", "const": vct}}}
		for _, p := range ptrs {
			fields = append(fields, map[string]any{"path": []string{jsonPath(p)}})
		}
		raw, err := json.Marshal(map[string]any{"id": "d", "input_descriptors": []any{map[string]any{
			"id": "q", "constraints": map[string]any{"limit_disclosure": "required", "fields": fields},
		}}})
		require.NoError(t, err)
		d, err := pex.ParseDefinition(raw)
		require.NoError(t, err, "seed %d", seed)
		c, err := pex.Compile(d)
		require.NoError(t, err, "seed %d", seed)
		res, err := c.Evaluate(ctx, seq(held))
		require.NoError(t, err)
		require.True(t, res.Satisfiable, "seed %d %s", seed, raw)
		tok, _, err := res.Present(ctx, w.Presenter(), pex.PresentOptions{})
		require.NoError(t, err, "seed %d", seed)
		got := sdvc.PresentedClaims(t, tok)
		want := sdtest.Expected(cs.Claims, cs.Disclosable, ptrs)
		require.Empty(t, cmp.Diff(want, got), "seed %d pointers %v", seed, ptrs)
	}
}
