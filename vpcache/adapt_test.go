package vpcache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
)

func TestStatusFromPresentation(t *testing.T) {
	cases := []struct {
		name    string
		typ     string
		purpose string
		value   uint8
		want    vpcache.CredentialStatus
	}{
		{"ietf valid", "status_list", "", 0, vpcache.StatusValid},
		{"ietf invalid", "status_list", "", 1, vpcache.StatusRevoked},
		{"ietf suspended", "status_list", "", 2, vpcache.StatusSuspended},
		{"ietf application specific", "status_list", "", 3, vpcache.StatusOther},
		{"bsl unset", "BitstringStatusListEntry", "revocation", 0, vpcache.StatusValid},
		{"bsl revoked", "BitstringStatusListEntry", "revocation", 1, vpcache.StatusRevoked},
		{"bsl suspended", "BitstringStatusListEntry", "suspension", 1, vpcache.StatusSuspended},
		{"bsl message", "BitstringStatusListEntry", "message", 3, vpcache.StatusValid},
		{"bsl refresh", "BitstringStatusListEntry", "refresh", 1, vpcache.StatusValid},
		{"bsl unknown purpose", "BitstringStatusListEntry", "custom", 1, vpcache.StatusOther},
		{"sl2021 revoked", "StatusList2021Entry", "revocation", 1, vpcache.StatusRevoked},
		{"unknown type set", "Other", "", 1, vpcache.StatusOther},
		{"unknown type unset", "Other", "", 0, vpcache.StatusValid},
	}
	for _, c := range cases {
		sc := vocab.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
			return vocab.StatusResult{Value: c.value}, nil
		})
		got, err := vpcache.StatusFromPresentation(sc).Check(context.Background(), vocab.StatusReference{Type: c.typ, Purpose: c.purpose})
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, got, c.name)
	}
	boom := errors.New("list unavailable")
	sc := vocab.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
		return vocab.StatusResult{}, boom
	})
	_, err := vpcache.StatusFromPresentation(sc).Check(context.Background(), vocab.StatusReference{Type: "status_list"})
	require.ErrorIs(t, err, boom)
}

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
