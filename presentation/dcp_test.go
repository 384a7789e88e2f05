package presentation_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// dcpVP signs a jwt_vp_json the way a Decentralized Claims Protocol
// credential service answers a presentation query: aud = the verifier's
// DID, a short exp, no nonce.
func dcpVP(t *testing.T, w *world, aud string) string {
	t.Helper()
	vc := w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{})
	p := &w3c.Presentation{
		Context: w3c.One[any](w3c.ContextV1), Type: w3c.One("VerifiablePresentation"),
		Holder: &w3c.Issuer{ID: w.holder.DID}, VerifiableCredential: w3c.One[any](vc),
	}
	tok, err := w3c.SignPresentationJWT(context.Background(), w.holder.Signer, p, w3c.PresentationSignOptions{
		Audience: aud, NoNonce: true, Now: now, Header: w.holder.Header(),
	})
	require.NoError(t, err)
	return tok
}

func TestVerifyPresentationWithoutNonce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	const verifierDID = "did:web:connector.example.com"
	vp := dcpVP(t, w, verifierDID)
	v := w.validator()

	p, err := v.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp, presentation.PresentationOptions{Audience: verifierDID, SkipNonce: true})
	require.NoError(t, err)
	require.Equal(t, w.holder.DID, p.Holder)
	require.Len(t, p.Credentials, 1)

	// Without SkipNonce the nonce stays mandatory.
	_, err = v.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp, presentation.PresentationOptions{Audience: verifierDID})
	require.ErrorIs(t, err, presentation.ErrConfig)
	// The audience still binds it.
	_, err = v.VerifyPresentation(ctx, vocab.FormatJWTVPJSON, vp, presentation.PresentationOptions{Audience: "did:web:other.example.com", SkipNonce: true})
	require.ErrorIs(t, err, presentation.ErrAudience)
	// SD-JWT and ldp_vp presentations are always nonce-bound.
	for _, f := range []vocab.Format{vocab.FormatSDJWTVC, vocab.FormatLDPVP} {
		_, err = v.VerifyPresentation(ctx, f, vp, presentation.PresentationOptions{Audience: verifierDID, SkipNonce: true})
		require.ErrorIs(t, err, presentation.ErrConfig, f)
	}
}
