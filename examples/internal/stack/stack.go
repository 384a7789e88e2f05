// Package stack starts every example service — signer, status list,
// well-known, issuance plugin, issuer, wallet and verifier — in one
// process on loopback, wired as a deployment wires them: over HTTP and
// NATS, each service with its own store. examples/demo tells its story on
// it, examples/load measures it, and the shared-deployment test starts
// two stacks' worth of replicas on one PostgreSQL and one NATS.
//
// Defaults are the embedded ones: SQLite files in a directory, an
// embedded NATS server, the local key engine behind the signer service.
// Options.PostgresDSN and Options.NATSURL switch to shared servers.
package stack

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/signersvc"
	"github.com/ocmw/wstack/examples/internal/statussvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/verifiersvc"
	"github.com/ocmw/wstack/examples/internal/walletsvc"
	"github.com/ocmw/wstack/examples/internal/wellknownsvc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/presentation"
)

// Options configure Start.
type Options struct {
	// Dir holds the SQLite files (required unless PostgresDSN is set).
	Dir string
	// PostgresDSN, when set, puts every store on that PostgreSQL database
	// (tables prefixed by TablePrefix, default "stack_").
	PostgresDSN string
	TablePrefix string
	// NATSURL, when set, is the NATS server; otherwise an embedded one is
	// started.
	NATSURL string
	// Tenant is the one tenant of the demo (default "acme").
	Tenant string
	// Logger receives every service's JSON logs (default: discard).
	Logger *slog.Logger
	// RemoteSigning makes the plugin and the status list service sign
	// through the signer service's HTTP API (the W-Stack's layout);
	// otherwise they share the signer's engine in-process (the load
	// test's choice: one HTTP round trip less per credential).
	RemoteSigning bool
}

// Stack is a running set of services.
type Stack struct {
	Tenant string
	// Token is the management API bearer token of every service.
	Token string
	NATS  *nats.Conn
	// Engine is the signer's key engine.
	Engine crypto.Engine
	// The services and their base URLs.
	Signer    *signersvc.Service
	Status    *statussvc.Service
	WellKnown *wellknownsvc.Service
	Plugin    *pluginsvc.Service
	Issuer    *issuersvc.Service
	Wallet    *walletsvc.Service
	Verifier  *verifiersvc.Service
	URLs      map[string]string
	// HTTP trusts the stack's TLS certificate (the issuer is https, as
	// OpenID4VCI requires).
	HTTP *http.Client
	// Roots is the pool holding that certificate.
	Roots *x509.CertPool
	// IssuerDID is the plugin's signing DID, trusted by wallet and
	// verifier.
	IssuerDID string
	// VerifierClientID is the verifier's prefixed client_id.
	VerifierClientID string

	closers []func()
}

// Close stops everything in reverse start order.
func (s *Stack) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

func (s *Stack) onClose(f func()) { s.closers = append(s.closers, f) }

// Start starts the stack. On error, whatever started is stopped.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Tenant == "" {
		o.Tenant = "acme"
	}
	if o.TablePrefix == "" {
		o.TablePrefix = "stack_"
	}
	if o.Dir == "" && o.PostgresDSN == "" {
		return nil, errors.New("stack: Dir or PostgresDSN is required")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Stack{Tenant: o.Tenant, URLs: map[string]string{}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	var tok [24]byte
	_, _ = rand.Read(tok[:])
	s.Token = "stack-" + hex.EncodeToString(tok[:])
	auth, err := svc.NewStaticTokens("stack:" + s.Token)
	if err != nil {
		return nil, err
	}
	storage := func(name string) svc.Storage {
		if o.PostgresDSN != "" {
			return svc.Storage{PostgresDSN: o.PostgresDSN}
		}
		return svc.Storage{SQLiteDir: o.Dir + "/" + name}
	}

	// NATS.
	natsURL := o.NATSURL
	if natsURL == "" {
		ns, err := svc.StartEmbeddedNATS()
		if err != nil {
			return nil, err
		}
		s.onClose(ns.Shutdown)
		natsURL = ns.URL()
	}
	s.URLs["nats"] = natsURL
	if s.NATS, err = svc.ConnectNATS(natsURL, "wstack-stack"); err != nil {
		return nil, err
	}
	s.onClose(s.NATS.Close)

	// TLS for the https services (one self-signed certificate for
	// 127.0.0.1; every client here trusts it).
	tlsCfg, roots, err := svc.SelfSignedTLS(24*time.Hour, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	s.Roots = roots
	s.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: 256}}

	listen := func(name string, useTLS bool) (*svc.Server, error) {
		var srv *svc.Server
		var err error
		if useTLS {
			srv, err = svc.ListenTLS("127.0.0.1:0", tlsCfg, log.With("service", name))
		} else {
			srv, err = svc.Listen("127.0.0.1:0", log.With("service", name))
		}
		if err != nil {
			return nil, err
		}
		s.onClose(func() { _ = srv.Shutdown(context.Background()) })
		if useTLS {
			s.URLs[name] = "https://" + srv.Addr()
		} else {
			s.URLs[name] = srv.URL()
		}
		return srv, nil
	}

	// Signer: the key engine every other service signs with.
	engine, err := local.New(local.Options{})
	if err != nil {
		return nil, err
	}
	s.Engine = engine
	if s.Signer, err = signersvc.New(ctx, signersvc.Config{Engine: engine, Auth: auth, Logger: log.With("service", "signer")}); err != nil {
		return nil, err
	}
	s.onClose(func() { _ = s.Signer.Close() })
	signerSrv, err := listen("signer", false)
	if err != nil {
		return nil, err
	}
	signerSrv.Serve(s.Signer.Handler())
	signing := crypto.Engine(engine)
	if o.RemoteSigning {
		signing = signersvc.NewClient(s.URLs["signer"], s.Token, nil)
	}

	// Status list service.
	statusSrv, err := listen("statuslist", false)
	if err != nil {
		return nil, err
	}
	if s.Status, err = statussvc.New(ctx, statussvc.Config{
		Engine: signing, SigningKey: crypto.KeyRef{Context: crypto.Context{Namespace: "statuslist", Group: o.Tenant}, ID: "lists"},
		CreateKey: true, PublicBaseURL: s.URLs["statuslist"], Storage: storage("statuslist"), TablePrefix: o.TablePrefix + "status_",
		Auth: auth, Logger: log.With("service", "statuslist"),
	}); err != nil {
		return nil, err
	}
	s.onClose(func() { _ = s.Status.Close() })
	statusSrv.Serve(s.Status.Handler())
	sub, err := s.Status.Subscribe(s.NATS)
	if err != nil {
		return nil, err
	}
	s.onClose(func() { _ = sub.Unsubscribe() })

	// Issuance plugin (before the issuer, which asks it for its
	// configurations).
	pluginSrv, err := listen("plugin", false)
	if err != nil {
		return nil, err
	}
	if s.Plugin, err = pluginsvc.New(ctx, pluginsvc.Config{
		NATS: s.NATS, Engine: signing, CreateKey: true, Auth: auth, Tenants: []string{o.Tenant},
		Status: &pluginsvc.StatusConfig{}, Logger: log.With("service", "plugin"),
	}); err != nil {
		return nil, err
	}
	s.onClose(func() { _ = s.Plugin.Close() })
	pluginSrv.Serve(s.Plugin.Handler())
	s.IssuerDID = s.Plugin.IssuerID()

	// Issuer (https).
	issuerSrv, err := listen("issuer", true)
	if err != nil {
		return nil, err
	}
	if s.Issuer, err = issuersvc.New(ctx, issuersvc.Config{
		PublicURL: s.URLs["issuer"], Tenants: []string{o.Tenant}, Engine: engine, CreateKeys: true, NATS: s.NATS,
		Auth: auth, Storage: storage("issuer"), TablePrefix: strings.TrimSuffix(o.TablePrefix, "_") + "iss",
		InsecureLoopback: true, Logger: log.With("service", "issuer"),
	}); err != nil {
		return nil, err
	}
	s.onClose(func() { _ = s.Issuer.Close() })
	issuerSrv.Serve(s.Issuer.Handler())

	// Well-known service, fed by the plugin's registrations.
	wkSrv, err := listen("wellknown", false)
	if err != nil {
		return nil, err
	}
	if s.WellKnown, err = wellknownsvc.New(ctx, wellknownsvc.Config{
		IssuerURLTemplate: s.URLs["issuer"] + "/v1/tenants/{tenant}", Tenants: []string{o.Tenant}, NATS: s.NATS,
		Storage: storage("wellknown"), TablePrefix: o.TablePrefix + "wk", InsecureLoopback: true,
		Logger: log.With("service", "wellknown"),
	}); err != nil {
		return nil, err
	}
	s.onClose(func() { _ = s.WellKnown.Close() })
	wkSrv.Serve(s.WellKnown.Handler())
	if err := s.Plugin.Register(); err != nil {
		return nil, err
	}

	// Status lists are signed by the status service's own key: wallet and
	// verifier trust it through its JWKS (fetched once, as a deployment
	// pins its status issuer).
	statusKeys := jose.NewTrustedKeys()
	jwks, err := s.get(ctx, s.URLs["statuslist"]+"/v1/tenants/"+o.Tenant+"/status/jwks")
	if err != nil {
		return nil, fmt.Errorf("stack: status list JWKS: %w", err)
	}
	if err := statusKeys.AddJWKS(s.Status.Issuer(o.Tenant), jwks); err != nil {
		return nil, err
	}

	// Wallet.
	walletSrv, err := listen("wallet", false)
	if err != nil {
		return nil, err
	}
	fetcher := fetch.New(fetch.Options{AllowLoopback: true, RootCAs: roots})
	// The status list issuer is trusted for its lists (its key is the
	// pinned one); the plugin's DID for credentials.
	wv, err := presentation.NewDefaultValidator(presentation.TrustedIssuers{s.IssuerDID, s.Status.Issuer(o.Tenant)},
		presentation.WithFetcher(fetcher), presentation.WithTrustedKeys(statusKeys))
	if err != nil {
		return nil, err
	}
	if s.Wallet, err = walletsvc.New(ctx, walletsvc.Config{
		Engine: engine, Auth: auth, Storage: storage("wallet"), TablePrefix: o.TablePrefix + "wallet_",
		Validator: wv, TrustAnyVerifier: true, RootCAs: roots, Fetcher: fetcher, InsecureLoopback: true, NATS: s.NATS,
		Logger: log.With("service", "wallet"),
	}); err != nil {
		return nil, err
	}
	s.onClose(func() { _ = s.Wallet.Close() })
	walletSrv.Serve(s.Wallet.Handler())

	// Verifier.
	verifierSrv, err := listen("verifier", false)
	if err != nil {
		return nil, err
	}
	if s.Verifier, err = verifiersvc.New(ctx, verifiersvc.Config{
		PublicURL: s.URLs["verifier"], Engine: engine, Auth: auth, Storage: storage("verifier"),
		TablePrefix: o.TablePrefix + "verifier_", NATS: s.NATS,
		Tenants:        map[string]verifiersvc.TenantConfig{o.Tenant: {GenerateKey: true, Key: crypto.KeyRef{Context: crypto.Context{Namespace: "verifier", Group: o.Tenant}, ID: "requests"}}},
		TrustedIssuers: []string{s.IssuerDID}, TrustedIssuerKeys: statusKeys, InsecureLoopback: true,
		StatusCacheTTL: time.Second, Logger: log.With("service", "verifier"),
	}); err != nil {
		return nil, err
	}
	s.onClose(func() { _ = s.Verifier.Close() })
	verifierSrv.Serve(s.Verifier.Handler())
	return s, nil
}

func (s *Stack) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	return body, nil
}

// APIError is a management API answer other than the expected status.
type APIError struct {
	Method, URL string
	Status      int
	Body        string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, e.Body)
}

// Call sends in as JSON to a management route of service (a key of URLs)
// with the stack's bearer token and decodes the answer into out. An
// answer other than want is an *APIError.
func (s *Stack) Call(ctx context.Context, method, service, path string, in, out any, want int) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = strings.NewReader(string(b))
	}
	u := s.URLs[service] + path
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return &APIError{Method: method, URL: u, Status: resp.StatusCode, Body: strings.TrimSpace(string(raw))}
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}
