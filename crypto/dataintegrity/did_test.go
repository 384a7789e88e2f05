package dataintegrity_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	wcrypto "github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
)

// TestDIDKeyResolver checks that crypto/did's KeyResolver satisfies
// VerificationMethodResolver and that did:key verification methods verify
// for both proof purposes.
func TestDIDKeyResolver(t *testing.T) {
	ctx := context.Background()
	reg, err := did.NewRegistry(did.KeyMethod{})
	require.NoError(t, err)
	var resolver dataintegrity.VerificationMethodResolver = did.NewKeyResolver(reg, did.KeyResolverOptions{})
	p, err := dataintegrity.New(dataintegrity.Config{Resolver: resolver})
	require.NoError(t, err)
	for _, kt := range []wcrypto.KeyType{wcrypto.KeyTypeEd25519, wcrypto.KeyTypeECP256, wcrypto.KeyTypeECP384} {
		eng, err := local.New(local.Options{})
		require.NoError(t, err)
		ref := wcrypto.KeyRef{Context: wcrypto.Context{Namespace: "t"}, ID: "k"}
		k, err := eng.GenerateKey(ctx, ref, wcrypto.KeySpec{Type: kt})
		require.NoError(t, err)
		issuer, kid, err := did.NewKeyDID(k.Public)
		require.NoError(t, err)
		signer, err := dataintegrity.NewKeySigner(ctx, eng, ref, kid)
		require.NoError(t, err)
		suite := dataintegrity.EdDSARDFC2022
		if kt != wcrypto.KeyTypeEd25519 {
			suite = dataintegrity.ECDSARDFC2019
		}
		vc := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"` + issuer + `","credentialSubject":{"id":"did:example:holder"}}`)
		secured, err := p.Sign(ctx, vc, signer, dataintegrity.ProofOptions{Suite: suite})
		require.NoError(t, err)
		_, err = p.Verify(ctx, secured, dataintegrity.VerifyOptions{Suites: []dataintegrity.Suite{suite}})
		require.NoError(t, err)
		vp := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"` + issuer + `"}`)
		secured, err = p.Sign(ctx, vp, signer, dataintegrity.ProofOptions{Suite: suite, Purpose: dataintegrity.PurposeAuthentication, Challenge: "c1", Domain: "https://rp.example"})
		require.NoError(t, err)
		_, err = p.Verify(ctx, secured, dataintegrity.VerifyOptions{Suites: []dataintegrity.Suite{suite}, Purpose: dataintegrity.PurposeAuthentication, Challenge: "c1", Domain: "https://rp.example"})
		require.NoError(t, err)
	}
}

// TestDIDNotAuthorized: a verification method that crypto/did resolves but
// does not authorise for assertionMethod (a did:jwk with use "enc") fails
// with dataintegrity.ErrNotAuthorized as well as did.ErrNotAuthorized.
func TestDIDNotAuthorized(t *testing.T) {
	ctx := context.Background()
	reg, err := did.NewRegistry(did.JWKMethod{})
	require.NoError(t, err)
	p, err := dataintegrity.New(dataintegrity.Config{Resolver: did.NewKeyResolver(reg, did.KeyResolverOptions{})})
	require.NoError(t, err)
	eng, err := local.New(local.Options{})
	require.NoError(t, err)
	ref := wcrypto.KeyRef{Context: wcrypto.Context{Namespace: "t"}, ID: "k"}
	k, err := eng.GenerateKey(ctx, ref, wcrypto.KeySpec{Type: wcrypto.KeyTypeECP256})
	require.NoError(t, err)
	jwk, err := wcrypto.PublicJWK(k.Public)
	require.NoError(t, err)
	jwk["use"] = "enc"
	raw, err := json.Marshal(jwk)
	require.NoError(t, err)
	issuer := "did:jwk:" + base64.RawURLEncoding.EncodeToString(raw)
	signer, err := dataintegrity.NewKeySigner(ctx, eng, ref, issuer+"#0")
	require.NoError(t, err)
	vc := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"` + issuer + `","credentialSubject":{"id":"did:example:holder"}}`)
	secured, err := p.Sign(ctx, vc, signer, dataintegrity.ProofOptions{Suite: dataintegrity.ECDSARDFC2019})
	require.NoError(t, err)
	_, err = p.Verify(ctx, secured, dataintegrity.VerifyOptions{Suites: []dataintegrity.Suite{dataintegrity.ECDSARDFC2019}})
	require.ErrorIs(t, err, dataintegrity.ErrNotAuthorized)
	require.ErrorIs(t, err, did.ErrNotAuthorized)
	require.ErrorIs(t, err, dataintegrity.ErrProofVerification)
}
