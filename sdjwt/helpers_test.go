package sdjwt

import (
	"context"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

type testEnv struct {
	issuer, holder *jose.KeySigner
	holderJWK      map[string]any
	now            time.Time
}

func newEnv(t testing.TB) *testEnv {
	t.Helper()
	ctx := context.Background()
	e, err := local.New(local.Options{})
	require.NoError(t, err)
	mk := func(id string) *jose.KeySigner {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "test"}, ID: id}
		_, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		require.NoError(t, err)
		s, err := jose.NewKeySigner(ctx, e, ref, "")
		require.NoError(t, err)
		return s
	}
	env := &testEnv{issuer: mk("issuer"), holder: mk("holder"), now: time.Unix(1_800_000_000, 0)}
	jwk, err := crypto.PublicJWK(env.holder.Public())
	require.NoError(t, err)
	env.holderJWK = jwk
	return env
}

func (env *testEnv) verifier(t testing.TB, policy KeyBindingPolicy) *Verifier {
	t.Helper()
	v, err := NewVerifier(Config{
		Algorithms: []crypto.Algorithm{crypto.ES256},
		Typ:        []string{"example+sd-jwt"},
		Key:        env.issuer.Public(),
		KeyBinding: policy,
		Now:        func() time.Time { return env.now },
	})
	require.NoError(t, err)
	return v
}

func (env *testEnv) kb() *KeyBinding {
	return &KeyBinding{Signer: env.holder, Audience: "https://verifier.example.org", Nonce: "n-0S6_WzA2Mj", Now: func() time.Time { return env.now }}
}

var testExpect = Expect{Audience: "https://verifier.example.org", Nonce: "n-0S6_WzA2Mj"}

// nestedClaims is a claims set with nested objects and arrays used across
// tests, with its frame.
func nestedClaims() (map[string]any, []vocab.ClaimPath) {
	claims := map[string]any{
		"iss":        "https://issuer.example.com",
		"iat":        float64(1_700_000_000),
		"exp":        float64(1_900_000_000),
		"sub":        "user_42",
		"given_name": "John",
		"address": map[string]any{
			"street_address": "123 Main St",
			"locality":       "Anytown",
			"country":        "US",
		},
		"nationalities": []any{"US", "DE"},
		"degrees": []any{
			map[string]any{"type": "BSc", "university": "X"},
		},
		"nothing": nil,
		"empty":   map[string]any{},
		"none":    []any{},
	}
	frame := []vocab.ClaimPath{
		{"given_name"},
		{"address"},                   // recursive: address and ...
		{"address", "street_address"}, // ... its members
		{"address", "locality"},
		{"nationalities", nil},       // every element
		{"degrees", 0, "university"}, // _sd inside an object inside an array
	}
	return claims, frame
}
