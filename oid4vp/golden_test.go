package oid4vp

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation/pex"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// sameJSON compares two JSON texts as values.
func sameJSON(t testing.TB, want, got []byte) {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal(want, &w))
	require.NoError(t, json.Unmarshal(got, &g), "%s", got)
	if d := cmp.Diff(w, g); d != "" {
		t.Fatalf("round trip differs (-want +got):\n%s", d)
	}
}

func TestGoldenRequests(t *testing.T) {
	tests := []struct {
		file    string
		profile Profile
		// signed: validated as a signed Request Object (CheckRequestObject
		// with the typ of the spec header example), else with Validate.
		signed   bool
		clientID string // set for multisigned DC API payloads (client_id in the JWS header)
		wantErr  error
		// decodeErr: the file is expected to be rejected by DecodeRequest
		decodeErr error
	}{
		{file: "spec/request_object_client_id_did.json", signed: true},
		{file: "spec/request_object_request_uri_post_5_10_1.json", signed: true},
		{file: "spec/request_object_direct_post_8_2.json"},
		{file: "spec/request_dc_api_jwt_8_3.json"},
		{file: "spec/dc_api_signed_request_payload_compact.json", signed: true},
		{file: "spec/dc_api_signed_request_payload.json", signed: true, clientID: "x509_san_dns:rp.example.com"},
		// The §5.4 example is printed with "https//client.example.org/cb".
		{file: "spec/request_object_by_value_5_4.json", wantErr: ErrInvalidParameter},
		{file: "legacy/draft21_request_object_client_id_did.json", profile: ProfileLegacy, signed: true},
		{file: "legacy/draft25_request_object_client_id_did.json", profile: ProfileLegacy, signed: true},
		// The seed's presentation definition has filter {"type": ""}, which
		// is not a JSON Schema type: pex rejects it (reported, see README).
		{file: "legacy/xfsc_request_object_built.json", profile: ProfileLegacy, decodeErr: pex.ErrInvalidDefinition},
		{file: "legacy/xfsc_request_object_built_filter_fixed.json", profile: ProfileLegacy, signed: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data := readFile(t, tc.file)
			r, err := DecodeRequest(data, tc.profile)
			if tc.decodeErr != nil {
				require.ErrorIs(t, err, tc.decodeErr)
				require.ErrorIs(t, err, ErrInvalidParameter)
				return
			}
			require.NoError(t, err)
			out, err := json.Marshal(r)
			require.NoError(t, err)
			sameJSON(t, data, out)

			// form round trip: Values → ParseQuery gives the same request
			v, err := r.Values()
			require.NoError(t, err)
			r2, err := ParseQuery(v, tc.profile)
			require.NoError(t, err)
			out2, err := json.Marshal(r2)
			require.NoError(t, err)
			sameJSON(t, data, out2)

			if tc.clientID != "" {
				r.ClientID = tc.clientID
			}
			if tc.signed {
				outer := &AuthorizationRequest{ClientID: r.ClientID, ClientIDScheme: r.ClientIDScheme}
				if r.EffectiveResponseMode().DCAPI() {
					outer = nil
				}
				err = CheckRequestObject(TypRequestObject, r, outer, RequestObjectOptions{
					ValidateOptions: ValidateOptions{Profile: tc.profile},
					WalletNonce:     r.WalletNonce,
				})
			} else {
				err = r.Validate(ValidateOptions{Profile: tc.profile})
			}
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestGoldenRequestObjectHeader(t *testing.T) {
	var h struct {
		Typ string `json:"typ"`
	}
	require.NoError(t, json.Unmarshal(readFile(t, "spec/request_header_client_id_did.json"), &h))
	require.Equal(t, TypRequestObject, h.Typ)
}

func TestGoldenMetadata(t *testing.T) {
	for _, f := range []string{
		"spec/client_metadata_mso_mdoc_verifier_metadata.json",
		"spec/client_metadata_sd_jwt_vc_verifier_metadata.json",
		"spec/client_metadata_w3c_jwt_verifier_metadata.json",
		"spec/client_metadata_w3c_ldp_verifier_metadata.json",
	} {
		t.Run(f, func(t *testing.T) {
			data := readFile(t, f)
			m, err := ParseClientMetadata(data)
			require.NoError(t, err)
			out, err := json.Marshal(m)
			require.NoError(t, err)
			sameJSON(t, data, out)
		})
	}
	for _, f := range []string{
		"spec/wallet_metadata_openid4vp_scheme_13_1_2.json",
		"spec/wallet_metadata_jwt_vc_json_10_1.json",
	} {
		t.Run(f, func(t *testing.T) {
			data := readFile(t, f)
			m, err := ParseWalletMetadata(data)
			require.NoError(t, err)
			out, err := json.Marshal(m)
			require.NoError(t, err)
			sameJSON(t, data, out)
			require.True(t, m.SupportsPrefix(PrefixPreRegistered))
			require.False(t, m.SupportsPrefix(PrefixX509Hash))
		})
	}
}

func TestGoldenResponses(t *testing.T) {
	dcqlReq := func(id string, multiple bool) *AuthorizationRequest {
		r, err := DecodeRequest([]byte(`{"response_type":"vp_token","response_mode":"direct_post.jwt","client_id":"x509_san_dns:client.example.org","response_uri":"https://client.example.org/post","nonce":"n-0S6_WzA2Mj","dcql_query":{"credentials":[{"id":"`+id+`","format":"dc+sd-jwt","multiple":`+map[bool]string{true: "true", false: "false"}[multiple]+`,"meta":{"vct_values":["https://credentials.example.com/identity_credential"]}}]}}`), ProfileFinal)
		require.NoError(t, err)
		return r
	}
	tests := []struct {
		file    string
		profile Profile
		req     *AuthorizationRequest
	}{
		{file: "spec/response_payload_8_3.json", req: dcqlReq("example_credential_id", false)},
		{file: "spec/response_payload_8_3_1.json", req: dcqlReq("example_jwt_vc", false)},
		{file: "spec/response_encrypted_8_3.json", req: dcqlReq("example_credential_id", false)},
		{file: "legacy/draft25_jarm_jwt_vc_json_body.json", profile: ProfileLegacy},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data := readFile(t, tc.file)
			r, err := ParseResponsePayload(data, tc.profile)
			require.NoError(t, err)
			out, err := json.Marshal(r)
			require.NoError(t, err)
			sameJSON(t, data, out)
			if tc.req != nil {
				require.NoError(t, r.CheckResponse(tc.req))
			}
		})
	}
	t.Run("legacy/draft25_jarm_jwt_vc_json_body.json/checked", func(t *testing.T) {
		r, err := ParseResponsePayload(readFile(t, "legacy/draft25_jarm_jwt_vc_json_body.json"), ProfileLegacy)
		require.NoError(t, err)
		require.Equal(t, `"eyJhb...YMetA"`, string(r.LegacyVPToken))
		req, err := DecodeRequest(readFile(t, "legacy/draft25_request_object_client_id_did.json"), ProfileLegacy)
		require.NoError(t, err)
		require.Equal(t, req.PresentationDefinition.ID, r.PresentationSubmission.DefinitionID)
		require.NoError(t, r.CheckResponse(req))
	})
	for _, tc := range []struct {
		file     string
		multiple bool
	}{{"spec/vp_token_8_1_1_single.json", false}, {"spec/vp_token_8_1_1_multiple.json", true}} {
		t.Run(tc.file, func(t *testing.T) {
			data := readFile(t, tc.file)
			form := url.Values{"vp_token": {string(data)}}
			r, err := ParseResponse(form, ProfileFinal)
			require.NoError(t, err)
			req := dcqlReq("my_credential", tc.multiple)
			req.ResponseMode = ResponseModeDirectPost
			require.NoError(t, r.CheckResponse(req))
			v, err := r.Values()
			require.NoError(t, err)
			sameJSON(t, data, []byte(v.Get("vp_token")))
			if !tc.multiple {
				return
			}
			req = dcqlReq("my_credential", false)
			req.ResponseMode = ResponseModeDirectPost
			require.ErrorIs(t, r.CheckResponse(req), ErrUnexpectedResponse)
		})
	}
	t.Run("spec/direct_post_result_8_2.json", func(t *testing.T) {
		data := readFile(t, "spec/direct_post_result_8_2.json")
		d, err := ParseDirectPostResult(data)
		require.NoError(t, err)
		out, err := json.Marshal(d)
		require.NoError(t, err)
		sameJSON(t, data, out)
	})
	t.Run("spec/dc_api_error_invalid_request.json", func(t *testing.T) {
		data := readFile(t, "spec/dc_api_error_invalid_request.json")
		e, err := ParseError(data)
		require.NoError(t, err)
		require.Equal(t, CodeInvalidRequest, e.Code)
		require.ErrorIs(t, e, ErrProtocolError)
		out, err := json.Marshal(e)
		require.NoError(t, err)
		sameJSON(t, data, out)
	})
	t.Run("error form of §8.2", func(t *testing.T) {
		form, err := url.ParseQuery("error=invalid_request&error_description=unsupported%20client_id_prefix&state=eyJhb...6-sVA")
		require.NoError(t, err)
		r, err := ParseResponse(form, ProfileFinal)
		require.NoError(t, err)
		req := dcqlReq("x", false)
		req.State = "eyJhb...6-sVA"
		err = r.CheckResponse(req)
		require.ErrorIs(t, err, ErrProtocolError)
		require.Equal(t, CodeInvalidRequest, CodeOf(err))
	})
}

func TestGoldenTransactionDataAndVerifierInfo(t *testing.T) {
	data := readFile(t, "spec/transaction_data_5_1.json")
	var td TransactionData
	require.NoError(t, json.Unmarshal(data, &td))
	enc, err := EncodeTransactionData(&td)
	require.NoError(t, err)
	got, err := DecodeTransactionData(enc)
	require.NoError(t, err)
	out, err := json.Marshal(got)
	require.NoError(t, err)
	sameJSON(t, data, out)
	require.Equal(t, enc, got.Encoded())

	vi := readFile(t, "spec/verifier_info_5_1.json")
	var v VerifierInfo
	require.NoError(t, json.Unmarshal(vi, &v))
	out, err = json.Marshal(v)
	require.NoError(t, err)
	sameJSON(t, vi, out)
}

type linkCase struct{ name, profile, link string }

func readLinks(t *testing.T, name string) []linkCase {
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	var out []linkCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.SplitN(line, " ", 3)
		require.Len(t, p, 3)
		out = append(out, linkCase{p[0], p[1], p[2]})
	}
	require.NoError(t, sc.Err())
	return out
}

func TestGoldenLinks(t *testing.T) {
	for _, tc := range readLinks(t, "spec/links.txt") {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseLink(tc.link, LinkOptions{})
			require.NoError(t, err)
			if l.Request.ByReference() {
				require.NoError(t, l.Request.ValidateReference(ValidateOptions{}))
			} else {
				require.NoError(t, l.Request.Validate(ValidateOptions{}))
			}
			// re-encode and compare the parameters as values
			back, err := l.Request.Link(l.Endpoint)
			require.NoError(t, err)
			sameParams(t, tc.link, back)
		})
	}
}

// sameParams compares two links' query parameters, JSON-valued ones as
// JSON values.
func sameParams(t *testing.T, a, b string) {
	t.Helper()
	ua, err := url.Parse(a)
	require.NoError(t, err)
	ub, err := url.Parse(b)
	require.NoError(t, err)
	qa, qb := ua.Query(), ub.Query()
	require.Equal(t, len(qa), len(qb), "%v vs %v", qa, qb)
	for k := range qa {
		if jsonParams[k] {
			sameJSON(t, []byte(qa.Get(k)), []byte(qb.Get(k)))
			continue
		}
		require.Equal(t, qa.Get(k), qb.Get(k), k)
	}
}

// TestGoldenSeedLink: the W-Stack seed's example authorization link parses
// (both profiles) into a pre-registered client_id and a request_uri, and
// its extra authUrl parameter is kept.
func TestGoldenSeedLink(t *testing.T) {
	raw := strings.TrimSpace(string(readFile(t, "legacy/xfsc_seed_authorization_link.txt")))
	for _, p := range []Profile{ProfileFinal, ProfileLegacy} {
		l, err := ParseLink(raw, LinkOptions{Profile: p})
		require.NoError(t, err)
		require.Equal(t, "https", l.Scheme)
		require.Equal(t, "https://cloud-wallet.xfsc.dev/api/presentation/authorize", l.Endpoint)
		r := l.Request
		require.Equal(t, "mytest", r.ClientID)
		require.True(t, r.ByReference())
		require.NoError(t, r.ValidateReference(ValidateOptions{Profile: p}))
		cid, err := r.ParsedClientID(p)
		require.NoError(t, err)
		require.Equal(t, PrefixPreRegistered, cid.Prefix)
		u, err := url.Parse(r.RequestURI)
		require.NoError(t, err)
		require.Equal(t, "cloud-wallet.xfsc.dev", u.Host)
		require.Equal(t, "tenant_space", u.Query().Get("tenantId"))
		require.JSONEq(t, `"https://cloud-wallet.xfsc.dev/en/wallet/selection"`, string(r.Extra["authUrl"]))
		back, err := r.Link(l.Endpoint)
		require.NoError(t, err)
		sameParams(t, raw, back)
	}
}
