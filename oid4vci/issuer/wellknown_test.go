package issuer_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"testing"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/wellknown"
)

// The wellknown service serves the issuer's own metadata (the issuer is its
// MetadataSource), so what wallets read and what the credential endpoint
// enforces cannot drift apart: the served document equals the issuer's,
// and exactly its configuration ids can be offered.
func TestWellKnownServesWhatIsEnforced(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	wk, err := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{
		ID: "acme", CredentialIssuer: e.id,
		Metadata: wellknown.MetadataSourceFunc(func(ctx context.Context, _ string) (*oid4vci.IssuerMetadata, error) {
			return e.iss.IssuerMetadata(ctx)
		}),
	}}})
	must(t, err)
	wsrv := httptest.NewServer(wk.Handler())
	t.Cleanup(wsrv.Close)
	get := func(url string, c *http.Client) map[string]any {
		t.Helper()
		res, err := c.Get(url)
		must(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		must(t, err)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", url, res.StatusCode, b)
		}
		var m map[string]any
		must(t, json.Unmarshal(b, &m))
		return m
	}
	served := get(wsrv.URL+"/.well-known/openid-credential-issuer/tenants/acme", wsrv.Client())
	own := get(e.srv.URL+"/.well-known/openid-credential-issuer/tenants/acme", e.srv.Client())
	if !reflect.DeepEqual(served, own) {
		t.Fatalf("served metadata differs from the issuer's:\nserved %v\nissuer %v", served, own)
	}
	var ids []string
	for id := range served["credential_configurations_supported"].(map[string]any) {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		t.Fatal("no configurations served")
	}
	for _, id := range ids {
		if _, err := e.iss.CreateOffer(ctx, issuer.OfferRequest{ConfigurationIDs: []string{id}, Claims: pidClaims}); err != nil {
			t.Errorf("served configuration %q cannot be offered: %v", id, err)
		}
	}
	if _, err := e.iss.CreateOffer(ctx, issuer.OfferRequest{ConfigurationIDs: []string{"not-served"}, Claims: pidClaims}); err == nil {
		t.Error("a configuration the metadata does not list was offered")
	}
}
