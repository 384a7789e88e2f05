package sdjwt

import (
	"context"
	"encoding/base64"
	"maps"
	"strings"
	"testing"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/internal/sdtest"
	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

// checkIssuedEncoding: Issue writes the payload and every disclosure in one
// pass; the bytes must be exactly what appendJSON writes for their decoded
// values (members sorted, "_sd" in its sorted place, no spacing), and each
// Disclosure's Value must encode as the value it carries.
func checkIssuedEncoding(t *testing.T, sd *SDJWT, label string) {
	t.Helper()
	canon := func(b []byte) {
		t.Helper()
		v, err := jsonx.Decode(b, jsonx.Limits{})
		require.NoError(t, err, label)
		want, err := appendJSON(nil, v)
		require.NoError(t, err, label)
		require.Equal(t, string(want), string(b), label)
	}
	parts := strings.Split(sd.JWT, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	canon(payload)
	for _, d := range sd.Disclosures {
		b, err := base64.RawURLEncoding.DecodeString(d.Raw)
		require.NoError(t, err)
		canon(b)
		pd, err := ParseDisclosure(d.Raw, Limits{})
		require.NoError(t, err, label)
		require.Equal(t, pd.Salt, d.Salt, label)
		require.Equal(t, pd.Name, d.Name, label)
		require.Equal(t, pd.IsArrayElement, d.IsArrayElement, label)
		got, err := appendJSON(nil, d.Value)
		require.NoError(t, err)
		want, err := appendJSON(nil, pd.Value)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), label)
	}
}

func TestIssueEncodingCanonical(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	// Member names on both sides of "_sd" in byte order, at the top level
	// and nested, with and without plaintext members before and after it.
	claims := map[string]any{
		"A": "upper", "_a": 1.0, "_z": true, "a": nil, "z": []any{"x", map[string]any{"B": 1.0, "b": 2.0}, []any{3.0}},
		"only": map[string]any{"k": "v"},
		"obj":  map[string]any{"A": 1.0, "_t": 2.0, "m": map[string]any{"q": "r"}},
	}
	paths := [][]vocab.ClaimPath{
		{{"A"}},
		{{"a"}},
		{{"_a"}, {"_z"}},
		{{"A"}, {"_a"}, {"_z"}, {"a"}, {"z"}, {"only"}, {"obj"}},
		{{"only", "k"}, {"obj", "A"}, {"obj", "m", "q"}},
		{{"obj", "_t"}, {"obj"}, {"z", 1, "b"}, {"z", nil}, {"z", 2, 0}},
		{{"z", 0}, {"z", 1}, {"z", 1, "B"}},
	}
	for decoys := range 4 {
		for i, p := range paths {
			for _, bind := range []bool{false, true} {
				o := IssueOptions{Typ: "example+sd-jwt", Disclosable: p, Decoys: decoys}
				if bind {
					o.HolderJWK = env.holderJWK
				}
				sd, err := Issue(ctx, env.issuer, claims, o)
				require.NoError(t, err)
				checkIssuedEncoding(t, sd, "case "+string(rune('0'+i)))
				full, err := sd.Process(Limits{})
				require.NoError(t, err)
				require.Equal(t, claims, withoutCNF(full.Claims))
			}
		}
	}
	base := map[string]any{"iss": "https://issuer.example.com", "iat": float64(1_700_000_000)}
	for seed := range uint64(100) {
		g := sdtest.New(seed)
		c := g.Case()
		cl := maps.Clone(c.Claims)
		maps.Copy(cl, base)
		sd, err := Issue(ctx, env.issuer, cl, IssueOptions{Typ: "example+sd-jwt", Disclosable: c.Disclosable, Decoys: g.Rand().IntN(4), HolderJWK: env.holderJWK})
		require.NoError(t, err, "seed %d", seed)
		checkIssuedEncoding(t, sd, "seed")
	}
}
