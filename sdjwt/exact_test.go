package sdjwt

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/internal/sdtest"
	"github.com/ocmw/wstack/vocab"
)

// pidShaped is a PID-like claims set issued with recursive disclosures
// (RFC 9901 §4.2.6): address is disclosable and so is each of its members;
// array elements and their members are disclosable; place_of_birth is
// disclosable with plaintext members; degrees has elements of different
// shapes.
func pidShaped() (map[string]any, []vocab.ClaimPath) {
	claims := map[string]any{
		"iss":         "https://issuer.example.com",
		"iat":         float64(1_700_000_000),
		"exp":         float64(1_900_000_000),
		"given_name":  "Erika",
		"family_name": "Mustermann",
		"birthdate":   "1964-08-12",
		"address": map[string]any{
			"street_address": "Heidestraße 17",
			"house_number":   "17",
			"locality":       "Köln",
			"postal_code":    "51147",
			"region":         "NRW",
			"country":        "DE",
		},
		"nationalities": []any{"DE", "FR"},
		"driving_privileges": []any{
			map[string]any{"vehicle_category_code": "A", "issue_date": "2018-08-09", "expiry_date": "2028-09-01"},
			map[string]any{"vehicle_category_code": "B", "issue_date": "2017-02-23", "expiry_date": "2028-09-01"},
		},
		"age_equal_or_over": map[string]any{"18": true, "21": true},
		"place_of_birth":    map[string]any{"locality": "Berlin", "country": "DE"},
		"degrees": []any{
			map[string]any{"type": "BSc", "honours": true},
			map[string]any{"type": "MSc"},
		},
	}
	frame := []vocab.ClaimPath{
		{"given_name"}, {"family_name"}, {"birthdate"},
		{"address"},
		{"address", "street_address"}, {"address", "house_number"}, {"address", "locality"},
		{"address", "postal_code"}, {"address", "region"}, {"address", "country"},
		{"nationalities"}, {"nationalities", nil},
		{"driving_privileges"}, {"driving_privileges", nil},
		{"driving_privileges", nil, "vehicle_category_code"}, {"driving_privileges", nil, "issue_date"},
		{"driving_privileges", nil, "expiry_date"},
		{"age_equal_or_over"}, {"age_equal_or_over", "18"}, {"age_equal_or_over", "21"},
		{"place_of_birth"},
		{"degrees", nil}, {"degrees", nil, "type"}, {"degrees", 0, "honours"},
	}
	return claims, frame
}

// heldKeys names the disclosures of pres by where they sit in the SD-JWT as
// held (so array indices do not shift), sorted.
func heldKeys(t *testing.T, held *SDJWT, full *Processed, pres *SDJWT) []string {
	t.Helper()
	at := make(map[string]vocab.ClaimPath, len(held.Disclosures))
	for i, d := range held.Disclosures {
		at[d.Raw] = full.Paths[i]
	}
	out := []string{}
	for _, d := range pres.Disclosures {
		p, ok := at[d.Raw]
		require.True(t, ok, "presented disclosure not in the held SD-JWT")
		out = append(out, sdtest.Key(p))
	}
	slices.Sort(out)
	return out
}

func sortedKeys(ks ...string) []string {
	out := append([]string{}, ks...)
	slices.Sort(out)
	return out
}

// TestSelectPointerRule pins how Select reads claims path pointers: a leaf
// releases itself and its enclosing disclosures, never a sibling; an
// element releases that element; null releases every element that has the
// rest of the path; an object or array as a whole releases everything
// below it. Decoys are present in every container.
func TestSelectPointerRule(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	claims, frame := pidShaped()
	sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, Decoys: 3, HolderJWK: env.holderJWK})
	require.NoError(t, err)
	full, err := sd.Process(Limits{})
	require.NoError(t, err)
	v := env.verifier(t, KeyBindingRequired)
	dp := "driving_privileges"
	tests := []struct {
		name     string
		pointers []vocab.ClaimPath
		want     []string
		check    func(t *testing.T, c map[string]any)
	}{
		{"leaf in recursive object", []vocab.ClaimPath{{"address", "street_address"}},
			[]string{"address", "address.street_address"},
			func(t *testing.T, c map[string]any) {
				require.Equal(t, map[string]any{"street_address": "Heidestraße 17"}, c["address"])
			}},
		{"two leaves of one object", []vocab.ClaimPath{{"address", "locality"}, {"address", "postal_code"}},
			[]string{"address", "address.locality", "address.postal_code"}, nil},
		{"object as a whole", []vocab.ClaimPath{{"address"}},
			[]string{"address", "address.country", "address.house_number", "address.locality", "address.postal_code", "address.region", "address.street_address"},
			func(t *testing.T, c map[string]any) { require.Equal(t, claims["address"], c["address"]) }},
		{"one array element", []vocab.ClaimPath{{"nationalities", 1}},
			[]string{"nationalities", "nationalities[1]"},
			func(t *testing.T, c map[string]any) { require.Equal(t, []any{"FR"}, c["nationalities"]) }},
		{"null: every element", []vocab.ClaimPath{{"nationalities", nil}},
			[]string{"nationalities", "nationalities[0]", "nationalities[1]"}, nil},
		{"member of one element", []vocab.ClaimPath{{dp, 0, "vehicle_category_code"}},
			[]string{dp, dp + "[0]", dp + "[0].vehicle_category_code"},
			func(t *testing.T, c map[string]any) {
				require.Equal(t, []any{map[string]any{"vehicle_category_code": "A"}}, c[dp])
			}},
		{"member of every element", []vocab.ClaimPath{{dp, nil, "vehicle_category_code"}},
			[]string{dp, dp + "[0]", dp + "[0].vehicle_category_code", dp + "[1]", dp + "[1].vehicle_category_code"}, nil},
		{"element as a whole", []vocab.ClaimPath{{dp, 1}},
			[]string{dp, dp + "[1]", dp + "[1].expiry_date", dp + "[1].issue_date", dp + "[1].vehicle_category_code"}, nil},
		{"null skips elements without the member", []vocab.ClaimPath{{"degrees", nil, "honours"}},
			[]string{"degrees[0]", "degrees[0].honours"},
			func(t *testing.T, c map[string]any) {
				require.Equal(t, []any{map[string]any{"honours": true}}, c["degrees"])
			}},
		{"plaintext member of a disclosable object", []vocab.ClaimPath{{"place_of_birth", "locality"}},
			[]string{"place_of_birth"},
			func(t *testing.T, c map[string]any) { require.Equal(t, claims["place_of_birth"], c["place_of_birth"]) }},
		{"numeric member name", []vocab.ClaimPath{{"age_equal_or_over", "18"}},
			[]string{"age_equal_or_over", "age_equal_or_over.18"},
			func(t *testing.T, c map[string]any) {
				require.Equal(t, map[string]any{"18": true}, c["age_equal_or_over"])
			}},
		{"plaintext claim", []vocab.ClaimPath{{"iss"}}, []string{}, nil},
		{"index from JSON", []vocab.ClaimPath{{"nationalities", float64(0)}}, []string{"nationalities", "nationalities[0]"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := sd.Select(Limits{}, tc.pointers...)
			require.NoError(t, err)
			require.Equal(t, sortedKeys(tc.want...), heldKeys(t, sd, full, sel))
			// DisclosuresFor names the same set, and presenting it exactly
			// gives the same presentation.
			set, err := full.DisclosuresFor(tc.pointers...)
			require.NoError(t, err)
			require.Equal(t, sortedKeys(tc.want...), sdtest.Keys(set))
			exact, err := sd.SelectDisclosures(Limits{}, set...)
			require.NoError(t, err)
			require.Equal(t, sel.String(), exact.String())
			pres, err := sd.Present(ctx, tc.pointers, env.kb())
			require.NoError(t, err)
			res, err := v.Verify(ctx, pres, testExpect)
			require.NoError(t, err)
			want := sdtest.Expected(claims, full.Paths, tc.pointers)
			require.Empty(t, cmp.Diff(want, withoutCNF(res.Claims)))
			if tc.check != nil {
				tc.check(t, res.Claims)
			}
		})
	}
	_, err = sd.Select(Limits{}, vocab.ClaimPath{"degrees", nil, "missing"})
	require.ErrorIs(t, err, ErrPathNotFound)
}

// TestSelectDisclosuresExact: SelectDisclosures and PresentDisclosures
// release exactly the listed disclosures and the ones enclosing them; the
// path of a disclosable object releases that object alone, not its
// members.
func TestSelectDisclosuresExact(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	claims, frame := pidShaped()
	sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, Decoys: 2, HolderJWK: env.holderJWK})
	require.NoError(t, err)
	full, err := sd.Process(Limits{})
	require.NoError(t, err)
	v := env.verifier(t, KeyBindingRequired)
	dp := "driving_privileges"
	tests := []struct {
		name  string
		set   []vocab.ClaimPath
		want  []string
		check func(t *testing.T, c map[string]any)
	}{
		{"container alone", []vocab.ClaimPath{{"address"}}, []string{"address"},
			func(t *testing.T, c map[string]any) { require.Equal(t, map[string]any{}, c["address"]) }},
		{"container and one member", []vocab.ClaimPath{{"address"}, {"address", "street_address"}},
			[]string{"address", "address.street_address"},
			func(t *testing.T, c map[string]any) {
				require.Equal(t, map[string]any{"street_address": "Heidestraße 17"}, c["address"])
			}},
		{"member alone: container added", []vocab.ClaimPath{{"address", "locality"}},
			[]string{"address", "address.locality"}, nil},
		{"array element member", []vocab.ClaimPath{{dp, 1, "vehicle_category_code"}},
			[]string{dp, dp + "[1]", dp + "[1].vehicle_category_code"},
			func(t *testing.T, c map[string]any) {
				require.Equal(t, []any{map[string]any{"vehicle_category_code": "B"}}, c[dp])
			}},
		{"array container alone", []vocab.ClaimPath{{"nationalities"}}, []string{"nationalities"},
			func(t *testing.T, c map[string]any) { require.Equal(t, []any{}, c["nationalities"]) }},
		{"index from JSON", []vocab.ClaimPath{{"nationalities", float64(1)}}, []string{"nationalities", "nationalities[1]"}, nil},
		{"nothing", nil, []string{},
			func(t *testing.T, c map[string]any) {
				require.Equal(t, []string{"cnf", "degrees", "exp", "iat", "iss"}, slices.Sorted(maps.Keys(c)))
				require.Equal(t, []any{}, c["degrees"]) // plaintext array of disclosable elements
			}},
		{"duplicates", []vocab.ClaimPath{{"given_name"}, {"given_name"}}, []string{"given_name"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := sd.SelectDisclosures(Limits{}, tc.set...)
			require.NoError(t, err)
			require.Equal(t, sortedKeys(tc.want...), heldKeys(t, sd, full, sel))
			sel2, err := full.SelectDisclosures(sd, tc.set...)
			require.NoError(t, err)
			require.Equal(t, sel.String(), sel2.String())
			pres, err := sd.PresentDisclosures(ctx, tc.set, env.kb())
			require.NoError(t, err)
			res, err := v.Verify(ctx, pres, testExpect)
			require.NoError(t, err)
			if tc.check != nil {
				tc.check(t, res.Claims)
			}
		})
	}
	bad := []struct {
		name string
		path vocab.ClaimPath
	}{
		{"unknown member", vocab.ClaimPath{"address", "floor"}},
		{"null component", vocab.ClaimPath{"nationalities", nil}},
		{"plaintext claim", vocab.ClaimPath{"iss"}},
		{"plaintext member of a disclosable object", vocab.ClaimPath{"place_of_birth", "locality"}},
		{"index out of range", vocab.ClaimPath{"nationalities", 2}},
		{"non-integral index", vocab.ClaimPath{"nationalities", 0.5}},
		{"prefix of nothing", vocab.ClaimPath{"degrees"}},
		{"empty", vocab.ClaimPath{}},
		{"wrong component type", vocab.ClaimPath{"nationalities", "0"}},
	}
	for _, tc := range bad {
		t.Run("reject "+tc.name, func(t *testing.T) {
			_, err := sd.SelectDisclosures(Limits{}, tc.path)
			require.ErrorIs(t, err, ErrNotDisclosure)
			_, err = sd.PresentDisclosures(ctx, []vocab.ClaimPath{tc.path}, env.kb())
			require.ErrorIs(t, err, ErrNotDisclosure)
		})
	}
	other, err := Issue(ctx, env.issuer, map[string]any{"a": "b"}, IssueOptions{Typ: "example+sd-jwt", Disclosable: []vocab.ClaimPath{{"a"}}})
	require.NoError(t, err)
	_, err = full.SelectDisclosures(other)
	require.ErrorIs(t, err, ErrOptions)
	withKB, err := Parse(must(sd.PresentDisclosures(ctx, nil, env.kb())), Limits{})
	require.NoError(t, err)
	_, err = withKB.PresentDisclosures(ctx, nil, nil)
	require.ErrorIs(t, err, ErrUnexpectedKeyBinding)
}

// withoutCNF drops the cnf claim Issue adds for the holder key.
func withoutCNF(c map[string]any) map[string]any {
	out := maps.Clone(c)
	delete(out, "cnf")
	return out
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

// TestPropertyPresentedClaimsExact: for random claims sets with nested and
// recursive disclosures (and decoys), and random sets of requested claims
// path pointers (mostly leaves, sometimes whole objects or arrays, some
// with null components), the presented SD-JWT's processed claims are
// exactly the requested nodes, their enclosing containers with those
// containers' plaintext members, and what lies below a requested
// container — computed independently by sdtest.Expected. Both Select with
// the pointers and PresentDisclosures with DisclosuresFor's set are
// checked.
func TestPropertyPresentedClaimsExact(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	v := env.verifier(t, KeyBindingRequired)
	base := map[string]any{"iss": "https://issuer.example.com", "iat": float64(1_700_000_000), "exp": float64(1_900_000_000)}
	n := 300
	if testing.Short() {
		n = 60
	}
	for seed := range uint64(n) {
		g := sdtest.New(seed)
		c := g.Case()
		claims := maps.Clone(c.Claims)
		maps.Copy(claims, base)
		sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: c.Disclosable, Decoys: g.Rand().IntN(3), HolderJWK: env.holderJWK})
		require.NoError(t, err, "seed %d", seed)
		full, err := sd.Process(Limits{})
		require.NoError(t, err)
		require.Empty(t, cmp.Diff(claims, withoutCNF(full.Claims)), "seed %d: holder view", seed)
		for range 4 {
			ptrs := g.Pick(c.Leaves, 1+g.Rand().IntN(4))
			if len(c.Inner) > 0 && g.Rand().IntN(4) == 0 {
				ptrs = append(ptrs, g.Pick(c.Inner, 1)...)
			}
			for i := range ptrs {
				ptrs[i] = g.WithNulls(ptrs[i], 0.2)
			}
			want := sdtest.Expected(claims, c.Disclosable, ptrs)

			pres, err := sd.Present(ctx, ptrs, env.kb())
			require.NoError(t, err, "seed %d %v", seed, ptrs)
			res, err := v.Verify(ctx, pres, testExpect)
			require.NoError(t, err, "seed %d %v", seed, ptrs)
			require.Empty(t, cmp.Diff(want, withoutCNF(res.Claims)), "seed %d pointers %v", seed, ptrs)

			set, err := full.DisclosuresFor(ptrs...)
			require.NoError(t, err)
			pres2, err := sd.PresentDisclosures(ctx, set, env.kb())
			require.NoError(t, err)
			res2, err := v.Verify(ctx, pres2, testExpect)
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(want, withoutCNF(res2.Claims)), "seed %d set %v", seed, set)
		}
	}
}
