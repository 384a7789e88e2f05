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

// The whole OpenID4VP round through the view: the wallet matches a DCQL
// query over parsed credentials, builds the vp_token with Presenter, and
// the verifier re-validates it with the Validator as dcql.Decoder.
func TestDCQLRoundTrip(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	v := w.validator()
	jwtCred, err := v.Verify(ctx, vocab.FormatJWTVCJSON, w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{}))
	require.NoError(t, err)
	sdCred, err := v.Verify(ctx, vocab.FormatSDJWTVC, w.sdjwtVC(t, now.Add(time.Hour), 2))
	require.NoError(t, err)

	q, err := dcql.Parse([]byte(`{"credentials":[
	  {"id":"employee","format":"jwt_vc_json","meta":{"type_values":[["EmployeeCredential"]]},
	   "claims":[{"path":["credentialSubject","role"],"values":["engineer"]}]},
	  {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["https://credentials.example.com/identity_credential"]},
	   "claims":[{"path":["given_name"]}]}
	]}`))
	require.NoError(t, err)
	cq, err := dcql.Compile(q)
	require.NoError(t, err)
	res, err := cq.Evaluate(ctx, slices.Values([]*presentation.Credential{sdCred, jwtCred}))
	require.NoError(t, err)

	binding := presentation.Binding{Nonce: nonce, Audience: audience}
	wallet := &presentation.RequestPresenter{
		Binding: binding, Holder: w.holder.DID, JWTSigner: w.holder.Signer, JWTHeader: w.holder.Header(),
		SDJWT: &sdjwtHandler{w: w}, Now: clock,
	}
	tok, err := res.VPToken(ctx, wallet)
	require.NoError(t, err)
	require.Len(t, tok, 2)

	ver, err := cq.Verify(ctx, tok, dcql.DecoderFunc(v.DecodeFunc(presentation.PresentationOptions{Nonce: binding.Nonce, Audience: binding.Audience, TransactionDataHashes: binding.TransactionDataHashes})))
	require.NoError(t, err)
	require.Empty(t, ver.Failures)
	require.Equal(t, "engineer", ver.Accepted["employee"][0].Document["credentialSubject"].(map[string]any)["role"])
	pid := ver.Accepted["pid"][0]
	require.Equal(t, "Alice", pid.Claims["given_name"])
	require.NotContains(t, pid.Claims, "family_name", "only the queried claim was disclosed")

	// A replay to another verifier fails every presentation.
	_, err = cq.Verify(ctx, tok, dcql.DecoderFunc(v.DecodeFunc(presentation.PresentationOptions{Nonce: nonce, Audience: "x509_san_dns:other.example"})))
	require.Error(t, err)
}
