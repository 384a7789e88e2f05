package verifier_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
)

// TestSecurityRowsRequestSide covers, from the verifier's side, the rows
// of security.md about requests and results (44–47, 49): what the
// verifier serves must pass the checks a wallet makes, and its own
// endpoints must refuse what those rows describe. (Rows 1–3, 10–15, 48 and
// 50 are in TestSecurityRows; 48 also in TestBadResponses.)
func TestSecurityRowsRequestSide(t *testing.T) {
	t.Run("row 44: request_uri answers directly, never by redirect, with the request object type", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), RequestURIMethod: oid4vp.RequestURIMethodPost})
		for _, form := range []url.Values{nil, {"wallet_nonce": {"wn-0123456789abcdef"}}} {
			var status int
			var ct, loc string
			if form == nil {
				resp, err := e.http.Get(tx.Request.RequestURI)
				require.NoError(t, err)
				resp.Body.Close()
				status, ct, loc = resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Location")
			} else {
				resp, err := e.http.PostForm(tx.Request.RequestURI, form)
				require.NoError(t, err)
				resp.Body.Close()
				status, ct, loc = resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Location")
			}
			require.Equal(t, 200, status)
			require.Equal(t, oid4vp.MediaTypeRequestObject, ct)
			require.Empty(t, loc)
		}
	})
	t.Run("row 44: request_uri POST body over 64 KiB", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), RequestURIMethod: oid4vp.RequestURIMethodPost})
		status, body := e.post(tx.Request.RequestURI, url.Values{"wallet_nonce": {"n"}, "x": {strings.Repeat("a", 70<<10)}})
		require.Equal(t, 400, status, string(body))
		require.Equal(t, oid4vp.CodeInvalidRequest, errorCode(t, body))
		res, err := v.Result(e.ctx, "acme", tx.ID, tx.Secret)
		require.NoError(t, err)
		require.Equal(t, verifier.StatusCreated, res.Status)
	})
	t.Run("row 44: request_uri POST that is not a form", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), RequestURIMethod: oid4vp.RequestURIMethodPost})
		resp, err := e.http.Post(tx.Request.RequestURI, "text/plain", strings.NewReader("wallet_nonce=abc"))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 400, resp.StatusCode)
	})
	for _, p := range []oid4vp.ClientIDPrefix{oid4vp.PrefixDecentralizedIdentifier, oid4vp.PrefixX509SANDNS, oid4vp.PrefixX509Hash,
		oid4vp.PrefixVerifierAttestation, oid4vp.PrefixPreRegistered} {
		t.Run("rows 45-47: "+string(p)+" request as a wallet checks it", func(t *testing.T) {
			e, v := newEnv(t, envOptions{prefix: p})
			tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), RequestURIMethod: oid4vp.RequestURIMethodPost})
			claims, err := e.fetch(mustLink(t, tx), "wn-0123456789abcdef")
			require.NoError(t, err, "CheckRequestObject: client_id identical to the link's, typ, aud, wallet_nonce")
			// row 45: the same client_id, with its prefix, in link and
			// Request Object; never the reserved origin prefix.
			require.Equal(t, tx.Request.ClientID, claims.ClientID)
			require.False(t, strings.HasPrefix(claims.ClientID, "origin:"))
			// row 46: never response_uri and redirect_uri together; the
			// x509_san_dns name is the response_uri host; x509_hash is the
			// leaf's hash.
			require.Empty(t, claims.RedirectURI)
			require.NotEmpty(t, claims.ResponseURI)
			id := mustClientID(t, claims)
			switch p {
			case oid4vp.PrefixX509SANDNS:
				u, err := url.Parse(claims.ResponseURI)
				require.NoError(t, err)
				require.Equal(t, id.Identifier, u.Hostname())
				require.Contains(t, e.chain[0].DNSNames, id.Identifier)
			case oid4vp.PrefixX509Hash:
				h := sha256.Sum256(e.chain[0].Raw)
				require.Equal(t, base64.RawURLEncoding.EncodeToString(h[:]), id.Identifier)
			}
			// row 47: nonce of ≥ 128 bits, wallet_nonce echoed.
			require.GreaterOrEqual(t, len(claims.Nonce), 22)
			require.Equal(t, "wn-0123456789abcdef", claims.WalletNonce)
		})
	}
	t.Run("row 45: a redirect_uri client never signs and has no request_uri", func(t *testing.T) {
		e, v := newEnv(t, envOptions{prefix: oid4vp.PrefixRedirectURI})
		tx := e.create(v, verifier.CreateRequest{Query: mustQuery(t, pidQuery), ResponseMode: oid4vp.ResponseModeDirectPost})
		require.Empty(t, tx.Request.RequestURI)
		resp, err := e.http.Get(e.base + "/request/" + tx.ID)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 404, resp.StatusCode)
	})
	t.Run("row 46: x509_san_dns configuration whose response_uri host is not in the SAN", func(t *testing.T) {
		e, _ := newEnv(t, envOptions{prefix: oid4vp.PrefixX509SANDNS})
		_, err := verifier.NewX509SANDNSClient(e.signer, e.chain, "https://other.example.com/oid4vp", verifier.ClientOptions{})
		require.ErrorIs(t, err, verifier.ErrConfig)
	})
	t.Run("row 49: the result is not opened by the public id, state, nonce or a guess", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		f := e.start(v, pidQuery, "")
		status, body := e.post(f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}))
		require.Equal(t, 200, status, string(body))
		for _, bad := range []string{"", f.tx.ID, f.claims.State, f.claims.Nonce, "AAAAAAAAAAAAAAAAAAAAAA"} {
			_, err := v.Result(e.ctx, "acme", f.tx.ID, bad)
			require.ErrorIs(t, err, verifier.ErrUnauthorized)
		}
		res, err := v.Result(e.ctx, "acme", f.tx.ID, f.tx.Secret)
		require.NoError(t, err)
		require.Equal(t, verifier.StatusAccepted, res.Status)
	})
	t.Run("row 49: cross-device response carries no response code to fixate", func(t *testing.T) {
		e, v := newEnv(t, envOptions{})
		f := e.start(v, pidQuery, "")
		status, body := e.post(f.claims.ResponseURI, e.responseForm(f.claims, e.present(f.claims, presentOptions{}), postOptions{}))
		require.Equal(t, 200, status)
		dp, err := oid4vp.ParseDirectPostResult(body)
		require.NoError(t, err)
		require.Empty(t, dp.RedirectURI)
	})
}
