package svc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
)

func TestStaticTokens(t *testing.T) {
	a, err := NewStaticTokens("ops:0123456789abcdef-ops, 0123456789abcdef-anon")
	if err != nil {
		t.Fatal(err)
	}
	h := Protect(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		WriteJSON(w, 200, p)
	}))
	for _, tc := range []struct {
		auth string
		code int
		sub  string
	}{
		{"Bearer 0123456789abcdef-ops", 200, "ops"},
		{"bearer 0123456789abcdef-anon", 200, "static"},
		{"Bearer 0123456789abcdef-op", 401, ""},
		{"Basic 0123456789abcdef-ops", 401, ""},
		{"", 401, ""},
		{"Bearer ", 401, ""},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != tc.code {
			t.Errorf("%q: status %d, want %d", tc.auth, rec.Code, tc.code)
		}
		if tc.code == 200 && !strings.Contains(rec.Body.String(), `"Subject":"`+tc.sub+`"`) {
			t.Errorf("%q: body %s", tc.auth, rec.Body)
		}
		if tc.code == 401 && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%q: no WWW-Authenticate", tc.auth)
		}
	}
	if _, err := NewStaticTokens("short"); err == nil {
		t.Error("short token accepted")
	}
	if _, err := NewStaticTokens(" , "); err == nil {
		t.Error("empty spec accepted")
	}
}

func TestJWTAuthenticator(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "auth", Group: "as"}, ID: "k"}
	if _, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewKeySigner(ctx, eng, ref, crypto.ES256)
	if err != nil {
		t.Fatal(err)
	}
	keys := jose.NewTrustedKeys()
	if err := keys.Add("https://as.example", signer.KID(), signer.Public()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	a, err := NewJWTAuthenticator(JWTConfig{Issuer: "https://as.example", Audience: "wstack", Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	tok := func(claims map[string]any, typ string) string {
		s, err := jose.SignJWT(ctx, signer, map[string]any{"typ": typ, "kid": signer.KID()}, claims)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := func() map[string]any {
		return map[string]any{"iss": "https://as.example", "aud": "wstack", "sub": "ops", "exp": now.Add(time.Minute).Unix()}
	}
	h := Protect(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	mux := http.NewServeMux()
	mux.Handle("GET /v1/tenants/{tenant}/x", h)
	check := func(name, token, tenant string, want int) {
		t.Helper()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/v1/tenants/"+tenant+"/x", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		mux.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: status %d, want %d", name, rec.Code, want)
		}
	}
	check("valid", tok(base(), "at+jwt"), "acme", 204)
	c := base()
	c["tenants"] = []any{"acme"}
	scoped := tok(c, "at+jwt")
	check("tenant allowed", scoped, "acme", 204)
	check("tenant refused", scoped, "other", 403)
	c = base()
	c["aud"] = "other"
	check("wrong aud", tok(c, "at+jwt"), "acme", 401)
	c = base()
	c["iss"] = "https://evil.example"
	check("wrong iss", tok(c, "at+jwt"), "acme", 401)
	c = base()
	delete(c, "exp")
	check("no exp", tok(c, "at+jwt"), "acme", 401)
	c = base()
	c["exp"] = now.Add(-time.Hour).Unix()
	check("expired", tok(c, "at+jwt"), "acme", 401)
	c = base()
	c["tenants"] = []any{}
	check("empty tenants", tok(c, "at+jwt"), "acme", 401)
	check("wrong typ", tok(base(), "dpop+jwt"), "acme", 401)
	parts := strings.Split(tok(base(), "at+jwt"), ".")
	check("alg none", `eyJhbGciOiJub25lIn0.`+parts[1]+".", "acme", 401)
	check("tampered", parts[0]+"."+parts[1]+"x."+parts[2], "acme", 401)

	// JWKS over HTTP through the guarded fetcher is covered by the
	// services' tests; the config checks are here.
	if _, err := NewJWTAuthenticator(JWTConfig{Issuer: "x", Audience: "y"}); err == nil {
		t.Error("no key source accepted")
	}
	if _, err := NewJWTAuthenticator(JWTConfig{Keys: keys}); err == nil {
		t.Error("no issuer/audience accepted")
	}
}

func TestEventsOverNATS(t *testing.T) {
	ns, err := StartEmbeddedNATS()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := ConnectNATS(ns.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	type in struct {
		Request
		N int `json:"n"`
	}
	sub, err := Respond(nc, "svc.test", "q", "test", "svc.test.reply", time.Second, nil, func(ctx context.Context, e *Event) (any, error) {
		var req in
		if err := json.Unmarshal(e.Data, &req); err != nil {
			return nil, err
		}
		if req.N < 0 {
			return nil, &StatusError{Status: 422, Err: errors.New("negative")}
		}
		return map[string]any{"tenant_id": req.TenantID, "double": req.N * 2}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out struct {
		TenantID string `json:"tenant_id"`
		Double   int    `json:"double"`
	}
	if err := Call(ctx, nc, "svc.test", "client", "svc.test", in{Request{TenantID: "acme", RequestID: "1"}, 21}, &out); err != nil {
		t.Fatal(err)
	}
	if out.Double != 42 || out.TenantID != "acme" {
		t.Fatalf("reply %+v", out)
	}
	err = Call(ctx, nc, "svc.test", "client", "svc.test", in{N: -1}, &out)
	if !errors.Is(err, ErrRemote) || !strings.Contains(err.Error(), "422") {
		t.Fatalf("error reply: %v", err)
	}
	// A message that is not a CloudEvent gets an error reply.
	rep, err := nc.RequestWithContext(ctx, "svc.test", []byte(`{"hello":1}`))
	if err != nil {
		t.Fatal(err)
	}
	e, err := DecodeEvent(rep.Data)
	if err != nil || e.Type != "svc.test.reply.error" {
		t.Fatalf("reply to garbage: %v %+v", err, e)
	}
	// Publish reaches subscribers.
	got := make(chan *nats.Msg, 1)
	s2, _ := nc.ChanSubscribe("svc.events", got)
	defer s2.Unsubscribe()
	if err := Publish(nc, "svc.events", "test", "svc.happened", map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if e, err := DecodeEvent(m.Data); err != nil || e.Type != "svc.happened" {
			t.Fatalf("event %v %+v", err, e)
		}
	case <-ctx.Done():
		t.Fatal("no event")
	}
}

func TestServerHealthAndShutdown(t *testing.T) {
	s, err := Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	var fail atomic.Bool
	HandleHealth(mux, "test", func(context.Context) error {
		if fail.Load() {
			return errors.New("db down")
		}
		return nil
	})
	s.Serve(mux)
	get := func() int {
		resp, err := http.Get(s.URL() + HealthPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get(); c != 200 {
		t.Fatalf("health %d", c)
	}
	fail.Store(true)
	if c := get(); c != 503 {
		t.Fatalf("failing health %d", c)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(s.URL() + HealthPath); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

func TestDecodeJSON(t *testing.T) {
	for _, tc := range []struct {
		ct, body string
		ok       bool
	}{
		{"application/json", `{"a":1}`, true},
		{"", `{"a":1}`, true},
		{"application/merge-patch+json", `{"a":1}`, true},
		{"text/plain", `{"a":1}`, false},
		{"application/json", `{"a":1}{"b":2}`, false},
		{"application/json", `{"a":`, false},
		{"application/json", `{"a":"` + strings.Repeat("x", MaxJSONBody) + `"}`, false},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		if tc.ct != "" {
			req.Header.Set("Content-Type", tc.ct)
		}
		var v map[string]any
		err := DecodeJSON(req, &v)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrBadRequest)) {
			t.Errorf("%s %.30q: %v", tc.ct, tc.body, err)
		}
	}
}

// Respond answers requests concurrently: 16 requests whose handler waits
// 200 ms finish in far less than 16 × 200 ms.
func TestRespondConcurrent(t *testing.T) {
	ns, err := StartEmbeddedNATS()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := ConnectNATS(ns.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := Respond(nc, "svc.slow", "", "test", "svc.slow.reply", 5*time.Second, nil, func(ctx context.Context, e *Event) (any, error) {
		time.Sleep(200 * time.Millisecond)
		return map[string]int{"ok": 1}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	errs := make(chan error, 16)
	for range 16 {
		go func() { errs <- Call(ctx, nc, "svc.slow", "c", "svc.slow", map[string]int{}, nil) }()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 1600*time.Millisecond {
		t.Fatalf("16 slow requests took %v: handled one after another", d)
	}
}

// The JWT authenticator fetches the JWKS through the guarded fetcher,
// keeps it for RefreshInterval, and keeps the last good set through an
// outage of the JWKS endpoint.
func TestJWTAuthenticatorJWKSURL(t *testing.T) {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "auth", Group: "as"}, ID: "k"}
	if _, err := eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewKeySigner(ctx, eng, ref, crypto.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := signer.JWK()
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(map[string]any{"keys": []any{jwk}})
	var fetches atomic.Int32
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	}))
	defer srv.Close()
	now := time.Now()
	clock := now
	var mu sync.Mutex
	a, err := NewJWTAuthenticator(JWTConfig{Issuer: "https://as.example", Audience: "wstack", JWKSURL: srv.URL + "/jwks",
		Fetcher: fetch.New(fetch.Options{AllowLoopback: true}), RefreshInterval: time.Minute,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jose.SignJWT(ctx, signer, map[string]any{"typ": "at+jwt"},
		map[string]any{"iss": "https://as.example", "aud": "wstack", "sub": "ops", "exp": now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	auth := func() error {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		_, err := a.Authenticate(req)
		return err
	}
	for range 3 {
		if err := auth(); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times within the refresh interval", n)
	}
	down.Store(true)
	mu.Lock()
	clock = clock.Add(2 * time.Minute)
	mu.Unlock()
	if err := auth(); err != nil {
		t.Fatalf("last good JWKS not kept through an outage: %v", err)
	}
	if fetches.Load() != 2 {
		t.Fatalf("JWKS not refetched after the interval")
	}
	if err := auth(); err != nil || fetches.Load() != 2 {
		t.Fatalf("JWKS endpoint hammered during an outage: %d fetches, %v", fetches.Load(), err)
	}
	// A JWKS URL the fetcher refuses (loopback without AllowLoopback)
	// authenticates nobody.
	b, err := NewJWTAuthenticator(JWTConfig{Issuer: "https://as.example", Audience: "wstack", JWKSURL: srv.URL + "/jwks"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if _, err := b.Authenticate(req); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("refused JWKS URL: %v", err)
	}
}
