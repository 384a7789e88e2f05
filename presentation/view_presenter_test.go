package presentation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

func TestPresenterErrors(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	jwtCred, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{}))
	require.NoError(t, err)
	ldpCred, err := presentation.Parse(ctx, vocab.FormatLDPVC, ldpDoc(w))
	require.NoError(t, err)
	b := presentation.Binding{Nonce: nonce, Audience: audience}
	cases := []struct {
		name   string
		p      presentation.RequestPresenter
		format vocab.Format
		creds  []*presentation.Credential
		want   error
	}{
		{"no_binding", presentation.RequestPresenter{JWTSigner: w.holder.Signer}, vocab.FormatJWTVPJSON, []*presentation.Credential{jwtCred}, presentation.ErrConfig},
		{"no_credentials", presentation.RequestPresenter{Binding: b, JWTSigner: w.holder.Signer}, vocab.FormatJWTVPJSON, nil, presentation.ErrConfig},
		{"no_jwt_signer", presentation.RequestPresenter{Binding: b}, vocab.FormatJWTVPJSON, []*presentation.Credential{jwtCred}, presentation.ErrConfig},
		{"ldp_in_jwt_vp", presentation.RequestPresenter{Binding: b, JWTSigner: w.holder.Signer}, vocab.FormatJWTVPJSON, []*presentation.Credential{ldpCred}, presentation.ErrUnsupportedFormat},
		{"no_ldp_signer", presentation.RequestPresenter{Binding: b}, vocab.FormatLDPVP, []*presentation.Credential{ldpCred}, presentation.ErrConfig},
		{"jwt_in_ldp_vp", presentation.RequestPresenter{Binding: b, LDPSigner: noSigner{}}, vocab.FormatLDPVP, []*presentation.Credential{jwtCred}, presentation.ErrUnsupportedFormat},
		{"no_sdjwt_presenter", presentation.RequestPresenter{Binding: b}, vocab.FormatSDJWTVC, []*presentation.Credential{jwtCred}, presentation.ErrConfig},
		{"two_sdjwt", presentation.RequestPresenter{Binding: b, SDJWT: &sdjwtHandler{w: w}}, vocab.FormatSDJWTVC, []*presentation.Credential{jwtCred, jwtCred}, presentation.ErrConfig},
		{"mdoc", presentation.RequestPresenter{Binding: b}, vocab.FormatMsoMdoc, []*presentation.Credential{jwtCred}, presentation.ErrUnsupportedFormat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.p.Present(ctx, tc.format, tc.creds, nil)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

type noSigner struct{}

func (noSigner) SignProof(context.Context, []byte, presentation.ProofOptions) ([]byte, error) {
	panic("not reached")
}

// A status entry of a type the view does not interpret is still handed to
// the status checker, which decides; an unknown list is not a valid status.
func TestUnknownStatusType(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := w.credential(w.holder.DID, 1)
	c.CredentialStatus = w3c.One(w3c.Object{ID: "https://status.example.com/1", Type: w3c.One("CredentialStatusList2017")})
	tok := w.jwtVC(t, c, w3c.SignOptions{})
	view, err := presentation.Parse(ctx, vocab.FormatJWTVCJSON, tok)
	require.NoError(t, err)
	require.Equal(t, "CredentialStatusList2017", view.Status[0].Type)
	require.Equal(t, "https://status.example.com/1", view.Status[0].URI)
	_, err = w.validator().Verify(ctx, vocab.FormatJWTVCJSON, tok)
	require.ErrorIs(t, err, presentation.ErrStatusUnavailable)
}

func TestValidationErrorMessage(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.status.values[1] = 1
	tok := w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{})
	_, err := w.validator(func(c *presentation.ValidatorConfig) {
		c.Now = func() time.Time { return time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC) }
	}).Verify(ctx, vocab.FormatJWTVCJSON, tok)
	msg := err.Error()
	require.True(t, strings.HasPrefix(msg, "presentation: jwt_vc_json validation failed: "), msg)
	require.Contains(t, msg, "credential revoked")
	require.Contains(t, msg, "credential expired")
	require.NotContains(t, msg, tok[:20], "tokens never appear in errors")
}
