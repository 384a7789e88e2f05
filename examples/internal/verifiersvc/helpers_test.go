package verifiersvc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
)

const testToken = "test-token-0123456789abcdef"

// pidQuery asks for a PID's given name and street address: address is a
// recursive disclosure (the object and each member are disclosable).
const pidQuery = `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
  "claims":[{"path":["given_name"]},{"path":["address","street_address"]}]}]}`

// world is the issuer side of the tests: an issuer did:key, its status
// list server on loopback, and a holder with one PID.
type world struct {
	t         testing.TB
	ctx       context.Context
	engine    *local.Engine
	issuer    *jose.KeySigner
	issuerDID string
	alloc     *statuslist.Allocator
	statusURL string
	holderKey *jose.KeySigner
	holderDID string
	slot      statuslist.Allocation
	cred      string
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	engine, err := local.New(local.Options{})
	require.NoError(t, err)
	w := &world{t: t, ctx: ctx, engine: engine}
	key := func(ns string) crypto.KeyRef {
		r := crypto.KeyRef{Context: crypto.Context{Namespace: ns, Group: "test"}, ID: "k"}
		_, err := engine.GenerateKey(ctx, r, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		require.NoError(t, err)
		return r
	}
	w.issuer, w.issuerDID, err = did.NewKeyDIDSigner(ctx, engine, key("issuer"), crypto.ES256)
	require.NoError(t, err)
	w.holderKey, err = jose.NewKeySigner(ctx, engine, key("holder"), crypto.ES256)
	require.NoError(t, err)
	w.holderDID, _, err = did.NewKeyDID(w.holderKey.Public())
	require.NoError(t, err)

	lists := statuslist.NewMemory()
	w.alloc = statuslist.NewAllocator(lists)
	smux := http.NewServeMux()
	ssrv, err := svc.Listen("127.0.0.1:0", nil)
	require.NoError(t, err)
	w.statusURL = ssrv.URL()
	listURI := func(tenant, list string) string { return w.statusURL + "/tenants/" + tenant + "/statuslists/" + list }
	pub, err := statuslist.NewPublisher(statuslist.PublisherConfig{Store: lists, Signer: w.issuer, ListURI: listURI,
		Issuer: func(string) string { return w.issuerDID }})
	require.NoError(t, err)
	smux.Handle("GET /tenants/{tenant}/statuslists/{list}", pub.Handler())
	ssrv.Serve(smux)
	t.Cleanup(func() { _ = ssrv.Shutdown(context.Background()) })
	w.cred = w.issue()
	return w
}

// issue issues a PID with a status list entry, bound to the holder key,
// with recursive disclosures under address.
func (w *world) issue() string {
	w.t.Helper()
	slot, err := w.alloc.Allocate(w.ctx, "issuer", "pid", statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2})
	require.NoError(w.t, err)
	w.slot = slot
	jwk, err := w.holderKey.JWK()
	require.NoError(w.t, err)
	now := time.Now()
	claims := map[string]any{
		"iss": w.issuerDID, "vct": "urn:eudi:pid:1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"given_name": "Erika", "family_name": "Mustermann",
		"address": map[string]any{"street_address": "Heidestraße 17", "locality": "Köln", "country": "DE"},
		"status":  map[string]any{"status_list": map[string]any{"idx": slot.Index, "uri": w.statusURL + "/tenants/issuer/statuslists/" + slot.ListID}},
	}
	iss, err := vc.Issue(w.ctx, w.issuer, claims, sdjwt.IssueOptions{HolderJWK: jwk, Disclosable: []vocab.ClaimPath{
		{"given_name"}, {"family_name"}, {"address"}, {"address", "street_address"}, {"address", "locality"}, {"address", "country"}}})
	require.NoError(w.t, err)
	return iss.String()
}

func (w *world) revoke() {
	w.t.Helper()
	require.NoError(w.t, w.alloc.Revoke(w.ctx, "issuer", w.slot.ListID, w.slot.Index))
}

// wallet is the library wallet holding the PID, allowed on loopback.
func (w *world) wallet() *wallet.Wallet {
	w.t.Helper()
	holder, err := presentation.NewHolder(presentation.HolderConfig{Signer: w.holderKey})
	require.NoError(w.t, err)
	held, err := holder.Parse(w.ctx, vocab.FormatSDJWTVC, w.cred)
	require.NoError(w.t, err)
	fetcher := fetch.New(fetch.Options{AllowLoopback: true})
	wl, err := wallet.New(wallet.Config{Holder: holder, Credentials: wallet.StaticCredentials{held}, Fetcher: fetcher,
		DIDs: did.NewDefaultRegistry(fetcher, did.WebOptions{}), InsecureAllowLoopback: true, InsecureAllowHTTP: true})
	require.NoError(w.t, err)
	return wl
}

// instance is one running Service.
type instance struct {
	svc *Service
	url string
	srv *svc.Server
}

type instanceOptions struct {
	storage svc.Storage
	prefix  string
	nats    *nats.Conn
	public  string // PublicURL (default: the instance's own URL)
	engine  crypto.Engine
	cfg     func(*Config)
}

func (w *world) start(o instanceOptions) *instance {
	w.t.Helper()
	srv, err := svc.Listen("127.0.0.1:0", nil)
	require.NoError(w.t, err)
	auth, err := svc.NewStaticTokens("tester:" + testToken)
	require.NoError(w.t, err)
	if o.storage == (svc.Storage{}) {
		o.storage = svc.Storage{SQLiteDir: w.t.TempDir()}
	}
	if o.public == "" {
		o.public = srv.URL()
	}
	if o.engine == nil {
		o.engine = w.engine
	}
	cfg := Config{
		PublicURL: o.public,
		Engine:    o.engine,
		Tenants: map[string]TenantConfig{"acme": {GenerateKey: true,
			Key: crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "verifier"}, ID: "request"}}},
		Auth:             auth,
		Storage:          o.storage,
		TablePrefix:      o.prefix,
		NATS:             o.nats,
		TrustedIssuers:   []string{w.issuerDID},
		InsecureLoopback: true,
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	s, err := New(w.ctx, cfg)
	require.NoError(w.t, err)
	srv.Serve(s.Handler())
	w.t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		_ = s.Close()
	})
	return &instance{svc: s, url: srv.URL(), srv: srv}
}

// call sends an internal API request with the test token.
func (in *instance) call(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.url+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 && len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
	return resp.StatusCode
}

func (in *instance) request(t testing.TB, pr map[string]any) *PresentationCreated {
	t.Helper()
	var out PresentationCreated
	require.Equal(t, http.StatusCreated, in.call(t, "POST", "/v1/tenants/acme/presentation/request", pr, &out))
	return &out
}

func (in *instance) proof(t testing.TB, id string) *Proof {
	t.Helper()
	var p Proof
	require.Equal(t, http.StatusOK, in.call(t, "GET", "/v1/tenants/acme/presentation/proof/"+id, nil, &p))
	return &p
}

// notifications collects verifier.proof.notification events.
type notifications struct {
	mu  sync.Mutex
	got []Notification
}

func collect(t testing.TB, nc *nats.Conn) *notifications {
	n := &notifications{}
	sub, err := nc.Subscribe(SubjectNotification, func(m *nats.Msg) {
		e, err := svc.DecodeEvent(m.Data)
		if err != nil || e.Type != TypeNotification {
			return
		}
		var x Notification
		if json.Unmarshal(e.Data, &x) == nil {
			n.mu.Lock()
			n.got = append(n.got, x)
			n.mu.Unlock()
		}
	})
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return n
}

// statuses waits until id has want statuses and returns them.
func (n *notifications) statuses(t testing.TB, id string, want int) []string {
	t.Helper()
	var out []string
	require.Eventually(t, func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		out = out[:0]
		for _, x := range n.got {
			if x.PresentationID == id {
				out = append(out, x.Status)
			}
		}
		return len(out) >= want
	}, 5*time.Second, 10*time.Millisecond)
	return out
}

// sharedNATSConn connects to the real server of WSTACK_TEST_NATS_URL when
// set (CI), else to an embedded one: the shared-deployment test runs
// against what a deployment runs.
func sharedNATSConn(t testing.TB) *nats.Conn {
	t.Helper()
	if u := os.Getenv("WSTACK_TEST_NATS_URL"); u != "" {
		nc, err := svc.ConnectNATS(u, "verifiersvc-shared-test")
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		return nc
	}
	return natsConn(t)
}

func natsConn(t testing.TB) *nats.Conn {
	t.Helper()
	ns, err := svc.StartEmbeddedNATS()
	require.NoError(t, err)
	t.Cleanup(ns.Shutdown)
	nc, err := svc.ConnectNATS(ns.URL(), "test")
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func keyRef(id string) crypto.KeyRef {
	return crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "verifier"}, ID: id}
}

func byCounterparty(pc, did string) vpcache.Selector { return vpcache.ByCounterparty(pc, did) }
