package vpcache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vpcache"
)

func TestTrustFromPolicy(t *testing.T) {
	tp := presentation.TrustPolicyFunc(func(_ context.Context, c *presentation.Credential) error {
		if c.Issuer == "did:web:issuer.example" {
			return nil
		}
		return errors.New("untrusted")
	})
	ok, err := vpcache.TrustFromPolicy(tp).Trusted(context.Background(), "pc", &presentation.Credential{Issuer: "did:web:issuer.example"})
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = vpcache.TrustFromPolicy(tp).Trusted(context.Background(), "pc", &presentation.Credential{Issuer: "did:web:rogue.example"})
	require.Error(t, err)
	require.False(t, ok)
}

func TestVerifiedFrom(t *testing.T) {
	exp := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	p := &presentation.Presentation{Holder: "did:web:h.example", Credentials: []*presentation.Credential{{Issuer: "a"}, nil, {Issuer: "b"}}}
	v := vpcache.VerifiedFrom(p, exp)
	require.Equal(t, "did:web:h.example", v.Holder)
	require.Equal(t, exp, v.Expiry)
	require.Len(t, v.Credentials, 2)
	require.Equal(t, "b", v.Credentials[1].Issuer)
}
