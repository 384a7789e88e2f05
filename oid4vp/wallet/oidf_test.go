package wallet_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/wallet"
)

// TestOIDFWalletNegativeModules: the negative modules of the OpenID
// Foundation's OpenID4VP 1.0 wallet test plan (openid-certification/
// conformance-suite, package vp1finalwallet; subtests named after the
// module classes) played by a deliberately misbehaving verifier on an
// httptest server. In each, the wallet must refuse the request and post
// nothing to the response endpoint (the suite fails a module whose
// direct_post endpoint is called), except where the module expects an
// error response.
func TestOIDFWalletNegativeModules(t *testing.T) {
	byValue := func(ev *evil, p map[string]string) string {
		q := url.Values{"response_type": {"vp_token"}, "response_mode": {"direct_post"},
			"nonce": {"n-0123456789abcdef"}, "state": {"s-1"}, "dcql_query": {pidQuery}}
		for k, v := range p {
			q.Set(k, v)
		}
		return "openid4vp://?" + q.Encode()
	}
	cases := []struct {
		module string
		setup  func(ev *evil) string
		want   []error
	}{
		{"VP1FinalWalletInvalidRequestObjectSignature", func(ev *evil) string {
			ev.serveObject(ev.sign(ev.e.x509Signer, ev.didHeader(), ev.claims()))
			return ev.link(ev.didClientID())
		}, []error{wallet.ErrRequestObject}},
		{"VP1FinalWalletInvalidRequestObjectTyp", func(ev *evil) string {
			h := ev.didHeader()
			h["typ"] = "jwt"
			ev.serveObject(ev.sign(ev.e.didSigner, h, ev.claims()))
			return ev.link(ev.didClientID())
		}, []error{wallet.ErrRequestObject}},
		{"VP1FinalWalletMissingRequestObjectTyp", func(ev *evil) string {
			h := ev.didHeader()
			delete(h, "typ")
			ev.serveObject(ev.sign(ev.e.didSigner, h, ev.claims()))
			return ev.link(ev.didClientID())
		}, []error{wallet.ErrRequestObject}},
		{"VP1FinalWalletMismatchedClientIdInRequestObject", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = ev.didClientID() + "x"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, []error{oid4vp.ErrClientIDMismatch}},
		{"VP1FinalWalletRedirectUriWithDirectPost", func(ev *evil) string {
			c := ev.claims()
			c["redirect_uri"] = ev.e.origin + "/evil/response"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, []error{oid4vp.ErrConflictingParams}},
		{"VP1FinalWalletMissingNonce", func(ev *evil) string {
			c := ev.claims()
			delete(c, "nonce")
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, []error{oid4vp.ErrMissingParameter}},
		{"VP1FinalWalletInvalidClientIdPrefix", func(ev *evil) string {
			// An unrecognized prefix is no prefix the wallet knows: the
			// identifier can only name a pre-registered client, and none
			// is registered under it.
			c := ev.claims()
			c["client_id"] = "invalid_scheme:verifier.example.com"
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link("invalid_scheme:verifier.example.com")
		}, []error{wallet.ErrUntrustedVerifier}},
		{"VP1FinalWalletInvalidClientIdPrefix/origin", func(ev *evil) string {
			return ev.link("origin:https://verifier.example.com")
		}, []error{oid4vp.ErrRejectedPrefix}},
		{"VP1FinalWalletUnknownTransactionDataType", func(ev *evil) string {
			c := ev.claims()
			td, _ := oid4vp.EncodeTransactionData(&oid4vp.TransactionData{Type: "urn:example:unknown", CredentialIDs: []string{"pid"}})
			c["transaction_data"] = []string{td}
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, []error{oid4vp.ErrTransactionData}},
		{"VP1FinalWalletResponseUriNotClientId/redirect_uri", func(ev *evil) string {
			return byValue(ev, map[string]string{"client_id": "redirect_uri:https://verifier.example.com/response",
				"response_uri": ev.e.origin + "/evil/response"})
		}, []error{oid4vp.ErrInvalidClientID}},
		{"VP1FinalWalletResponseUriNotClientId/verifier_attestation", func(ev *evil) string {
			c := ev.claims()
			c["client_id"] = "verifier_attestation:verifier.example.com"
			att := ev.e.attestation(func(m map[string]any) { m["redirect_uris"] = []any{"https://verifier.example.com/response"} })
			ev.serveObject(ev.sign(ev.e.x509Signer, map[string]any{"typ": oid4vp.TypRequestObject, "jwt": att}, c))
			return ev.link(c["client_id"].(string))
		}, []error{wallet.ErrUntrustedVerifier}},
		// Further wallet checks of specs.md §3.
		{"transaction_data with holder binding waived", func(ev *evil) string {
			c := ev.claims()
			var q any
			_ = json.Unmarshal([]byte(`{"credentials":[{"id":"pid","format":"dc+sd-jwt","require_cryptographic_holder_binding":false,
			  "meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]}]}`), &q)
			c["dcql_query"] = q
			td, _ := oid4vp.EncodeTransactionData(&oid4vp.TransactionData{Type: "payment", CredentialIDs: []string{"pid"}})
			c["transaction_data"] = []string{td}
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, []error{oid4vp.ErrTransactionData}},
		{"request_uri_method neither get nor post", func(ev *evil) string {
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), ev.claims()))
			return ev.link(ev.didClientID(), "request_uri_method", "put")
		}, []error{oid4vp.ErrRequestURIMethod}},
		{"neither dcql_query nor scope", func(ev *evil) string {
			c := ev.claims()
			delete(c, "dcql_query")
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, []error{oid4vp.ErrMissingParameter}},
		// Not applicable: the wallet does not implement the Digital
		// Credentials API (Appendix A; optional in 1.0), so the modules
		// VP1FinalWalletMultiSignedOneInvalidSignature and
		// VP1FinalWalletWrongExpectedOrigins cannot run; a dc_api request
		// reaching it by a link is refused.
		{"dc_api response mode refused", func(ev *evil) string {
			c := ev.claims()
			c["response_mode"] = "dc_api"
			delete(c, "response_uri")
			c["expected_origins"] = []string{"https://verifier.example.com"}
			ev.serveObject(ev.sign(ev.e.didSigner, ev.didHeader(), c))
			return ev.link(ev.didClientID())
		}, []error{oid4vp.ErrInvalidParameter}},
	}
	for _, c := range cases {
		t.Run(c.module, func(t *testing.T) {
			e := newTestEnv(t)
			ev := newEvil(e)
			link := c.setup(ev)
			_, err := e.wallet(nil).Present(e.ctx, link)
			require.Error(t, err)
			for _, want := range c.want {
				require.ErrorIs(t, err, want)
			}
			require.Empty(t, ev.posted, "the module fails if the response endpoint is called")
		})
	}

	// VP1FinalWalletRequiredNonMatchingCredential: a valid request whose
	// required credential the wallet does not hold; the wallet answers
	// with an error response and never a vp_token.
	t.Run("VP1FinalWalletRequiredNonMatchingCredential", func(t *testing.T) {
		e := newTestEnv(t)
		ev := newEvil(e)
		c := ev.claims()
		var q any
		require.NoError(t, json.Unmarshal([]byte(`{"credentials":[{"id":"mdl","format":"dc+sd-jwt","meta":{"vct_values":["urn:example:mdl"]}}]}`), &q))
		c["dcql_query"] = q
		ev.serveObject(ev.sign(e.didSigner, ev.didHeader(), c))
		_, err := e.wallet(nil).Present(e.ctx, ev.link(ev.didClientID()))
		require.ErrorIs(t, err, wallet.ErrNoMatch)
		require.Len(t, ev.posted, 1)
		require.Equal(t, oid4vp.CodeAccessDenied, ev.posted[0].Get("error"))
		require.Empty(t, ev.posted[0].Get("vp_token"))
	})
}
