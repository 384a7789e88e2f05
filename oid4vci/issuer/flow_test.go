package issuer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

var pidClaims = map[string]any{
	"given_name": "Erika", "family_name": "Mustermann", "birthdate": "1964-08-12",
	"address": map[string]any{"locality": "Berlin"},
}

// TestIssuePreAuthorized runs offer → token → nonce → credential over real
// HTTPS and verifies the SD-JWT VC: issuer key through did:key, holder
// binding through a KB-JWT with the proven key, status entry present.
func TestIssuePreAuthorized(t *testing.T) {
	for _, byRef := range []bool{false, true} {
		name := "by value"
		if byRef {
			name = "by reference"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			w := e.wallet(1)
			offer, tx := w.offer(issuer.OfferRequest{
				Subject: "user-42", ConfigurationIDs: []string{cfgPID}, Claims: pidClaims,
				TxCode: &oid4vci.TxCode{Description: "sent by e-mail"}, ByReference: byRef,
			})
			if offer.CredentialIssuer != e.id || !offer.Grants.PreAuthorizedCode.TxCodeRequired() {
				t.Fatalf("offer %+v", offer)
			}
			if len(tx) != 6 || strings.Trim(tx, "0123456789") != "" {
				t.Fatalf("tx_code %q", tx)
			}
			raw, _ := json.Marshal(offer)
			if strings.Contains(string(raw), tx) && !strings.Contains(offer.Grants.PreAuthorizedCode.PreAuthorizedCode, tx) {
				t.Fatal("tx_code in the offer")
			}
			tr := w.token(offer, tx)
			if tr.TokenType != "Bearer" || tr.ExpiresIn <= 0 {
				t.Fatalf("token response %+v", tr)
			}
			ids := tr.CredentialIdentifiers(cfgPID)
			if len(ids) != 1 {
				t.Fatalf("credential identifiers %v", ids)
			}
			nonce := w.nonce()
			creds, nid := credentials(t, w.credential(tr, ids[0], w.proof(0, nonce, nil)))
			if len(creds) != 1 || nid == "" {
				t.Fatalf("creds %d nid %q", len(creds), nid)
			}
			v := e.verifier()
			res, err := v.VerifyIssued(context.Background(), creds[0])
			must(t, err)
			if res.VCT != vctPID || res.Claims["given_name"] != "Erika" || res.Claims["iss"] != e.issuerDID {
				t.Fatalf("claims %v", res.Claims)
			}
			if res.Status == nil || !strings.HasPrefix(res.Status.URI, e.srv.URL+"/tenants/acme/statuslists/") {
				t.Fatalf("status %+v", res.Status)
			}
			if len(res.Disclosed) != len(pidClaims) {
				t.Fatalf("disclosed %v", res.Disclosed)
			}
			cnf := res.Claims["cnf"].(map[string]any)["jwk"].(map[string]any)
			want, _ := crypto.PublicJWK(w.keys[0].Public())
			for _, k := range []string{"kty", "crv", "x", "y"} {
				if cnf[k] != want[k] {
					t.Fatalf("cnf.jwk %v, want %v", cnf, want)
				}
			}
			// Holder binding: a presentation signed with the proven key verifies.
			sd, err := sdjwt.Parse(creds[0], sdjwt.Limits{})
			must(t, err)
			pres, err := sd.Present(context.Background(), []vocab.ClaimPath{{"family_name"}}, &sdjwt.KeyBinding{
				Signer: w.keys[0], Audience: "x509_san_dns:verifier.example.org", Nonce: "n-0S6_WzA2Mj", Now: e.clock.Now,
			})
			must(t, err)
			pr, err := v.Verify(context.Background(), pres, sdjwt.Expect{Audience: "x509_san_dns:verifier.example.org", Nonce: "n-0S6_WzA2Mj"})
			must(t, err)
			if pr.Claims["family_name"] != "Mustermann" || pr.Claims["given_name"] != nil {
				t.Fatalf("presented %v", pr.Claims)
			}
			// The code is used up; by reference the offer is no longer served.
			res2 := w.tokenForm(w.preAuthForm(offer.Grants.PreAuthorizedCode.PreAuthorizedCode, tx), "")
			if res2.status != 400 || res2.errCode() != "invalid_grant" {
				t.Fatalf("replay: %d %s", res2.status, res2.body)
			}
			if e.events.count(issuer.EventCredentialsIssued) != 1 || e.events.count(issuer.EventTokenIssued) != 1 || e.events.count(issuer.EventOfferCreated) != 1 {
				t.Fatalf("events %+v", e.events.ev)
			}
		})
	}
}

// TestBatchIssuance issues one credential per proof key.
func TestBatchIssuance(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(3)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	tr := w.token(offer, "")
	n := w.nonce()
	creds, _ := credentials(t, w.credential(tr, cfgPID, w.proof(0, n, nil), w.proof(1, n, nil), w.proof(2, n, nil)))
	if len(creds) != 3 {
		t.Fatalf("%d credentials", len(creds))
	}
	v := e.verifier()
	seen := map[string]bool{}
	for k, c := range creds {
		res, err := v.VerifyIssued(context.Background(), c)
		must(t, err)
		x := res.Claims["cnf"].(map[string]any)["jwk"].(map[string]any)["x"].(string)
		want, _ := crypto.PublicJWK(w.keys[k].Public())
		if x != want["x"] || seen[x] {
			t.Fatalf("credential %d bound to the wrong key", k)
		}
		seen[x] = true
	}
}

// TestUnboundCredential issues a configuration without proofs.
func TestUnboundCredential(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(1)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgBadge}, Claims: map[string]any{"level": "gold"}})
	tr := w.token(offer, "")
	creds, _ := credentials(t, w.credential(tr, cfgBadge))
	if len(creds) != 1 {
		t.Fatal(len(creds))
	}
	res := w.credential(tr, cfgBadge, w.proof(0, w.nonce(), nil))
	if res.status != 400 || res.errCode() != "invalid_credential_request" {
		t.Fatalf("proofs for an unbound configuration: %d %s", res.status, res.body)
	}
}

// TestMultiTenant serves two issuers (identifiers with paths) from one mux;
// a token of one is not accepted by the other.
func TestMultiTenant(t *testing.T) {
	a := newEnv(t)
	newTenant(t, a.srv, a.mux, "beta")
	for _, tenant := range []string{"acme", "beta"} {
		res := a.wallet(0).do(mustReq(http.NewRequest(http.MethodGet, a.srv.URL+"/.well-known/openid-credential-issuer/tenants/"+tenant, nil)))
		if res.status != 200 {
			t.Fatalf("%s metadata %d", tenant, res.status)
		}
		md, err := oid4vci.Parser{}.IssuerMetadata(res.body)
		must(t, err)
		if err := md.CheckIssuer(a.srv.URL + "/tenants/" + tenant); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(md.CredentialEndpoint, "/tenants/"+tenant+"/credential") || !strings.HasSuffix(md.NonceEndpoint, "/tenants/"+tenant+"/nonce") {
			t.Fatalf("%s endpoints %s", tenant, md.CredentialEndpoint)
		}
	}
	w := a.wallet(1)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	tr := w.token(offer, "")
	// Present acme's token at beta's credential endpoint.
	res := w.credentialRaw("Bearer "+tr.AccessToken, []byte(`{"credential_identifier":"pid_sd_jwt"}`), "")
	if res.status != 400 { // acme's own endpoint: missing proofs
		t.Fatalf("acme: %d %s", res.status, res.body)
	}
	req := mustReq(http.NewRequest(http.MethodPost, a.srv.URL+"/tenants/beta/credential", strings.NewReader(`{"credential_identifier":"pid_sd_jwt"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tr.AccessToken)
	res = w.do(req)
	if res.status != 401 || res.errCode() != "invalid_token" {
		t.Fatalf("beta accepted acme's token: %d %s", res.status, res.body)
	}
}

// TestMetadata checks the issuer and authorization server metadata.
func TestMetadata(t *testing.T) {
	e := newEnv(t)
	md, err := e.iss.IssuerMetadata(context.Background())
	must(t, err)
	if md.CredentialIssuer != e.id || md.BatchCredentialIssuance.BatchSize != 10 || md.CredentialConfigurations[cfgPID].VCT != vctPID {
		t.Fatalf("%+v", md)
	}
	if got := md.CredentialConfigurations[cfgPID].CredentialSigningAlgValuesSupported; len(got) != 1 || got[0].Name != "ES256" {
		t.Fatalf("signing algs %v", got)
	}
	var _ issuer.MetadataSource = e.iss
	res := e.wallet(0).do(mustReq(http.NewRequest(http.MethodGet, e.srv.URL+"/.well-known/oauth-authorization-server/tenants/acme", nil)))
	var as map[string]any
	res.json(t, &as)
	if as["issuer"] != e.id || as["token_endpoint"] != e.id+"/token" || as["pre-authorized_grant_anonymous_access_supported"] != false {
		t.Fatalf("%v", as)
	}
}

// TestDeferredAndNotification: a deferring plugin answers 202 with the same
// transaction id until it issues; the id is then invalid. Notifications are
// idempotent and scoped to the grant.
func TestDeferredAndNotification(t *testing.T) {
	dp := &deferring{ready: 2}
	e := newEnv(t, func(c *issuer.Config) {
		dp.Plugin = c.Plugins[0]
		c.Plugins = []issuer.Plugin{dp}
	})
	w := e.wallet(1)
	offer, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	tr := w.token(offer, "")
	res := w.credential(tr, cfgPID, w.proof(0, w.nonce(), nil))
	if res.status != 202 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	var def oid4vci.CredentialResponse
	res.json(t, &def)
	if def.TransactionID == "" || def.Interval != 3 {
		t.Fatalf("%+v", def)
	}
	deferred := func(id string) *response {
		req := mustReq(http.NewRequest(http.MethodPost, e.id+"/deferred_credential", strings.NewReader(`{"transaction_id":"`+id+`"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tr.AccessToken)
		return w.do(req)
	}
	res = deferred(def.TransactionID)
	var again oid4vci.CredentialResponse
	res.json(t, &again)
	if res.status != 202 || again.TransactionID != def.TransactionID {
		t.Fatalf("second: %d %s", res.status, res.body)
	}
	if r := deferred("unknown"); r.status != 400 || r.errCode() != "invalid_transaction_id" {
		t.Fatalf("unknown id: %d %s", r.status, r.body)
	}
	creds, nid := credentials(t, deferred(def.TransactionID))
	if _, err := e.verifier().VerifyIssued(context.Background(), creds[0]); err != nil {
		t.Fatal(err)
	}
	if r := deferred(def.TransactionID); r.status != 400 || r.errCode() != "invalid_transaction_id" {
		t.Fatalf("delivered id reused: %d %s", r.status, r.body)
	}
	notify := func(tok, body string) *response {
		req := mustReq(http.NewRequest(http.MethodPost, e.id+"/notification", strings.NewReader(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		return w.do(req)
	}
	for k := 0; k < 2; k++ {
		if r := notify(tr.AccessToken, `{"notification_id":"`+nid+`","event":"credential_accepted"}`); r.status != 204 {
			t.Fatalf("notification %d: %d %s", k, r.status, r.body)
		}
	}
	if r := notify(tr.AccessToken, `{"notification_id":"nope","event":"credential_accepted"}`); r.status != 400 || r.errCode() != "invalid_notification_id" {
		t.Fatalf("unknown notification: %d %s", r.status, r.body)
	}
	if r := notify(tr.AccessToken, `{"notification_id":"`+nid+`","event":"credential_eaten"}`); r.status != 400 || r.errCode() != "invalid_notification_request" {
		t.Fatalf("bad event: %d %s", r.status, r.body)
	}
	// Another grant cannot use this notification id.
	offer2, _ := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgBadge}, Claims: map[string]any{}})
	tr2 := w.token(offer2, "")
	if r := notify(tr2.AccessToken, `{"notification_id":"`+nid+`","event":"credential_deleted"}`); r.status != 400 || r.errCode() != "invalid_notification_id" {
		t.Fatalf("foreign notification: %d %s", r.status, r.body)
	}
	if r := deferred(def.TransactionID); r.status != 400 {
		t.Fatal("transaction reusable")
	}
}

// deferring defers the first ready-1 calls.
type deferring struct {
	issuer.Plugin
	ready, calls int
}

func (d *deferring) Issue(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	d.calls++
	if d.calls < d.ready+1 {
		if d.calls > 1 && req.TransactionID == "" {
			panic("deferred call without transaction id")
		}
		return &issuer.IssueResult{Deferred: true, Interval: 3}, nil
	}
	return d.Plugin.Issue(ctx, req)
}

// TestOfferExpiry: an expired offer is neither served nor redeemable.
func TestOfferExpiry(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(0)
	created, err := e.iss.CreateOffer(context.Background(), issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, ByReference: true, TTL: time.Minute})
	must(t, err)
	if r := w.do(mustReq(http.NewRequest(http.MethodGet, created.OfferURI, nil))); r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d", r.status)
	}
	e.clock.Add(2 * time.Minute)
	if r := w.do(mustReq(http.NewRequest(http.MethodGet, created.OfferURI, nil))); r.status != 404 {
		t.Fatalf("expired offer served: %d", r.status)
	}
	r := w.tokenForm(w.preAuthForm(created.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode, ""), "")
	if r.status != 400 || r.errCode() != "invalid_grant" {
		t.Fatalf("expired code: %d %s", r.status, r.body)
	}
}

// TestCreateOfferRejects names the bad offer requests.
func TestCreateOfferRejects(t *testing.T) {
	e := newEnv(t)
	noDeliver := newEnv(t, func(c *issuer.Config) { c.DeliverTxCode = nil })
	for name, tc := range map[string]struct {
		e   *env
		req issuer.OfferRequest
	}{
		"no configuration ids":     {e, issuer.OfferRequest{}},
		"unknown configuration id": {e, issuer.OfferRequest{ConfigurationIDs: []string{"nope"}}},
		"duplicate id":             {e, issuer.OfferRequest{ConfigurationIDs: []string{cfgPID, cfgPID}}},
		"tx_code too short":        {e, issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, TxCode: &oid4vci.TxCode{Length: 2}}},
		"tx_code bad mode":         {e, issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, TxCode: &oid4vci.TxCode{InputMode: "emoji"}}},
		"tx_code without delivery": {noDeliver, issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, TxCode: &oid4vci.TxCode{}}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tc.e.iss.CreateOffer(context.Background(), tc.req); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	// Text codes use the text alphabet.
	_, err := e.iss.CreateOffer(context.Background(), issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, TxCode: &oid4vci.TxCode{InputMode: "text", Length: 8}})
	must(t, err)
	d := <-e.codes
	if len(d.Code) != 8 || strings.Contains(d.String(), d.Code) {
		t.Fatalf("text code %q / %s", d.Code, d)
	}
}

var _ = reflect.DeepEqual

// TestSignedMetadata: Accept: application/jwt gets signed metadata that the
// oid4vci parser verifies with the signer's key.
func TestSignedMetadata(t *testing.T) {
	var signer *jose.KeySigner
	e := newEnv(t, func(c *issuer.Config) {
		signer = c.Signer.(*jose.KeySigner)
		c.MetadataSigner = signer
	})
	req := mustReq(http.NewRequest(http.MethodGet, e.srv.URL+"/.well-known/openid-credential-issuer/tenants/acme", nil))
	req.Header.Set("Accept", "application/jwt, application/json;q=0.5")
	res := e.wallet(0).do(req)
	if res.status != 200 || res.header.Get("Content-Type") != "application/jwt" {
		t.Fatalf("%d %v", res.status, res.header)
	}
	smd, err := oid4vci.Parser{}.SignedIssuerMetadata(res.body, func(h *oid4vci.JOSEHeader, in string, sig []byte) error {
		return crypto.VerifySignature(signer.Public(), crypto.Algorithm(h.Alg), []byte(in), sig)
	})
	must(t, err)
	if err := smd.Metadata.CheckIssuer(e.id); err != nil {
		t.Fatal(err)
	}
	plain := e.wallet(0).do(mustReq(http.NewRequest(http.MethodGet, e.srv.URL+"/.well-known/openid-credential-issuer/tenants/acme", nil)))
	if plain.header.Get("Content-Type") != "application/json" {
		t.Fatal("plain metadata not JSON")
	}
}
