package issuersvc_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/statuslist"
)

const (
	testToken  = "issuer-test-token-0123456789"
	testTenant = "acme"
)

// env is one NATS server with a status responder, a plugin and a
// collector of pin events.
type env struct {
	t      testing.TB
	nc     *nats.Conn
	engine crypto.Engine
	plugin *pluginsvc.Service
	pins   chan issuersvc.PinEvent
	auth   svc.Authenticator
	tls    *tls.Config
	pool   *x509.CertPool
}

func newEnv(t testing.TB, natsURL string) *env {
	t.Helper()
	if natsURL == "" {
		ns, err := svc.StartEmbeddedNATS()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ns.Shutdown)
		natsURL = ns.URL()
	}
	nc, err := svc.ConnectNATS(natsURL, "issuersvc-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	engine, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, nc: nc, engine: engine, pins: make(chan issuersvc.PinEvent, 64)}
	if e.auth, err = svc.NewStaticTokens("test:" + testToken); err != nil {
		t.Fatal(err)
	}
	if e.tls, e.pool, err = svc.SelfSignedTLS(time.Hour, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	startStatusResponder(t, nc)
	sub, err := nc.Subscribe(issuersvc.DefaultPinSubject, func(m *nats.Msg) {
		ev, err := svc.DecodeEvent(m.Data)
		if err != nil || ev.Type != "email.pin.v1" {
			t.Errorf("pin event: %v %v", err, ev)
			return
		}
		var p issuersvc.PinEvent
		if err := json.Unmarshal(ev.Data, &p); err != nil {
			t.Error(err)
			return
		}
		e.pins <- p
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	e.plugin, err = pluginsvc.New(context.Background(), pluginsvc.Config{
		NATS: nc, Engine: engine, CreateKey: true, Auth: e.auth, Tenants: []string{testTenant, "other"},
		Status: &pluginsvc.StatusConfig{}, JWTVC: true, Logger: testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.plugin.Close() })
	return e
}

// startStatusResponder answers status.data.create with entries of an
// in-memory IETF status list (the status service's contract).
func startStatusResponder(t testing.TB, nc *nats.Conn) {
	alloc := statuslist.NewAllocator(statuslist.NewMemory(), statuslist.WithListURI(func(tenant, id string) string {
		return "https://status.example.com/v1/tenants/" + tenant + "/status/" + id
	}))
	sub, err := svc.Respond(nc, pluginsvc.DefaultStatusSubject, "", "status", "create.reply", 5*time.Second, nil,
		func(ctx context.Context, e *svc.Event) (any, error) {
			var req pluginsvc.StatusRequest
			if err := json.Unmarshal(e.Data, &req); err != nil {
				return nil, err
			}
			a, err := alloc.Allocate(ctx, req.TenantID, req.GroupID, statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: req.Bits})
			if err != nil {
				return nil, err
			}
			claim, err := statuslist.NewStatusListClaim(a)
			if err != nil {
				return nil, err
			}
			return pluginsvc.StatusReply{Index: a.Index, ListID: a.ListID, StatusURL: a.URI, Type: "TokenStatusList",
				Purpose: req.Purpose, Status: claim}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
}

// startIssuer starts an issuer service over TLS on loopback. public, when
// set, is the shared public URL (replicas); else the instance's own.
func (e *env) startIssuer(storage svc.Storage, prefix, public string) (*issuersvc.Service, string) {
	e.t.Helper()
	srv, err := svc.ListenTLS("127.0.0.1:0", e.tls, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if public == "" {
		public = "https://" + srv.Addr()
	}
	s, err := issuersvc.New(context.Background(), issuersvc.Config{
		PublicURL: public, Tenants: []string{testTenant, "other"}, Engine: e.engine, CreateKeys: true,
		NATS: e.nc, Auth: e.auth, Storage: storage, TablePrefix: prefix, InsecureLoopback: true, Logger: testLogger(),
	})
	if err != nil {
		_ = srv.Shutdown(context.Background())
		e.t.Fatal(err)
	}
	srv.Serve(s.Handler())
	e.t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		_ = s.Close()
	})
	return s, "https://" + srv.Addr()
}

// httpClient trusts the test certificate; with addr set it connects to
// that address whatever the URL says (a load balancer picking a replica).
func (e *env) httpClient(addr string) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.pool, MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: 64}
	if addr != "" {
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// newWallet returns an oid4vci/wallet client trusting the plugin's issuer
// key, taking transaction codes from the pin events.
func (e *env) newWallet(hc *http.Client) *wallet.Client {
	e.t.Helper()
	ctx := context.Background()
	fetcher := fetch.New(fetch.Options{AllowLoopback: true, RootCAs: e.pool})
	validator, err := presentation.NewDefaultValidator(presentation.TrustedIssuers{e.plugin.IssuerID()},
		presentation.WithFetcher(fetcher), presentation.SkipStatusCheck())
	if err != nil {
		e.t.Fatal(err)
	}
	keys, err := local.New(local.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "wallet"}, ID: "holder"}
	if _, err := keys.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		e.t.Fatal(err)
	}
	holder, err := wallet.NewHolderKey(ctx, keys, ref, crypto.ES256)
	if err != nil {
		e.t.Fatal(err)
	}
	w, err := wallet.New(wallet.Config{
		Fetcher: fetcher, Validator: validator, HolderKeys: []*wallet.HolderKey{holder}, ClientID: "test-wallet",
		InsecureAllowLoopback: true,
		TxCode: func(ctx context.Context, tx *oid4vci.TxCode) (string, error) {
			select {
			case p := <-e.pins:
				return p.Pin, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		},
	}, wallet.WithHTTPClient(hc))
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// testLogger logs to stderr under WSTACK_TEST_LOG=1.
func testLogger() *slog.Logger {
	if os.Getenv("WSTACK_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// employee is the claims data of the tests: an address object whose
// members are disclosed one by one.
func employee() map[string]any {
	return map[string]any{
		"given_name": "Erika", "family_name": "Mustermann", "email": "erika@example.com", "role": "developer",
		"address": map[string]any{"street_address": "Heidestraße 17", "locality": "Köln", "postal_code": "51147", "country": "DE"},
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
