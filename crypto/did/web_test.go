package did_test

import (
	"context"
	gocrypto "crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
)

func TestWebURL(t *testing.T) {
	for _, tc := range []struct{ did, url string }{
		// did:web specification §"Read (Resolve)" examples.
		{"did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"},
		{"did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"},
		{"did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"},
		{"did:web:example.com", "https://example.com/.well-known/did.json"},
		{"did:web:example.com%3a8443", "https://example.com:8443/.well-known/did.json"},
		{"did:web:sub.example.co.uk:a.b:c-d:e_f", "https://sub.example.co.uk/a.b/c-d/e_f/did.json"},
		{"did:web:xn--bcher-kva.example", "https://xn--bcher-kva.example/.well-known/did.json"},
	} {
		got, err := did.WebURL(tc.did)
		if err != nil || got != tc.url {
			t.Errorf("WebURL(%q) = %q, %v; want %q", tc.did, got, err, tc.url)
		}
	}
}

// security.md row 59 (did:web part): every entry is rejected with a typed
// error before any request is made.
func TestWebURLBadInput(t *testing.T) {
	host := did.ErrHostNotAllowed
	inv := did.ErrInvalidDID
	for _, tc := range []struct {
		name string
		did  string
		err  error
	}{
		{"row59_ipv4_literal", "did:web:127.0.0.1", host},
		{"row59_ipv4_public_literal", "did:web:93.184.216.34", host},
		{"row59_ipv4_short_form", "did:web:127.1", host},
		{"row59_ipv4_decimal", "did:web:2130706433", host},
		{"row59_ipv4_hex", "did:web:0x7f000001", host},
		{"row59_ipv4_hex_last_label", "did:web:a.0x7f", host},
		{"row59_localhost_port", "did:web:localhost%3A6379", host},
		{"row59_localhost", "did:web:localhost", host},
		{"row59_sub_localhost", "did:web:redis.localhost", host},
		{"row59_single_label", "did:web:intranet", host},
		{"row59_dotdot_segment", "did:web:a.com:..:x", inv},
		{"row59_dot_segment", "did:web:a.com:.:x", inv},
		{"row59_pct_slash_in_path", "did:web:a.com:x%2Fy", inv},
		{"row59_pct_slash_in_host", "did:web:a.com%2Fevil", inv},
		{"row59_pct_dotdot", "did:web:a.com:%2E%2E", inv},
		{"row59_pct_nul", "did:web:a.com:%00", inv},
		{"row59_ipv6_literal", "did:web:[::1]", inv},
		{"row59_userinfo", "did:web:user@a.com", inv},
		{"row59_userinfo_encoded", "did:web:user%40a.com", inv},
		{"row59_query", "did:web:a.com?x=1", inv},
		{"row59_fragment", "did:web:a.com#x", inv},
		{"row59_empty_segment", "did:web:a.com::x", inv},
		{"row59_trailing_colon", "did:web:a.com:", inv},
		{"row59_port_zero", "did:web:a.com%3A0", inv},
		{"row59_port_too_big", "did:web:a.com%3A65536", inv},
		{"row59_port_leading_zero", "did:web:a.com%3A0443", inv},
		{"row59_port_empty", "did:web:a.com%3A", inv},
		{"row59_two_ports", "did:web:a.com%3A80%3A81", inv},
		{"row59_port_not_numeric", "did:web:a.com%3Ahttp", inv},
		{"row59_hyphen_label", "did:web:-a.com", host},
		{"row59_empty_label", "did:web:a..com", host},
		{"row59_trailing_dot", "did:web:a.com.", host},
		{"row59_space", "did:web:a com", inv},
		{"row59_not_web", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", inv},
		{"row59_uppercase_scheme", "DID:web:a.com", inv},
		{"row59_too_long", "did:web:a.com:" + strings.Repeat("a", did.MaxDIDLength), inv},
		{"row59_long_label", "did:web:" + strings.Repeat("a", 64) + ".com", host},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := did.WebURL(tc.did)
			if !errors.Is(err, tc.err) {
				t.Fatalf("WebURL(%q) = %q, %v; want %v", tc.did, u, err, tc.err)
			}
			if !errors.Is(err, did.ErrInvalidDID) || did.ErrorCode(err) != "invalidDid" {
				t.Fatalf("error %v has code %q", err, did.ErrorCode(err))
			}
		})
	}
}

// webServer serves DID documents over TLS on 127.0.0.1 and counts requests.
type webServer struct {
	*httptest.Server
	hits  atomic.Int64
	docs  map[string][]byte // path → body
	codes map[string]int
}

func newWebServer(t *testing.T) *webServer {
	s := &webServer{docs: map[string][]byte{}, codes: map[string]int{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if code, ok := s.codes[r.URL.Path]; ok {
			if code >= 300 && code < 400 {
				http.Redirect(w, r, "/.well-known/did.json", code)
				return
			}
			w.WriteHeader(code)
			return
		}
		b, ok := s.docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/did+json")
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *webServer) hostport() string {
	u, _ := url.Parse(s.URL)
	return u.Host
}

func (s *webServer) fetcher() *fetch.Fetcher {
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	return fetch.New(fetch.Options{AllowLoopback: true, RootCAs: pool})
}

func engineKeys(t testing.TB, types ...crypto.KeyType) (*local.Engine, []*crypto.Key) {
	t.Helper()
	e, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []*crypto.Key
	for i, kt := range types {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "tenant", Group: "did"}, ID: "k" + string(rune('a'+i))}
		k, err := e.GenerateKey(context.Background(), ref, crypto.KeySpec{Type: kt})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return e, keys
}

func TestWebResolve(t *testing.T) {
	srv := newWebServer(t)
	_, keys := engineKeys(t, crypto.KeyTypeECP256, crypto.KeyTypeEd25519, crypto.KeyTypeRSA2048)
	ctx := context.Background()

	root, err := did.NewWebDID(srv.hostport())
	if err != nil {
		t.Fatal(err)
	}
	alice, err := did.NewWebDID(srv.hostport(), "users", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(root, "did:web:127.0.0.1%3A") {
		t.Fatalf("NewWebDID = %q", root)
	}
	for did_, path := range map[string]string{root: "/.well-known/did.json", alice: "/users/alice/did.json"} {
		doc, err := did.NewWebDocument(did_, keys, did.WebDocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		srv.docs[path] = b
	}

	m := did.NewWebMethod(srv.fetcher(), did.WebOptions{InsecureAllowLoopback: true})
	for _, d := range []string{root, alice} {
		doc, err := m.Resolve(ctx, d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if doc.ID != d || len(doc.VerificationMethod) != 3 {
			t.Fatalf("document %s with %d methods", doc.ID, len(doc.VerificationMethod))
		}
		for _, k := range keys {
			vm, err := doc.MethodFor("#"+k.KID, did.AssertionMethod)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := vm.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			if !pub.(interface{ Equal(gocrypto.PublicKey) bool }).Equal(k.Public) {
				t.Fatalf("key %s differs", k.KID)
			}
			if vm.PublicKeyJwk["kid"] != k.KID || vm.PublicKeyJwk["alg"] != string(k.Type.Algorithms()[0]) {
				t.Fatalf("jwk %v", vm.PublicKeyJwk)
			}
			if _, err := doc.MethodFor(vm.ID, did.KeyAgreement); !errors.Is(err, did.ErrNotAuthorized) {
				t.Fatalf("keyAgreement: %v", err)
			}
		}
	}

	// Without the test option the loopback host is refused before fetching.
	before := srv.hits.Load()
	strict := did.NewWebMethod(srv.fetcher(), did.WebOptions{})
	if _, err := strict.Resolve(ctx, root); !errors.Is(err, did.ErrHostNotAllowed) {
		t.Fatalf("strict: %v", err)
	}
	// With the did option but a fetcher that blocks loopback, the
	// fetcher's address check still refuses (defence in depth).
	blocked := did.NewWebMethod(fetch.New(fetch.Options{}), did.WebOptions{InsecureAllowLoopback: true})
	if _, err := blocked.Resolve(ctx, root); !errors.Is(err, did.ErrResolution) || !errors.Is(err, fetch.ErrBlockedAddress) {
		t.Fatalf("blocked fetcher: %v", err)
	}
	if srv.hits.Load() != before {
		t.Fatal("a refused DID reached the server")
	}
}

func TestWebResolveBadDocuments(t *testing.T) {
	srv := newWebServer(t)
	_, keys := engineKeys(t, crypto.KeyTypeECP256)
	ctx := context.Background()
	m := did.NewWebMethod(srv.fetcher(), did.WebOptions{InsecureAllowLoopback: true})
	mk := func(path ...string) string {
		d, err := did.NewWebDID(srv.hostport(), path...)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	other := mk("other")
	otherDoc, _ := did.NewWebDocument(other, keys, did.WebDocumentOptions{})
	otherJSON, _ := json.Marshal(otherDoc)
	srv.docs["/mismatch/did.json"] = otherJSON
	srv.docs["/dup/did.json"] = []byte(`{"id":"` + mk("dup") + `","id":"` + mk("dup") + `"}`)
	srv.docs["/big/did.json"] = []byte(`{"id":"` + mk("big") + `","x":"` + strings.Repeat("a", did.MaxDocumentSize) + `"}`)
	srv.docs["/deep/did.json"] = []byte(`{"id":"` + mk("deep") + `","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`)
	srv.docs["/notjson/did.json"] = []byte(`<html>`)
	srv.docs["/array/did.json"] = []byte(`[]`)
	srv.docs["/noid/did.json"] = []byte(`{}`)
	srv.docs["/badvm/did.json"] = []byte(`{"id":"` + mk("badvm") + `","verificationMethod":[{"id":"not a did url","type":"JsonWebKey2020"}]}`)
	srv.docs["/dupvm/did.json"] = []byte(`{"id":"` + mk("dupvm") + `","verificationMethod":[{"id":"#a","type":"X"},{"id":"` + mk("dupvm") + `#a","type":"X"}]}`)
	srv.codes["/gone/did.json"] = http.StatusGone
	srv.codes["/error/did.json"] = http.StatusInternalServerError
	srv.codes["/redirect/did.json"] = http.StatusFound

	for _, tc := range []struct {
		name string
		did  string
		err  error
	}{
		{"row59_id_not_did", mk("mismatch"), did.ErrInvalidDocument},
		{"duplicate_members", mk("dup"), did.ErrInvalidDocument},
		{"too_large", mk("big"), did.ErrInvalidDocument},
		{"too_deep", mk("deep"), did.ErrInvalidDocument},
		{"not_json", mk("notjson"), did.ErrInvalidDocument},
		{"array", mk("array"), did.ErrInvalidDocument},
		{"no_id", mk("noid"), did.ErrInvalidDocument},
		{"bad_vm_id", mk("badvm"), did.ErrInvalidDocument},
		{"duplicate_vm", mk("dupvm"), did.ErrInvalidDocument},
		{"not_found", mk("missing"), did.ErrNotFound},
		{"gone", mk("gone"), did.ErrNotFound},
		{"server_error", mk("error"), did.ErrResolution},
		{"redirect_not_followed", mk("redirect"), fetch.ErrRedirect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := m.Resolve(ctx, tc.did)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Resolve = %v, %v; want %v", doc, err, tc.err)
			}
		})
	}
}

func TestNewWebDocumentErrors(t *testing.T) {
	e, keys := engineKeys(t, crypto.KeyTypeEd25519, crypto.KeyTypeAES256GCM)
	_ = e
	d := "did:web:example.com"
	if _, err := did.NewWebDocument(d, nil, did.WebDocumentOptions{}); !errors.Is(err, did.ErrInvalidDocument) {
		t.Errorf("no keys: %v", err)
	}
	if _, err := did.NewWebDocument(d, keys, did.WebDocumentOptions{}); !errors.Is(err, did.ErrUnsupportedPublicKeyType) {
		t.Errorf("symmetric key: %v", err)
	}
	if _, err := did.NewWebDocument(d, []*crypto.Key{keys[0], keys[0]}, did.WebDocumentOptions{}); !errors.Is(err, did.ErrInvalidDocument) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := did.NewWebDocument("did:web:93.184.216.34", keys[:1], did.WebDocumentOptions{}); !errors.Is(err, did.ErrHostNotAllowed) {
		t.Errorf("ip host: %v", err)
	}
	if _, err := did.NewWebDocument(d, keys[:1], did.WebDocumentOptions{Relationships: []did.Relationship{"owner"}}); !errors.Is(err, did.ErrUnknownRelationship) {
		t.Errorf("relationship: %v", err)
	}
	if _, err := did.NewWebDocument(d, keys[:1], did.WebDocumentOptions{Format: "PGP"}); !errors.Is(err, did.ErrUnsupportedPublicKeyType) {
		t.Errorf("format: %v", err)
	}
	doc, err := did.NewWebDocument(d, keys[:1], did.WebDocumentOptions{Format: did.FormatMultikey, Relationships: []did.Relationship{did.Authentication}})
	if err != nil {
		t.Fatal(err)
	}
	vm := doc.VerificationMethod[0]
	if vm.Type != did.TypeMultikey || !strings.HasPrefix(vm.PublicKeyMultibase, "z6Mk") || doc.Authorized(vm.ID, did.AssertionMethod) || !doc.Authorized(vm.ID, did.Authentication) {
		t.Fatalf("multikey document %+v", doc)
	}
	if c := doc.Context.([]any); c[1] != did.ContextMultikey {
		t.Fatalf("context %v", c)
	}
}

// Concurrent resolutions of one did:web through a CachingResolver make one
// HTTP request; later ones are served from the cache.
func TestWebResolveCachedConcurrent(t *testing.T) {
	srv := newWebServer(t)
	_, keys := engineKeys(t, crypto.KeyTypeEd25519)
	d, err := did.NewWebDID(srv.hostport())
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := did.NewWebDocument(d, keys, did.WebDocumentOptions{Format: did.FormatMultikey})
	b, _ := json.Marshal(doc)
	srv.docs["/.well-known/did.json"] = b
	reg, err := did.NewRegistry(did.NewWebMethod(srv.fetcher(), did.WebOptions{InsecureAllowLoopback: true}))
	if err != nil {
		t.Fatal(err)
	}
	c := did.NewCachingResolver(reg, did.CacheOptions{})
	kr := did.NewKeyResolver(c, did.KeyResolverOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := kr.ResolveVerificationMethod(context.Background(), d+"#"+keys[0].KID, "assertionMethod")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("%d HTTP requests for one DID", n)
	}
}
