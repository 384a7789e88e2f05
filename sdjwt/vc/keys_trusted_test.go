package vc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/sdjwt"
)

func TestIssuerKeyTrusted(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "key-1")
	impostor := newKeySigner(t, "key-1")
	holder := newKeySigner(t, "")
	trusted := jose.NewTrustedKeys()
	require.NoError(t, trusted.AddJWK("https://issuer.example", func() map[string]any { m := issuer.jwk(t); m["kid"] = "key-1"; return m }()))
	// Metadata would be the next mechanism; the fetcher is absent so a
	// fallthrough would fail differently (no configured mechanism).
	v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver: &IssuerKeyResolver{Trusted: trusted}, Now: func() time.Time { return now }}})
	require.NoError(t, err)
	issue := func(s *keySigner, iss string) string {
		claims := baseClaims(iss)
		delete(claims, "status")
		sd, err := Issue(ctx, s, claims, sdjwt.IssueOptions{Disclosable: basePaths, HolderJWK: holder.jwk(t)})
		require.NoError(t, err)
		return sd.String()
	}
	_, err = v.VerifyIssued(ctx, issue(issuer, "https://issuer.example"))
	require.NoError(t, err)

	_, err = v.VerifyIssued(ctx, issue(impostor, "https://issuer.example"))
	require.Error(t, err, "a key with the configured kid but another value verified")

	_, err = v.VerifyIssued(ctx, issue(issuer, "https://other.example"))
	require.True(t, errors.Is(err, ErrIssuerKey), "unconfigured issuer: %v", err)
}

// The legacy typ is issued only on request, and verified only where the
// verifier allows it.
func TestIssueLegacyTyp(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "k")
	_, err := Issue(ctx, issuer, baseClaims("https://i"), sdjwt.IssueOptions{Typ: LegacyTyp})
	require.ErrorIs(t, err, sdjwt.ErrOptions)
	sd, err := Issue(ctx, issuer, baseClaims("https://i"), sdjwt.IssueOptions{Typ: LegacyTyp, Disclosable: basePaths}, WithLegacyTyp())
	require.NoError(t, err)
	_, err = fixedKeyVerifier(t, &issuer.k.PublicKey, true).Verify(ctx, sd.String(), sdjwt.Expect{})
	require.NoError(t, err)
	_, err = fixedKeyVerifier(t, &issuer.k.PublicKey, false).Verify(ctx, sd.String(), sdjwt.Expect{})
	require.Error(t, err)
}

// TestIssuerKeyIss: ResolveKey reads iss from the payload's own top level
// only, exactly (claim names are case-sensitive), and refuses a
// non-string or a malformed payload.
func TestIssuerKeyIss(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "key-1")
	trusted := jose.NewTrustedKeys()
	require.NoError(t, trusted.AddJWK("https://issuer.example", func() map[string]any { m := issuer.jwk(t); m["kid"] = "key-1"; return m }()))
	r := &IssuerKeyResolver{Trusted: trusted}
	jws := func(payload string) *jose.JWS {
		return &jose.JWS{Header: jose.Header{Alg: crypto.ES256, Kid: "key-1"}, Payload: []byte(payload)}
	}
	_, err := r.ResolveKey(ctx, jws(`{"iss":"https://issuer.example","vct":"x"}`))
	require.NoError(t, err)
	_, err = r.ResolveKey(ctx, jws(`{"vct":"x","iss":"https:\/\/issuer.example"}`))
	require.NoError(t, err, "escaped iss")
	for _, p := range []string{
		`{"ISS":"https://issuer.example"}`,
		`{"nested":{"iss":"https://issuer.example"}}`,
		`{"iss":null}`,
	} {
		_, err := r.ResolveKey(ctx, jws(p))
		require.ErrorIs(t, err, ErrIssuerKey, p)
		require.ErrorContains(t, err, "no configured mechanism", p)
	}
	for _, p := range []string{`{"iss":5}`, `{"iss":["https://issuer.example"]}`, `{"iss":"a"`, `["iss"]`, `{"iss":"a","iss":"b"}`} {
		_, err := r.ResolveKey(ctx, jws(p))
		require.ErrorIs(t, err, ErrIssuerKey, p)
		require.ErrorContains(t, err, "iss:", p)
	}
}
