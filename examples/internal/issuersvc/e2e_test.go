package issuersvc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/wellknownsvc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/wellknown/natsregistry"
)

// TestEndToEnd: embedded NATS, plugin, issuer and well-known services over
// loopback; the library wallet takes the offer link the plugin obtained,
// reads the tx_code from the pin event and gets a dc+sd-jwt credential
// that verifies, with recursive address disclosures and a status entry.
func TestEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t, "")
	iss, issURL := e.startIssuer(svc.Storage{SQLiteDir: t.TempDir()}, "", "")
	_ = iss

	// Well-known service, fed by the plugin's registration.
	wk, err := wellknownsvc.New(ctx, wellknownsvc.Config{
		IssuerURLTemplate: issURL + "/v1/tenants/{tenant}", Tenants: []string{testTenant}, NATS: e.nc,
		Storage: svc.Storage{SQLiteDir: t.TempDir()}, InsecureLoopback: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = wk.Close() })
	wkSrv, err := svc.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	wkSrv.Serve(wk.Handler())
	t.Cleanup(func() { _ = wkSrv.Shutdown(context.Background()) })
	if err := e.plugin.Register(); err != nil {
		t.Fatal(err)
	}

	// The plugin prepares the claims and asks the issuer for an offer
	// (<topic>.request → credential.offer.url).
	var rep pluginsvc.IssuanceReply
	err = svc.Call(ctx, e.nc, pluginsvc.DefaultTopic+".request", "test", "issuance.request", pluginsvc.IssuanceRequest{
		Request: svc.Request{TenantID: testTenant, RequestID: "r1"}, Identifier: "erika", Payload: employee(),
		TwoFactor: issuersvc.TwoFactor{Enabled: true, RecipientType: "email", RecipientAddress: "erika@example.com"},
	}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rep.Offer, "openid-credential-offer://") || rep.TenantID != testTenant {
		t.Fatalf("reply %+v", rep)
	}

	w := e.newWallet(e.httpClient(""))
	stored, err := w.AcceptOffer(ctx, rep.Offer)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].Format != "dc+sd-jwt" || stored[0].VCT != pluginsvc.DefaultVCT {
		t.Fatalf("stored %+v", stored)
	}
	if want := issURL + "/v1/tenants/" + testTenant; stored[0].Issuer != want {
		t.Fatalf("issuer %q, want %q", stored[0].Issuer, want)
	}

	// Verify independently of the wallet.
	v, err := presentation.NewDefaultValidator(presentation.TrustedIssuers{e.plugin.IssuerID()}, presentation.SkipStatusCheck())
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(ctx, vocab.FormatSDJWTVC, stored[0].Raw)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := c.Claims["address"].(map[string]any)
	if c.Claims["given_name"] != "Erika" || addr["locality"] != "Köln" {
		t.Fatalf("claims %v", c.Claims)
	}
	has := func(p ...any) bool {
		for _, d := range c.Disclosable {
			if len(d) == len(p) && strings.Join(pathStrings(d), "/") == strings.Join(pathStrings(p), "/") {
				return true
			}
		}
		return false
	}
	if !has("address") || !has("address", "locality") || !has("given_name") {
		t.Fatalf("disclosable %v", c.Disclosable)
	}
	if len(c.Status) != 1 || !strings.HasPrefix(c.Status[0].URI, "https://status.example.com/v1/tenants/acme/") {
		t.Fatalf("status %+v", c.Status)
	}

	// The well-known service serves the registered configuration without
	// the routing topic; the NATS metadata reply keeps it.
	hc := &http.Client{Timeout: 5 * time.Second}
	var doc map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for {
		doc = getJSON(t, hc, wkSrv.URL()+"/v1/tenants/"+testTenant+"/.well-known/openid-credential-issuer")
		if cfgs, _ := doc["credential_configurations_supported"].(map[string]any); cfgs[pluginsvc.DefaultSDJWTConfigurationID] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("registration not served: %v", doc)
		}
		time.Sleep(50 * time.Millisecond)
	}
	raw, _ := json.Marshal(doc)
	if bytes.Contains(raw, []byte(`"topic"`)) || doc["credential_issuer"] != issURL+"/v1/tenants/"+testTenant {
		t.Fatalf("document %s", raw)
	}
	inserted := getJSON(t, hc, wkSrv.URL()+"/.well-known/openid-credential-issuer/v1/tenants/"+testTenant)
	if inserted["credential_issuer"] != doc["credential_issuer"] {
		t.Fatalf("inserted document %v", inserted)
	}
	var md natsregistry.MetadataReply
	if err := svc.Call(ctx, e.nc, natsregistry.SubjectMetadata, "test", "wellknown.issuer.metadata", map[string]string{"tenant_id": testTenant}, &md); err != nil {
		t.Fatal(err)
	}
	if md.Issuer == nil || string(md.Issuer.CredentialConfigurations[pluginsvc.DefaultSDJWTConfigurationID].Extra["topic"]) != `"`+pluginsvc.DefaultTopic+`"` {
		t.Fatalf("metadata reply %+v", md)
	}

	// The issuer's own metadata is where the wallet found it.
	f := fetch.New(fetch.Options{AllowLoopback: true, RootCAs: e.pool})
	if _, err := f.Get(ctx, issURL+"/.well-known/openid-credential-issuer/v1/tenants/"+testTenant, fetch.Call{}); err != nil {
		t.Fatal(err)
	}
}

func pathStrings(p []any) []string {
	out := make([]string, len(p))
	for k, v := range p {
		s, _ := v.(string)
		out[k] = s
	}
	return out
}

func getJSON(t *testing.T, hc *http.Client, u string) map[string]any {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
