package verifier_test

import (
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation/pex"
)

// postRequestURI posts form to request_uri the way a wallet does
// (§5.10) and returns the verified Request Object claims, or the status
// and body of an error response.
func (e *env) postRequestURI(uri string, form url.Values, profile oid4vp.Profile) (*oid4vp.AuthorizationRequest, int, []byte) {
	e.t.Helper()
	req, err := newRequest("POST", uri)
	require.NoError(e.t, err)
	req.Body = io.NopCloser(strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", oid4vp.MediaTypeRequestObject)
	resp, err := e.http.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, resp.StatusCode, body
	}
	require.Equal(e.t, oid4vp.MediaTypeRequestObject, resp.Header.Get("Content-Type"))
	j, err := jose.Verify(e.ctx, string(body), jose.VerifyOptions{Key: e.requestKey(string(body)),
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypRequestObject}}})
	require.NoError(e.t, err)
	claims, err := oid4vp.DecodeRequest(j.Payload, profile)
	require.NoError(e.t, err)
	return claims, 200, body
}

const sdjwtOrJWTQuery = `{"credentials":[
 {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]},
 {"id":"emp","format":"jwt_vc_json","meta":{"type_values":[["EmployeeCredential"]]}}],
 "credential_sets":[{"options":[["pid"],["emp"]]}]}`

const sdjwtAndJWTQuery = `{"credentials":[
 {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]},
 {"id":"emp","format":"jwt_vc_json","meta":{"type_values":[["EmployeeCredential"]]}}]}`

// TestWalletMetadataNarrowing: with request_uri_method=post the Request
// Object is fitted to the posted wallet_metadata (§5.10): enc values and
// vp_formats_supported narrowed to the common values; no overlap is
// answered with an error and leaves the transaction unfetched.
func TestWalletMetadataNarrowing(t *testing.T) {
	ourFormats := oid4vp.VPFormats{
		"dc+sd-jwt":   {SDJWTAlgValues: []string{"ES256", "ES384"}, KBJWTAlgValues: []string{"ES256", "EdDSA"}},
		"jwt_vc_json": {AlgValues: []string{"ES256"}},
	}
	cases := []struct {
		name    string
		query   string
		formats oid4vp.VPFormats // Client.VPFormats (nil: the query's formats)
		mode    oid4vp.ResponseMode
		meta    string
		code    string // expected error code; "" = accepted
		check   func(t *testing.T, claims *oid4vp.AuthorizationRequest)
	}{
		{name: "enc values intersected", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"authorization_encryption_alg_values_supported":["ECDH-ES"],
		  "authorization_encryption_enc_values_supported":["A256GCM","A192GCM"]}`,
			check: func(t *testing.T, c *oid4vp.AuthorizationRequest) {
				require.Equal(t, []string{"A256GCM"}, c.ClientMetadata.EncryptedResponseEncValuesSupported)
			}},
		{name: "enc values absent: all offered", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}}}`,
			check: func(t *testing.T, c *oid4vp.AuthorizationRequest) {
				require.Equal(t, []string{"A128GCM", "A256GCM"}, c.ClientMetadata.EncryptedResponseEncValuesSupported)
			}},
		{name: "no common enc value", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"authorization_encryption_enc_values_supported":["A192GCM"]}`,
			code: oid4vp.CodeInvalidRequest},
		{name: "no common key agreement algorithm", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"authorization_encryption_alg_values_supported":["RSA-OAEP-256"]}`,
			code: oid4vp.CodeInvalidRequest},
		{name: "enc values ignored for direct_post", mode: oid4vp.ResponseModeDirectPost,
			meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"authorization_encryption_enc_values_supported":["A192GCM"]}`,
			check: func(t *testing.T, c *oid4vp.AuthorizationRequest) {
				require.Empty(t, c.ClientMetadata.EncryptedResponseEncValuesSupported)
				require.Nil(t, c.ClientMetadata.JWKS)
			}},
		{name: "formats and algorithms intersected", query: sdjwtOrJWTQuery, formats: ourFormats,
			meta: `{"vp_formats_supported":{"dc+sd-jwt":{"sd-jwt_alg_values":["ES256"],"kb-jwt_alg_values":["ES256","ES512"]},"mso_mdoc":{}}}`,
			check: func(t *testing.T, c *oid4vp.AuthorizationRequest) {
				require.Equal(t, oid4vp.VPFormats{"dc+sd-jwt": {SDJWTAlgValues: []string{"ES256"}, KBJWTAlgValues: []string{"ES256"}}},
					c.ClientMetadata.VPFormatsSupported)
			}},
		{name: "an alternative credential set in the remaining format", query: sdjwtOrJWTQuery, formats: ourFormats,
			meta: `{"vp_formats_supported":{"jwt_vc_json":{"alg_values":["ES256","EdDSA"]}}}`,
			check: func(t *testing.T, c *oid4vp.AuthorizationRequest) {
				require.Equal(t, oid4vp.VPFormats{"jwt_vc_json": {AlgValues: []string{"ES256"}}}, c.ClientMetadata.VPFormatsSupported)
				require.Len(t, c.DCQLQuery.Credentials, 2, "the query is never changed")
			}},
		{name: "a required credential in a format the wallet lacks", query: sdjwtAndJWTQuery, formats: ourFormats,
			meta: `{"vp_formats_supported":{"jwt_vc_json":{}}}`, code: oid4vp.CodeVPFormatsNotSupported},
		{name: "a format whose algorithms have nothing in common", query: sdjwtOrJWTQuery, formats: ourFormats,
			meta: `{"vp_formats_supported":{"dc+sd-jwt":{"kb-jwt_alg_values":["ES512"]}}}`, code: oid4vp.CodeVPFormatsNotSupported},
		{name: "no common format", meta: `{"vp_formats_supported":{"mso_mdoc":{}}}`, code: oid4vp.CodeVPFormatsNotSupported},
		{name: "client identifier prefix supported", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"client_id_prefixes_supported":["x509_hash","decentralized_identifier"]}`},
		{name: "client identifier prefix not supported", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"client_id_prefixes_supported":["x509_hash"]}`,
			code: oid4vp.CodeInvalidClient},
		{name: "request signing algorithm supported", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"request_object_signing_alg_values_supported":["EdDSA","ES256"]}`},
		{name: "request signing algorithm not supported", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"request_object_signing_alg_values_supported":["EdDSA"]}`,
			code: oid4vp.CodeInvalidRequest},
		{name: "unknown wallet metadata members ignored", meta: `{"vp_formats_supported":{"dc+sd-jwt":{}},"x-wallet-name":"w","response_modes_supported":["direct_post.jwt"]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{cfg: func(c *verifier.Config) {
				c.Clients.(verifier.StaticClients)["acme"].VPFormats = tc.formats
			}})
			q := tc.query
			if q == "" {
				q = pidQuery
			}
			tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, q), ResponseMode: tc.mode, RequestURIMethod: oid4vp.RequestURIMethodPost})
			claims, status, body := e.postRequestURI(tx.Request.RequestURI, url.Values{"wallet_metadata": {tc.meta}, "wallet_nonce": {"wn-0123456789abcdef"}}, oid4vp.ProfileFinal)
			if tc.code != "" {
				require.Equal(t, 400, status, string(body))
				require.Equal(t, tc.code, errorCode(t, body))
				res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
				require.NoError(t, err)
				require.Equal(t, verifier.StatusCreated, res.Status, "a refused fetch is not recorded")
				require.Zero(t, countEvents(e, verifier.EventRequestFetched))
				_, err = v.FetchRequestObjectPost(e.ctx, "acme", tx.ID, &oid4vp.RequestURIPost{WalletMetadata: mustWalletMetadata(t, tc.meta)})
				var pe *oid4vp.Error
				require.ErrorAs(t, err, &pe)
				require.ErrorIs(t, err, verifier.ErrWalletMetadata)
				// The wallet can still fetch by GET.
				got, err := e.fetch(mustLink(t, tx), "")
				require.NoError(t, err)
				require.Empty(t, got.WalletNonce)
				return
			}
			require.Equal(t, 200, status, string(body))
			require.Equal(t, "wn-0123456789abcdef", claims.WalletNonce)
			require.NoError(t, oid4vp.CheckRequestObject(oid4vp.TypRequestObject, claims, tx.Request, oid4vp.RequestObjectOptions{
				WalletNonce: "wn-0123456789abcdef", RequireAudience: true}))
			if tc.check != nil {
				tc.check(t, claims)
			}
			if tc.query != "" {
				return
			}
			// The narrowed request is answered and verified as created.
			enc := ""
			if encs := claims.ClientMetadata.EncryptedResponseEncValuesSupported; len(encs) > 0 {
				enc = encs[0]
			}
			status, body = e.post(claims.ResponseURI, e.responseForm(claims, e.present(claims, presentOptions{}), postOptions{enc: enc}))
			require.Equal(t, 200, status, string(body))
			res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
			require.NoError(t, err)
			require.Equal(t, verifier.StatusAccepted, res.Status)
		})
	}
}

// TestWalletMetadataLegacy: under the legacy profile the wallet's
// client_id_schemes_supported and vp_formats_supported narrow the
// request's client_id_scheme check and vp_formats.
func TestWalletMetadataLegacy(t *testing.T) {
	def := mustDefinition(t, pidDefinition)
	for name, tc := range map[string]struct {
		meta string
		code string
	}{
		"scheme supported":     {`{"vp_formats_supported":{"vc+sd-jwt":{}},"client_id_schemes_supported":["did","redirect_uri"]}`, ""},
		"scheme not supported": {`{"vp_formats_supported":{"vc+sd-jwt":{}},"client_id_schemes_supported":["x509_san_dns"]}`, oid4vp.CodeInvalidClient},
		"no common format":     {`{"vp_formats_supported":{"ldp_vp":{}}}`, oid4vp.CodeVPFormatsNotSupported},
	} {
		t.Run(name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{cfg: func(c *verifier.Config) {
				c.Clients.(verifier.StaticClients)["acme"].VPFormats = oid4vp.VPFormats{"vc+sd-jwt": {}, "jwt_vp_json": {AlgValues: []string{"ES256"}}}
			}})
			tx := e.create(v, verifier.CreateRequest{PresentationDefinition: def, RequestURIMethod: oid4vp.RequestURIMethodPost})
			claims, status, body := e.postRequestURI(tx.Request.RequestURI, url.Values{"wallet_metadata": {tc.meta}}, oid4vp.ProfileLegacy)
			if tc.code != "" {
				require.Equal(t, 400, status, string(body))
				require.Equal(t, tc.code, errorCode(t, body))
				return
			}
			require.Equal(t, 200, status, string(body))
			require.Equal(t, oid4vp.VPFormats{"vc+sd-jwt": {}}, claims.ClientMetadata.VPFormats)
			require.Nil(t, claims.ClientMetadata.VPFormatsSupported)
		})
	}
}

func mustWalletMetadata(t *testing.T, s string) *oid4vp.WalletMetadata {
	m, err := oid4vp.ParseWalletMetadata([]byte(s))
	require.NoError(t, err)
	return m
}

func mustLink(t *testing.T, tx *verifier.Transaction) string {
	l, err := tx.Link("openid4vp://")
	require.NoError(t, err)
	return l
}

func mustDefinition(t *testing.T, s string) *pex.Definition {
	d, err := pex.ParseDefinition([]byte(s))
	require.NoError(t, err)
	return d
}
