package walletsvc_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/examples/internal/walletsvc"
)

// TestBadInput: wrong tx_code (nothing stored, the offering stays for a
// retry), unknown offering, oversized bodies, another account's credential,
// unauthenticated calls, forbidden holder keys, untrusted verifiers.
func TestBadInput(t *testing.T) {
	e := newEnv(t, envOpts{})
	aliceCred := e.receive(groupA)

	link, code := e.offer()
	var o walletsvc.Offering
	require.Equal(t, http.StatusCreated, e.call("PUT", "/v1/tenants/acme/offering/retrieve/bob", map[string]string{"offer": link}, &o))
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	big := bytes.Repeat([]byte("a"), 2<<20)

	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"wrong tx_code", "DELETE", "/v1/tenants/acme/offering/clear/bob/" + o.ID, walletsvc.Acceptance{Accept: true, TxCode: wrong}, 400, "invalid_grant"},
		{"missing tx_code", "DELETE", "/v1/tenants/acme/offering/clear/bob/" + o.ID, walletsvc.Acceptance{Accept: true}, 400, "invalid_tx_code"},
		{"unknown offering accept", "DELETE", "/v1/tenants/acme/offering/clear/bob/0123456789abcdef", walletsvc.Acceptance{Accept: true, TxCode: code}, 404, "not_found"},
		{"unknown offering reject", "DELETE", "/v1/tenants/acme/offering/clear/bob/0123456789abcdef", walletsvc.Acceptance{}, 404, "not_found"},
		{"offering of another group", "DELETE", "/v1/tenants/acme/offering/clear/alice/" + o.ID, walletsvc.Acceptance{Accept: true, TxCode: code}, 404, "not_found"},
		{"bad offering id", "DELETE", "/v1/tenants/acme/offering/clear/bob/a%20b", walletsvc.Acceptance{}, 400, "invalid_request"},
		{"holder namespace of another tenant", "DELETE", "/v1/tenants/acme/offering/clear/bob/" + o.ID, walletsvc.Acceptance{Accept: true, TxCode: code, HolderNamespace: "other"}, 403, "forbidden"},
		{"holder key in the storage group", "DELETE", "/v1/tenants/acme/offering/clear/bob/" + o.ID, walletsvc.Acceptance{Accept: true, TxCode: code, HolderGroup: "storage", HolderKey: "bob"}, 403, "forbidden"},
		{"oversized acceptance", "DELETE", "/v1/tenants/acme/offering/clear/bob/" + o.ID, append(append([]byte(`{"accept":true,"tx_code":"`), big...), '"', '}'), 413, "invalid_request"},
		{"oversized offer", "PUT", "/v1/tenants/acme/offering/retrieve/bob", append(append([]byte(`{"offer":"`), big...), '"', '}'), 413, "invalid_request"},
		{"offer without body", "PUT", "/v1/tenants/acme/offering/retrieve/bob", []byte(`{}`), 400, "invalid_request"},
		{"malformed offer link", "PUT", "/v1/tenants/acme/offering/retrieve/bob", map[string]string{"offer": "openid-credential-offer://?credential_offer=%7B"}, 400, "invalid_offer"},
		{"bad group name", "PUT", "/v1/tenants/acme/offering/retrieve/a..b%2F", map[string]string{"offer": link}, 400, "invalid_request"},
		{"another account's credential", "GET", "/v1/tenants/acme/storage/bob/credentials/" + aliceCred, nil, 404, "not_found"},
		{"delete another account's credential", "DELETE", "/v1/tenants/acme/storage/bob/credentials/" + aliceCred, nil, 404, "not_found"},
		{"another tenant's credential", "GET", "/v1/tenants/other/storage/alice/credentials/" + aliceCred, nil, 404, "not_found"},
		{"query without query", "POST", "/v1/tenants/acme/storage/alice/credentials/query", []byte(`{}`), 400, "invalid_request"},
		{"query with both", "POST", "/v1/tenants/acme/storage/alice/credentials/query", []byte(`{"dcql_query":{},"presentation_definition":{}}`), 400, "invalid_request"},
		{"malformed dcql", "POST", "/v1/tenants/acme/storage/alice/credentials/query", []byte(`{"dcql_query":{"credentials":[]}}`), 400, "invalid_query"},
		{"oversized query", "POST", "/v1/tenants/acme/storage/alice/credentials/query", append(append([]byte(`{"dcql_query":"`), big...), '"', '}'), 413, "invalid_request"},
		{"empty authorization request", "POST", "/v1/tenants/acme/presentation/authorize/alice", walletsvc.AuthorizeRequest{}, 400, "invalid_request"},
		{"garbage authorization request", "POST", "/v1/tenants/acme/presentation/authorize/alice", walletsvc.AuthorizeRequest{AuthorizationRequest: "openid4vp://?client_id=x"}, 400, "invalid_authorization_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out struct {
				Error string `json:"error"`
			}
			st := e.call(tc.method, tc.path, tc.body, &out)
			require.Equal(t, tc.status, st, out.Error)
			require.Equal(t, tc.code, out.Error)
		})
	}

	// Nothing was stored for bob; the offering survived the failures and
	// the right code still works.
	var creds struct{ Credentials []walletsvc.CredentialInfo }
	require.Equal(t, 200, e.call("GET", "/v1/tenants/acme/storage/bob/credentials", nil, &creds))
	require.Empty(t, creds.Credentials)
	var res walletsvc.ClearResult
	require.Equal(t, 200, e.call("DELETE", "/v1/tenants/acme/offering/clear/bob/"+o.ID, walletsvc.Acceptance{Accept: true, TxCode: code}, &res))
	require.Equal(t, "accepted", res.Status)

	// Reject discards.
	link2, _ := e.offer()
	require.Equal(t, http.StatusCreated, e.call("PUT", "/v1/tenants/acme/offering/retrieve/bob", map[string]string{"offer": link2}, &o))
	require.Equal(t, 200, e.call("DELETE", "/v1/tenants/acme/offering/clear/bob/"+o.ID, walletsvc.Acceptance{Accept: false}, &res))
	require.Equal(t, "rejected", res.Status)
	var list struct{ Offerings []walletsvc.Offering }
	require.Equal(t, 200, e.call("GET", "/v1/tenants/acme/offering/list/bob", nil, &list))
	require.Empty(t, list.Offerings)
}

// TestUnauthenticated: every management route refuses a missing or wrong
// token; health is public.
func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, envOpts{})
	routes := [][2]string{
		{"PUT", "/v1/tenants/acme/offering/retrieve/alice"},
		{"GET", "/v1/tenants/acme/offering/list/alice"},
		{"DELETE", "/v1/tenants/acme/offering/clear/alice/x"},
		{"GET", "/v1/tenants/acme/storage/alice/credentials"},
		{"GET", "/v1/tenants/acme/storage/alice/credentials/x"},
		{"DELETE", "/v1/tenants/acme/storage/alice/credentials/x"},
		{"POST", "/v1/tenants/acme/storage/alice/credentials/query"},
		{"POST", "/v1/tenants/acme/presentation/authorize/alice"},
	}
	for _, tok := range []string{"", "wrong-token-0123456789"} {
		for _, r := range routes {
			req, _ := http.NewRequest(r[0], e.api.URL+r[1], strings.NewReader("{}"))
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s %s", r[0], r[1])
		}
	}
	res, err := http.Get(e.api.URL + "/v1/metrics/health")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
}

// TestUntrustedVerifier: a verifier that authenticates but is not on the
// list gets nothing (and an error response).
func TestUntrustedVerifier(t *testing.T) {
	e := newEnv(t, envOpts{modify: func(c *walletsvc.Config) { c.TrustedVerifiers = []string{"x509_san_dns:other.example"} }})
	e.receive(groupA)
	_, link := e.request(pidQuery)
	var out struct{ Error string }
	require.Equal(t, http.StatusForbidden, e.call("POST", "/v1/tenants/acme/presentation/authorize/alice",
		walletsvc.AuthorizeRequest{AuthorizationRequest: link}, &out))
	require.Equal(t, "untrusted_verifier", out.Error)
}

// TestNoMatch: an account without a matching credential declines; the
// verifier gets access_denied.
func TestNoMatch(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.receive(groupA)
	tx, link := e.request(pidQuery)
	var out struct{ Error string }
	require.Equal(t, http.StatusConflict, e.call("POST", "/v1/tenants/acme/presentation/authorize/bob",
		walletsvc.AuthorizeRequest{AuthorizationRequest: link}, &out))
	require.Equal(t, "no_matching_credentials", out.Error)
	vr, err := e.ver.Result(e.ctx, tenant, tx.ID, tx.Secret)
	require.NoError(t, err)
	require.Equal(t, "access_denied", vr.ErrorCode)
}

// TestOfferingExpires: after OfferingTTL an offering is neither listed
// nor acceptable.
func TestOfferingExpires(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, envOpts{modify: func(c *walletsvc.Config) { c.Now = clock; c.OfferingTTL = time.Minute }})
	link, code := e.offer()
	var o walletsvc.Offering
	require.Equal(t, http.StatusCreated, e.call("PUT", "/v1/tenants/acme/offering/retrieve/alice", map[string]string{"offer": link}, &o))
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	var list struct{ Offerings []walletsvc.Offering }
	require.Equal(t, 200, e.call("GET", "/v1/tenants/acme/offering/list/alice", nil, &list))
	require.Empty(t, list.Offerings)
	require.Equal(t, 404, e.call("DELETE", "/v1/tenants/acme/offering/clear/alice/"+o.ID, walletsvc.Acceptance{Accept: true, TxCode: code}, nil))
}
