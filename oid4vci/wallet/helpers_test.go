package wallet_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c/ldp"
	"github.com/ocmw/wstack/vocab"
)

const (
	cfgPID   = "pid_sd_jwt"
	cfgBadge = "badge_sd_jwt"
	cfgJWTVC = "employee_jwt_vc"
	vctPID   = "https://credentials.example.com/pid"
	vctBadge = "https://credentials.example.com/badge"
)

var pidClaims = map[string]any{"given_name": "Erika", "family_name": "Mustermann"}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// env is our issuer behind an httptest TLS server, multi-tenant layout.
type env struct {
	t         testing.TB
	srv       *httptest.Server
	mux       *http.ServeMux
	iss       *issuer.Issuer
	id        string
	issuerDID string
	codes     chan issuer.TxCodeDelivery
	events    *eventLog
	engine    *local.Engine
	signer    *jose.KeySigner

	mu   sync.Mutex
	seen []seenRequest
	// intercept, when set, may answer a request instead of the issuer
	// (path relative to the tenant, or the well-known path); it returns
	// false to pass the request on.
	intercept func(path string, w http.ResponseWriter, r *http.Request, next http.Handler) bool
}

// seenRequest is what the recorder saw of one request to the issuer.
type seenRequest struct {
	path, auth string
	dpop       bool
	body       string
}

func (e *env) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		e.mu.Lock()
		e.seen = append(e.seen, seenRequest{path: strings.TrimPrefix(r.URL.Path, "/tenants/acme"), auth: scheme, dpop: r.Header.Get("DPoP") != "", body: string(b)})
		f := e.intercept
		e.mu.Unlock()
		if f != nil && f(strings.TrimPrefix(r.URL.Path, "/tenants/acme"), w, r, h) {
			return
		}
		h.ServeHTTP(w, r)
	})
}

// requests returns the recorded requests to path.
func (e *env) requests(path string) []seenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []seenRequest
	for _, r := range e.seen {
		if r.path == path {
			out = append(out, r)
		}
	}
	return out
}

type eventLog struct {
	mu sync.Mutex
	ev []issuer.Event
}

func (l *eventLog) Record(_ context.Context, e issuer.Event) {
	l.mu.Lock()
	l.ev = append(l.ev, e)
	l.mu.Unlock()
}

func newEnv(t testing.TB, opts ...func(*issuer.Config, *env)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, codes: make(chan issuer.TxCodeDelivery, 16), events: &eventLog{}}
	e.mux = http.NewServeMux()
	e.srv = httptest.NewTLSServer(e.mux)
	t.Cleanup(e.srv.Close)
	e.id = e.srv.URL + "/tenants/acme"
	eng, err := local.New(local.Options{})
	must(t, err)
	e.engine = eng
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "credentials"}
	_, err = eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	credSigner, issuerDID, err := did.NewKeyDIDSigner(ctx, eng, ref, crypto.ES256)
	must(t, err)
	e.issuerDID, e.signer = issuerDID, credSigner
	atRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "access-tokens"}
	_, err = eng.GenerateKey(ctx, atRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	atSigner, err := jose.NewKeySigner(ctx, eng, atRef, crypto.ES256)
	must(t, err)
	jwtProof := map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}}}
	pid := oid4vci.CredentialConfiguration{
		Format: oid4vci.FormatSDJWTVC, VCT: vctPID, Scope: "pid",
		CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
		ProofTypesSupported:                  jwtProof,
	}
	badge := oid4vci.CredentialConfiguration{Format: oid4vci.FormatSDJWTVC, VCT: vctBadge, Scope: "badge"}
	sd, err := issuer.NewSDJWTPlugin(nil,
		issuer.SDJWTCredential{ID: cfgPID, Configuration: pid, Signer: credSigner, IssuerID: issuerDID, Validity: 24 * time.Hour},
		issuer.SDJWTCredential{ID: cfgBadge, Configuration: badge, Signer: credSigner, IssuerID: issuerDID},
	)
	must(t, err)
	jv, err := issuer.NewJWTVCPlugin(nil, issuer.JWTVCCredential{
		ID: cfgJWTVC, Signer: credSigner, IssuerID: issuerDID, Validity: time.Hour,
		Configuration: oid4vci.CredentialConfiguration{
			Format: oid4vci.FormatJWTVCJSON, CryptographicBindingMethodsSupported: []string{"did:key"},
			ProofTypesSupported:  jwtProof,
			CredentialDefinition: &oid4vci.CredentialDefinition{Type: []string{"VerifiableCredential", "EmployeeCredential"}},
		},
	})
	must(t, err)
	cfg := issuer.Config{
		Issuer: e.id, Signer: atSigner, Plugins: []issuer.Plugin{sd, jv}, BatchSize: 3,
		DeliverTxCode: func(_ context.Context, d issuer.TxCodeDelivery) error { e.codes <- d; return nil },
		Metrics:       e.events,
	}
	for _, o := range opts {
		o(&cfg, e)
	}
	iss, err := issuer.New(cfg)
	must(t, err)
	e.iss = iss
	e.mux.Handle("/tenants/acme/", e.record(iss.Handler()))
	e.mux.Handle(oid4vci.WellKnownIssuerMetadata+"/tenants/acme", e.record(iss.Handler()))
	e.mux.Handle("/.well-known/oauth-authorization-server/tenants/acme", e.record(iss.Handler()))
	return e
}

func (e *env) offer(req issuer.OfferRequest) (link, tx string) {
	e.t.Helper()
	created, err := e.iss.CreateOffer(context.Background(), req)
	must(e.t, err)
	if req.TxCode != nil {
		tx = (<-e.codes).Code
	}
	return created.Link, tx
}

func (e *env) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(e.srv.Certificate())
	return p
}

// walletOpts tune the test wallet.
type walletOpts struct {
	keys   int
	dpop   bool
	mod    func(*wallet.Config)
	trust  presentation.TrustPolicy
	client *http.Client
}

func (e *env) fetcher() *fetch.Fetcher {
	return fetch.New(fetch.Options{AllowLoopback: true, RootCAs: e.pool()})
}

func (e *env) validator(trust presentation.TrustPolicy) *presentation.Validator {
	if trust == nil {
		trust = presentation.TrustedIssuers{e.issuerDID}
	}
	v, err := presentation.NewDefaultValidator(trust,
		presentation.WithFetcher(e.fetcher()), presentation.WithDataIntegrity(ldp.NewDefaultVerifier),
		presentation.WithStatusChecker(vocab.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
			return vocab.StatusResult{}, nil
		})))
	must(e.t, err)
	return v
}

func (e *env) wallet(o walletOpts) *wallet.Client {
	e.t.Helper()
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	must(e.t, err)
	if o.keys == 0 {
		o.keys = 1
	}
	cfg := wallet.Config{
		Fetcher: e.fetcher(), Validator: e.validator(o.trust), ClientID: "wallet-1", InsecureAllowLoopback: true,
		ConsentOfferURI: func(context.Context, string) error { return nil },
	}
	for k := 0; k < o.keys; k++ {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "wallet"}, ID: "holder-" + string(rune('a'+k))}
		_, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		must(e.t, err)
		hk, err := wallet.NewHolderKey(ctx, eng, ref, crypto.ES256)
		must(e.t, err)
		cfg.HolderKeys = append(cfg.HolderKeys, hk)
	}
	if o.dpop {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "wallet"}, ID: "dpop"}
		_, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		must(e.t, err)
		cfg.DPoPKey, err = jose.NewKeySigner(ctx, eng, ref, crypto.ES256)
		must(e.t, err)
	}
	if o.mod != nil {
		o.mod(&cfg)
	}
	hc := o.client
	if hc == nil {
		hc = e.srv.Client()
	}
	w, err := wallet.New(cfg, wallet.WithHTTPClient(hc))
	must(e.t, err)
	return w
}

func (e *env) setIntercept(f func(path string, w http.ResponseWriter, r *http.Request, next http.Handler) bool) {
	e.mu.Lock()
	e.intercept = f
	e.mu.Unlock()
}

// rewrite returns the issuer's response to r with the JSON body changed by mod.
func rewrite(w http.ResponseWriter, r *http.Request, next http.Handler, mod func(map[string]any)) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		panic(err)
	}
	mod(m)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_ = json.NewEncoder(w).Encode(m)
}

// evil wraps a plugin and lets a test change what it issues.
type evil struct {
	issuer.Plugin
	issue func(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error)
}

func (p *evil) Issue(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	return p.issue(ctx, req)
}

func httpsNonLoopback(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "https" && p.Host != "" && !fetch.IsLoopbackHost(p.Hostname())
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
