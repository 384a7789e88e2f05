package verifier_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
)

// flow is one transaction with its fetched Request Object.
type flow struct {
	tx     *verifier.Transaction
	claims *oid4vp.AuthorizationRequest
}

func (e *env) start(v *verifier.Verifier, query string, mode oid4vp.ResponseMode) flow {
	e.t.Helper()
	tx := e.create(v, verifier.CreateRequest{Query: mustQuery(e.t, query), ResponseMode: mode})
	link, err := tx.Link("openid4vp://")
	require.NoError(e.t, err)
	claims, err := e.fetch(link, "")
	require.NoError(e.t, err)
	return flow{tx, claims}
}

// TestBadResponses: each bad response gets an OpenID4VP error and nothing
// is accepted. open says whether the transaction stays open (malformed
// input does not consume it) — then a correct response still succeeds —
// or ends rejected, with the reason matching wantErr.
func TestBadResponses(t *testing.T) {
	type tcase struct {
		name    string
		mode    oid4vp.ResponseMode
		query   string
		form    func(e *env, v *verifier.Verifier, f flow) (uri string, form url.Values)
		status  int
		code    string
		open    bool
		wantErr error  // reason of the rejection (closed transactions)
		wantMsg string // and a part of its message
	}
	valid := func(e *env, f flow, o presentOptions, p postOptions) url.Values {
		return e.responseForm(f.claims, e.present(f.claims, o), p)
	}
	cases := []tcase{
		{name: "unknown transaction", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return e.base + "/response/AAAAAAAAAAAAAAAAAAAAAA", valid(e, f, presentOptions{}, postOptions{})
		}, status: 404, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "another tenant's path", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return strings.Replace(f.claims.ResponseURI, "/tenants/acme/", "/tenants/evil/", 1), valid(e, f, presentOptions{}, postOptions{})
		}, status: 404, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "JWE encrypted to another transaction's key", form: func(e *env, v *verifier.Verifier, f flow) (string, url.Values) {
			other := e.start(v, twoQuery, "")
			return f.claims.ResponseURI, valid(e, f, presentOptions{}, postOptions{jwk: firstJWK(e.t, other.claims)})
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "JWE with another transaction's kid", form: func(e *env, v *verifier.Verifier, f flow) (string, url.Values) {
			other := e.start(v, twoQuery, "")
			jwk := firstJWK(e.t, f.claims) // our key, another transaction's kid
			jwk["kid"] = firstJWK(e.t, other.claims)["kid"]
			return f.claims.ResponseURI, valid(e, f, presentOptions{}, postOptions{jwk: jwk})
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "JWE with zip", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, valid(e, f, presentOptions{}, postOptions{header: map[string]any{"zip": jwa.Deflate}})
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "JWE with enc not offered", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, valid(e, f, presentOptions{}, postOptions{enc: "A128CBC-HS256"})
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "unencrypted response to direct_post.jwt", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, valid(e, f, presentOptions{}, postOptions{plain: true})
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "response and vp_token side by side", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			form := valid(e, f, presentOptions{}, postOptions{})
			form.Set("vp_token", `{"pid":["x"]}`)
			return f.claims.ResponseURI, form
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "not a JWE", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, url.Values{"response": {"a.b.c"}}
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "vp_token larger than the limit", mode: oid4vp.ResponseModeDirectPost, form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, url.Values{"state": {f.claims.State}, "vp_token": {`{"pid":["` + strings.Repeat("A", dcql.MaxVPTokenBytes+1) + `"]}`}}
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "body larger than MaxResponseBytes", mode: oid4vp.ResponseModeDirectPost, form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, url.Values{"state": {f.claims.State}, "vp_token": {`{"pid":["` + strings.Repeat("A", int(oid4vp.MaxResponseBytes)) + `"]}`}}
		}, status: 413, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "state mismatch", mode: oid4vp.ResponseModeDirectPost, form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, valid(e, f, presentOptions{}, postOptions{state: "other-state"})
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "unrequested credential query id", mode: oid4vp.ResponseModeDirectPost, form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			tok := e.present(f.claims, presentOptions{})
			tok["extra"] = tok["pid"]
			return f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{})
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "two presentations with multiple=false", mode: oid4vp.ResponseModeDirectPost, form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			tok := e.present(f.claims, presentOptions{})
			tok["pid"] = append(tok["pid"], tok["pid"][0])
			return f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{})
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
		{name: "wrong nonce", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, valid(e, f, presentOptions{nonce: "another-nonce-0123456789"}, postOptions{})
		}, status: 400, code: oid4vp.CodeInvalidRequest, wantErr: presentation.ErrHolderBinding, wantMsg: "nonce mismatch"},
		{name: "KB-JWT aud is the bare client id without prefix", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			bare := mustParsedID(e.t, f.claims).Identifier
			return f.claims.ResponseURI, valid(e, f, presentOptions{audience: bare}, postOptions{})
		}, status: 400, code: oid4vp.CodeInvalidRequest, wantErr: presentation.ErrHolderBinding, wantMsg: "aud mismatch"},
		{name: "replayed vp_token for a second transaction", form: func(e *env, v *verifier.Verifier, f flow) (string, url.Values) {
			first := e.start(v, twoQuery, "")
			tok := e.present(first.claims, presentOptions{})
			status, body := e.post(first.claims.ResponseURI, e.responseForm(first.claims, tok, postOptions{}))
			require.Equal(e.t, 200, status, string(body))
			return f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{})
		}, status: 400, code: oid4vp.CodeInvalidRequest, wantErr: presentation.ErrHolderBinding, wantMsg: "nonce mismatch"},
		{name: "presentation of a format the request did not allow", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			tok := e.present(f.claims, presentOptions{})
			tok["pid"] = []any{map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": []any{"VerifiablePresentation"},
				"proof": map[string]any{"type": "DataIntegrityProof", "challenge": f.claims.Nonce, "domain": f.claims.ClientID}}}
			return f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{})
		}, status: 400, code: oid4vp.CodeInvalidRequest, wantErr: verifier.ErrPresentationRejected},
		{name: "required credential missing", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			tok := e.present(f.claims, presentOptions{})
			delete(tok, "employee")
			return f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{})
		}, status: 400, code: oid4vp.CodeInvalidRequest, wantErr: dcql.ErrMissingCredential},
		{name: "one presentation tampered", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			tok := e.present(f.claims, presentOptions{})
			s := tok["employee"][0].(string)
			tok["employee"][0] = s[:len(s)-3] + flip(s[len(s)-3:])
			return f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{})
		}, status: 400, code: oid4vp.CodeInvalidRequest, wantErr: verifier.ErrPresentationRejected},
		{name: "the same presentation twice", query: `{"credentials":[
 {"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]},
 {"id":"b","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]}]}`,
			form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
				tok := e.present(f.claims, presentOptions{})
				tok["b"] = tok["a"]
				return f.claims.ResponseURI, e.responseForm(f.claims, tok, postOptions{})
			}, status: 400, code: oid4vp.CodeInvalidRequest, wantErr: verifier.ErrDuplicatePresentation},
		{name: "wallet error response with the wrong state", form: func(e *env, _ *verifier.Verifier, f flow) (string, url.Values) {
			return f.claims.ResponseURI, url.Values{"error": {"access_denied"}, "state": {"forged"}}
		}, status: 400, code: oid4vp.CodeInvalidRequest, open: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{})
			q := tc.query
			if q == "" {
				q = twoQuery
			}
			f := e.start(v, q, tc.mode)
			uri, form := tc.form(e, v, f)
			status, body := e.post(uri, form)
			require.Equal(t, tc.status, status, string(body))
			require.Equal(t, tc.code, errorCode(t, body))
			res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
			require.NoError(t, err)
			if tc.open {
				require.Equal(t, verifier.StatusFetched, res.Status, "malformed input does not consume the transaction")
				status, body = e.post(f.claims.ResponseURI, valid(e, f, presentOptions{}, postOptions{}))
				require.Equal(t, 200, status, string(body))
				return
			}
			require.Equal(t, verifier.StatusRejected, res.Status)
			require.Empty(t, res.Credentials)
			require.NotEmpty(t, res.Error)
			ev := e.lastEvent()
			require.Equal(t, verifier.EventRejected, ev.Type)
			require.ErrorIs(t, ev.Reason, tc.wantErr)
			require.Contains(t, ev.Reason.Error(), tc.wantMsg)
			status, body = e.post(f.claims.ResponseURI, valid(e, f, presentOptions{}, postOptions{}))
			require.Equal(t, 400, status, "a rejected transaction takes no second response: %s", body)
		})
	}
}

func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func mustParsedID(t testing.TB, r *oid4vp.AuthorizationRequest) oid4vp.ClientID {
	c, err := r.ParsedClientID(oid4vp.ProfileFinal)
	require.NoError(t, err)
	return c
}

// TestWalletError: a wallet's error response ends the transaction
// rejected with the wallet's code.
func TestWalletError(t *testing.T) {
	e, v := newEnv(t, envOptions{})
	f := e.start(v, pidQuery, oid4vp.ResponseModeDirectPost)
	status, body := e.post(f.claims.ResponseURI, url.Values{"error": {"access_denied"}, "error_description": {"user said no"}, "state": {f.claims.State}})
	require.Equal(t, 200, status, string(body))
	res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusRejected, res.Status)
	require.Equal(t, oid4vp.CodeAccessDenied, res.ErrorCode)
	ev := e.lastEvent()
	require.Equal(t, verifier.EventRejected, ev.Type)
	require.ErrorIs(t, ev.Reason, oid4vp.ErrProtocolError)
}

// TestSecondResponse: one response per transaction.
func TestSecondResponse(t *testing.T) {
	e, v := newEnv(t, envOptions{})
	f := e.start(v, twoQuery, "")
	form := e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{})
	status, body := e.post(f.claims.ResponseURI, form)
	require.Equal(t, 200, status, string(body))
	status, body = e.post(f.claims.ResponseURI, form)
	require.Equal(t, 400, status)
	require.Equal(t, oid4vp.CodeInvalidRequest, errorCode(t, body))
	_, err := v.HandleResponse(e.ctx, "acme", f.tx.ID, form)
	require.ErrorIs(t, err, verifier.ErrAlreadyResponded)
	_, err = v.FetchRequestObject(e.ctx, "acme", f.tx.ID, "")
	require.ErrorIs(t, err, verifier.ErrAlreadyResponded, "no request object after the response")
	res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, res.Status)
}

// TestExpired: no fetch and no response after the TTL.
func TestExpired(t *testing.T) {
	now := time.Now()
	clock := &now
	e, v := newEnv(t, envOptions{cfg: func(c *verifier.Config) {
		c.TTL = time.Minute
		c.Now = func() time.Time { return *clock }
	}})
	f := e.start(v, twoQuery, "")
	form := e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{})
	later := now.Add(2 * time.Minute)
	clock = &later
	status, body := e.post(f.claims.ResponseURI, form)
	require.Equal(t, 400, status)
	require.Equal(t, oid4vp.CodeInvalidRequest, errorCode(t, body))
	_, err := v.HandleResponse(e.ctx, "acme", f.tx.ID, form)
	require.ErrorIs(t, err, verifier.ErrExpired)
	_, err = v.FetchRequestObject(e.ctx, "acme", f.tx.ID, "")
	require.ErrorIs(t, err, verifier.ErrExpired)
	_, err = v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
	require.ErrorIs(t, err, verifier.ErrExpired)
	n, err := v.DeleteExpired(e.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// TestTransactionData: the KB-JWT must carry the hashes of the
// transaction_data entries naming its credential query.
func TestTransactionData(t *testing.T) {
	td := &oid4vp.TransactionData{Type: "payment", CredentialIDs: []string{"pid"},
		Extra: map[string]json.RawMessage{"amount": json.RawMessage(`"42.00 EUR"`)}}
	for _, tc := range []struct {
		name   string
		hashes func(enc string) []string
		ok     bool
	}{
		{"correct hashes", func(enc string) []string { h, _ := oid4vp.TransactionDataHashes([]string{enc}, ""); return h }, true},
		{"no hashes", func(string) []string { return nil }, false},
		{"hash of other data", func(string) []string {
			h, _ := oid4vp.TransactionDataHashes([]string{base64.RawURLEncoding.EncodeToString([]byte(`{"type":"payment","credential_ids":["pid"]}`))}, "")
			return h
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, v := newEnv(t, envOptions{})
			tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), TransactionData: []*oid4vp.TransactionData{td}})
			link, _ := tx.Link("openid4vp://")
			claims, err := e.fetch(link, "")
			require.NoError(t, err)
			require.Len(t, claims.TransactionData, 1)
			tok := e.present(claims, presentOptions{hashes: tc.hashes(claims.TransactionData[0])})
			status, body := e.post(claims.ResponseURI, e.responseForm(claims, tok, postOptions{}))
			if tc.ok {
				require.Equal(t, 200, status, string(body))
				return
			}
			require.Equal(t, 400, status)
			require.ErrorIs(t, e.lastEvent().Reason, presentation.ErrHolderBinding)
		})
	}
}

// TestRequestObjectEndpoint: bad fetches.
func TestRequestObjectEndpoint(t *testing.T) {
	e, v := newEnv(t, envOptions{})
	tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery)})
	for name, uri := range map[string]string{
		"unknown id":     e.base + "/request/nope",
		"another tenant": strings.Replace(tx.Request.RequestURI, "/acme/", "/evil/", 1),
		"unknown route":  e.base + "/other/" + tx.ID,
	} {
		resp, err := e.http.Get(uri)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 404, resp.StatusCode, name)
	}
	req, _ := newRequest("PUT", tx.Request.RequestURI)
	resp, err := e.http.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 405, resp.StatusCode)
	resp, err = e.http.Post(tx.Request.RequestURI, "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 400, resp.StatusCode, "request_uri POST must be a form")
	resp, err = e.http.Get(strings.Replace(tx.Request.RequestURI, "/request/", "/response/", 1))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 405, resp.StatusCode, "the response endpoint takes POST only")
	_ = jose.ErrJWECompression
	_ = errors.New
}

// TestResultRetention: a response just before expiry keeps its result
// readable for another TTL.
func TestResultRetention(t *testing.T) {
	now := time.Now()
	clock := &now
	e, v := newEnv(t, envOptions{cfg: func(c *verifier.Config) {
		c.TTL = time.Minute
		c.Now = func() time.Time { return *clock }
	}})
	f := e.start(v, twoQuery, "")
	late := now.Add(59 * time.Second)
	clock = &late
	status, body := e.post(f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}))
	require.Equal(t, 200, status, string(body))
	later := now.Add(90 * time.Second)
	clock = &later
	n, err := v.DeleteExpired(e.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
	require.NoError(t, err)
	require.Equal(t, verifier.StatusAccepted, res.Status)
}
