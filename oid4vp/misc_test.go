package oid4vp

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLegacyProfileRules(t *testing.T) {
	pd := string(readFile(t, "legacy/draft21_request_object_client_id_did.json"))
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(pd), &m))
	tests := []struct {
		name    string
		mutate  func(m map[string]any)
		signed  bool
		wantErr error
	}{
		{name: "draft 21 request object", signed: true},
		{name: "presentation_definition and dcql_query", signed: true, mutate: func(m map[string]any) {
			m["dcql_query"] = jsonOf(t, json.RawMessage(testQuery))
		}, wantErr: ErrConflictingParams},
		{name: "presentation_definition and presentation_definition_uri", signed: true, mutate: func(m map[string]any) {
			m["presentation_definition_uri"] = "https://client.example.org/pd"
		}, wantErr: ErrConflictingParams},
		{name: "presentation_definition_uri over http", signed: true, mutate: func(m map[string]any) {
			delete(m, "presentation_definition")
			m["presentation_definition_uri"] = "http://client.example.org/pd"
		}, wantErr: ErrInvalidParameter},
		{name: "unknown client_id_scheme", signed: true, mutate: func(m map[string]any) { m["client_id_scheme"] = "x509_hash_v2" }, wantErr: ErrRejectedPrefix},
		{name: "did scheme unsigned", mutate: func(map[string]any) {}, wantErr: ErrRejectedPrefix},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := map[string]any{}
			for k, v := range m {
				c[k] = v
			}
			if tc.mutate != nil {
				tc.mutate(c)
			}
			b, err := json.Marshal(c)
			require.NoError(t, err)
			r, err := DecodeRequest(b, ProfileLegacy)
			require.NoError(t, err)
			err = r.Validate(ValidateOptions{Profile: ProfileLegacy, Signed: tc.signed})
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
	t.Run("legacy parameters stay in Extra with ProfileFinal and are written back", func(t *testing.T) {
		r, err := DecodeRequest([]byte(pd), ProfileFinal)
		require.NoError(t, err)
		require.Nil(t, r.PresentationDefinition)
		require.Empty(t, r.ClientIDScheme)
		require.Contains(t, r.Extra, "client_id_scheme")
		out, err := json.Marshal(r)
		require.NoError(t, err)
		sameJSON(t, []byte(pd), out)
		// in 1.0 the bare DID is a pre-registered client id and PE is unknown
		require.ErrorIs(t, r.Validate(ValidateOptions{Signed: true}), ErrMissingParameter)
	})
	t.Run("presentation_submission stays in Extra with ProfileFinal", func(t *testing.T) {
		data := readFile(t, "legacy/draft25_jarm_jwt_vc_json_body.json")
		_, err := ParseResponsePayload(data, ProfileFinal)
		require.ErrorIs(t, err, ErrInvalidParameter, "a string vp_token is no DCQL map")
		data = []byte(`{"vp_token":{"a":["x"]},"presentation_submission":{"id":"s"}}`)
		r, err := ParseResponsePayload(data, ProfileFinal)
		require.NoError(t, err)
		out, err := json.Marshal(r)
		require.NoError(t, err)
		sameJSON(t, data, out)
	})
}

func TestEncryptedModeKeys(t *testing.T) {
	for _, tc := range []struct {
		clientID string
		signed   bool
		ok       bool
	}{
		{"example-client", false, true},                       // keys pre-registered
		{"openid_federation:https://fed.example", true, true}, // keys from the trust chain
		{"redirect_uri:https://client.example.org/post", false, false},
		{"decentralized_identifier:did:example:1", true, false},
	} {
		t.Run(tc.clientID, func(t *testing.T) {
			m := baseRequest()
			m["client_id"] = tc.clientID
			m["response_mode"] = "direct_post.jwt"
			b, _ := json.Marshal(m)
			r, err := DecodeRequest(b, ProfileFinal)
			require.NoError(t, err)
			err = r.Validate(ValidateOptions{Signed: tc.signed})
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrMissingParameter)
		})
	}
}

func TestRequestURIPost(t *testing.T) {
	// §5.10 example body (line breaks of the display removed)
	body := "wallet_metadata=%7B%22vp_formats_supported%22%3A%7B%22dc%2Bsd-jwt%22%3A%7B%22sd-jwt_alg_values%22%3A%20%5B%22ES256%22%5D%2C%22kb-jwt_alg_values%22%3A%20%5B%22ES256%22%5D%7D%7D%7D&wallet_nonce=qPmxiNFCR3QTm19POc8u"
	form, err := url.ParseQuery(body)
	require.NoError(t, err)
	p, err := ParseRequestURIPost(form)
	require.NoError(t, err)
	require.Equal(t, "qPmxiNFCR3QTm19POc8u", p.WalletNonce)
	require.Equal(t, []string{"ES256"}, p.WalletMetadata.VPFormatsSupported[FormatSDJWTVC].KBJWTAlgValues)
	v, err := p.Values()
	require.NoError(t, err)
	sameJSON(t, []byte(form.Get("wallet_metadata")), []byte(v.Get("wallet_metadata")))
	require.Equal(t, form.Get("wallet_nonce"), v.Get("wallet_nonce"))

	bad := []struct {
		name string
		form url.Values
		err  error
	}{
		{"duplicate wallet_nonce", url.Values{"wallet_nonce": {"a", "b"}}, ErrDuplicateParameter},
		{"wallet_nonce not URL-safe", url.Values{"wallet_nonce": {"a b"}}, ErrInvalidParameter},
		{"wallet_nonce too long", url.Values{"wallet_nonce": {strings.Repeat("a", MaxWalletNonceLength+1)}}, ErrInvalidParameter},
		{"wallet_metadata without vp_formats_supported", url.Values{"wallet_metadata": {`{"issuer":"https://w.example"}`}}, ErrMissingParameter},
		{"wallet_metadata not JSON", url.Values{"wallet_metadata": {`{`}}, ErrMalformed},
		{"wallet_metadata empty prefixes", url.Values{"wallet_metadata": {`{"vp_formats_supported":{"mso_mdoc":{}},"client_id_prefixes_supported":[]}`}}, ErrInvalidParameter},
		{"wallet_metadata private key", url.Values{"wallet_metadata": {`{"vp_formats_supported":{"mso_mdoc":{}},"jwks":{"keys":[{"kty":"OKP","kid":"1","d":"x"}]}}`}}, ErrInvalidParameter},
		{"wallet_metadata too deep", url.Values{"wallet_metadata": {strings.Repeat("[", 50) + strings.Repeat("]", 50)}}, ErrTooLarge},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRequestURIPost(tc.form)
			require.ErrorIs(t, err, tc.err)
		})
	}
}

func TestResponseTargetAndEncValues(t *testing.T) {
	c, err := ParseClientID("redirect_uri:https://client.example.org/cb")
	require.NoError(t, err)
	r := &AuthorizationRequest{}
	require.Equal(t, "https://client.example.org/cb", r.ResponseTarget(c))
	r.ResponseMode = ResponseModeDirectPost
	r.ResponseURI = "https://client.example.org/post"
	require.Equal(t, "https://client.example.org/post", r.ResponseTarget(c))
	r.ResponseMode = ResponseModeDCAPI
	require.Empty(t, r.ResponseTarget(c))

	var m *ClientMetadata
	require.Equal(t, []string{DefaultEncValue}, m.EncValues())
	m = &ClientMetadata{EncryptedResponseEncValuesSupported: []string{"A256GCM"}}
	require.Equal(t, []string{"A256GCM"}, m.EncValues())
}

func TestDCAPIOrigin(t *testing.T) {
	r, err := DecodeRequest(readFile(t, "spec/dc_api_signed_request_payload_compact.json"), ProfileFinal)
	require.NoError(t, err)
	require.NoError(t, r.CheckExpectedOrigin("https://origin1.example.com"))
	require.ErrorIs(t, r.CheckExpectedOrigin("https://origin1.example.com/"), ErrInvalidParameter, "plain string comparison")
	require.ErrorIs(t, r.CheckExpectedOrigin("https://evil.example"), ErrInvalidParameter)
	require.Equal(t, "origin:https://verifier.example.com", OriginAudience("https://verifier.example.com"))
}

func TestFragmentURLRoundTrip(t *testing.T) {
	resp := &AuthorizationResponse{VPToken: map[string][]any{"pid": {"eyJ.a.b~"}}, State: "st-1"}
	link, err := resp.FragmentURL("https://client.example.org/cb")
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	q, err := url.ParseQuery(u.Fragment)
	require.NoError(t, err)
	got, err := ParseResponse(q, ProfileFinal)
	require.NoError(t, err)
	require.Equal(t, resp.VPToken, got.VPToken)
	require.Equal(t, "st-1", got.State)
	_, err = resp.FragmentURL("https://client.example.org/cb#x")
	require.ErrorIs(t, err, ErrInvalidParameter)
}
