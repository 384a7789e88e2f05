package sdjwt

import (
	"context"
	"testing"

	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

// RFC 9901 §8.2 and §8.3: JWS JSON serializations verify, and sd_hash is
// taken over the rebuilt compact form.
func TestRFC9901_Section8_JSONSerialization(t *testing.T) {
	ctx := context.Background()
	holder := rfcVerifier(t, KeyBindingRequired, 1737118540)
	res, err := holder.VerifyIssued(ctx, readVector(t, "sec8_2_flattened_issued.json"))
	require.NoError(t, err)
	require.Equal(t, "john_doe_42", res.Claims["sub"])
	require.Equal(t, "1940-01-01", res.Claims["birthdate"])

	for _, name := range []string{"sec8_2_flattened_kb.json", "sec8_3_general_kb.json"} {
		t.Run(name, func(t *testing.T) {
			res, err := holder.Verify(ctx, readVector(t, name), Expect{Nonce: "1234567890", Audience: "https://verifier.example.org"})
			require.NoError(t, err)
			require.Equal(t, "Doe", res.Claims["family_name"])
			require.Equal(t, "John", res.Claims["given_name"])
			require.NotContains(t, res.Claims, "birthdate")
		})
	}
}

func TestJSONSerializationRoundTrip(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	claims, frame := nestedClaims()
	sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, HolderJWK: env.holderJWK})
	require.NoError(t, err)
	sel, err := sd.Select(Limits{}, vocab.ClaimPath{"given_name"}, vocab.ClaimPath{"nationalities", 1})
	require.NoError(t, err)
	withKB, err := sel.AddKeyBinding(ctx, *env.kb())
	require.NoError(t, err)
	v := env.verifier(t, KeyBindingRequired)
	for name, enc := range map[string]func() ([]byte, error){"flattened": withKB.FlattenedJSON, "general": withKB.GeneralJSON} {
		t.Run(name, func(t *testing.T) {
			b, err := enc()
			require.NoError(t, err)
			res, err := v.Verify(ctx, string(b), testExpect)
			require.NoError(t, err)
			require.Equal(t, "John", res.Claims["given_name"])
			require.Equal(t, []any{"DE"}, res.Claims["nationalities"])
			back, err := Parse(string(b), Limits{})
			require.NoError(t, err)
			require.Equal(t, withKB.String(), back.String())
		})
	}
}
