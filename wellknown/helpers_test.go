package wellknown_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
)

// testServer is an httptest TLS server whose handler is set after its URL
// is known (identifiers embed the host).
type testServer struct {
	*httptest.Server
	mu sync.RWMutex
	h  http.Handler
}

func newTestServer(t testing.TB) *testServer {
	ts := &testServer{}
	ts.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.RLock()
		h := ts.h
		ts.mu.RUnlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) set(h http.Handler) {
	ts.mu.Lock()
	ts.h = h
	ts.mu.Unlock()
}

func (ts *testServer) fetcher() *fetch.Fetcher {
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return fetch.New(fetch.Options{AllowLoopback: true, RootCAs: pool})
}

// hostport is "127.0.0.1:port".
func (ts *testServer) hostport() string { return ts.Listener.Addr().String() }

type keys struct {
	engine *local.Engine
	ref    crypto.KeyRef
	signer *jose.KeySigner
}

func newKeys(t testing.TB, typ crypto.KeyType) *keys {
	t.Helper()
	e, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "tenant", Group: "wellknown"}, ID: "signing"}
	if _, err := e.GenerateKey(context.Background(), ref, crypto.KeySpec{Type: typ}); err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewKeySigner(context.Background(), e, ref, "")
	if err != nil {
		t.Fatal(err)
	}
	return &keys{engine: e, ref: ref, signer: s}
}

func sdJWTConfig(vct string) *oid4vci.CredentialConfiguration {
	return &oid4vci.CredentialConfiguration{Format: oid4vci.FormatSDJWTVC, VCT: vct}
}

func issuerMetadata(issuer string, configs map[string]*oid4vci.CredentialConfiguration) *oid4vci.IssuerMetadata {
	return &oid4vci.IssuerMetadata{
		CredentialIssuer:         issuer,
		CredentialEndpoint:       issuer + "/credential",
		NonceEndpoint:            issuer + "/nonce",
		CredentialConfigurations: configs,
	}
}

func get(t testing.TB, c *http.Client, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, buf
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
