package w3c_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation/w3c"
)

// crypto/did's KeyResolver plugs into IssuerKeys as the DIDResolver: the
// verification method must be authorised for assertionMethod (credentials)
// or authentication (presentations) in the resolved document.
func TestCryptoDIDResolver(t *testing.T) {
	ctx := context.Background()
	e, err := local.New(local.Options{})
	require.NoError(t, err)
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "t"}, ID: "issuer"}
	_, err = e.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	require.NoError(t, err)
	signer, err := jose.NewKeySigner(ctx, e, ref, "")
	require.NoError(t, err)
	reg, err := did.NewRegistry(did.KeyMethod{}, did.JWKMethod{})
	require.NoError(t, err)
	resolver := did.NewKeyResolver(reg, did.KeyResolverOptions{})

	for _, mk := range []func(ctx context.Context, e did.KeyGetter, ref crypto.KeyRef) (string, string, error){did.NewKeyDIDFromEngine, did.NewJWKDIDFromEngine} {
		issuer, kid, err := mk(ctx, e, ref)
		require.NoError(t, err)
		c := v1Credential(issuer, "did:example:holder")
		o := w3c.VerifyOptions{Resolver: &w3c.IssuerKeys{DID: resolver}, Now: clock}
		for _, hdr := range []map[string]any{{"kid": kid}, {"kid": ""}} {
			if hdr["kid"] == "" {
				hdr = map[string]any{}
			}
			tok, err := w3c.SignCredentialJWT(ctx, signer, c, w3c.SignOptions{Now: now, Header: hdr})
			require.NoError(t, err)
			if len(hdr) == 0 {
				// jose.Sign adds the engine kid (a thumbprint), which is
				// not a method of the DID.
				_, err = w3c.VerifyCredentialJWT(ctx, tok, o)
				require.ErrorIs(t, err, jose.ErrNoKey)
				continue
			}
			got, err := w3c.VerifyCredentialJWT(ctx, tok, o)
			require.NoError(t, err, issuer)
			require.Equal(t, issuer, got.Credential.IssuerID())
		}
	}
}
