package statussvc_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/statussvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

const (
	adminToken = "admin-token-0123456789"
	acmeToken  = "acme-token-0123456789"
)

var bg = context.Background()

type tenantAuth struct{ st *svc.StaticTokens }

func (a tenantAuth) Authenticate(r *http.Request) (svc.Principal, error) {
	p, err := a.st.Authenticate(r)
	if err == nil && p.Subject == "acme" {
		p.Tenants = []string{"acme"}
	}
	return p, err
}

type env struct {
	s   *statussvc.Service
	url string
	eng crypto.Engine
}

// start runs a service on loopback; mutate adjusts the config.
func start(t testing.TB, mutate func(*statussvc.Config)) *env {
	t.Helper()
	eng, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := svc.NewStaticTokens("admin:" + adminToken + ",acme:" + acmeToken)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := svc.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := statussvc.Config{
		Engine: eng, SigningKey: crypto.KeyRef{Context: crypto.Context{Namespace: "status", Group: "lists"}, ID: "signing"},
		CreateKey: true, PublicBaseURL: srv.URL(), Storage: svc.Storage{SQLiteDir: t.TempDir()}, Auth: tenantAuth{st},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := statussvc.New(bg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Serve(s.Handler())
	t.Cleanup(func() {
		_ = srv.Shutdown(bg)
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		eng.Close()
	})
	return &env{s: s, url: srv.URL(), eng: eng}
}

// withNATS subscribes the service on an embedded NATS server and returns
// a client connection.
func (e *env) withNATS(t testing.TB) *nats.Conn {
	t.Helper()
	ns, err := svc.StartEmbeddedNATS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	srvConn, err := svc.ConnectNATS(ns.URL(), "statuslist")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srvConn.Close)
	if _, err := e.s.Subscribe(srvConn); err != nil {
		t.Fatal(err)
	}
	if err := srvConn.Flush(); err != nil {
		t.Fatal(err)
	}
	nc, err := svc.ConnectNATS(ns.URL(), "test-client")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func post(t testing.TB, u, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = strings.NewReader(string(raw))
	}
	req, _ := http.NewRequest("POST", u, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func get(t testing.TB, u, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

func allocateNATS(t testing.TB, nc *nats.Conn, req statussvc.AllocateRequest) statussvc.AllocateReply {
	t.Helper()
	var rep statussvc.AllocateReply
	if err := svc.Call(bg, nc, statussvc.Subject, "test", statussvc.EventCreate, req, &rep); err != nil {
		t.Fatalf("allocate over NATS: %v", err)
	}
	return rep
}

// checker verifies lists with the keys of the service's JWKS route, as a
// relying party that trusts the issuer id would.
func (e *env) checker(t testing.TB, tenant string) *statuslist.Checker {
	t.Helper()
	_, jwks := get(t, e.url+"/v1/tenants/"+tenant+"/status/jwks", "")
	keys := jose.NewTrustedKeys()
	if err := keys.AddJWKS(e.s.Issuer(tenant), jwks); err != nil {
		t.Fatalf("jwks %s: %v", jwks, err)
	}
	c, err := statuslist.NewChecker(statuslist.CheckerConfig{
		Fetcher: statuslist.GuardedFetcher(fetch.New(fetch.Options{AllowLoopback: true})),
		Keys:    statuslist.TrustedKeys(keys),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ietfRef(t testing.TB, rep statussvc.AllocateReply) vocab.StatusReference {
	t.Helper()
	var status map[string]any
	if err := json.Unmarshal(rep.Status, &status); err != nil {
		t.Fatal(err)
	}
	ref, err := statuslist.ReferenceFromIETF(status)
	if err != nil {
		t.Fatalf("status claim %s: %v", rep.Status, err)
	}
	return ref
}

func w3cRef(t testing.TB, rep statussvc.AllocateReply) vocab.StatusReference {
	t.Helper()
	var entry map[string]any
	if err := json.Unmarshal(rep.Status, &entry); err != nil {
		t.Fatal(err)
	}
	ref, err := statuslist.ReferenceFromW3C(entry)
	if err != nil {
		t.Fatalf("credentialStatus %s: %v", rep.Status, err)
	}
	return ref
}

func changeURL(e *env, tenant string, rep statussvc.AllocateReply, op string) string {
	return fmt.Sprintf("%s/v1/tenants/%s/status/%s/%s/%d", e.url, tenant, rep.ListID, op, rep.Index)
}

// TestAllocateRevokeCheckIETF: allocate over NATS, revoke over HTTP, and
// a statuslist.Checker sees ErrRevoked for that reference only.
func TestAllocateRevokeCheckIETF(t *testing.T) {
	e := start(t, nil)
	nc := e.withNATS(t)
	req := statussvc.AllocateRequest{Request: svc.Request{TenantID: "acme", RequestID: "r1", GroupID: "sd-jwt"}, Format: "ietf", Purpose: "revocation", Bits: 2}
	a, b, c := allocateNATS(t, nc, req), allocateNATS(t, nc, req), allocateNATS(t, nc, req)
	if a.ListID != b.ListID || a.Index == b.Index || a.Type != "TokenStatusList" || a.Purpose != "revocation" || a.TenantID != "acme" || a.RequestID != "r1" {
		t.Fatalf("allocations %+v %+v", a, b)
	}
	if a.StatusURL != e.url+"/v1/tenants/acme/status/"+a.ListID {
		t.Fatalf("statusUrl %s", a.StatusURL)
	}
	if ref := ietfRef(t, a); ref.URI != a.StatusURL || ref.Index != a.Index {
		t.Fatalf("status claim %s does not point at the allocation", a.Status)
	}
	if st, body := post(t, changeURL(e, "acme", a, "revoke"), acmeToken, nil); st != 200 || !strings.Contains(string(body), `"INVALID"`) {
		t.Fatalf("revoke: %d %s", st, body)
	}
	if st, body := post(t, changeURL(e, "acme", c, "suspend"), acmeToken, nil); st != 200 || !strings.Contains(string(body), `"SUSPENDED"`) {
		t.Fatalf("suspend: %d %s", st, body)
	}
	chk := e.checker(t, "acme")
	if err := vocab.CheckStatus(bg, chk, ietfRef(t, a)); !errors.Is(err, vocab.ErrRevoked) {
		t.Fatalf("revoked reference: %v", err)
	}
	if err := vocab.CheckStatus(bg, chk, ietfRef(t, b)); err != nil {
		t.Fatalf("other reference: %v", err)
	}
	if err := vocab.CheckStatus(bg, chk, ietfRef(t, c)); !errors.Is(err, vocab.ErrSuspended) {
		t.Fatalf("suspended reference: %v", err)
	}
	if st, body := post(t, changeURL(e, "acme", c, "reinstate"), acmeToken, nil); st != 200 || !strings.Contains(string(body), `"VALID"`) {
		t.Fatalf("reinstate: %d %s", st, body)
	}
	chk.Purge()
	if err := vocab.CheckStatus(bg, chk, ietfRef(t, c)); err != nil {
		t.Fatalf("reinstated reference: %v", err)
	}
	// The W-Stack's verify event answers from the store.
	var v statussvc.VerifyReply
	if err := svc.Call(bg, nc, statussvc.Subject, "test", statussvc.EventVerify, statussvc.VerifyRequest{Request: svc.Request{TenantID: "acme"}, ListID: a.ListID, Index: a.Index}, &v); err != nil {
		t.Fatal(err)
	}
	if !v.Revocated || v.Suspended || v.Status != "INVALID" {
		t.Fatalf("verify event: %+v", v)
	}
	// Errors come back as error events.
	err := svc.Call(bg, nc, statussvc.Subject, "test", statussvc.EventCreate, statussvc.AllocateRequest{Request: svc.Request{TenantID: "acme"}, Format: "x509"}, nil)
	if !errors.Is(err, svc.ErrRemote) || !strings.Contains(err.Error(), "(400)") {
		t.Fatalf("bad format over NATS: %v", err)
	}
}

// TestTokenClaims: the W-Stack's bugs are gone: iat/exp in seconds, exp a
// day ahead, sub the list's URL, base64url list, CWT offered too.
func TestTokenClaims(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	e := start(t, func(c *statussvc.Config) {
		c.Now = func() time.Time { return now }
		c.IssuerID = "https://issuer.example/{tenant}"
	})
	st, body := post(t, e.url+"/v1/tenants/acme/status/allocate", adminToken, statussvc.AllocateRequest{})
	if st != 201 {
		t.Fatalf("allocate: %d %s", st, body)
	}
	var a statussvc.AllocateReply
	_ = json.Unmarshal(body, &a)
	resp, tok := get(t, a.StatusURL, "application/statuslist+jwt")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/statuslist+jwt" {
		t.Fatalf("publish: %d %s", resp.StatusCode, tok)
	}
	parts := strings.Split(string(tok), ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %s", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Iss, Sub   string
		Iat, Exp   int64
		TTL        int64 `json:"ttl"`
		StatusList struct {
			Bits int
			Lst  string
		} `json:"status_list"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Iat != now.Unix() || claims.Exp != now.Add(24*time.Hour).Unix() || claims.TTL != 300 {
		t.Fatalf("times: iat %d exp %d ttl %d (want seconds, exp = iat + 1 day)", claims.Iat, claims.Exp, claims.TTL)
	}
	if claims.Sub != a.StatusURL || claims.Iss != "https://issuer.example/acme" || claims.StatusList.Bits != 2 {
		t.Fatalf("claims %s", raw)
	}
	if strings.ContainsAny(claims.StatusList.Lst, "+/=") {
		t.Fatalf("lst is not base64url: %s", claims.StatusList.Lst)
	}
	if resp, _ := get(t, a.StatusURL, "application/statuslist+cwt"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/statuslist+cwt" {
		t.Fatalf("cwt: %d", resp.StatusCode)
	}
	if resp, _ := get(t, a.StatusURL, "application/vc+jwt"); resp.StatusCode != http.StatusNotAcceptable {
		t.Fatalf("IETF list as vc+jwt: %d", resp.StatusCode)
	}
	if resp, _ := get(t, e.url+"/v1/tenants/acme/status/0123456789abcdef", ""); resp.StatusCode != 404 {
		t.Fatalf("unknown list: %d", resp.StatusCode)
	}
	resp, agg := get(t, e.url+"/v1/tenants/acme/status/aggregation", "")
	if resp.StatusCode != 200 || !strings.Contains(string(agg), a.StatusURL) {
		t.Fatalf("aggregation: %d %s", resp.StatusCode, agg)
	}
}

// TestW3C: W3C revocation and suspension lists, published as vc+jwt and
// checked with their purposes.
func TestW3C(t *testing.T) {
	e := start(t, func(c *statussvc.Config) { c.TenantKeys = true })
	nc := e.withNATS(t)
	rev := allocateNATS(t, nc, statussvc.AllocateRequest{Request: svc.Request{TenantID: "acme", GroupID: "ldp"}, Format: "w3c", Purpose: "revocation"})
	rev2 := allocateNATS(t, nc, statussvc.AllocateRequest{Request: svc.Request{TenantID: "acme", GroupID: "ldp"}, Format: "w3c", Purpose: "revocation"})
	sus := allocateNATS(t, nc, statussvc.AllocateRequest{Request: svc.Request{TenantID: "acme", GroupID: "ldp"}, Format: "w3c", Purpose: "suspension"})
	if rev.Type != "BitstringStatusListEntry" || rev.Purpose != "revocation" || sus.Purpose != "suspension" || rev.ListID == sus.ListID {
		t.Fatalf("allocations %+v %+v", rev, sus)
	}
	var entry statuslist.BitstringEntry
	if err := json.Unmarshal(rev.Status, &entry); err != nil || entry.StatusListCredential != rev.StatusURL || entry.StatusListIndex != fmt.Sprint(rev.Index) {
		t.Fatalf("credentialStatus %s", rev.Status)
	}
	if st, b := post(t, changeURL(e, "acme", rev, "revoke"), adminToken, nil); st != 200 {
		t.Fatalf("revoke: %d %s", st, b)
	}
	if st, b := post(t, changeURL(e, "acme", sus, "suspend"), adminToken, nil); st != 200 {
		t.Fatalf("suspend: %d %s", st, b)
	}
	resp, _ := get(t, rev.StatusURL, "")
	if resp.Header.Get("Content-Type") != "application/vc+jwt" {
		t.Fatalf("W3C list content type %q", resp.Header.Get("Content-Type"))
	}
	chk := e.checker(t, "acme")
	if err := vocab.CheckStatus(bg, chk, w3cRef(t, rev)); !errors.Is(err, vocab.ErrRevoked) {
		t.Fatalf("revoked: %v", err)
	}
	if err := vocab.CheckStatus(bg, chk, w3cRef(t, rev2)); err != nil {
		t.Fatalf("other: %v", err)
	}
	if err := vocab.CheckStatus(bg, chk, w3cRef(t, sus)); !errors.Is(err, vocab.ErrSuspended) {
		t.Fatalf("suspended: %v", err)
	}
	// Per-tenant keys: the tenant's namespace holds the key.
	if _, err := e.eng.GetKey(bg, crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "lists"}, ID: "signing"}); err != nil {
		t.Fatalf("tenant key: %v", err)
	}
	// Wrong operations for the list's purpose.
	for _, c := range []struct {
		rep statussvc.AllocateReply
		op  string
	}{{sus, "revoke"}, {rev2, "suspend"}, {rev2, "reinstate"}} {
		if st, b := post(t, changeURL(e, "acme", c.rep, c.op), adminToken, nil); st != 400 {
			t.Errorf("%s on a %s list: %d %s", c.op, c.rep.Purpose, st, b)
		}
	}
	// statusSize 2 with messages.
	msgs := []statuslist.StatusMessage{{Status: "0x0", Message: "valid"}, {Status: "0x1", Message: "a"}, {Status: "0x2", Message: "b"}, {Status: "0x3", Message: "c"}}
	m := allocateNATS(t, nc, statussvc.AllocateRequest{Request: svc.Request{TenantID: "acme"}, Format: "w3c", Purpose: "message", Bits: 2, Messages: msgs})
	if ref := w3cRef(t, m); ref.Size != 2 || ref.Purpose != "message" {
		t.Fatalf("message entry %s", m.Status)
	}
}

// TestChangesAndErrors: authentication, tenant limits, final revocation,
// unknown entries and refused requests that allocate nothing.
func TestChangesAndErrors(t *testing.T) {
	store := statuslist.NewMemory()
	e := start(t, func(c *statussvc.Config) { c.Store = store })
	alloc := e.url + "/v1/tenants/acme/status/allocate"
	if st, _ := post(t, alloc, "", statussvc.AllocateRequest{}); st != 401 {
		t.Fatalf("anonymous allocate: %d", st)
	}
	if st, _ := post(t, e.url+"/v1/tenants/other/status/allocate", acmeToken, statussvc.AllocateRequest{}); st != 403 {
		t.Fatalf("other tenant: %d", st)
	}
	bad := []statussvc.AllocateRequest{
		{Format: "x"},
		{Format: "ietf", Bits: 3},
		{Format: "ietf", Bits: 1, Purpose: "suspension"},
		{Format: "ietf", Purpose: "message"},
		{Format: "w3c", Bits: 2},
		{Format: "w3c", Bits: 9},
		{Format: "w3c", Purpose: "bad purpose"},
		{Request: svc.Request{GroupID: "a/b"}},
		{Request: svc.Request{TenantID: "other"}},
	}
	for _, r := range bad {
		if st, b := post(t, alloc, adminToken, r); st != 400 {
			t.Errorf("%+v: %d %s", r, st, b)
		}
	}
	if ls, _ := store.Lists(bg, "acme"); len(ls) != 0 {
		t.Fatalf("refused requests created %d lists", len(ls))
	}
	st, body := post(t, alloc, adminToken, statussvc.AllocateRequest{Bits: 1})
	if st != 201 {
		t.Fatalf("allocate: %d %s", st, body)
	}
	var a statussvc.AllocateReply
	_ = json.Unmarshal(body, &a)
	if st, _ := post(t, changeURL(e, "acme", a, "revoke"), "", nil); st != 401 {
		t.Fatalf("anonymous revoke: %d", st)
	}
	if st, b := post(t, changeURL(e, "acme", a, "suspend"), adminToken, nil); st != 400 {
		t.Fatalf("suspend on a 1-bit list: %d %s", st, b)
	}
	if st, _ := post(t, changeURL(e, "acme", a, "revoke"), adminToken, nil); st != 200 {
		t.Fatalf("revoke: %d", st)
	}
	if st, _ := post(t, changeURL(e, "acme", a, "revoke"), adminToken, nil); st != 200 {
		t.Fatalf("revoke again (idempotent): %d", st)
	}
	a2 := a
	a2.Index = (a.Index + 1) % 131072
	cases := []struct {
		url  string
		want int
	}{
		{changeURL(e, "acme", a, "reinstate"), 400}, // 1-bit list
		{changeURL(e, "acme", a2, "revoke"), 404},   // never allocated
		{fmt.Sprintf("%s/v1/tenants/acme/status/%s/revoke/%d", e.url, a.ListID, 1<<20), 400},
		{fmt.Sprintf("%s/v1/tenants/acme/status/%s/revoke/-1", e.url, a.ListID), 400},
		{fmt.Sprintf("%s/v1/tenants/acme/status/%s/revoke/01", e.url, a.ListID), 400},
		{fmt.Sprintf("%s/v1/tenants/acme/status/nosuchlist/revoke/1", e.url), 404},
		{fmt.Sprintf("%s/v1/tenants/other/status/%s/revoke/%d", e.url, a.ListID, a.Index), 404},
	}
	for _, c := range cases {
		if st, b := post(t, c.url, adminToken, nil); st != c.want {
			t.Errorf("%s: %d %s, want %d", c.url, st, b, c.want)
		}
	}
	// Revocation is final on a 2-bit list too.
	st, body = post(t, alloc, adminToken, statussvc.AllocateRequest{})
	if st != http.StatusCreated && st != http.StatusOK {
		t.Fatalf("allocate: %d %s", st, body)
	}
	_ = json.Unmarshal(body, &a)
	post(t, changeURL(e, "acme", a, "revoke"), adminToken, nil)
	for _, op := range []string{"reinstate", "suspend"} {
		if st, b := post(t, changeURL(e, "acme", a, op), adminToken, nil); st != 409 {
			t.Errorf("%s after revoke: %d %s", op, st, b)
		}
	}
	if _, err := statussvc.New(bg, statussvc.Config{Engine: e.eng, Auth: tenantAuth{}, SigningKey: crypto.KeyRef{Context: crypto.Context{Namespace: "n"}, ID: "k"}, PublicBaseURL: "ftp://x"}); err == nil {
		t.Fatal("ftp base URL accepted")
	}
}

// TestMissingKey: without CreateKey a missing signing key refuses
// allocation (nothing handed out that could never be published).
func TestMissingKey(t *testing.T) {
	store := statuslist.NewMemory()
	e := start(t, func(c *statussvc.Config) { c.Store, c.CreateKey = store, false })
	if st, b := post(t, e.url+"/v1/tenants/acme/status/allocate", adminToken, statussvc.AllocateRequest{}); st != 500 || strings.Contains(string(b), "signing") {
		t.Fatalf("allocate without key: %d %s", st, b)
	}
	if ls, _ := store.Lists(bg, "acme"); len(ls) != 0 {
		t.Fatal("allocated without a signing key")
	}
}

// TestPostgresTwoInstances: two services on one PostgreSQL database hand
// out distinct indices under concurrency.
func TestPostgresTwoInstances(t *testing.T) {
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN must be set in CI")
		}
		t.Skip("set WSTACK_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run against PostgreSQL")
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	prefix := "status_t" + hex.EncodeToString(rnd[:])
	mutate := func(c *statussvc.Config) {
		c.Storage = svc.Storage{PostgresDSN: dsn}
		c.TablePrefix = prefix
		c.Batch = 4
	}
	e1, e2 := start(t, mutate), start(t, mutate)
	t.Cleanup(func() {
		db, err := sqlOpen(dsn)
		if err == nil {
			db.Exec("DROP TABLE IF EXISTS " + prefix + "_entries")
			db.Exec("DROP TABLE IF EXISTS " + prefix + "_lists")
			db.Close()
		}
	})
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			e := e1
			if w%2 == 1 {
				e = e2
			}
			for i := 0; i < 25; i++ {
				rep, err := e.s.Allocate(bg, "acme", statussvc.AllocateRequest{Request: svc.Request{GroupID: "shared"}})
				if err != nil {
					errs <- err
					return
				}
				k := rep.ListID + "#" + fmt.Sprint(rep.Index)
				mu.Lock()
				if seen[k] {
					errs <- fmt.Errorf("index %s handed out twice", k)
				}
				seen[k] = true
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != 200 {
		t.Fatalf("%d distinct allocations, want 200", len(seen))
	}
	// A revocation through one instance is published by the other.
	var any statussvc.AllocateReply
	for k := range seen {
		id, idx, _ := strings.Cut(k, "#")
		fmt.Sscan(idx, &any.Index)
		any.ListID = id
		break
	}
	if err := e1.s.Revoke(bg, "acme", any.ListID, any.Index); err != nil {
		t.Fatal(err)
	}
	st, _, err := e2.s.Verify(bg, "acme", any.ListID, any.Index)
	if err != nil || st != statuslist.Invalid {
		t.Fatalf("other instance sees %v %v", st, err)
	}
}

// TestKeyRotation: after the signing key is rotated in the engine, one
// publication is refused (its signature would not match its kid), the next
// is signed by the new version, and the JWKS holds both versions.
func TestKeyRotation(t *testing.T) {
	e := start(t, nil)
	st, body := post(t, e.url+"/v1/tenants/acme/status/allocate", adminToken, statussvc.AllocateRequest{})
	if st != 201 {
		t.Fatal(st, string(body))
	}
	var a statussvc.AllocateReply
	_ = json.Unmarshal(body, &a)
	if resp, _ := get(t, a.StatusURL, ""); resp.StatusCode != 200 {
		t.Fatalf("before rotation: %d", resp.StatusCode)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "status", Group: "lists"}, ID: "signing"}
	k2, err := e.eng.RotateKey(bg, ref)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := post(t, changeURL(e, "acme", a, "revoke"), adminToken, nil); st != 200 { // the list changes: re-signed
		t.Fatal(st)
	}
	if resp, _ := get(t, a.StatusURL, ""); resp.StatusCode != 500 {
		t.Fatalf("first publication after rotation: %d, want 500", resp.StatusCode)
	}
	resp, tok := get(t, a.StatusURL, "")
	if resp.StatusCode != 200 {
		t.Fatalf("after rotation: %d %s", resp.StatusCode, tok)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(string(tok), ".")[0])
	if !strings.Contains(string(hdr), k2.KID) {
		t.Fatalf("header %s does not name the new kid %s", hdr, k2.KID)
	}
	_, jwks := get(t, e.url+"/v1/tenants/acme/status/jwks", "")
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(jwks, &set); err != nil || len(set.Keys) != 2 || set.Keys[0]["kid"] != k2.KID {
		t.Fatalf("jwks after rotation: %s", jwks)
	}
	if err := vocab.CheckStatus(bg, e.checker(t, "acme"), ietfRef(t, a)); !errors.Is(err, vocab.ErrRevoked) {
		t.Fatalf("check after rotation: %v", err)
	}
}
