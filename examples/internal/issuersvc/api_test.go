package issuersvc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci"
)

func post(t testing.TB, hc *http.Client, u, token string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// TestOffersAPI: the authenticated HTTP offers API and the NATS
// credential.offer.url responder, with their refusals.
func TestOffersAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := newEnv(t, "")
	_, u := e.startIssuer(svc.Storage{SQLiteDir: t.TempDir()}, "", "")
	hc := e.httpClient("")
	ok := issuersvc.OfferRequest{Subject: "erika", CredentialConfigurationIDs: []string{pluginsvc.DefaultSDJWTConfigurationID}, Claims: employee()}

	for _, tc := range []struct {
		name, path, token string
		body              any
		status            int
	}{
		{"no token", "/v1/tenants/acme/offers", "", ok, 401},
		{"wrong token", "/v1/tenants/acme/offers", "wrong-token-0123456789", ok, 401},
		{"unknown tenant", "/v1/tenants/nobody/offers", testToken, ok, 404},
		{"unknown configuration", "/v1/tenants/acme/offers", testToken, issuersvc.OfferRequest{Subject: "x", CredentialConfigurationIDs: []string{"nope"}}, 400},
		{"no subject", "/v1/tenants/acme/offers", testToken, issuersvc.OfferRequest{CredentialConfigurationIDs: []string{pluginsvc.DefaultSDJWTConfigurationID}}, 400},
		{"bad recipient type", "/v1/tenants/acme/offers", testToken, issuersvc.OfferRequest{Subject: "x", CredentialConfigurationIDs: []string{pluginsvc.DefaultSDJWTConfigurationID}, TwoFactor: issuersvc.TwoFactor{Enabled: true, RecipientType: "sms"}}, 400},
		{"created", "/v1/tenants/acme/offers", testToken, ok, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := post(t, hc, u+tc.path, tc.token, tc.body)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %s", st, tc.status, body)
			}
			if st == 201 {
				var r issuersvc.OfferResponse
				if err := json.Unmarshal(body, &r); err != nil || !strings.HasPrefix(r.CredentialOffer, "openid-credential-offer://") || r.OfferID == "" {
					t.Fatalf("%s %v", body, err)
				}
			}
		})
	}

	// By reference over NATS, with a didcomm recipient.
	var rep issuersvc.OfferingURLResp
	err := svc.Call(ctx, e.nc, issuersvc.DefaultOfferSubject, "test", "credential.offer.url", issuersvc.OfferingURLReq{
		Request: svc.Request{TenantID: "other", RequestID: "q1"},
		Params: issuersvc.OfferingParams{Subject: "max", Claims: employee(), ByReference: true, GrantType: "pre-authorized_code",
			CredentialConfigurations: []issuersvc.CredentialConfigurationRef{{ConfigurationID: pluginsvc.DefaultJWTVCConfigurationID}}},
	}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.CredentialOffer, "credential_offer_uri=") || rep.Subject != "max" || rep.RequestID != "q1" {
		t.Fatalf("%+v", rep)
	}
	for name, p := range map[string]issuersvc.OfferingURLReq{
		"no tenant":      {Params: issuersvc.OfferingParams{Subject: "x", CredentialConfigurations: []issuersvc.CredentialConfigurationRef{{ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID}}}},
		"issuer state":   {Request: svc.Request{TenantID: testTenant}, Params: issuersvc.OfferingParams{Subject: "x", IssuerState: "s", CredentialConfigurations: []issuersvc.CredentialConfigurationRef{{ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID}}}},
		"auth code":      {Request: svc.Request{TenantID: testTenant}, Params: issuersvc.OfferingParams{Subject: "x", GrantType: "authorization_code", CredentialConfigurations: []issuersvc.CredentialConfigurationRef{{ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID}}}},
		"identifiers":    {Request: svc.Request{TenantID: testTenant}, Params: issuersvc.OfferingParams{Subject: "x", CredentialConfigurations: []issuersvc.CredentialConfigurationRef{{ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID, CredentialIdentifier: []string{"a"}}}}},
		"unknown tenant": {Request: svc.Request{TenantID: "nobody"}, Params: issuersvc.OfferingParams{Subject: "x", CredentialConfigurations: []issuersvc.CredentialConfigurationRef{{ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID}}}},
	} {
		if err := svc.Call(ctx, e.nc, issuersvc.DefaultOfferSubject, "test", "credential.offer.url", p, nil); !errors.Is(err, svc.ErrRemote) {
			t.Errorf("%s: %v", name, err)
		}
	}

	// A code of tenant acme is not redeemable at tenant other.
	created, err := func() (*issuersvc.OfferResponse, error) {
		st, body := post(t, hc, u+"/v1/tenants/acme/offers", testToken, ok)
		if st != 201 {
			t.Fatalf("%d %s", st, body)
		}
		var r issuersvc.OfferResponse
		return &r, json.Unmarshal(body, &r)
	}()
	if err != nil {
		t.Fatal(err)
	}
	co, err := oid4vci.Parser{}.OfferLink(created.CredentialOffer)
	if err != nil {
		t.Fatal(err)
	}
	form := "grant_type=" + oid4vci.GrantTypePreAuthorizedCode + "&client_id=w&pre-authorized_code=" + url.QueryEscape(co.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode)
	resp, err := hc.Post(u+"/v1/tenants/other/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("cross-tenant redemption: %d", resp.StatusCode)
	}
	resp, err = hc.Post(u+"/v1/tenants/acme/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("redemption: %d", resp.StatusCode)
	}
	// Health.
	hr, err := hc.Get(u + svc.HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	hr.Body.Close()
	if hr.StatusCode != 200 {
		t.Fatalf("health %d", hr.StatusCode)
	}
}

// TestConfig: refused configurations.
func TestConfig(t *testing.T) {
	e := newEnv(t, "")
	for name, c := range map[string]issuersvc.Config{
		"no engine":         {PublicURL: "https://issuer.example.com", NATS: e.nc, Auth: e.auth},
		"no auth":           {PublicURL: "https://issuer.example.com", NATS: e.nc, Engine: e.engine},
		"http":              {PublicURL: "http://issuer.example.com", NATS: e.nc, Engine: e.engine, Auth: e.auth},
		"path":              {PublicURL: "https://issuer.example.com/x", NATS: e.nc, Engine: e.engine, Auth: e.auth},
		"loopback":          {PublicURL: "https://127.0.0.1:1", NATS: e.nc, Engine: e.engine, Auth: e.auth},
		"bad tenant":        {PublicURL: "https://issuer.example.com", NATS: e.nc, Engine: e.engine, Auth: e.auth, Tenants: []string{"A/B"}},
		"missing key":       {PublicURL: "https://issuer.example.com", NATS: e.nc, Engine: e.engine, Auth: e.auth, Storage: svc.Storage{SQLiteDir: t.TempDir()}},
		"no plugin answers": {PublicURL: "https://issuer.example.com", NATS: e.nc, Engine: e.engine, Auth: e.auth, CreateKeys: true, PluginTopics: []string{"nobody"}, PluginWait: 300 * time.Millisecond, Storage: svc.Storage{SQLiteDir: t.TempDir()}},
	} {
		if s, err := issuersvc.New(context.Background(), c); err == nil {
			_ = s.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}
