package pluginsvc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/issuer/natsplugin"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/wellknown/natsregistry"
)

const token = "plugin-test-token-0123456789"

func start(t *testing.T, cfg pluginsvc.Config) (*pluginsvc.Service, *nats.Conn) {
	t.Helper()
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
	engine, _ := local.New(local.Options{})
	auth, _ := svc.NewStaticTokens(token)
	cfg.NATS, cfg.Engine, cfg.Auth, cfg.CreateKey = nc, engine, auth, true
	s, err := pluginsvc.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, nc
}

func holder(t *testing.T) issuer.HolderKey {
	e, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "w"}, ID: "h"}
	k, err := e.GenerateKey(context.Background(), ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := crypto.PublicJWK(k.Public)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := crypto.Thumbprint(k.Public)
	return issuer.HolderKey{Public: k.Public, JWK: jwk, Thumbprint: tp}
}

// TestIssueOverNATS: without a status service, the plugin issues a bound
// dc+sd-jwt over natsplugin that verifies; its refusals are protocol
// errors.
func TestIssueOverNATS(t *testing.T) {
	ctx := context.Background()
	p, nc := start(t, pluginsvc.Config{IssuerDIDMethod: "jwk", RegistrationInterval: -1})
	c, err := natsplugin.NewClient(ctx, nc, pluginsvc.DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"given_name": "Erika", "address": map[string]any{"locality": "Köln", "country": "DE"}}
	req := &issuer.IssueRequest{ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID, Subject: "acme/erika", Claims: claims,
		HolderKeys: []issuer.HolderKey{holder(t)}}
	res, err := c.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := json.Unmarshal(res.Credentials[0].Credential, &raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.IssuerID(), "did:jwk:") {
		t.Fatal(p.IssuerID())
	}
	v, _ := presentation.NewDefaultValidator(presentation.TrustedIssuers{p.IssuerID()}, presentation.SkipStatusCheck())
	cred, err := v.Verify(ctx, vocab.FormatSDJWTVC, raw)
	if err != nil {
		t.Fatal(err)
	}
	if cred.VCT != pluginsvc.DefaultVCT || len(cred.Status) != 0 || len(cred.Disclosable) != 4 {
		t.Fatalf("%+v", cred)
	}
	for name, r := range map[string]*issuer.IssueRequest{
		"no tenant":     {ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID, Subject: "erika", Claims: claims, HolderKeys: req.HolderKeys},
		"reserved":      {ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID, Subject: "acme/erika", Claims: map[string]any{"iss": "x"}, HolderKeys: req.HolderKeys},
		"no holder key": {ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID, Subject: "acme/erika", Claims: claims},
		"no claims":     {ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID, Subject: "acme/erika", HolderKeys: req.HolderKeys},
	} {
		var oe *oid4vci.Error
		if _, err := c.Issue(ctx, r); !errors.As(err, &oe) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestStatusRequired: with Status set and no status service, issuance
// fails (nothing is issued without its status entry).
func TestStatusRequired(t *testing.T) {
	ctx := context.Background()
	_, nc := start(t, pluginsvc.Config{Status: &pluginsvc.StatusConfig{Timeout: 200 * time.Millisecond}, RegistrationInterval: -1})
	c, err := natsplugin.NewClient(ctx, nc, pluginsvc.DefaultTopic)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Issue(ctx, &issuer.IssueRequest{ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID, Subject: "acme/erika",
		Claims: map[string]any{"given_name": "Erika"}, HolderKeys: []issuer.HolderKey{holder(t)}})
	if !errors.Is(err, natsplugin.ErrRemote) {
		t.Fatal(err)
	}
}

// TestRegistration: the event natsregistry decodes, with topic.
func TestRegistration(t *testing.T) {
	got := make(chan *natsregistry.Event, 4)
	_, nc := start(t, pluginsvc.Config{RegistrationInterval: 50 * time.Millisecond, Tenants: []string{"acme"}, JWTVC: true})
	sub, err := nc.Subscribe(pluginsvc.DefaultRegistrationSubject, func(m *nats.Msg) {
		ev, err := natsregistry.DecodeEvent(m.Data, 0)
		if err != nil {
			t.Error(err)
			return
		}
		got <- ev
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ev := <-got
	var data struct {
		TenantID string `json:"tenant_id"`
		Issuer   struct {
			Configs map[string]map[string]any `json:"credential_configurations_supported"`
		} `json:"issuer"`
	}
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.TenantID != "acme" || ev.Source != pluginsvc.DefaultTopic || !strings.HasSuffix(ev.Type, natsregistry.TypeIssuerRegistration) ||
		data.Issuer.Configs[pluginsvc.DefaultSDJWTConfigurationID]["topic"] != pluginsvc.DefaultTopic || len(data.Issuer.Configs) != 2 {
		t.Fatalf("%+v %s", ev, ev.Data)
	}
}

// TestRequestAPI: the HTTP form needs authentication and checks claims
// before asking the issuer.
func TestRequestAPI(t *testing.T) {
	p, _ := start(t, pluginsvc.Config{RegistrationInterval: -1})
	srv, err := svc.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Serve(p.Handler())
	defer srv.Shutdown(context.Background())
	for _, tc := range []struct {
		name, tok string
		body      any
		status    int
	}{
		{"anonymous", "", pluginsvc.IssuanceRequest{Identifier: "x", Payload: map[string]any{"a": 1}}, 401},
		{"reserved claim", token, pluginsvc.IssuanceRequest{Identifier: "x", Payload: map[string]any{"vct": "y"}}, 400},
		{"no identifier", token, pluginsvc.IssuanceRequest{Payload: map[string]any{"a": 1}}, 400},
		{"unknown configuration", token, pluginsvc.IssuanceRequest{Identifier: "x", Payload: map[string]any{"a": 1}, CredentialConfigurationID: "nope"}, 400},
		{"no issuer", token, pluginsvc.IssuanceRequest{Identifier: "x", Payload: map[string]any{"a": 1}}, 500},
	} {
		b, _ := json.Marshal(tc.body)
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/v1/tenants/acme/issuance/request", bytes.NewReader(b))
		if tc.tok != "" {
			req.Header.Set("Authorization", "Bearer "+tc.tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
}
