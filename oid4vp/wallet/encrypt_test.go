package wallet_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation/dcql"
)

// encClaims turns the evil verifier's claims into a direct_post.jwt
// request whose client_metadata offers a signing key first (skipped: use
// sig), then the encryption key with kid "enc-2", and enc values.
func encClaims(t testing.TB, ev *evil, encValues []string) (map[string]any, *ecdsa.PrivateKey) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	sig, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	encJWK, err := crypto.PublicJWK(&k.PublicKey)
	require.NoError(t, err)
	encJWK["kid"], encJWK["alg"] = "enc-2", "ECDH-ES"
	sigJWK, err := crypto.PublicJWK(&sig.PublicKey)
	require.NoError(t, err)
	sigJWK["kid"], sigJWK["use"] = "sig-1", "sig"
	md := map[string]any{"jwks": map[string]any{"keys": []any{sigJWK, encJWK}}}
	if encValues != nil {
		md["encrypted_response_enc_values_supported"] = encValues
	}
	c := ev.claims()
	c["response_mode"] = "direct_post.jwt"
	c["client_metadata"] = md
	return c, k
}

// TestEncryptedResponse: direct_post.jwt encrypts to the usable key of
// client_metadata.jwks, echoes its kid, takes enc from
// encrypted_response_enc_values_supported (A128GCM when absent), and posts
// nothing but response.
func TestEncryptedResponse(t *testing.T) {
	for _, tc := range []struct {
		name      string
		encValues []string
		wantEnc   string
	}{
		{"default A128GCM", nil, "A128GCM"},
		{"A256GCM offered", []string{"A256GCM"}, "A256GCM"},
		{"first supported of several", []string{"A256CBC-HS512", "A128GCM"}, "A256CBC-HS512"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			ev := newEvil(e)
			c, key := encClaims(t, ev, tc.encValues)
			ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), c))
			out, err := e.wallet(nil).Present(e.ctx, ev.link(ev.didClientID()))
			require.NoError(t, err)
			require.Len(t, ev.posted, 1)
			form := ev.posted[0]
			require.Len(t, form, 1, "only response is posted")
			payload, h, err := jose.Decrypt(form.Get("response"), key, jose.DecryptOptions{
				KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{tc.wantEnc}})
			require.NoError(t, err)
			require.Equal(t, "enc-2", h.Kid)
			require.Equal(t, tc.wantEnc, h.Enc)
			r, err := oid4vp.ParseResponsePayload(payload, oid4vp.ProfileFinal)
			require.NoError(t, err)
			require.Equal(t, "s-1", r.State)
			require.Len(t, r.VPToken["pid"], 1)
			require.Equal(t, out.VPToken, r.VPToken)
		})
	}
	t.Run("no usable key", func(t *testing.T) {
		e := newTestEnv(t)
		ev := newEvil(e)
		c, _ := encClaims(t, ev, []string{"A256GCM"})
		md := c["client_metadata"].(map[string]any)
		keys := md["jwks"].(map[string]any)["keys"].([]any)
		md["jwks"] = map[string]any{"keys": keys[:1]} // only the use=sig key
		ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), c))
		_, err := e.wallet(nil).Present(e.ctx, ev.link(ev.didClientID()))
		require.ErrorIs(t, err, oid4vp.ErrInvalidParameter)
		require.Empty(t, ev.posted, "never sent in the clear")
	})
}

// TestMinimalDisclosure: the SD-JWT the wallet sends reveals exactly the
// requested claim's disclosures (address and address.locality), never a
// sibling, and the KB-JWT binds nonce and the full prefixed client_id.
func TestMinimalDisclosure(t *testing.T) {
	e := newTestEnv(t)
	ev := newEvil(e)
	var q any
	require.NoError(t, json.Unmarshal([]byte(`{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
	  "claims":[{"path":["address","locality"]}]}]}`), &q))
	c := ev.claims()
	c["dcql_query"] = q
	ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), c))
	out, err := e.wallet(nil).Present(e.ctx, ev.link(ev.didClientID()))
	require.NoError(t, err)
	tok, err := dcql.ParseVPToken([]byte(ev.posted[0].Get("vp_token")))
	require.NoError(t, err)
	require.Equal(t, out.VPToken, tok)
	sdj := tok["pid"][0].(string)
	view, err := e.holder.Parse(e.ctx, "dc+sd-jwt", sdj)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"locality": "Köln"}, view.Claims["address"])
	for _, n := range []string{"given_name", "family_name", "birthdate", "nationalities"} {
		require.NotContains(t, view.Claims, n)
	}
	kb := sdj[lastTilde(sdj)+1:]
	j, err := jose.Parse(kb, jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"kb+jwt"}})
	require.NoError(t, err)
	var kc map[string]any
	require.NoError(t, j.Claims(&kc))
	require.Equal(t, "n-0123456789abcdef", kc["nonce"])
	require.Equal(t, ev.didClientID(), kc["aud"])
	require.NotContains(t, kc, "transaction_data_hashes")
}

func lastTilde(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '~' {
			return i
		}
	}
	return -1
}
