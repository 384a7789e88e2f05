package sdjwt

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

func TestIssuePresentVerify(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	claims, frame := nestedClaims()
	sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, HolderJWK: env.holderJWK, Decoys: 3})
	require.NoError(t, err)
	require.Len(t, sd.Disclosures, 7)

	// Holder: all disclosures give back the original claims (plus cnf).
	held, err := Parse(sd.String(), Limits{})
	require.NoError(t, err)
	pr, err := held.Process(Limits{})
	require.NoError(t, err)
	want := map[string]any{}
	for k, v := range claims {
		want[k] = v
	}
	want["cnf"] = map[string]any{"jwk": env.holderJWK}
	require.Empty(t, cmp.Diff(want, pr.Claims))
	require.ElementsMatch(t, []vocab.ClaimPath{
		{"given_name"}, {"address"}, {"address", "street_address"}, {"address", "locality"},
		{"nationalities", 0}, {"nationalities", 1}, {"degrees", 0, "university"},
	}, pr.Paths)

	// Present only street_address: address is added automatically.
	pres, err := held.Present(ctx, []vocab.ClaimPath{{"address", "street_address"}}, env.kb())
	require.NoError(t, err)
	res, err := env.verifier(t, KeyBindingRequired).Verify(ctx, pres, testExpect)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"street_address": "123 Main St", "country": "US"}, res.Claims["address"])
	require.NotContains(t, res.Claims, "given_name")
	require.Equal(t, []any{}, res.Claims["nationalities"])
	require.Equal(t, []any{map[string]any{"type": "BSc"}}, res.Claims["degrees"])
	require.Nil(t, res.Claims["nothing"])
	require.Contains(t, res.Claims, "nothing")
	require.Equal(t, map[string]any{}, res.Claims["empty"])
	require.Equal(t, []any{}, res.Claims["none"])
	require.ElementsMatch(t, []vocab.ClaimPath{{"address"}, {"address", "street_address"}}, res.Disclosed)
	require.NotNil(t, res.KeyBinding)
}
