package wallet_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// seedOfferLink is the example offer link of the W-Stack overview (seed
// ocm-w-stack-overview.md, "Credential Retrieval Flow"): a drafts ≤12
// offer with credentials, an authorization_code grant with an empty
// issuer_state and user_pin_required false.
const seedOfferLink = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fcloud-wallet.xfsc.dev%22%2C%22credentials%22%3A%5B%22DeveloperCredential%22%5D%2C%22grants%22%3A%7B%22authorization_code%22%3A%7B%22issuer_state%22%3A%22%22%7D%2C%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22VpKXRRzgTi23cCC9UUf2%22%2C%22user_pin_required%22%3Afalse%7D%7D%7D"

func legacyEnv(t *testing.T) *env {
	return newEnv(t, func(c *issuer.Config, e *env) {
		c.Profile = oid4vci.ProfileLegacy
		dev, err := issuer.NewSDJWTPlugin(nil, issuer.SDJWTCredential{
			ID: "DeveloperCredential", Signer: e.signer, IssuerID: e.issuerDID, Validity: time.Hour,
			Configuration: oid4vci.CredentialConfiguration{
				Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/developer",
				CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
				ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}}},
			},
		})
		must(t, err)
		c.Plugins = append(c.Plugins, dev)
	})
}

// TestSeedOfferLink: the seed's link parses under the legacy profile (and
// is refused under 1.0), and a link of exactly its shape — only the issuer
// URL and the code replaced by our issuer's — is driven end to end against
// our issuer speaking the drafts 11–13 profile.
func TestSeedOfferLink(t *testing.T) {
	e := legacyEnv(t)
	final := e.wallet(walletOpts{})
	if _, err := final.ResolveOffer(context.Background(), seedOfferLink); err == nil {
		t.Fatal("drafts ≤12 offer accepted under 1.0")
	}
	legacy := func(c *wallet.Config) { c.Profile = oid4vci.ProfileLegacy }
	w := e.wallet(walletOpts{mod: legacy})
	o, err := w.ResolveOffer(context.Background(), seedOfferLink)
	must(t, err)
	if o.CredentialIssuer != "https://cloud-wallet.xfsc.dev" || len(o.ConfigurationIDs()) != 1 || o.ConfigurationIDs()[0] != "DeveloperCredential" ||
		o.Grants.PreAuthorizedCode.PreAuthorizedCode != "VpKXRRzgTi23cCC9UUf2" || o.Grants.PreAuthorizedCode.TxCodeRequired() {
		t.Fatalf("%+v", o)
	}

	created, err := e.iss.CreateOffer(context.Background(), issuer.OfferRequest{ConfigurationIDs: []string{"DeveloperCredential"}, Claims: pidClaims, Draft12: true})
	must(t, err)
	u, _ := url.Parse(seedOfferLink)
	var m map[string]any
	must(t, json.Unmarshal([]byte(u.Query().Get("credential_offer")), &m))
	m["credential_issuer"] = e.id
	m["grants"].(map[string]any)[oid4vci.GrantTypePreAuthorizedCode].(map[string]any)["pre-authorized_code"] = created.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode
	b, _ := json.Marshal(m)
	link := "openid-credential-offer://?credential_offer=" + url.QueryEscape(string(b))
	got, err := w.AcceptOffer(context.Background(), link)
	must(t, err)
	if len(got) != 1 || got[0].VCT != "https://credentials.example.com/developer" {
		t.Fatalf("%+v", got)
	}
}

// TestLegacyUserPIN: a drafts ≤12 offer with user_pin_required gets the
// PIN from the callback, sent as user_pin.
func TestLegacyUserPIN(t *testing.T) {
	e := legacyEnv(t)
	link, pin := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims, TxCode: &oid4vci.TxCode{}, Draft12: true})
	w := e.wallet(walletOpts{mod: func(c *wallet.Config) {
		c.Profile = oid4vci.ProfileLegacy
		c.TxCode = func(context.Context, *oid4vci.TxCode) (string, error) { return pin, nil }
	}})
	got, err := w.AcceptOffer(context.Background(), link)
	must(t, err)
	if len(got) != 1 {
		t.Fatal(len(got))
	}
	if tok := e.requests("/token"); len(tok) != 1 || !strings.Contains(tok[0].body, "user_pin=") || strings.Contains(tok[0].body, "tx_code=") {
		t.Fatalf("%+v", tok)
	}
}

// TestLegacyCNonce: a draft 13 issuer without a nonce endpoint: the proof
// carries the c_nonce of the token response.
func TestLegacyCNonce(t *testing.T) {
	e := legacyEnv(t)
	e.setIntercept(func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		if !strings.HasPrefix(r.URL.Path, oid4vci.WellKnownIssuerMetadata) {
			return false
		}
		rewrite(w, r, next, func(m map[string]any) { delete(m, "nonce_endpoint") })
		return true
	})
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	w := e.wallet(walletOpts{mod: func(c *wallet.Config) { c.Profile = oid4vci.ProfileLegacy }})
	got, err := w.AcceptOffer(context.Background(), link)
	must(t, err)
	if len(got) != 1 || len(e.requests("/nonce")) != 0 {
		t.Fatalf("got %d, %d nonce requests", len(got), len(e.requests("/nonce")))
	}
}

// TestDraft13Requests: with Draft13Requests the wallet sends the draft 13
// format-based request with the singular proof and reads the singular
// credential of the legacy response.
func TestDraft13Requests(t *testing.T) {
	e := legacyEnv(t)
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	w := e.wallet(walletOpts{keys: 2, mod: func(c *wallet.Config) {
		c.Profile, c.Draft13Requests, c.Batch = oid4vci.ProfileLegacy, true, 2
	}})
	got, err := w.AcceptOffer(context.Background(), link)
	must(t, err)
	if len(got) != 1 || got[0].VCT != vctPID {
		t.Fatalf("%+v", got)
	}
	reqs := e.requests("/credential")
	if len(reqs) != 1 || !strings.Contains(reqs[0].body, `"format":"dc+sd-jwt"`) || !strings.Contains(reqs[0].body, `"proof":{`) ||
		strings.Contains(reqs[0].body, "credential_configuration_id") {
		t.Fatalf("%+v", reqs)
	}
}

// TestDraft13BatchEndpoint: against a legacy issuer advertising
// batch_credential_endpoint, a Draft13Requests wallet with two keys sends
// one draft 13 batch request (one format-based request with the singular
// proof per key, one c_nonce), stores both credentials and notifies both
// notification ids; a batch answer with more responses than requests, or
// a response with several credentials, stores nothing.
func TestDraft13BatchEndpoint(t *testing.T) {
	newBatchEnv := func(t *testing.T) *env {
		return newEnv(t, func(c *issuer.Config, e *env) { c.Profile, c.LegacyBatchEndpoint = oid4vci.ProfileLegacy, true })
	}
	opts := walletOpts{keys: 2, mod: func(c *wallet.Config) { c.Profile, c.Draft13Requests, c.Batch = oid4vci.ProfileLegacy, true, 2 }}
	e := newBatchEnv(t)
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	w := e.wallet(opts)
	got, err := w.AcceptOffer(context.Background(), link)
	must(t, err)
	if len(got) != 2 || got[0].HolderKeyThumbprint == got[1].HolderKeyThumbprint || got[0].NotificationID == got[1].NotificationID {
		t.Fatalf("%+v", got)
	}
	reqs := e.requests("/batch_credential")
	if len(reqs) != 1 || len(e.requests("/credential")) != 0 || strings.Count(reqs[0].body, `"proof":{`) != 2 {
		t.Fatalf("%+v", reqs)
	}
	if n := len(e.requests("/notification")); n != 2 {
		t.Fatalf("%d notifications", n)
	}
	for name, mod := range map[string]func(m map[string]any){
		"more responses than requests": func(m map[string]any) {
			rs := m["credential_responses"].([]any)
			m["credential_responses"] = append(rs, rs[0])
		},
		"several credentials in one response": func(m map[string]any) {
			rs := m["credential_responses"].([]any)
			first := rs[0].(map[string]any)
			first["credentials"] = []any{map[string]any{"credential": first["credential"]}, map[string]any{"credential": first["credential"]}}
			delete(first, "credential")
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newBatchEnv(t)
			e.setIntercept(func(p string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
				if p != "/batch_credential" {
					return false
				}
				rewrite(w, r, next, mod)
				return true
			})
			link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
			w := e.wallet(opts)
			if _, err := w.AcceptOffer(context.Background(), link); err == nil {
				t.Fatal("accepted")
			}
			if l, _ := w.Store().List(context.Background(), wallet.Filter{}); len(l) != 0 {
				t.Fatal("stored")
			}
		})
	}
}
