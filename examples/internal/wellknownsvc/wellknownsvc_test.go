package wellknownsvc_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/wellknownsvc"
	"github.com/ocmw/wstack/wellknown/natsregistry"
)

func connect(t *testing.T) *nats.Conn {
	ns, err := svc.StartEmbeddedNATS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	nc, err := svc.ConnectNATS(ns.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

const registration = `{"tenant_id":"acme","request_id":"1","issuer":{"credential_configurations_supported":{"pid":` +
	`{"format":"dc+sd-jwt","vct":"urn:example:pid","topic":"issuer.pid","schema":"internal"}}}}`

// TestRegistrationServedWithoutTopic: a plugin registration shows up in
// both document locations without topic/schema; unknown tenants are 404.
func TestRegistrationServedWithoutTopic(t *testing.T) {
	nc := connect(t)
	s, err := wellknownsvc.New(context.Background(), wellknownsvc.Config{
		IssuerURLTemplate: "https://issuer.example.com/v1/tenants/{tenant}", Tenants: []string{"acme"}, NATS: nc,
		Storage: svc.Storage{SQLiteDir: t.TempDir()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv, _ := svc.Listen("127.0.0.1:0", nil)
	srv.Serve(s.Handler())
	defer srv.Shutdown(context.Background())
	msg, _ := natsregistry.NewEvent("1", "issuer.pid", "wellknown.issuer.registration", json.RawMessage(registration))
	if err := nc.Publish(natsregistry.SubjectRegistration, msg); err != nil {
		t.Fatal(err)
	}
	var body string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(srv.URL() + "/v1/tenants/acme/.well-known/openid-credential-issuer")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body = string(b); strings.Contains(body, "urn:example:pid") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not registered: %s", body)
		}
	}
	if strings.Contains(body, "topic") || strings.Contains(body, "schema") || !strings.Contains(body, `"credential_endpoint":"https://issuer.example.com/v1/tenants/acme/credential"`) {
		t.Fatal(body)
	}
	for path, want := range map[string]int{
		"/.well-known/openid-credential-issuer/v1/tenants/acme":   200,
		"/v1/tenants/nobody/.well-known/openid-credential-issuer": 404,
		svc.HealthPath: 200,
	} {
		resp, err := http.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || strings.Contains(string(b), "topic") {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
}

// TestMetadataDir: base metadata from the W-Stack Git-importer layout.
func TestMetadataDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "acme", "credentials"), 0o700); err != nil {
		t.Fatal(err)
	}
	issuerJSON := `{"credential_issuer":"https://issuer.example.com/v1/tenants/acme","credential_endpoint":"https://issuer.example.com/v1/tenants/acme/credential","display":[{"name":"ACME"}],"credential_configurations_supported":{}}`
	if err := os.WriteFile(filepath.Join(dir, "acme", "issuer.json"), []byte(issuerJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "acme", "credentials", "badge.json"), []byte(`{"format":"dc+sd-jwt","vct":"urn:example:badge"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := wellknownsvc.New(context.Background(), wellknownsvc.Config{MetadataDir: dir, NATS: connect(t), Storage: svc.Storage{SQLiteDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	md, err := s.Aggregator().IssuerMetadata(context.Background(), "acme")
	if err != nil || md.CredentialConfigurations["badge"] == nil || md.Display[0].Name != "ACME" {
		t.Fatalf("%+v %v", md, err)
	}
}

// TestConfig: refused configurations.
func TestConfig(t *testing.T) {
	nc := connect(t)
	for name, c := range map[string]wellknownsvc.Config{
		"no nats":     {IssuerURLTemplate: "https://h/v1/tenants/{tenant}"},
		"no template": {NATS: nc},
		"http":        {NATS: nc, IssuerURLTemplate: "http://h/v1/tenants/{tenant}"},
		"loopback":    {NATS: nc, IssuerURLTemplate: "https://127.0.0.1/v1/tenants/{tenant}"},
		"bad tenant":  {NATS: nc, IssuerURLTemplate: "https://h/v1/tenants/{tenant}", Tenants: []string{"A B"}},
	} {
		c.Storage = svc.Storage{SQLiteDir: t.TempDir()}
		if s, err := wellknownsvc.New(context.Background(), c); err == nil {
			_ = s.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}
