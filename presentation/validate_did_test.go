package presentation_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// did:key issuer and holder resolved through crypto/did: the issuer's key
// must be an assertionMethod, the holder's an authentication method.
func TestJWTVPWithCryptoDID(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	require.NoError(t, err)
	party := func(id string, kt crypto.KeyType) (string, *jose.KeySigner, map[string]any) {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "t"}, ID: id}
		_, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: kt})
		require.NoError(t, err)
		d, kid, err := did.NewKeyDIDFromEngine(ctx, eng, ref)
		require.NoError(t, err)
		s, err := jose.NewKeySigner(ctx, eng, ref, "")
		require.NoError(t, err)
		return d, s, map[string]any{"kid": kid}
	}
	issDID, issSigner, issHdr := party("issuer", crypto.KeyTypeECP256)
	holDID, holSigner, holHdr := party("holder", crypto.KeyTypeEd25519)

	w := &world{status: &fakeStatus{values: map[uint64]uint8{}}}
	c := w.credentialFor(issDID, holDID)
	tok, err := w3c.SignCredentialJWT(ctx, issSigner, c, w3c.SignOptions{Now: now, Header: issHdr})
	require.NoError(t, err)
	cred, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, tok)
	require.NoError(t, err)
	vp, err := (&presentation.RequestPresenter{
		Binding: presentation.Binding{Nonce: nonce, Audience: audience}, Holder: holDID,
		JWTSigner: holSigner, JWTHeader: holHdr, Now: clock,
	}).Present(ctx, vocab.FormatJWTVPJSON, []*presentation.Credential{cred}, nil)
	require.NoError(t, err)

	reg, err := did.NewRegistry(did.KeyMethod{}, did.JWKMethod{})
	require.NoError(t, err)
	keys := did.NewKeyResolver(reg, did.KeyResolverOptions{})
	v := presentation.NewValidator(presentation.ValidatorConfig{
		IssuerKeys: &w3c.IssuerKeys{DID: keys},
		HolderKeys: &w3c.IssuerKeys{DID: keys, Relationship: w3c.Authentication},
		Status:     w.status,
		Trust:      presentation.TrustedIssuers{issDID},
		Now:        clock,
	})
	p, err := v.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp, presentation.PresentationOptions{Nonce: nonce, Audience: audience})
	require.NoError(t, err)
	require.Equal(t, holDID, p.Holder)
	require.Equal(t, issDID, p.Credentials[0].Issuer)
}

// credentialFor is world.credential with explicit issuer and subject.
func (w *world) credentialFor(issuer, subject string) *w3c.Credential {
	c := w.base(subject)
	c.Issuer = &w3c.Issuer{ID: issuer}
	return c
}
