package vpcache_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
)

func TestValidateDID(t *testing.T) {
	good := []string{
		"did:web:example.com",
		"did:web:example.com%3A8443",
		"did:web:example.com:user:alice",
		"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
		"did:example:123456789abcdefghi",
		"did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IjEyMyJ9",
		"did:a1:b",
	}
	for _, d := range good {
		require.NoError(t, vpcache.ValidateDID(d), d)
	}
	bad := map[string]string{
		"empty":             "",
		"no prefix":         "web:example.com",
		"upper prefix":      "DID:web:example.com",
		"no method":         "did::x",
		"no msid":           "did:web",
		"empty msid":        "did:web:",
		"trailing colon":    "did:web:example.com:",
		"upper method":      "did:Web:example.com",
		"path":              "did:web:example.com/path",
		"query":             "did:web:example.com?x=1",
		"fragment":          "did:web:example.com#key-1",
		"space":             "did:web:exa mple.com",
		"bad pct":           "did:web:example.com%3",
		"bad pct hex":       "did:web:example.com%zz",
		"wildcard":          "did:web:*",
		"sql":               "did:web:x'; DROP TABLE edc_vp_cache; --",
		"newline":           "did:web:example.com\n",
		"nul":               "did:web:a\x00b",
		"unicode":           "did:web:exämple.com",
		"too long":          "did:web:" + strings.Repeat("a", vpcache.MaxDIDLen),
		"method underscore": "did:my_method:x",
	}
	for name, d := range bad {
		require.ErrorIs(t, vpcache.ValidateDID(d), vpcache.ErrInvalidKey, name)
	}
}

func TestNewKey(t *testing.T) {
	k1, err := vpcache.NewKey("pc", "did:web:a.example", []string{"b", "a", "b"})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, k1.Scopes)
	k2, err := vpcache.NewKey("pc", "did:web:a.example", []string{"a", "b"})
	require.NoError(t, err)
	require.True(t, k1.Equal(k2))
	require.Equal(t, k1.ScopesHash(), k2.ScopesHash())

	kNil, err := vpcache.NewKey("pc", "did:web:a.example", nil)
	require.NoError(t, err)
	kEmpty, err := vpcache.NewKey("pc", "did:web:a.example", []string{})
	require.NoError(t, err)
	require.True(t, kNil.Equal(kEmpty))
	// SHA-256 of the empty string.
	require.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", kNil.ScopesHash())

	// The separator cannot be smuggled into a scope, so ["a\x1fb"] and
	// ["a","b"] cannot collide.
	_, err = vpcache.NewKey("pc", "did:web:a.example", []string{"a\x1fb"})
	require.ErrorIs(t, err, vpcache.ErrInvalidKey)

	bad := []struct {
		name, pc, did string
		scopes        []string
	}{
		{"empty pc", "", "did:web:a.example", nil},
		{"empty did", "pc", "", nil},
		{"empty scope", "pc", "did:web:a.example", []string{""}},
		{"control in pc", "p\nc", "did:web:a.example", nil},
		{"invalid utf8 scope", "pc", "did:web:a.example", []string{"\xff"}},
		{"long pc", strings.Repeat("p", vpcache.MaxParticipantContextIDLen+1), "did:web:a.example", nil},
		{"long scope", "pc", "did:web:a.example", []string{strings.Repeat("s", vpcache.MaxScopeLen+1)}},
		{"too many scopes", "pc", "did:web:a.example", manyScopes(vpcache.MaxScopes + 1)},
	}
	for _, c := range bad {
		_, err := vpcache.NewKey(c.pc, c.did, c.scopes)
		require.ErrorIs(t, err, vpcache.ErrInvalidKey, c.name)
	}
	_, err = vpcache.NewKey("pc", "did:web:a.example", manyScopes(vpcache.MaxScopes))
	require.NoError(t, err)
	require.NotContains(t, k1.String(), "a,b", "String shows the hash, not the scopes")
}

func manyScopes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strings.Repeat("x", i+1)
	}
	return out
}
