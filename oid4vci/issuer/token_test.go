package issuer_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// TestTokenBadInput: each bad token request gets its error and leaves the
// code redeemable (a failed request changes no state except the tx_code
// attempt counter), so a correct request afterwards succeeds.
func TestTokenBadInput(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(0)
	for _, tc := range []struct {
		name   string
		txCode bool
		form   func(code, tx string) url.Values
		ctype  string
		status int
		code   string
	}{
		{name: "unknown code", form: func(c, tx string) url.Values { return w.preAuthForm("x"+c, tx) }, status: 400, code: "invalid_grant"},
		{name: "tx_code missing", txCode: true, form: func(c, _ string) url.Values { return w.preAuthForm(c, "") }, status: 400, code: "invalid_request"},
		{name: "tx_code empty but required", txCode: true, form: func(c, _ string) url.Values {
			f := w.preAuthForm(c, "")
			f["tx_code"] = []string{""}
			return f
		}, status: 400, code: "invalid_grant"},
		{name: "tx_code unexpected", form: func(c, _ string) url.Values { return w.preAuthForm(c, "123456") }, status: 400, code: "invalid_request"},
		{name: "tx_code wrong", txCode: true, form: func(c, tx string) url.Values { return w.preAuthForm(c, tx+"0") }, status: 400, code: "invalid_grant"},
		{name: "wrong grant type", form: func(c, _ string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {c}, "client_id": {"wallet-1"}}
		}, status: 400, code: "unsupported_grant_type"},
		{name: "anonymous not allowed", form: func(c, tx string) url.Values {
			f := w.preAuthForm(c, tx)
			f.Del("client_id")
			return f
		}, status: 400, code: "invalid_client"},
		{name: "repeated parameter", form: func(c, tx string) url.Values {
			f := w.preAuthForm(c, tx)
			f.Add("pre-authorized_code", c)
			return f
		}, status: 400, code: "invalid_request"},
		{name: "configuration not offered", form: func(c, tx string) url.Values {
			f := w.preAuthForm(c, tx)
			f.Set("authorization_details", `[{"type":"openid_credential","credential_configuration_id":"badge_sd_jwt"}]`)
			return f
		}, status: 400, code: "invalid_authorization_details"},
		{name: "json body", form: func(c, tx string) url.Values { return w.preAuthForm(c, tx) }, ctype: "application/json", status: 400, code: "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}}
			if tc.txCode {
				req.TxCode = &oid4vci.TxCode{}
			}
			offer, tx := w.offer(req)
			code := offer.Grants.PreAuthorizedCode.PreAuthorizedCode
			hreq := mustReq(http.NewRequest(http.MethodPost, e.id+"/token", strings.NewReader(tc.form(code, tx).Encode())))
			ct := tc.ctype
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			hreq.Header.Set("Content-Type", ct)
			res := w.do(hreq)
			if res.status != tc.status || res.errCode() != tc.code {
				t.Fatalf("got %d %s, want %d %s", res.status, res.body, tc.status, tc.code)
			}
			if res.header.Get("Cache-Control") != "no-store" {
				t.Fatal("error without Cache-Control: no-store")
			}
			// Nothing was redeemed.
			if ok := w.tokenForm(w.preAuthForm(code, tx), ""); ok.status != 200 {
				t.Fatalf("code unusable after a failed request: %d %s", ok.status, ok.body)
			}
		})
	}
}

// TestTxCodeAttemptLimit: after MaxTxCodeAttempts wrong codes the
// pre-authorized code is invalidated, even for the right tx_code.
func TestTxCodeAttemptLimit(t *testing.T) {
	e := newEnv(t, func(c *issuer.Config) { c.MaxTxCodeAttempts = 3 })
	w := e.wallet(0)
	offer, tx := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, TxCode: &oid4vci.TxCode{Length: 4}})
	code := offer.Grants.PreAuthorizedCode.PreAuthorizedCode
	wrong := "0000"
	if tx == wrong {
		wrong = "1111"
	}
	for k := 0; k < 2; k++ {
		if r := w.tokenForm(w.preAuthForm(code, wrong), ""); r.errCode() != "invalid_grant" {
			t.Fatalf("attempt %d: %s", k, r.body)
		}
	}
	// Two failures: the right code still works on a fresh offer with the same history.
	offer2, tx2 := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, TxCode: &oid4vci.TxCode{Length: 4}})
	code2 := offer2.Grants.PreAuthorizedCode.PreAuthorizedCode
	wrong2 := "0000"
	if tx2 == wrong2 {
		wrong2 = "1111"
	}
	for k := 0; k < 2; k++ {
		w.tokenForm(w.preAuthForm(code2, wrong2), "")
	}
	if r := w.tokenForm(w.preAuthForm(code2, tx2), ""); r.status != 200 {
		t.Fatalf("right code after 2 failures: %s", r.body)
	}
	// Third failure locks the first offer.
	w.tokenForm(w.preAuthForm(code, wrong), "")
	if r := w.tokenForm(w.preAuthForm(code, tx), ""); r.status != 400 || r.errCode() != "invalid_grant" {
		t.Fatalf("locked code redeemed: %d %s", r.status, r.body)
	}
}

// TestConcurrentRedemption: many concurrent redemptions of one code give
// exactly one access token.
func TestConcurrentRedemption(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(0)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}})
	code := offer.Grants.PreAuthorizedCode.PreAuthorizedCode
	const n = 50
	var wg sync.WaitGroup
	results := make(chan *response, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- w.tokenForm(w.preAuthForm(code, ""), "")
		}()
	}
	wg.Wait()
	close(results)
	ok := 0
	for r := range results {
		switch {
		case r.status == 200:
			ok++
		case r.errCode() != "invalid_grant":
			t.Errorf("unexpected %d %s", r.status, r.body)
		}
	}
	if ok != 1 {
		t.Fatalf("%d successful redemptions", ok)
	}
}

// TestAnonymousAccess: with AnonymousAccess a token request without
// client_id works and proofs must then omit iss.
func TestAnonymousAccess(t *testing.T) {
	e := newEnv(t, func(c *issuer.Config) { c.AnonymousAccess = true })
	w := e.wallet(1)
	w.clientID = ""
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	tr := w.token(offer, "")
	n := w.nonce()
	r := w.credential(tr, cfgPID, w.proof(0, n, func(_, c map[string]any) { c["iss"] = "someone" }))
	if r.status != 400 || r.errCode() != "invalid_proof" {
		t.Fatalf("iss in anonymous proof: %d %s", r.status, r.body)
	}
	credentials(t, w.credential(tr, cfgPID, w.proof(0, n, nil)))
}

// TestSecretsNeverLogged: codes, tx_codes, tokens, proofs and credentials
// never reach the log, even at debug level with failures.
func TestSecretsNeverLogged(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(1)
	offer, tx := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, TxCode: &oid4vci.TxCode{Length: 8}})
	code := offer.Grants.PreAuthorizedCode.PreAuthorizedCode
	w.tokenForm(w.preAuthForm(code, "99999999"), "")
	tr := w.token(offer, tx)
	n := w.nonce()
	bad := w.proof(0, n, func(_, c map[string]any) { c["aud"] = "https://evil.example" })
	w.credential(tr, cfgPID, bad)
	good := w.proof(0, n, nil)
	creds, _ := credentials(t, w.credential(tr, cfgPID, good))
	logs := e.logs.String()
	if !strings.Contains(logs, "wrong transaction code") {
		t.Fatalf("expected failure records, got %q", logs)
	}
	if !strings.Contains(logs, issuer.LogID(offerID(t, e, code))) {
		t.Fatal("offer not identified in the log")
	}
	for name, s := range map[string]string{"offer id": offerID(t, e, code), "code": code, "tx_code": tx, "token": tr.AccessToken, "nonce": n, "proof": bad, "credential": creds[0]} {
		if strings.Contains(logs, s) {
			t.Errorf("%s in the log", name)
		}
	}
}

// TestAccessTokenClaims checks the at+jwt (RFC 9068) shape and expiry.
func TestAccessTokenClaims(t *testing.T) {
	e := newEnv(t, func(c *issuer.Config) { c.AccessTokenTTL = time.Minute })
	w := e.wallet(1)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	tr := w.token(offer, "")
	h, c := decodeJWT(t, tr.AccessToken)
	if h["typ"] != "at+jwt" || c["iss"] != e.id || c["aud"] != e.id || c["client_id"] != "wallet-1" || c["jti"] == nil || c["sub"] == nil {
		t.Fatalf("header %v claims %v", h, c)
	}
	if ad, ok := c["authorization_details"].([]any); !ok || len(ad) != 1 {
		t.Fatalf("authorization_details %v", c["authorization_details"])
	}
	if exp := int64(c["exp"].(float64)) - int64(c["iat"].(float64)); exp != 60 {
		t.Fatalf("lifetime %d", exp)
	}
	e.clock.Add(time.Minute) // exactly at exp: expired (no leeway for the issuer's own tokens)
	r := w.credential(tr, cfgPID, w.proof(0, w.nonce(), nil))
	if r.status != 401 || r.errCode() != "invalid_token" || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") || len(r.body) != 0 {
		t.Fatalf("expired token: %d %q %v", r.status, r.body, r.header)
	}
}

func TestConfigRejects(t *testing.T) {
	base := newEnv(t)
	for name, mod := range map[string]func(*issuer.Config){
		"http issuer":      func(c *issuer.Config) { c.Issuer = "http://issuer.example.com" },
		"no signer":        func(c *issuer.Config) { c.Signer = nil },
		"no plugins":       func(c *issuer.Config) { c.Plugins = nil },
		"batch size 1":     func(c *issuer.Config) { c.BatchSize = 1 },
		"HS256 proofs":     func(c *issuer.Config) { c.ProofAlgorithms = []cryptoAlg{"HS256"} },
		"short nonce key":  func(c *issuer.Config) { c.DPoP.NonceKey = []byte("short") },
		"duplicate plugin": func(c *issuer.Config) { c.Plugins = append(c.Plugins, c.Plugins[0]) },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := baseConfig(base)
			mod(&cfg)
			if _, err := issuer.New(cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	_ = context.Background
}

// offerID finds an offer's id by its code through the metadata-free path:
// the created offer's ID is what CreateOffer returned; here we look it up in
// the recorded deliveries.
func offerID(t testing.TB, e *env, _ string) string {
	t.Helper()
	return e.lastOfferID
}
