package oid4vp

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation/dcql"
)

const testQuery = `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["https://credentials.example.com/identity_credential"]},"claims":[{"path":["last_name"]}]}]}`

const testQueryNoBinding = `{"credentials":[{"id":"pid","format":"dc+sd-jwt","require_cryptographic_holder_binding":false,"meta":{"vct_values":["https://credentials.example.com/identity_credential"]}}]}`

// baseRequest is a valid signed direct_post request as a JSON member map.
func baseRequest() map[string]any {
	var q any
	_ = json.Unmarshal([]byte(testQuery), &q)
	return map[string]any{
		"response_type": "vp_token",
		"response_mode": "direct_post",
		"client_id":     "x509_san_dns:client.example.org",
		"response_uri":  "https://client.example.org/post",
		"nonce":         "n-0S6_WzA2Mj",
		"state":         "st-1",
		"dcql_query":    q,
	}
}

func encodeTD(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

func jsonOf(t testing.TB, v any) any {
	var out any
	b, _ := json.Marshal(v)
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func TestValidateBadRequests(t *testing.T) {
	td := func(v any) []string { return []string{encodeTD(t, v)} }
	encKey := map[string]any{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ECDH-ES", "x": "YO4epjifD-KWeq1sL2tNmm36BhXnkJ0He-WqMYrp9Fk", "y": "Hekpm0zfK7C-YccH5iBjcIXgf6YdUvNUac_0At55Okk"}
	tests := []struct {
		name     string
		mutate   func(m map[string]any)
		opts     ValidateOptions
		unsigned bool
		wantErr  error
		wantCode string
	}{
		{name: "valid", mutate: func(map[string]any) {}},
		{name: "missing response_type", mutate: func(m map[string]any) { delete(m, "response_type") }, wantErr: ErrMissingParameter},
		{name: "response_type id_token", mutate: func(m map[string]any) { m["response_type"] = "id_token" }, wantErr: ErrInvalidParameter, wantCode: CodeUnsupportedResponseType},
		{name: "response_type vp_token id_token reordered", mutate: func(m map[string]any) { m["response_type"] = "id_token vp_token" }},
		{name: "unknown response_mode", mutate: func(m map[string]any) { m["response_mode"] = "query" }, wantErr: ErrInvalidParameter},
		{name: "missing client_id", mutate: func(m map[string]any) { delete(m, "client_id") }, wantErr: ErrMissingParameter},
		{name: "origin prefix", mutate: func(m map[string]any) { m["client_id"] = "origin:https://client.example.org" }, wantErr: ErrRejectedPrefix},
		{name: "x509_san_dns not a DNS name", mutate: func(m map[string]any) { m["client_id"] = "x509_san_dns:client_example!org" }, wantErr: ErrInvalidClientID},
		{name: "x509_hash of wrong length", mutate: func(m map[string]any) { m["client_id"] = "x509_hash:AAAA" }, wantErr: ErrInvalidClientID},
		{name: "decentralized_identifier not a DID", mutate: func(m map[string]any) { m["client_id"] = "decentralized_identifier:example:123" }, wantErr: ErrInvalidClientID},
		{name: "signed redirect_uri prefix", mutate: func(m map[string]any) { m["client_id"] = "redirect_uri:https://client.example.org/post" }, wantErr: ErrRejectedPrefix},
		{name: "unsigned x509_san_dns", mutate: func(map[string]any) {}, unsigned: true, wantErr: ErrRejectedPrefix},
		{name: "unsigned redirect_uri prefix", unsigned: true, mutate: func(m map[string]any) { m["client_id"] = "redirect_uri:https://client.example.org/post" }},
		{name: "unsigned redirect_uri prefix, other response_uri", unsigned: true, mutate: func(m map[string]any) {
			m["client_id"] = "redirect_uri:https://client.example.org/post"
			m["response_uri"] = "https://attacker.example/post"
		}, wantErr: ErrInvalidClientID},
		{name: "missing nonce", mutate: func(m map[string]any) { delete(m, "nonce") }, wantErr: ErrMissingParameter},
		{name: "nonce not URL-safe", mutate: func(m map[string]any) { m["nonce"] = "a b" }, wantErr: ErrInvalidParameter},
		{name: "nonce too long", mutate: func(m map[string]any) { m["nonce"] = strings.Repeat("a", MaxNonceLength+1) }, wantErr: ErrInvalidParameter},
		{name: "nonce below policy minimum", mutate: func(map[string]any) {}, opts: ValidateOptions{MinNonceLength: 16}, wantErr: ErrInvalidParameter},
		{name: "state not URL-safe", mutate: func(m map[string]any) { m["state"] = "a/b" }, wantErr: ErrInvalidParameter},
		{name: "holder binding waived without state", mutate: func(m map[string]any) {
			delete(m, "state")
			m["dcql_query"] = jsonOf(t, json.RawMessage(testQueryNoBinding))
		}, wantErr: ErrMissingParameter},
		{name: "dcql_query and scope", mutate: func(m map[string]any) { m["scope"] = "com.example.pid" }, wantErr: ErrConflictingParams},
		{name: "dcql_query and scope openid", mutate: func(m map[string]any) { m["scope"] = "openid"; m["response_type"] = "vp_token id_token" }},
		{name: "neither dcql_query nor scope", mutate: func(m map[string]any) { delete(m, "dcql_query") }, wantErr: ErrMissingParameter},
		{name: "presentation_definition in 1.0", mutate: func(m map[string]any) {
			delete(m, "dcql_query")
			m["presentation_definition"] = map[string]any{"id": "x", "input_descriptors": []any{}}
		}, wantErr: ErrMissingParameter},
		{name: "direct_post without response_uri", mutate: func(m map[string]any) { delete(m, "response_uri") }, wantErr: ErrMissingParameter},
		{name: "direct_post with redirect_uri", mutate: func(m map[string]any) { m["redirect_uri"] = "https://client.example.org/cb" }, wantErr: ErrConflictingParams},
		{name: "http response_uri", mutate: func(m map[string]any) { m["response_uri"] = "http://client.example.org/post" }, wantErr: ErrInvalidParameter},
		{name: "http loopback response_uri, insecure", mutate: func(m map[string]any) {
			m["response_uri"] = "http://127.0.0.1:8080/post"
		}, opts: ValidateOptions{InsecureAllowHTTP: true, SkipRedirectHostCheck: true}},
		{name: "http public response_uri, insecure", mutate: func(m map[string]any) { m["response_uri"] = "http://client.example.org/post" }, opts: ValidateOptions{InsecureAllowHTTP: true}, wantErr: ErrInvalidParameter},
		{name: "response_uri host is not the x509_san_dns name", mutate: func(m map[string]any) { m["response_uri"] = "https://attacker.example/post" }, wantErr: ErrInvalidClientID},
		{name: "response_uri host differs, trusted client", mutate: func(m map[string]any) { m["response_uri"] = "https://other.example/post" }, opts: ValidateOptions{SkipRedirectHostCheck: true}},
		{name: "direct_post.jwt without jwks", mutate: func(m map[string]any) { m["response_mode"] = "direct_post.jwt" }, wantErr: ErrMissingParameter},
		{name: "direct_post.jwt with jwks", mutate: func(m map[string]any) {
			m["response_mode"] = "direct_post.jwt"
			m["client_metadata"] = map[string]any{"jwks": map[string]any{"keys": []any{encKey}}}
		}},
		{name: "request_uri left in claims", mutate: func(m map[string]any) { m["request_uri"] = "https://client.example.org/r" }, wantErr: ErrInvalidParameter},
		{name: "transaction_data unsupported by default", mutate: func(m map[string]any) {
			m["transaction_data"] = td(map[string]any{"type": "payment", "credential_ids": []string{"pid"}})
		}, wantErr: ErrTransactionData, wantCode: CodeInvalidTransactionData},
		{name: "transaction_data supported", mutate: func(m map[string]any) {
			m["transaction_data"] = td(map[string]any{"type": "payment", "credential_ids": []string{"pid"}, "transaction_data_hashes_alg": []string{"sha-384"}})
		}, opts: ValidateOptions{TransactionDataTypes: []string{"payment"}}},
		{name: "transaction_data unknown type", mutate: func(m map[string]any) {
			m["transaction_data"] = td(map[string]any{"type": "other", "credential_ids": []string{"pid"}})
		}, opts: ValidateOptions{TransactionDataTypes: []string{"payment"}}, wantErr: ErrTransactionData, wantCode: CodeInvalidTransactionData},
		{name: "transaction_data unknown credential id", mutate: func(m map[string]any) {
			m["transaction_data"] = td(map[string]any{"type": "payment", "credential_ids": []string{"mdl"}})
		}, opts: ValidateOptions{TransactionDataTypes: []string{"payment"}}, wantErr: ErrTransactionData},
		{name: "transaction_data only unsupported hash", mutate: func(m map[string]any) {
			m["transaction_data"] = td(map[string]any{"type": "payment", "credential_ids": []string{"pid"}, "transaction_data_hashes_alg": []string{"md5"}})
		}, opts: ValidateOptions{TransactionDataTypes: []string{"payment"}}, wantErr: ErrUnsupportedHash, wantCode: CodeInvalidTransactionData},
		{name: "transaction_data for a query waiving holder binding", mutate: func(m map[string]any) {
			m["dcql_query"] = jsonOf(t, json.RawMessage(testQueryNoBinding))
			m["transaction_data"] = td(map[string]any{"type": "payment", "credential_ids": []string{"pid"}})
		}, opts: ValidateOptions{TransactionDataTypes: []string{"payment"}}, wantErr: ErrTransactionData},
		{name: "transaction_data padded base64", mutate: func(m map[string]any) {
			m["transaction_data"] = []string{encodeTD(t, map[string]any{"type": "payment", "credential_ids": []string{"pid"}}) + "="}
		}, opts: ValidateOptions{TransactionDataTypes: []string{"payment"}}, wantErr: ErrTransactionData},
		{name: "transaction_data not JSON", mutate: func(m map[string]any) {
			m["transaction_data"] = []string{base64.RawURLEncoding.EncodeToString([]byte("payment"))}
		}, opts: ValidateOptions{TransactionDataTypes: []string{"payment"}}, wantErr: ErrTransactionData},
		{name: "transaction_data without credential_ids", mutate: func(m map[string]any) {
			m["transaction_data"] = td(map[string]any{"type": "payment"})
		}, opts: ValidateOptions{TransactionDataTypes: []string{"payment"}}, wantErr: ErrTransactionData},
		{name: "verifier_info without format", mutate: func(m map[string]any) {
			m["verifier_info"] = []any{map[string]any{"data": "eyJ"}}
		}, wantErr: ErrMissingParameter},
		{name: "verifier_info data a number", mutate: func(m map[string]any) {
			m["verifier_info"] = []any{map[string]any{"format": "jwt", "data": 5}}
		}, wantErr: ErrInvalidParameter},
		{name: "verifier_info unknown credential id", mutate: func(m map[string]any) {
			m["verifier_info"] = []any{map[string]any{"format": "jwt", "data": "eyJ", "credential_ids": []string{"mdl"}}}
		}, wantErr: ErrInvalidParameter},
		{name: "signed DC API without expected_origins", mutate: func(m map[string]any) {
			m["response_mode"] = "dc_api"
			delete(m, "response_uri")
		}, wantErr: ErrMissingParameter},
		{name: "unsigned DC API without client_id", unsigned: true, mutate: func(m map[string]any) {
			m["response_mode"] = "dc_api"
			delete(m, "response_uri")
			delete(m, "client_id")
		}},
		{name: "unknown parameter ignored", mutate: func(m map[string]any) { m["foo"] = []any{1, 2} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := baseRequest()
			tc.mutate(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			r, err := DecodeRequest(b, tc.opts.Profile)
			require.NoError(t, err)
			o := tc.opts
			o.Signed = !tc.unsigned
			err = r.Validate(o)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			var e *Error
			require.ErrorAs(t, err, &e)
			code := tc.wantCode
			switch {
			case code != "":
			case tc.wantErr == ErrTransactionData:
				code = CodeInvalidTransactionData
			default:
				code = CodeInvalidRequest
			}
			require.Equal(t, code, e.Code)
		})
	}
}

func TestDecodeRequestBadInputs(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)
	many := &strings.Builder{}
	many.WriteString("{")
	for i := range MaxParameters + 1 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"p` + strings.Repeat("x", i) + `":1`)
	}
	many.WriteString("}")
	tests := []struct {
		name    string
		in      string
		wantErr error
		also    error
	}{
		{"duplicate member", `{"nonce":"a","nonce":"b"}`, ErrMalformed, jsonx.ErrDuplicateMember},
		{"not an object", `["nonce"]`, ErrMalformed, nil},
		{"deeply nested", `{"x":` + deep + `}`, ErrTooLarge, jsonx.ErrTooDeep},
		{"too large", `{"x":"` + strings.Repeat("a", MaxRequestBytes) + `"}`, ErrTooLarge, jsonx.ErrTooLarge},
		{"too many parameters", many.String(), ErrTooLarge, nil},
		{"nonce a number", `{"nonce":1}`, ErrInvalidParameter, nil},
		{"aud a number", `{"aud":1}`, ErrInvalidParameter, nil},
		{"exp fractional", `{"exp":1.5}`, ErrInvalidParameter, nil},
		{"transaction_data empty", `{"transaction_data":[]}`, ErrInvalidParameter, nil},
		{"transaction_data a string", `{"transaction_data":"eyJ"}`, ErrInvalidParameter, nil},
		{"verifier_info empty", `{"verifier_info":[]}`, ErrInvalidParameter, nil},
		{"dcql_query duplicate ids", `{"dcql_query":{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}},{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]}}]}}`, ErrInvalidParameter, dcql.ErrDuplicateID},
		{"client_metadata jwks private key", `{"client_metadata":{"jwks":{"keys":[{"kty":"EC","kid":"1","d":"x"}]}}}`, ErrInvalidParameter, nil},
		{"client_metadata jwks key without kid", `{"client_metadata":{"jwks":{"keys":[{"kty":"EC"}]}}}`, ErrInvalidParameter, nil},
		{"client_metadata jwks duplicate kid", `{"client_metadata":{"jwks":{"keys":[{"kty":"EC","kid":"1"},{"kty":"EC","kid":"1"}]}}}`, ErrInvalidParameter, nil},
		{"client_metadata empty enc list", `{"client_metadata":{"encrypted_response_enc_values_supported":[]}}`, ErrInvalidParameter, nil},
		{"client_metadata empty alg list", `{"client_metadata":{"vp_formats_supported":{"dc+sd-jwt":{"sd-jwt_alg_values":[]}}}}`, ErrInvalidParameter, nil},
		{"legacy presentation_definition invalid", `{"presentation_definition":{"id":1}}`, ErrInvalidParameter, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRequest([]byte(tc.in), ProfileLegacy)
			require.ErrorIs(t, err, tc.wantErr)
			if tc.also != nil {
				require.ErrorIs(t, err, tc.also)
			}
			require.Equal(t, CodeInvalidRequest, CodeOf(err))
		})
	}
}

func TestParseQueryBadInputs(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		wantErr error
	}{
		{"duplicate parameter", "client_id=a&client_id=b", ErrDuplicateParameter},
		{"dcql_query not JSON", "dcql_query=%7Bcredentials", ErrMalformed},
		{"dcql_query duplicate member", "dcql_query=" + url.QueryEscape(`{"credentials":[],"credentials":[]}`), ErrMalformed},
		{"client_metadata a string", "client_metadata=abc", ErrMalformed},
		{"dcql_query deep", "dcql_query=" + url.QueryEscape(strings.Repeat("[", 100)+strings.Repeat("]", 100)), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			require.NoError(t, err)
			_, err = ParseQuery(q, ProfileFinal)
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
	t.Run("too many parameters", func(t *testing.T) {
		q := url.Values{}
		for i := range MaxParameters + 1 {
			q.Set("p"+strings.Repeat("x", i), "1")
		}
		_, err := ParseQuery(q, ProfileFinal)
		require.ErrorIs(t, err, ErrTooLarge)
	})
	t.Run("presentation_definition kept as an unknown string in 1.0", func(t *testing.T) {
		r, err := ParseQuery(url.Values{"presentation_definition": {"not json"}}, ProfileFinal)
		require.NoError(t, err)
		require.JSONEq(t, `"not json"`, string(r.Extra["presentation_definition"]))
	})
}

func TestParseLinkBadInputs(t *testing.T) {
	tests := []struct {
		name    string
		link    string
		opts    LinkOptions
		wantErr error
	}{
		{"javascript scheme", "javascript:alert(1)//?client_id=a", LinkOptions{}, ErrUnsupportedScheme},
		{"http", "http://wallet.example.com/authorize?client_id=a", LinkOptions{}, ErrUnsupportedScheme},
		{"http public host, insecure", "http://wallet.example.com/authorize?client_id=a", LinkOptions{InsecureAllowHTTP: true}, ErrUnsupportedScheme},
		{"haip-vp not configured", "haip-vp://?client_id=a", LinkOptions{}, ErrUnsupportedScheme},
		{"no scheme", "?client_id=a", LinkOptions{}, ErrUnsupportedScheme},
		{"https without host", "https:///authorize?client_id=a", LinkOptions{}, ErrMalformed},
		{"bad escape", "openid4vp://?client_id=%zz", LinkOptions{}, ErrMalformed},
		{"semicolon separator", "openid4vp://?client_id=a;nonce=b", LinkOptions{}, ErrMalformed},
		{"user info", "https://user@wallet.example.com/?client_id=a", LinkOptions{}, ErrMalformed},
		{"too long", "openid4vp://?client_id=" + strings.Repeat("a", MaxLinkBytes), LinkOptions{}, ErrTooLarge},
		{"duplicate client_id", "openid4vp://?client_id=a&client_id=b", LinkOptions{}, ErrDuplicateParameter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLink(tc.link, tc.opts)
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
	t.Run("configured schemes", func(t *testing.T) {
		for _, link := range []string{"haip-vp://?client_id=a&request_uri=https%3A%2F%2Fv.example%2Fr", "HAIP-VP://authorize?client_id=a&request_uri=https%3A%2F%2Fv.example%2Fr", "openid4vp:?client_id=a&request_uri=https%3A%2F%2Fv.example%2Fr"} {
			l, err := ParseLink(link, LinkOptions{Schemes: []string{SchemeHAIP}})
			require.NoError(t, err, link)
			require.NoError(t, l.Request.ValidateReference(ValidateOptions{}))
		}
		l, err := ParseLink("http://127.0.0.1:9000/authorize?client_id=a", LinkOptions{InsecureAllowHTTP: true})
		require.NoError(t, err)
		require.Equal(t, "http://127.0.0.1:9000/authorize", l.Endpoint)
	})
}

func TestValidateReference(t *testing.T) {
	tests := []struct {
		name     string
		q        string
		wantErr  error
		wantCode string
	}{
		{"valid get", "client_id=x509_san_dns%3Av.example&request_uri=https%3A%2F%2Fv.example%2Fr", nil, ""},
		{"valid post", "client_id=x509_san_dns%3Av.example&request_uri=https%3A%2F%2Fv.example%2Fr&request_uri_method=post", nil, ""},
		{"valid by value", "client_id=x509_san_dns%3Av.example&request=aaa.bbb.ccc", nil, ""},
		{"request_uri_method PUT", "client_id=a&request_uri=https%3A%2F%2Fv.example%2Fr&request_uri_method=PUT", ErrRequestURIMethod, CodeInvalidRequestURIMethod},
		{"request_uri_method upper case", "client_id=a&request_uri=https%3A%2F%2Fv.example%2Fr&request_uri_method=POST", ErrRequestURIMethod, CodeInvalidRequestURIMethod},
		{"request_uri_method without request_uri", "client_id=a&request=aaa.bbb.ccc&request_uri_method=get", ErrInvalidParameter, CodeInvalidRequest},
		{"both request and request_uri", "client_id=a&request=aaa.bbb.ccc&request_uri=https%3A%2F%2Fv.example%2Fr", ErrConflictingParams, CodeInvalidRequest},
		{"neither", "client_id=a", ErrMissingParameter, CodeInvalidRequest},
		{"missing client_id", "request_uri=https%3A%2F%2Fv.example%2Fr", ErrMissingParameter, CodeInvalidRequest},
		{"request_uri http", "client_id=a&request_uri=http%3A%2F%2Fv.example%2Fr", ErrInvalidParameter, CodeInvalidRequest},
		{"request_uri relative", "client_id=a&request_uri=%2Fr", ErrInvalidParameter, CodeInvalidRequest},
		{"request not a JOSE compact form", "client_id=a&request=abc", ErrMalformed, CodeInvalidRequest},
		{"origin client_id", "client_id=origin%3Ahttps%3A%2F%2Fv.example&request_uri=https%3A%2F%2Fv.example%2Fr", ErrRejectedPrefix, CodeInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.q)
			require.NoError(t, err)
			r, err := ParseQuery(q, ProfileFinal)
			require.NoError(t, err)
			err = r.ValidateReference(ValidateOptions{})
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			require.Equal(t, tc.wantCode, CodeOf(err))
		})
	}
}

func TestCheckRequestObject(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	claims := func(mut func(m map[string]any)) *AuthorizationRequest {
		m := baseRequest()
		m["wallet_nonce"] = "wn-1"
		m["aud"] = AudienceSelfIssued
		m["exp"] = now.Unix() + 60
		mut(m)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		r, err := DecodeRequest(b, ProfileLegacy)
		require.NoError(t, err)
		return r
	}
	outer := &AuthorizationRequest{ClientID: "x509_san_dns:client.example.org", RequestURI: "https://client.example.org/r"}
	opts := RequestObjectOptions{WalletNonce: "wn-1", Now: now}
	tests := []struct {
		name    string
		typ     string
		mutate  func(m map[string]any)
		outer   *AuthorizationRequest
		opts    func(o *RequestObjectOptions)
		wantErr error
	}{
		{name: "valid", typ: TypRequestObject},
		{name: "typ with application/ prefix", typ: "application/oauth-authz-req+jwt"},
		{name: "typ JWT", typ: "JWT", wantErr: ErrInvalidTyp},
		{name: "typ of a KB-JWT", typ: "kb+jwt", wantErr: ErrInvalidTyp},
		{name: "typ missing", typ: "", wantErr: ErrInvalidTyp},
		{name: "typ missing, legacy", typ: "", opts: func(o *RequestObjectOptions) { o.Profile = ProfileLegacy }},
		{name: "typ wrong, legacy", typ: "JWT", opts: func(o *RequestObjectOptions) { o.Profile = ProfileLegacy }, wantErr: ErrInvalidTyp},
		{name: "client_id without prefix in the link", typ: TypRequestObject, outer: &AuthorizationRequest{ClientID: "client.example.org"}, wantErr: ErrClientIDMismatch},
		{name: "client_id of another verifier", typ: TypRequestObject, mutate: func(m map[string]any) {
			m["client_id"] = "x509_san_dns:attacker.example"
			m["response_uri"] = "https://attacker.example/post"
		}, wantErr: ErrClientIDMismatch},
		{name: "wallet_nonce missing", typ: TypRequestObject, mutate: func(m map[string]any) { delete(m, "wallet_nonce") }, wantErr: ErrWalletNonceMismatch},
		{name: "wallet_nonce different", typ: TypRequestObject, mutate: func(m map[string]any) { m["wallet_nonce"] = "wn-2" }, wantErr: ErrWalletNonceMismatch},
		{name: "aud another wallet", typ: TypRequestObject, mutate: func(m map[string]any) { m["aud"] = "https://wallet.other.example" }, wantErr: ErrAudienceMismatch},
		{name: "aud array naming the wallet", typ: TypRequestObject, mutate: func(m map[string]any) { m["aud"] = []string{"https://x.example", "https://wallet.example"} },
			opts: func(o *RequestObjectOptions) { o.Audiences = []string{"https://wallet.example"} }},
		{name: "aud absent", typ: TypRequestObject, mutate: func(m map[string]any) { delete(m, "aud") }},
		{name: "aud absent, required", typ: TypRequestObject, mutate: func(m map[string]any) { delete(m, "aud") }, opts: func(o *RequestObjectOptions) { o.RequireAudience = true }, wantErr: ErrAudienceMismatch},
		{name: "expired", typ: TypRequestObject, mutate: func(m map[string]any) { m["exp"] = now.Unix() - 1 }, wantErr: ErrExpired},
		{name: "expired within leeway", typ: TypRequestObject, mutate: func(m map[string]any) { m["exp"] = now.Unix() - 1 }, opts: func(o *RequestObjectOptions) { o.Leeway = 5 * time.Second }},
		{name: "nbf in the future", typ: TypRequestObject, mutate: func(m map[string]any) { m["nbf"] = now.Unix() + 100 }, wantErr: ErrExpired},
		{name: "iat in the future", typ: TypRequestObject, mutate: func(m map[string]any) { m["iat"] = now.Unix() + 100 }, wantErr: ErrExpired},
		{name: "nested request_uri", typ: TypRequestObject, mutate: func(m map[string]any) { m["request_uri"] = "https://client.example.org/r2" }, wantErr: ErrInvalidParameter},
		{name: "link client_id differs, legacy skip", typ: "", outer: &AuthorizationRequest{ClientID: "mytest"},
			opts: func(o *RequestObjectOptions) { o.Profile, o.InsecureSkipClientIDMatch = ProfileLegacy, true }},
		{name: "link client_id differs, skip ignored in 1.0", typ: TypRequestObject, outer: &AuthorizationRequest{ClientID: "mytest"},
			opts: func(o *RequestObjectOptions) { o.InsecureSkipClientIDMatch = true }, wantErr: ErrClientIDMismatch},
		{name: "legacy client_id_scheme differs", typ: TypRequestObject, mutate: func(m map[string]any) {
			m["client_id"] = "did:example:123"
			m["client_id_scheme"] = "did"
		}, outer: &AuthorizationRequest{ClientID: "did:example:123", ClientIDScheme: "redirect_uri"},
			opts: func(o *RequestObjectOptions) { o.Profile = ProfileLegacy }, wantErr: ErrClientIDMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mut := tc.mutate
			if mut == nil {
				mut = func(map[string]any) {}
			}
			o := opts
			if tc.opts != nil {
				tc.opts(&o)
			}
			out := outer
			if tc.outer != nil {
				out = tc.outer
			}
			err := CheckRequestObject(tc.typ, claims(mut), out, o)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			require.Equal(t, CodeInvalidRequest, CodeOf(err))
		})
	}
}

func TestResponseBadInputs(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"response_type":"vp_token","response_mode":"direct_post","client_id":"x509_san_dns:client.example.org","response_uri":"https://client.example.org/post","nonce":"n-0S6_WzA2Mj","state":"st-1","dcql_query":`+testQuery+`}`), ProfileFinal)
	require.NoError(t, err)
	enc := *req
	enc.ResponseMode = ResponseModeDirectPostJWT
	const jwe = "eyJhbGciOiJFQ0RILUVTIn0..iv.ct.tag"
	parseTests := []struct {
		name    string
		form    url.Values
		wantErr error
	}{
		{"duplicate vp_token", url.Values{"vp_token": {`{"pid":["a"]}`, `{"pid":["b"]}`}}, ErrDuplicateParameter},
		{"vp_token not JSON", url.Values{"vp_token": {"eyJhbGci.x.y"}}, ErrInvalidParameter},
		{"vp_token an array in 1.0", url.Values{"vp_token": {`["a"]`}}, ErrInvalidParameter},
		{"vp_token empty object", url.Values{"vp_token": {`{}`}}, ErrInvalidParameter},
		{"vp_token invalid query id", url.Values{"vp_token": {`{"p id":["a"]}`}}, ErrInvalidParameter},
		{"vp_token duplicate key", url.Values{"vp_token": {`{"pid":["a"],"pid":["b"]}`}}, ErrInvalidParameter},
		{"vp_token presentation a number", url.Values{"vp_token": {`{"pid":[1]}`}}, ErrInvalidParameter},
		{"response not a JWE", url.Values{"response": {"a.b.c"}}, ErrMalformed},
	}
	for _, tc := range parseTests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseResponse(tc.form, ProfileFinal)
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
	t.Run("vp_token deeply nested", func(t *testing.T) {
		_, err := ParseResponse(url.Values{"vp_token": {`{"pid":[` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `]}`}}, ProfileFinal)
		require.ErrorIs(t, err, ErrInvalidParameter)
		require.ErrorIs(t, err, dcql.ErrVPTokenRejected)
	})
	checkTests := []struct {
		name    string
		form    url.Values
		req     *AuthorizationRequest
		wantErr error
	}{
		{"valid", url.Values{"vp_token": {`{"pid":["eyJ.a.b~"]}`}, "state": {"st-1"}}, req, nil},
		{"state mismatch", url.Values{"vp_token": {`{"pid":["x"]}`}, "state": {"st-2"}}, req, ErrStateMismatch},
		{"state missing", url.Values{"vp_token": {`{"pid":["x"]}`}}, req, ErrStateMismatch},
		{"unrequested query id", url.Values{"vp_token": {`{"pid":["x"],"other":["y"]}`}, "state": {"st-1"}}, req, ErrUnexpectedResponse},
		{"two presentations without multiple", url.Values{"vp_token": {`{"pid":["x","y"]}`}, "state": {"st-1"}}, req, ErrUnexpectedResponse},
		{"no vp_token", url.Values{"state": {"st-1"}}, req, ErrMissingParameter},
		{"encrypted response for direct_post", url.Values{"response": {jwe}}, req, ErrUnexpectedResponse},
		{"plain vp_token for direct_post.jwt", url.Values{"vp_token": {`{"pid":["x"]}`}, "state": {"st-1"}}, &enc, ErrUnexpectedResponse},
		{"encrypted response with vp_token beside", url.Values{"response": {jwe}, "vp_token": {`{"pid":["x"]}`}}, &enc, ErrUnexpectedResponse},
		{"encrypted response", url.Values{"response": {jwe}}, &enc, nil},
		{"error response", url.Values{"error": {"access_denied"}, "state": {"st-1"}}, req, ErrProtocolError},
		{"error response, wrong state", url.Values{"error": {"access_denied"}, "state": {"x"}}, req, ErrStateMismatch},
	}
	for _, tc := range checkTests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseResponse(tc.form, ProfileFinal)
			require.NoError(t, err)
			err = r.CheckResponse(tc.req)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
	t.Run("legacy definition_id mismatch", func(t *testing.T) {
		lreq, err := DecodeRequest(readFile(t, "legacy/draft25_request_object_client_id_did.json"), ProfileLegacy)
		require.NoError(t, err)
		form := url.Values{"vp_token": {"eyJhb.x.y"}, "presentation_submission": {`{"id":"s","definition_id":"other","descriptor_map":[{"id":"id_credential","format":"jwt_vp_json","path":"$"}]}`}}
		r, err := ParseResponse(form, ProfileLegacy)
		require.NoError(t, err)
		require.JSONEq(t, `"eyJhb.x.y"`, string(r.LegacyVPToken))
		require.ErrorIs(t, r.CheckResponse(lreq), ErrUnexpectedResponse)
		_, err = ParseResponse(url.Values{"vp_token": {"x"}, "presentation_submission": {`{"id":"s","definition_id":"d","descriptor_map":[{"id":"a","path":"$"}]}`}}, ProfileLegacy)
		require.ErrorIs(t, err, ErrInvalidParameter)
		r, err = ParseResponse(url.Values{"vp_token": {"eyJhb.x.y"}}, ProfileLegacy)
		require.Error(t, err, "a bare JWT without presentation_submission is no DCQL map")
		_ = r
	})
}

func TestErrorIsMatchable(t *testing.T) {
	_, err := DecodeRequest([]byte(`{"nonce":"a","nonce":"b"}`), ProfileFinal)
	var e *Error
	require.True(t, errors.As(err, &e))
	require.True(t, errors.Is(err, ErrMalformed))
	require.NotContains(t, string(must(e.MarshalJSON())), "jsonx", "the cause never reaches the wire")
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
