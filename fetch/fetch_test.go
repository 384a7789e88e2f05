package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	strict := New(Options{})
	loop := New(Options{AllowLoopback: true})
	cases := []struct {
		name string
		f    *Fetcher
		url  string
		want error
	}{
		{"https_ok", strict, "https://issuer.example.com/.well-known/jwt-vc-issuer", nil},
		{"http_refused", strict, "http://issuer.example.com/x", ErrURL},
		{"file_refused", strict, "file:///etc/passwd", ErrURL},
		{"gopher_refused", strict, "gopher://x.example/", ErrURL},
		{"userinfo_refused", strict, "https://user:pw@issuer.example.com/", ErrURL},
		{"row59_ip_loopback", strict, "https://127.0.0.1/did.json", ErrBlockedAddress},
		{"row59_localhost", strict, "https://localhost:6379/", ErrBlockedAddress},
		{"row59_metadata_ip", strict, "https://169.254.169.254/latest/meta-data", ErrBlockedAddress},
		{"row59_private_ip", strict, "https://10.0.0.1/", ErrBlockedAddress},
		{"row59_ipv6_loopback", strict, "https://[::1]/", ErrBlockedAddress},
		{"row59_mapped_v4", strict, "https://[::ffff:127.0.0.1]/", ErrBlockedAddress},
		{"v4_compatible_loopback", strict, "https://[::127.0.0.1]/", ErrBlockedAddress},
		{"v4_compatible_loopback_with_option", loop, "http://[::127.0.0.1]/", ErrURL},
		{"v4_compatible_loopback_https_with_option", loop, "https://[::127.0.0.1]/", ErrBlockedAddress},
		{"v4_compatible_metadata", strict, "https://[::169.254.169.254]/", ErrBlockedAddress},
		{"v4_compatible_private", strict, "https://[::a00:1]/", ErrBlockedAddress},
		{"v4_compatible_public", strict, "https://[::93.184.216.34]/", ErrBlockedAddress},
		{"no_host", strict, "https:///path", ErrURL},
		{"loopback_option_http", loop, "http://127.0.0.1:8080/x", nil},
		{"loopback_option_private_still_blocked", loop, "https://192.168.1.1/", ErrBlockedAddress},
		{"loopback_option_http_public_refused", loop, "http://issuer.example.com/", ErrURL},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.f.CheckURL(c.url)
			if c.want == nil && err != nil {
				t.Fatalf("unexpected %v", err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v want %v", err, c.want)
			}
		})
	}
}

func TestCheckAddr(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "224.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "::127.0.0.1", "::7f00:1", "::10.0.0.1", "::8.8.8.8", "::2"} {
		if err := CheckAddr(netip.MustParseAddr(s), false); !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("%s: %v", s, err)
		}
	}
	// IPv4-compatible loopback is not loopback: blocked even with the option.
	if err := CheckAddr(netip.MustParseAddr("::127.0.0.1"), true); !errors.Is(err, ErrBlockedAddress) {
		t.Errorf("::127.0.0.1 with AllowLoopback: %v", err)
	}
	for _, s := range []string{"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"} {
		if err := CheckAddr(netip.MustParseAddr(s), false); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestDialTimeAddressCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	defer srv.Close()
	// A host name that resolves to loopback is caught at connect time even
	// though the URL check cannot see the address (DNS rebinding).
	f := New(Options{AllowLoopback: false, HostAllowed: nil})
	u := strings.Replace(srv.URL, "http://127.0.0.1", "https://localtest.invalid", 1)
	f.transport.DialContext = rebindDialer(f, srv.Listener.Addr().String())
	_, err := f.Get(context.Background(), u, Call{})
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("rebinding to loopback: %v", err)
	}
}

func TestFetchPolicies(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/doc", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(`{"accept":"` + r.Header.Get("Accept") + `"}`))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 2048)) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/doc", http.StatusFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/404", http.NotFound)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(200 * time.Millisecond)
		w.Write([]byte("slow"))
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	f := New(Options{AllowLoopback: true, RootCAs: pool, MaxBytes: 1024})
	ctx := context.Background()

	r, err := f.Get(ctx, srv.URL+"/doc", Call{Accept: "application/statuslist+jwt"})
	if err != nil || r.ContentType != "application/json" || !strings.Contains(string(r.Body), "statuslist+jwt") {
		t.Fatalf("get: %+v %v", r, err)
	}
	if _, err := f.Get(ctx, srv.URL+"/big", Call{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("size limit: %v", err)
	}
	if _, err := f.Get(ctx, srv.URL+"/big", Call{MaxBytes: 4096}); err != nil {
		t.Fatalf("per-call size limit: %v", err)
	}
	if _, err := f.Get(ctx, srv.URL+"/redirect", Call{}); !errors.Is(err, ErrRedirect) {
		t.Fatalf("redirect with none allowed: %v", err)
	}
	if r, err := f.Get(ctx, srv.URL+"/redirect", Call{MaxRedirects: 3}); err != nil || !strings.HasSuffix(r.URL, "/doc") {
		t.Fatalf("redirect allowed: %v", err)
	}
	if _, err := f.Get(ctx, srv.URL+"/loop", Call{MaxRedirects: 3}); !errors.Is(err, ErrRedirect) {
		t.Fatalf("redirect loop: %v", err)
	}
	var se *StatusError
	if _, err := f.Get(ctx, srv.URL+"/404", Call{}); !errors.As(err, &se) || se.Code != 404 || !errors.Is(err, ErrStatus) {
		t.Fatalf("404: %v", err)
	}

	// Cache and single flight.
	hits.Store(0)
	for i := 0; i < 3; i++ {
		if _, err := f.Get(ctx, srv.URL+"/doc", Call{CacheTTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("cache: %d upstream calls", hits.Load())
	}
	f.Invalidate(srv.URL + "/doc")
	if _, err := f.Get(ctx, srv.URL+"/doc", Call{CacheTTL: time.Minute}); err != nil || hits.Load() != 2 {
		t.Fatalf("invalidate: %d %v", hits.Load(), err)
	}
	hits.Store(0)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.Get(ctx, srv.URL+"/slow", Call{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if hits.Load() != 1 {
		t.Fatalf("single flight: %d upstream calls for 20 concurrent requests", hits.Load())
	}
	// A cancelled caller is released at once.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := f.Get(cctx, srv.URL+"/slow", Call{}); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 150*time.Millisecond {
		t.Fatalf("cancelled caller: %v after %v", err, time.Since(start))
	}

	// Host allow-list hook applies to the first URL and to redirects.
	deny := New(Options{AllowLoopback: true, RootCAs: pool, HostAllowed: func(h string) error { return errors.New("no") }})
	if _, err := deny.Get(ctx, srv.URL+"/doc", Call{}); !errors.Is(err, ErrHostNotAllowed) {
		t.Fatalf("allow-list: %v", err)
	}
	// Without the loopback option the test server is unreachable.
	strict := New(Options{RootCAs: pool})
	if _, err := strict.Get(ctx, srv.URL+"/doc", Call{}); !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("strict fetcher reached loopback: %v", err)
	}
}

func BenchmarkCachedGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	defer srv.Close()
	f := New(Options{AllowLoopback: true})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := f.Get(ctx, srv.URL+"/x", Call{CacheTTL: time.Hour}); err != nil {
			b.Fatal(err)
		}
	}
}
