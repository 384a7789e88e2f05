package issuer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// TestLegacyDraft13: under ProfileLegacy a draft 13 wallet (user_pin,
// c_nonce from the token response, format-based request with the singular
// proof) gets the singular credential and a fresh c_nonce, which works for
// the next request; 1.0 requests keep working.
func TestLegacyDraft13(t *testing.T) {
	e := newEnv(t, func(c *issuer.Config) { c.Profile = oid4vci.ProfileLegacy })
	w := e.wallet(2)
	offer, tx := w.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, TxCode: &oid4vci.TxCode{}})
	form := w.preAuthForm(offer.Grants.PreAuthorizedCode.PreAuthorizedCode, "")
	form.Set("user_pin", tx)
	res := w.tokenForm(form, "")
	tr, err := oid4vci.Parser{Profile: oid4vci.ProfileLegacy}.TokenResponse(res.body)
	must(t, err)
	if tr.CNonce == "" || tr.CNonceExpiresIn <= 0 {
		t.Fatalf("no c_nonce in the token response: %s", res.body)
	}
	legacyReq := func(k int, nonce string) []byte {
		return body(map[string]any{"format": "vc+sd-jwt", "vct": vctPID, "proof": map[string]any{"proof_type": "jwt", "jwt": w.proof(k, nonce, nil)}})
	}
	r := w.credentialRaw("Bearer "+tr.AccessToken, legacyReq(0, tr.CNonce), "")
	cr, err := oid4vci.Parser{Profile: oid4vci.ProfileLegacy}.CredentialResponse(r.status, r.body)
	must(t, err)
	var cred string
	if err := jsonUnmarshal(cr.Credential, &cred); err != nil || cr.CNonce == "" || len(cr.Credentials) != 0 {
		t.Fatalf("legacy response %s", r.body)
	}
	if _, err := e.verifier().VerifyIssued(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	// The c_nonce of the response serves the next request.
	r = w.credentialRaw("Bearer "+tr.AccessToken, legacyReq(1, cr.CNonce), "")
	if r.status != 200 {
		t.Fatalf("second legacy request: %d %s", r.status, r.body)
	}
	// A format the token does not cover.
	r = w.credentialRaw("Bearer "+tr.AccessToken, body(map[string]any{"format": "vc+sd-jwt", "vct": "https://other.example/vct", "proof": map[string]any{"proof_type": "jwt", "jwt": w.proof(0, w.nonce(), nil)}}), "")
	if r.status != 400 || r.errCode() != "unsupported_credential_format" {
		t.Fatalf("uncovered format: %d %s", r.status, r.body)
	}
	// 1.0 still works.
	credentials(t, w.credential(tr, cfgPID, w.proof(0, w.nonce(), nil)))
	// Under 1.0 the draft shapes are refused.
	f := newEnv(t)
	fw := f.wallet(1)
	ftr := fw.token(mustOffer(fw), "")
	r = fw.credentialRaw("Bearer "+ftr.AccessToken, body(map[string]any{"format": "vc+sd-jwt", "vct": vctPID, "proof": map[string]any{"proof_type": "jwt", "jwt": fw.proof(0, fw.nonce(), nil)}}), "")
	if r.status != 400 {
		t.Fatalf("draft request under 1.0: %d %s", r.status, r.body)
	}
}

// TestDraft12Offer: a drafts ≤12 offer (the W-Stack wallets' shape) parses
// under the legacy profile, and its PIN is accepted as user_pin.
func TestDraft12Offer(t *testing.T) {
	e := newEnv(t, func(c *issuer.Config) { c.Profile = oid4vci.ProfileLegacy })
	created, err := e.iss.CreateOffer(context.Background(), issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, TxCode: &oid4vci.TxCode{}, Draft12: true})
	must(t, err)
	pin := (<-e.codes).Code
	if !strings.Contains(created.Link, "user_pin_required") || strings.Contains(created.Link, "tx_code") || strings.Contains(created.Link, "credential_configuration_ids") {
		t.Fatalf("link %s", created.Link)
	}
	link, err := oid4vci.Parser{Profile: oid4vci.ProfileLegacy}.OfferLink(created.Link)
	must(t, err)
	if ids := link.Offer.ConfigurationIDs(); len(ids) != 1 || ids[0] != cfgPID || !link.Offer.Grants.PreAuthorizedCode.TxCodeRequired() {
		t.Fatalf("%+v", link.Offer)
	}
	w := e.wallet(0)
	form := w.preAuthForm(link.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode, "")
	form.Set("user_pin", pin)
	if r := w.tokenForm(form, ""); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if _, err := newEnv(t).iss.CreateOffer(context.Background(), issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Draft12: true}); err == nil {
		t.Fatal("Draft12 offer without the legacy profile")
	}
}
