package statuslist_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type env struct {
	srv     *httptest.Server
	clock   *clock
	alloc   *statuslist.Allocator
	pub     *statuslist.Publisher
	signer  *jose.KeySigner
	fetches atomic.Int64
	fetcher statuslist.Fetcher
}

func (e *env) uri(tenant, list string) string {
	return e.srv.URL + "/tenants/" + tenant + "/statuslists/" + list
}

func newSigner(t testing.TB) *jose.KeySigner {
	t.Helper()
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "issuer", Group: "status"}, ID: "list-key"}
	if _, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewKeySigner(ctx, eng, ref, crypto.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{clock: &clock{now: time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)}, signer: newSigner(t)}
	store := statuslist.NewMemory()
	e.alloc = statuslist.NewAllocator(store, statuslist.WithClock(e.clock.Now))
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	var err error
	e.pub, err = statuslist.NewPublisher(statuslist.PublisherConfig{
		Store: store, Signer: e.signer, Now: e.clock.Now, TTL: 10 * time.Minute, Validity: 24 * time.Hour,
		ListURI: e.uri,
		Issuer:  func(tenant string) string { return "https://issuer.example/" + tenant },
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("GET /tenants/{tenant}/statuslists/{list}", e.pub.Handler())
	mux.HandleFunc("GET /alias/{tenant}/{list}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, e.uri(r.PathValue("tenant"), r.PathValue("list")), http.StatusFound)
	})
	guarded := statuslist.GuardedFetcher(fetch.New(fetch.Options{AllowLoopback: true}))
	e.fetcher = statuslist.FetcherFunc(func(ctx context.Context, url, accept string, max int64) ([]byte, string, error) {
		e.fetches.Add(1)
		return guarded.Fetch(ctx, url, accept, max)
	})
	return e
}

func (e *env) checker(t testing.TB, mod func(*statuslist.CheckerConfig)) *statuslist.Checker {
	t.Helper()
	cfg := statuslist.CheckerConfig{Fetcher: e.fetcher, Keys: statuslist.StaticKey(e.signer.Public()), Now: e.clock.Now}
	if mod != nil {
		mod(&cfg)
	}
	c, err := statuslist.NewChecker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ietfRef(uri string, idx uint64) vocab.StatusReference {
	return vocab.StatusReference{Type: "status_list", URI: uri, Index: idx}
}

func TestIssueRevokeCheckIETF(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cfg := statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2}
	var allocs []statuslist.Allocation
	for i := 0; i < 4; i++ {
		a, err := e.alloc.Allocate(ctx, "acme", "sdjwt", cfg)
		if err != nil {
			t.Fatal(err)
		}
		allocs = append(allocs, a)
	}
	if err := e.alloc.Revoke(ctx, "acme", allocs[0].ListID, allocs[0].Index); err != nil {
		t.Fatal(err)
	}
	if err := e.alloc.Suspend(ctx, "acme", allocs[1].ListID, allocs[1].Index); err != nil {
		t.Fatal(err)
	}
	if err := e.alloc.SetStatus(ctx, "acme", allocs[2].ListID, allocs[2].Index, 3); err != nil {
		t.Fatal(err)
	}
	uri := e.uri("acme", allocs[0].ListID)
	for _, cwt := range []bool{false, true} {
		t.Run(fmt.Sprintf("cwt=%v", cwt), func(t *testing.T) {
			c := e.checker(t, func(cfg *statuslist.CheckerConfig) {
				if cwt { // a relying party that only takes CWT
					cfg.Fetcher = statuslist.FetcherFunc(func(ctx context.Context, url, _ string, max int64) ([]byte, string, error) {
						return e.fetcher.Fetch(ctx, url, statuslist.MediaTypeCWT, max)
					})
				}
			})
			want := []statuslist.Status{statuslist.Invalid, statuslist.Suspended, 3, statuslist.Valid}
			for i, a := range allocs {
				got, err := c.Status(ctx, ietfRef(uri, a.Index))
				if err != nil || got != want[i] {
					t.Fatalf("alloc %d: %v %v, want %v", i, got, err, want[i])
				}
			}
			// row32: index beyond the list.
			if _, err := c.Status(ctx, ietfRef(uri, statuslist.DefaultCapacity)); !errors.Is(err, statuslist.ErrIndexOutOfRange) {
				t.Fatalf("out of range: %v", err)
			}
		})
	}
	// row36: the uri the referenced token carries differs from the token's
	// sub (served through a redirecting alias): rejected.
	c := e.checker(t, nil)
	if _, err := c.Status(ctx, ietfRef(e.srv.URL+"/alias/acme/"+allocs[0].ListID, allocs[0].Index)); !errors.Is(err, statuslist.ErrSubjectMismatch) {
		t.Fatalf("row36_sub_mismatch: %v", err)
	}
	// Unknown list: retrieval error, never valid.
	if _, err := c.Status(ctx, ietfRef(e.uri("acme", "nope"), 0)); !errors.Is(err, statuslist.ErrRetrieval) {
		t.Fatalf("missing list: %v", err)
	}
	// A key the issuer does not hold.
	other := e.checker(t, func(cfg *statuslist.CheckerConfig) { cfg.Keys = statuslist.StaticKey(newSigner(t).Public()) })
	if _, err := other.Check(ctx, ietfRef(uri, 0)); !errors.Is(err, statuslist.ErrSignature) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestCheckerCachingRow37(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a, _ := e.alloc.Allocate(ctx, "t", "p", statuslist.ListConfig{Format: statuslist.FormatIETF})
	uri := e.uri("t", a.ListID)
	c := e.checker(t, func(cfg *statuslist.CheckerConfig) {
		cfg.MinCacheTTL, cfg.MaxCacheTTL = time.Minute, 5*time.Minute
	})
	// Refetch storm: 50 concurrent checks, one fetch.
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s, err := c.Status(ctx, ietfRef(uri, a.Index)); err != nil || s != statuslist.Valid {
				t.Error(s, err)
			}
		}()
	}
	wg.Wait()
	if n := e.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for 50 concurrent checks", n)
	}
	// Revoked, but the list token's ttl (10 min) is clamped to MaxCacheTTL
	// (5 min): cached until then, refetched after.
	e.alloc.Revoke(ctx, "t", a.ListID, a.Index)
	e.clock.Advance(4 * time.Minute)
	if s, _ := c.Status(ctx, ietfRef(uri, a.Index)); s != statuslist.Valid || e.fetches.Load() != 1 {
		t.Fatalf("within cache: %v, %d fetches", s, e.fetches.Load())
	}
	e.clock.Advance(2 * time.Minute)
	if s, err := c.Status(ctx, ietfRef(uri, a.Index)); s != statuslist.Invalid || err != nil || e.fetches.Load() != 2 {
		t.Fatalf("after max ttl: %v %v, %d fetches", s, err, e.fetches.Load())
	}
	// Failures are cached briefly too (no storm against a broken list).
	bad := ietfRef(e.uri("t", "missing"), 0)
	for i := 0; i < 5; i++ {
		if _, err := c.Status(ctx, bad); !errors.Is(err, statuslist.ErrRetrieval) {
			t.Fatal(err)
		}
	}
	if n := e.fetches.Load(); n != 3 {
		t.Fatalf("%d fetches after 5 failing checks", n)
	}
}

// Row 37: ttl 0, 10^12 and absent are clamped to [min, max] and never past
// exp.
func TestCacheClampRow37(t *testing.T) {
	ctx := context.Background()
	s := newSigner(t)
	l, _ := statuslist.NewIETFList(1024, 1)
	sl, _ := statuslist.NewIETFStatusList(l, "")
	now := time.Unix(1800000000, 0)
	var fetches atomic.Int64
	cases := []struct {
		name      string
		ttl       any
		exp       time.Duration
		cachedFor time.Duration // still cached just before this
	}{
		{"row37_ttl_zero", 0, time.Hour, time.Minute},
		{"row37_ttl_huge", 1_000_000_000_000, 24 * time.Hour, 10 * time.Minute},
		{"row37_ttl_absent_exp_far", nil, 24 * time.Hour, 10 * time.Minute},
		{"row37_exp_before_min", 30, 20 * time.Second, 20 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims := map[string]any{"sub": "https://s.example/l", "iat": now.Unix(), "exp": now.Add(tc.exp).Unix(), "status_list": sl}
			if tc.ttl != nil {
				claims["ttl"] = tc.ttl
			}
			tok, err := jose.SignJWT(ctx, s, map[string]any{"typ": "statuslist+jwt"}, claims)
			if err != nil {
				t.Fatal(err)
			}
			clk := &clock{now: now}
			fetches.Store(0)
			c, _ := statuslist.NewChecker(statuslist.CheckerConfig{
				Fetcher: statuslist.FetcherFunc(func(context.Context, string, string, int64) ([]byte, string, error) {
					fetches.Add(1)
					return []byte(tok), statuslist.MediaTypeJWT, nil
				}),
				Keys: statuslist.StaticKey(s.Public()), Now: clk.Now, MinCacheTTL: time.Minute, MaxCacheTTL: 10 * time.Minute,
			})
			ref := ietfRef("https://s.example/l", 1)
			if _, err := c.Status(ctx, ref); err != nil {
				t.Fatal(err)
			}
			clk.Advance(tc.cachedFor - time.Second)
			c.Status(ctx, ref)
			if fetches.Load() != 1 {
				t.Fatalf("refetched before %v", tc.cachedFor)
			}
			clk.Advance(2 * time.Second)
			c.Status(ctx, ref)
			if fetches.Load() != 2 {
				t.Fatalf("not refetched after %v", tc.cachedFor)
			}
		})
	}
	if _, err := statuslist.NewChecker(statuslist.CheckerConfig{Fetcher: statuslist.FetcherFunc(nil), Keys: statuslist.StaticKey(nil), MinCacheTTL: time.Hour, MaxCacheTTL: time.Minute}); !errors.Is(err, statuslist.ErrConfig) {
		t.Fatalf("min > max: %v", err)
	}
}

func w3cRef(uri string, idx uint64, purpose string, size int, raw map[string]any) vocab.StatusReference {
	return vocab.StatusReference{Type: "BitstringStatusListEntry", URI: uri, Index: idx, Purpose: purpose, Size: size, Raw: raw}
}

func TestIssueRevokeCheckW3C(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	rev := statuslist.ListConfig{Format: statuslist.FormatBitstring, Purpose: statuslist.PurposeRevocation}
	sus := statuslist.ListConfig{Format: statuslist.FormatBitstring, Purpose: statuslist.PurposeSuspension}
	msg := statuslist.ListConfig{Format: statuslist.FormatBitstring, Purpose: statuslist.PurposeMessage, Bits: 2}
	ar, _ := e.alloc.Allocate(ctx, "t", "rev", rev)
	as, _ := e.alloc.Allocate(ctx, "t", "sus", sus)
	am, _ := e.alloc.Allocate(ctx, "t", "msg", msg)
	e.alloc.Revoke(ctx, "t", ar.ListID, ar.Index)
	e.alloc.Suspend(ctx, "t", as.ListID, as.Index)
	e.alloc.SetStatus(ctx, "t", am.ListID, am.Index, 2)
	msgs := []statuslist.StatusMessage{{"0x0", "valid"}, {"0x1", "invalid"}, {"0x2", "pending_review"}, {"0x3", "undefined"}}
	entry, err := statuslist.NewBitstringEntry(am, e.uri("t", am.ListID), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if entry.StatusListIndex != strconv.FormatUint(am.Index, 10) || entry.StatusSize != 2 {
		t.Fatalf("entry %+v", entry)
	}
	c := e.checker(t, nil)
	rawMsgs := []any{}
	for _, m := range msgs {
		rawMsgs = append(rawMsgs, map[string]any{"status": m.Status, "message": m.Message})
	}
	cases := []struct {
		name string
		ref  vocab.StatusReference
		want statuslist.Status
		err  error
	}{
		{"revoked", w3cRef(e.uri("t", ar.ListID), ar.Index, "revocation", 1, nil), statuslist.Invalid, nil},
		{"not_revoked", w3cRef(e.uri("t", ar.ListID), (ar.Index+1)%statuslist.MinBitstringEntries, "revocation", 1, nil), statuslist.Valid, nil},
		{"suspended", w3cRef(e.uri("t", as.ListID), as.Index, "suspension", 1, nil), statuslist.Suspended, nil},
		{"message", w3cRef(e.uri("t", am.ListID), am.Index, "message", 2, map[string]any{"statusMessage": rawMsgs}), 2, nil},
		{"row36_wrong_purpose", w3cRef(e.uri("t", ar.ListID), ar.Index, "suspension", 1, nil), 0, statuslist.ErrPurposeMismatch},
		{"row33_status_message_short", w3cRef(e.uri("t", am.ListID), am.Index, "message", 2, map[string]any{"statusMessage": rawMsgs[:3]}), 0, statuslist.ErrStatusMessage},
		{"row33_status_size_without_messages", w3cRef(e.uri("t", am.ListID), am.Index, "message", 2, map[string]any{}), 0, statuslist.ErrStatusMessage},
		{"row33_status_size_9", w3cRef(e.uri("t", am.ListID), am.Index, "message", 9, nil), 0, statuslist.ErrBadBits},
		{"row32_out_of_range", w3cRef(e.uri("t", ar.ListID), statuslist.MinBitstringEntries, "revocation", 1, nil), 0, statuslist.ErrIndexOutOfRange},
		{"legacy_entry_on_bitstring_list", vocab.StatusReference{Type: "StatusList2021Entry", URI: e.uri("t", ar.ListID), Purpose: "revocation"}, 0, statuslist.ErrTokenType},
		{"unknown_type", vocab.StatusReference{Type: "RevocationList2020Status", URI: e.uri("t", ar.ListID)}, 0, statuslist.ErrUnsupportedReference},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Status(ctx, tc.ref)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("want %v, got %v (%v)", tc.err, err, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
	// The list is only served as vc+jwt: an IETF reference (Accept
	// statuslist+jwt/cwt) gets 406, a retrieval error.
	if _, err := c.Status(ctx, ietfRef(e.uri("t", ar.ListID), 0)); !errors.Is(err, statuslist.ErrRetrieval) {
		t.Fatalf("IETF reference to a W3C list: %v", err)
	}
}

func TestHandler(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a, _ := e.alloc.Allocate(ctx, "t", "p", statuslist.ListConfig{Format: statuslist.FormatIETF})
	w, _ := e.alloc.Allocate(ctx, "t", "w", statuslist.ListConfig{Format: statuslist.FormatBitstring, Purpose: "revocation"})
	get := func(path, accept, inm string, method string) *http.Response {
		req, _ := http.NewRequest(method, e.srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	p := "/tenants/t/statuslists/" + a.ListID
	cases := []struct {
		name, path, accept string
		code               int
		ctype              string
	}{
		{"default_jwt", p, "", 200, statuslist.MediaTypeJWT},
		{"jwt", p, statuslist.MediaTypeJWT, 200, statuslist.MediaTypeJWT},
		{"cwt", p, statuslist.MediaTypeCWT, 200, statuslist.MediaTypeCWT},
		{"cwt_preferred", p, "application/statuslist+jwt;q=0.5, application/statuslist+cwt", 200, statuslist.MediaTypeCWT},
		{"wildcard", p, "*/*", 200, statuslist.MediaTypeJWT},
		{"not_acceptable", p, "text/html", 406, ""},
		{"w3c", "/tenants/t/statuslists/" + w.ListID, "", 200, statuslist.MediaTypeVCJWT},
		{"w3c_wants_jwt_statuslist", "/tenants/t/statuslists/" + w.ListID, statuslist.MediaTypeJWT, 406, ""},
		{"unknown", "/tenants/t/statuslists/nope", "", 404, ""},
		{"historical", p + "?time=1700000000", "", 501, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := get(tc.path, tc.accept, "", http.MethodGet)
			if r.StatusCode != tc.code {
				t.Fatalf("status %d", r.StatusCode)
			}
			if tc.ctype != "" && r.Header.Get("Content-Type") != tc.ctype {
				t.Fatalf("content type %q", r.Header.Get("Content-Type"))
			}
		})
	}
	r := get(p, "", "", http.MethodGet)
	etag := r.Header.Get("ETag")
	if etag == "" || r.Header.Get("Cache-Control") != "public, max-age=600" || !strings.Contains(r.Header.Get("Vary"), "Accept") {
		t.Fatalf("headers %v", r.Header)
	}
	if r2 := get(p, "", etag, http.MethodGet); r2.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", r2.StatusCode)
	}
	if r3 := get(p, "", "", http.MethodHead); r3.StatusCode != 200 || r3.Header.Get("Content-Length") == "" {
		t.Fatalf("HEAD: %d", r3.StatusCode)
	}
	// A status change produces a new token and ETag at once.
	e.alloc.Revoke(ctx, "t", a.ListID, a.Index)
	if r4 := get(p, "", etag, http.MethodGet); r4.StatusCode != 200 || r4.Header.Get("ETag") == etag {
		t.Fatalf("after revoke: %d %s", r4.StatusCode, r4.Header.Get("ETag"))
	}
	// max-age is min(ttl, exp − now): with Validity = TTL = 10 min, a token
	// served 4 minutes after signing may be cached for 6 more.
	short, err := statuslist.NewPublisher(statuslist.PublisherConfig{
		Store: e.alloc.Store(), Signer: e.signer, Now: e.clock.Now, TTL: 10 * time.Minute, Validity: 10 * time.Minute, ListURI: e.uri,
	})
	if err != nil {
		t.Fatal(err)
	}
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		req.SetPathValue("tenant", "t")
		req.SetPathValue("list", a.ListID)
		rec := httptest.NewRecorder()
		short.ServeList(rec, req)
		return rec
	}
	first := serve()
	e.clock.Advance(4 * time.Minute)
	again := serve()
	if cc := again.Header().Get("Cache-Control"); cc != "public, max-age=360" || again.Header().Get("ETag") != first.Header().Get("ETag") {
		t.Fatalf("cache-control %q", cc)
	}
	if r := httptest.NewRecorder(); true {
		short.ServeList(r, httptest.NewRequest(http.MethodPost, "/x", nil))
		if r.Code != http.StatusMethodNotAllowed {
			t.Fatalf("POST: %d", r.Code)
		}
	}
}

func TestAggregation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a1, _ := e.alloc.Allocate(ctx, "t", "p", statuslist.ListConfig{Format: statuslist.FormatIETF, Capacity: 2})
	e.alloc.Allocate(ctx, "t", "p", statuslist.ListConfig{Format: statuslist.FormatIETF, Capacity: 2})
	a3, _ := e.alloc.Allocate(ctx, "t", "p", statuslist.ListConfig{Format: statuslist.FormatIETF, Capacity: 2})
	e.alloc.Allocate(ctx, "t", "w", statuslist.ListConfig{Format: statuslist.FormatBitstring, Purpose: "revocation"})
	mux := http.NewServeMux()
	mux.Handle("GET /agg/{tenant}", e.pub.AggregationHandler())
	srv2 := httptest.NewServer(mux)
	defer srv2.Close()
	c := e.checker(t, nil)
	uris, err := c.Aggregation(ctx, srv2.URL+"/agg/t")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{e.uri("t", a1.ListID): true, e.uri("t", a3.ListID): true}
	if len(uris) != 2 || !want[uris[0]] || !want[uris[1]] {
		t.Fatalf("aggregation %v, want the two IETF lists %v", uris, want)
	}
	if _, err := c.Aggregation(ctx, srv2.URL+"/nothing"); !errors.Is(err, statuslist.ErrRetrieval) {
		t.Fatalf("missing aggregation: %v", err)
	}
}

func TestReferences(t *testing.T) {
	ok, err := statuslist.ReferenceFromIETF(map[string]any{"status_list": map[string]any{"idx": float64(1993), "uri": "https://x/1"}})
	if err != nil || ok.Index != 1993 || ok.URI != "https://x/1" || ok.Type != "status_list" {
		t.Fatal(ok, err)
	}
	for name, idx := range map[string]any{
		"row32_negative": float64(-1), "row32_float": 1.5, "row32_above_2^53": float64(1 << 54),
		"row32_string": "12", "row32_missing": nil, "row32_bool": true,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := statuslist.ReferenceFromIETF(map[string]any{"status_list": map[string]any{"idx": idx, "uri": "https://x/1"}}); !errors.Is(err, statuslist.ErrIndexOutOfRange) {
				t.Fatalf("%v: %v", idx, err)
			}
		})
	}
	entry := func(idx any, extra map[string]any) map[string]any {
		m := map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": idx, "statusListCredential": "https://x/c"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	r, err := statuslist.ReferenceFromW3C(entry("94567", nil))
	if err != nil || r.Index != 94567 || r.Size != 1 || r.Purpose != "revocation" {
		t.Fatal(r, err)
	}
	bad := []struct {
		name string
		e    map[string]any
		want error
	}{
		{"row32_index_number_not_string", entry(float64(5), nil), statuslist.ErrIndexOutOfRange},
		{"row32_index_negative", entry("-5", nil), statuslist.ErrIndexOutOfRange},
		{"row32_index_float", entry("5.0", nil), statuslist.ErrIndexOutOfRange},
		{"row32_index_huge", entry("99999999999999999999999", nil), statuslist.ErrIndexOutOfRange},
		{"row32_index_plus", entry("+5", nil), statuslist.ErrIndexOutOfRange},
		{"row32_index_leading_zero", entry("05", nil), statuslist.ErrIndexOutOfRange},
		{"row33_status_size_zero", entry("1", map[string]any{"statusSize": float64(0)}), statuslist.ErrBadBits},
		{"row33_status_size_negative", entry("1", map[string]any{"statusSize": float64(-2)}), statuslist.ErrBadBits},
		{"row33_status_size_fraction", entry("1", map[string]any{"statusSize": 1.5}), statuslist.ErrBadBits},
		{"row33_status_message_missing", entry("1", map[string]any{"statusSize": float64(2)}), statuslist.ErrStatusMessage},
		{"row33_status_message_wrong_length", entry("1", map[string]any{"statusSize": float64(1), "statusMessage": []any{map[string]any{"status": "0x0", "message": "a"}}}), statuslist.ErrStatusMessage},
		{"row33_status_message_bad_hex", entry("1", map[string]any{"statusMessage": []any{map[string]any{"status": "0x0", "message": "a"}, map[string]any{"status": "1", "message": "b"}}}), statuslist.ErrStatusMessage},
		{"missing_purpose", map[string]any{"type": "BitstringStatusListEntry", "statusListIndex": "1", "statusListCredential": "https://x"}, statuslist.ErrToken},
		{"unknown_type", map[string]any{"type": "CredentialStatusList2017"}, statuslist.ErrUnsupportedReference},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			if _, err := statuslist.ReferenceFromW3C(b.e); !errors.Is(err, b.want) {
				t.Fatalf("want %v, got %v", b.want, err)
			}
		})
	}
}

// TestListIssuedDuringFetch: a list signed while the fetch runs (its iat
// after the moment the check started, as when a publisher re-signs across
// a second boundary) is valid without any leeway.
func TestListIssuedDuringFetch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a, err := e.alloc.Allocate(ctx, "acme", "sdjwt", statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := e.checker(t, func(cfg *statuslist.CheckerConfig) {
		cfg.Fetcher = statuslist.FetcherFunc(func(ctx context.Context, url, accept string, max int64) ([]byte, string, error) {
			e.clock.Advance(1500 * time.Millisecond) // the publisher signs later than the check began
			return e.fetcher.Fetch(ctx, url, accept, max)
		})
	})
	if s, err := c.Status(ctx, ietfRef(e.uri("acme", a.ListID), a.Index)); err != nil || s != statuslist.Valid {
		t.Fatalf("list issued during the fetch: %v %v", s, err)
	}
}
