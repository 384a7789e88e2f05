package issuer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
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
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

const (
	cfgPID   = "pid_sd_jwt"
	cfgBadge = "badge_sd_jwt"
	vctPID   = "https://credentials.example.com/pid"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is an issuer behind a TLS test server.
type env struct {
	t         testing.TB
	srv       *httptest.Server
	mux       *http.ServeMux
	iss       *issuer.Issuer
	id        string
	engine    *local.Engine
	issuerDID string
	clock     *clock
	codes     chan issuer.TxCodeDelivery
	logs      *bytes.Buffer
	plugin    issuer.Plugin
	events    *eventLog
	cfg       issuer.Config
	// lastOfferID is the id of the last offer the wallet helper created.
	lastOfferID string
}

type cryptoAlg = crypto.Algorithm

func baseConfig(e *env) issuer.Config { return e.cfg }

func decodeJWT(t testing.TB, tok string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT")
	}
	var h, c map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	must(t, json.Unmarshal(hb, &h))
	must(t, json.Unmarshal(cb, &c))
	return h, c
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

func (l *eventLog) count(kind string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.ev {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

type envOpt func(*issuer.Config)

func newEnv(t testing.TB, opts ...envOpt) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return newTenant(t, srv, mux, "acme", opts...)
}

// newTenant creates the issuer of a tenant on an existing server.
func newTenant(t testing.TB, srv *httptest.Server, mux *http.ServeMux, tenant string, opts ...envOpt) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, clock: &clock{t: time.Now()}, codes: make(chan issuer.TxCodeDelivery, 100), logs: &bytes.Buffer{}, events: &eventLog{}}
	e.mux, e.srv = mux, srv
	e.id = e.srv.URL + "/tenants/" + tenant
	eng, err := local.New(local.Options{})
	must(t, err)
	e.engine = eng
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "credentials"}
	_, err = eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	credSigner, issuerDID, err := did.NewKeyDIDSigner(ctx, eng, ref, crypto.ES256)
	must(t, err)
	e.issuerDID = issuerDID
	atRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "issuer"}, ID: "access-tokens"}
	_, err = eng.GenerateKey(ctx, atRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	atSigner, err := jose.NewKeySigner(ctx, eng, atRef, crypto.ES256)
	must(t, err)

	store := statuslist.NewMemory()
	alloc := statuslist.NewAllocator(store, statuslist.WithListURI(func(tenant, list string) string {
		return e.srv.URL + "/tenants/" + tenant + "/statuslists/" + list
	}))
	bound := oid4vci.CredentialConfiguration{
		Format: oid4vci.FormatSDJWTVC, VCT: vctPID, Scope: "pid",
		CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK, "did:key"},
		ProofTypesSupported: map[string]*oid4vci.ProofTypeMetadata{
			oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}},
		},
	}
	badge := oid4vci.CredentialConfiguration{Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/badge", Scope: "badge"}
	plugin, err := issuer.NewSDJWTPlugin(e.clock.Now,
		issuer.SDJWTCredential{
			ID: cfgPID, Configuration: bound, Signer: credSigner, IssuerID: issuerDID, Validity: 365 * 24 * time.Hour,
			Status: &issuer.StatusConfig{Allocator: alloc, Tenant: "acme", Pool: "pid", List: statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2}},
		},
		issuer.SDJWTCredential{ID: cfgBadge, Configuration: badge, Signer: credSigner, IssuerID: issuerDID},
	)
	must(t, err)
	e.plugin = plugin
	cfg := issuer.Config{
		Issuer: e.id, Signer: atSigner, Plugins: []issuer.Plugin{plugin}, BatchSize: 10,
		DeliverTxCode: func(_ context.Context, d issuer.TxCodeDelivery) error { e.codes <- d; return nil },
		Logger:        slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics:       e.events,
		Now:           e.clock.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Plugins[0] != plugin {
		e.plugin = cfg.Plugins[0]
	}
	e.cfg = cfg
	iss, err := issuer.New(cfg)
	must(t, err)
	e.iss = iss
	e.mux.Handle("/tenants/"+tenant+"/", iss.Handler())
	e.mux.Handle(oid4vci.WellKnownIssuerMetadata+"/tenants/"+tenant, iss.Handler())
	e.mux.Handle("/.well-known/oauth-authorization-server/tenants/"+tenant, iss.Handler())
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wallet is the wallet side, driven with net/http.
type wallet struct {
	e        *env
	c        *http.Client
	clientID string
	keys     []*jose.KeySigner
	dpop     *jose.KeySigner
}

func (e *env) wallet(nKeys int) *wallet {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	must(e.t, err)
	c := e.srv.Client()
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	w := &wallet{e: e, c: c, clientID: "wallet-1"}
	for k := 0; k <= nKeys; k++ {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "wallet"}, ID: "k" + string(rune('a'+k))}
		_, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		must(e.t, err)
		s, err := jose.NewKeySigner(ctx, eng, ref, crypto.ES256)
		must(e.t, err)
		if k == nKeys {
			w.dpop = s
		} else {
			w.keys = append(w.keys, s)
		}
	}
	return w
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d body %q: %v", r.status, r.body, err)
	}
}

func (r *response) errCode() string {
	var b struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.body, &b)
	if b.Error == "" {
		if chs, err := oid4vci.ParseWWWAuthenticate(r.header.Values("WWW-Authenticate")...); err == nil && len(chs) > 0 {
			if e := chs[0].Error(); e != nil {
				return string(e.Code)
			}
		}
	}
	return b.Error
}

func (w *wallet) do(req *http.Request) *response {
	w.e.t.Helper()
	res, err := w.c.Do(req)
	must(w.e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(w.e.t, err)
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

func (w *wallet) offer(req issuer.OfferRequest) (*oid4vci.CredentialOffer, string) {
	w.e.t.Helper()
	created, err := w.e.iss.CreateOffer(context.Background(), req)
	must(w.e.t, err)
	w.e.lastOfferID = created.ID
	tx := ""
	if req.TxCode != nil {
		d := <-w.e.codes
		tx = d.Code
	}
	link, err := oid4vci.Parser{}.OfferLink(created.Link)
	must(w.e.t, err)
	if link.OfferURI != "" {
		res := w.do(mustReq(http.NewRequest(http.MethodGet, link.OfferURI, nil)))
		if res.status != 200 {
			w.e.t.Fatalf("offer uri: %d", res.status)
		}
		o, err := oid4vci.Parser{}.CredentialOffer(res.body)
		must(w.e.t, err)
		return o, tx
	}
	return link.Offer, tx
}

func mustReq(r *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return r
}

func (w *wallet) tokenForm(form url.Values, dpop string) *response {
	req := mustReq(http.NewRequest(http.MethodPost, w.e.id+"/token", strings.NewReader(form.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	return w.do(req)
}

func (w *wallet) preAuthForm(code, tx string) url.Values {
	f := url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {code}}
	if tx != "" {
		f.Set("tx_code", tx)
	}
	if w.clientID != "" {
		f.Set("client_id", w.clientID)
	}
	return f
}

func (w *wallet) token(o *oid4vci.CredentialOffer, tx string) *oid4vci.TokenResponse {
	w.e.t.Helper()
	res := w.tokenForm(w.preAuthForm(o.Grants.PreAuthorizedCode.PreAuthorizedCode, tx), "")
	if res.status != 200 {
		w.e.t.Fatalf("token: %d %s", res.status, res.body)
	}
	tr, err := oid4vci.Parser{}.TokenResponse(res.body)
	must(w.e.t, err)
	return tr
}

func (w *wallet) nonce() string {
	w.e.t.Helper()
	res := w.do(mustReq(http.NewRequest(http.MethodPost, w.e.id+"/nonce", nil)))
	if res.status != 200 || res.header.Get("Cache-Control") != "no-store" {
		w.e.t.Fatalf("nonce: %d %v", res.status, res.header)
	}
	nr, err := oid4vci.Parser{}.NonceResponse(res.body)
	must(w.e.t, err)
	return nr.CNonce
}

// proof signs a jwt key proof with the wallet's key k; mod changes header
// and claims before signing.
func (w *wallet) proof(k int, nonce string, mod func(h, c map[string]any)) string {
	w.e.t.Helper()
	s := w.keys[k]
	jwk, err := crypto.PublicJWK(s.Public())
	must(w.e.t, err)
	h := map[string]any{"typ": oid4vci.ProofJWTType, "jwk": jwk}
	c := map[string]any{"aud": w.e.id, "iat": w.e.clock.Now().Unix(), "nonce": nonce}
	if w.clientID != "" {
		c["iss"] = w.clientID
	}
	if mod != nil {
		mod(h, c)
	}
	tok, err := jose.SignJWT(context.Background(), s, h, c)
	must(w.e.t, err)
	return tok
}

func (w *wallet) credentialRaw(auth string, body []byte, dpop string) *response {
	req := mustReq(http.NewRequest(http.MethodPost, w.e.id+"/credential", bytes.NewReader(body)))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	return w.do(req)
}

func (w *wallet) credential(tr *oid4vci.TokenResponse, id string, proofs ...string) *response {
	body := map[string]any{"credential_identifier": id}
	if len(proofs) > 0 {
		body["proofs"] = map[string]any{"jwt": proofs}
	}
	b, _ := json.Marshal(body)
	return w.credentialRaw("Bearer "+tr.AccessToken, b, "")
}

// dpopProof signs a DPoP proof with the wallet's DPoP key.
func (w *wallet) dpopProof(method, u, accessToken, nonce string, mod func(h, c map[string]any)) string {
	jwk, err := crypto.PublicJWK(w.dpop.Public())
	must(w.e.t, err)
	h := map[string]any{"typ": "dpop+jwt", "jwk": jwk}
	c := map[string]any{"jti": rand.Text(), "htm": method, "htu": u, "iat": w.e.clock.Now().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	if mod != nil {
		mod(h, c)
	}
	tok, err := jose.SignJWT(context.Background(), w.dpop, h, c)
	must(w.e.t, err)
	return tok
}

// verifier verifies issued SD-JWT VCs with the issuer key from did:key.
func (e *env) verifier() *vc.Verifier {
	reg, err := did.NewRegistry(did.KeyMethod{})
	must(e.t, err)
	v, err := vc.NewVerifier(vc.Config{
		SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, KeyResolver: did.NewKeyResolver(reg, did.KeyResolverOptions{}), Now: e.clock.Now},
		StatusChecker: vc.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
			return vocab.StatusResult{}, nil
		}),
	})
	must(e.t, err)
	return v
}

// credentials decodes a 200 credential response.
func credentials(t testing.TB, res *response) ([]string, string) {
	t.Helper()
	if res.status != 200 {
		t.Fatalf("credential: %d %s %v", res.status, res.body, res.header)
	}
	cr, err := oid4vci.Parser{}.CredentialResponse(res.status, res.body)
	must(t, err)
	var out []string
	for _, c := range cr.Credentials {
		s, ok := c.String()
		if !ok {
			t.Fatal("not a string credential")
		}
		out = append(out, s)
	}
	return out, cr.NotificationID
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
