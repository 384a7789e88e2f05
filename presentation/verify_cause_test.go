package presentation_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// TestDCQLVerifyKeepsCause: a vp_token whose presentations carry the wrong
// nonce or audience is rejected as missing credentials, and the error
// names and wraps the per-presentation cause.
func TestDCQLVerifyKeepsCause(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	v := w.validator()
	jwtCred, err := v.Verify(ctx, vocab.FormatJWTVCJSON, w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{}))
	require.NoError(t, err)
	sdCred, err := v.Verify(ctx, vocab.FormatSDJWTVC, w.sdjwtVC(t, now.Add(time.Hour), 2))
	require.NoError(t, err)
	q, err := dcql.Parse([]byte(`{"credentials":[
	  {"id":"employee","format":"jwt_vc_json","meta":{"type_values":[["EmployeeCredential"]]}},
	  {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["https://credentials.example.com/identity_credential"]},
	   "claims":[{"path":["given_name"]}]}]}`))
	require.NoError(t, err)
	cq, err := dcql.Compile(q)
	require.NoError(t, err)
	res, err := cq.Evaluate(ctx, slices.Values([]*presentation.Credential{sdCred, jwtCred}))
	require.NoError(t, err)
	wallet := &presentation.RequestPresenter{
		Binding: presentation.Binding{Nonce: nonce, Audience: audience}, Holder: w.holder.DID,
		JWTSigner: w.holder.Signer, JWTHeader: w.holder.Header(), SDJWT: &sdjwtHandler{w: w}, Now: clock,
	}
	tok, err := res.VPToken(ctx, wallet)
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		opts presentation.PresentationOptions
		want error
	}{
		{"wrong_nonce", presentation.PresentationOptions{Nonce: "another-nonce", Audience: audience}, presentation.ErrNonce},
		{"wrong_audience", presentation.PresentationOptions{Nonce: nonce, Audience: "x509_san_dns:other.example"}, presentation.ErrAudience},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ver, err := cq.Verify(ctx, tok, dcql.DecoderFunc(v.DecodeFunc(tc.opts)))
			require.ErrorIs(t, err, dcql.ErrMissingCredential)
			require.ErrorIs(t, err, dcql.ErrVPTokenRejected)
			require.ErrorIs(t, err, tc.want)
			require.Len(t, ver.Failures, 2)
			for _, f := range ver.Failures {
				require.ErrorIs(t, f.Err, tc.want, f.QueryID)
			}
			require.Contains(t, err.Error(), "required credential missing")
			require.Contains(t, err.Error(), tc.want.Error())
			require.Equal(t, dcql.CodeInvalidRequest, dcql.Code(err))
		})
	}
}
