package signersvc_test

import (
	"bytes"
	"context"
	gocrypto "crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/cryptotest"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/examples/internal/signersvc"
	"github.com/ocmw/wstack/examples/internal/svc"
)

const (
	adminToken = "admin-token-0123456789"
	acmeToken  = "acme-token-0123456789"
)

var bg = context.Background()

// acmeOnly authenticates adminToken for every namespace and acmeToken for
// namespace "acme" only.
type acmeOnly struct{ static *svc.StaticTokens }

func (a acmeOnly) Authenticate(r *http.Request) (svc.Principal, error) {
	p, err := a.static.Authenticate(r)
	if err != nil {
		return p, err
	}
	if p.Subject == "acme" {
		p.Tenants = []string{"acme"}
	}
	return p, nil
}

func newAuth(t testing.TB) svc.Authenticator {
	st, err := svc.NewStaticTokens("admin:" + adminToken + ",acme:" + acmeToken)
	if err != nil {
		t.Fatal(err)
	}
	return acmeOnly{st}
}

// start runs a signer on loopback and returns its URL.
func start(t testing.TB, cfg signersvc.Config) (*signersvc.Service, string) {
	t.Helper()
	if cfg.Auth == nil {
		cfg.Auth = newAuth(t)
	}
	s, err := signersvc.New(bg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := svc.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Serve(s.Handler())
	t.Cleanup(func() {
		_ = srv.Shutdown(bg)
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, srv.URL()
}

func newClient(t testing.TB, cfg signersvc.Config) *signersvc.Client {
	_, u := start(t, cfg)
	return signersvc.NewClient(u, adminToken, nil)
}

// TestConformance: the client over a loopback signer (crypto/local behind
// it) is a crypto.Engine by the engine conformance suite.
func TestConformance(t *testing.T) {
	cryptotest.Run(t, func(t *testing.T) crypto.Engine { return newClient(t, signersvc.Config{}) })
}

// TestConformancePKCS11: the same over a SoftHSM2 token.
func TestConformancePKCS11(t *testing.T) {
	cryptotest.Run(t, func(t *testing.T) crypto.Engine {
		return newClient(t, signersvc.Config{PKCS11: newToken(t)})
	})
}

func kref(ns, group, id string) crypto.KeyRef {
	return crypto.KeyRef{Context: crypto.Context{Namespace: ns, Group: group}, ID: id}
}

func call(t *testing.T, method, u, token string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		default:
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
	}
	req, _ := http.NewRequest(method, u, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// TestAuthentication: every management route needs a token; the public key
// documents do not; a principal limited to a tenant uses only that
// namespace.
func TestAuthentication(t *testing.T) {
	s, u := start(t, signersvc.Config{})
	for _, r := range []crypto.KeyRef{kref("acme", "issuer", "k1"), kref("other", "issuer", "k1")} {
		if _, err := s.Engine().GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
			t.Fatal(err)
		}
	}
	msg := "bWVzc2FnZQ"
	management := []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/namespaces", nil},
		{"GET", "/v1/namespaces/acme/keys", nil},
		{"POST", "/v1/namespaces/acme/keys", signersvc.CreateKeyRequest{Key: "x", Type: crypto.KeyTypeECP256}},
		{"GET", "/v1/namespaces/acme/keys/k1?group=issuer", nil},
		{"GET", "/v1/namespaces/acme/keys/k1/versions?group=issuer", nil},
		{"POST", "/v1/namespaces/acme/keys/k1/rotate?group=issuer", nil},
		{"DELETE", "/v1/namespaces/acme/keys/k1?group=issuer", nil},
		{"POST", "/v1/sign", signersvc.SignRequest{KeyRefJSON: signersvc.KeyRefJSON{Namespace: "acme", Group: "issuer", Key: "k1"}, Alg: crypto.ES256, Data: &msg}},
		{"POST", "/v1/verify", map[string]string{}},
		{"POST", "/v1/encrypt", map[string]string{}},
		{"POST", "/v1/decrypt", map[string]string{}},
		{"POST", "/v1/random", signersvc.RandomRequest{Length: 8}},
		{"POST", "/v1/hash", signersvc.HashRequest{Alg: crypto.SHA256}},
		{"GET", "/v1/capabilities", nil},
	}
	for _, m := range management {
		for _, tok := range []string{"", "wrong-token-0123456789"} {
			resp, _ := call(t, m.method, u+m.path, tok, m.body)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: %d, want 401", m.method, m.path, tok, resp.StatusCode)
			}
		}
	}
	for _, path := range []string{"/v1/jwk/acme/k1?group=issuer", "/v1/jwks?namespace=acme&group=issuer", "/v1/did/document?namespace=acme&group=issuer&key=k1", svc.HealthPath} {
		if resp, body := call(t, "GET", u+path, "", nil); resp.StatusCode != http.StatusOK {
			t.Errorf("public %s: %d %s", path, resp.StatusCode, body)
		}
	}

	// The acme principal: its namespace only.
	acme := signersvc.NewClient(u, acmeToken, nil)
	if _, err := acme.GetKey(bg, kref("acme", "issuer", "k1")); err != nil {
		t.Fatalf("acme key: %v", err)
	}
	if _, err := acme.Sign(bg, kref("other", "issuer", "k1"), crypto.ES256, []byte("x")); !errors.Is(err, signersvc.ErrForbidden) {
		t.Fatalf("sign in another namespace: %v", err)
	}
	if _, err := acme.ListKeys(bg, crypto.Filter{Context: crypto.Context{Namespace: "other"}}); !errors.Is(err, signersvc.ErrForbidden) {
		t.Fatalf("list another namespace: %v", err)
	}
	if _, err := acme.GenerateKey(bg, kref("other", "g", "new"), crypto.KeySpec{Type: crypto.KeyTypeECP256}); !errors.Is(err, signersvc.ErrForbidden) {
		t.Fatalf("create in another namespace: %v", err)
	}
	if _, err := s.Engine().GetKey(bg, kref("other", "g", "new")); !errors.Is(err, crypto.ErrKeyNotFound) {
		t.Fatalf("forbidden create stored a key: %v", err)
	}
	ns, err := acme.Namespaces(bg)
	if err != nil || fmt.Sprint(ns) != "[acme]" {
		t.Fatalf("acme namespaces: %v %v", ns, err)
	}
	admin := signersvc.NewClient(u, adminToken, nil)
	ns, err = admin.Namespaces(bg)
	if err != nil || fmt.Sprint(ns) != "[acme other]" {
		t.Fatalf("admin namespaces: %v %v", ns, err)
	}
	if _, err := signersvc.NewClient(u, "wrong-token-0123456789", nil).GetKey(bg, kref("acme", "issuer", "k1")); !errors.Is(err, svc.ErrUnauthenticated) {
		t.Fatalf("wrong token: %v", err)
	}
}

// TestNoPrivateMaterial: no answer of any route carries a private JWK
// member or the AES key.
func TestNoPrivateMaterial(t *testing.T) {
	_, u := start(t, signersvc.Config{})
	c := signersvc.NewClient(u, adminToken, nil)
	for _, kt := range []crypto.KeyType{crypto.KeyTypeECP256, crypto.KeyTypeEd25519, crypto.KeyTypeRSA2048, crypto.KeyTypeAES256GCM} {
		if _, err := c.GenerateKey(bg, kref("acme", "g", "k-"+string(kt)), crypto.KeySpec{Type: kt}); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{"/v1/namespaces/acme/keys", "/v1/jwks?namespace=acme", "/v1/did/document?namespace=acme&group=g&key=k-ed25519&method=key"}
	for _, kt := range []crypto.KeyType{crypto.KeyTypeECP256, crypto.KeyTypeEd25519, crypto.KeyTypeRSA2048, crypto.KeyTypeAES256GCM} {
		paths = append(paths, "/v1/namespaces/acme/keys/k-"+string(kt)+"?group=g", "/v1/namespaces/acme/keys/k-"+string(kt)+"/versions?group=g",
			"/v1/jwk/acme/k-"+string(kt)+"?group=g", "/v1/did/document?namespace=acme&group=g&key=k-"+string(kt))
	}
	private := []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`, `"k"`, `"oth"`}
	for _, p := range paths {
		_, body := call(t, "GET", u+p, adminToken, nil)
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, v := range x {
					for _, pm := range private {
						if `"`+k+`"` == pm {
							t.Errorf("%s: private member %s in %s", p, k, body)
						}
					}
					walk(v)
				}
			case []any:
				for _, v := range x {
					walk(v)
				}
			}
		}
		var v any
		_ = json.Unmarshal(body, &v)
		walk(v)
	}
}

// TestPublicDocuments: the JWKS (headers or query) holds every version of
// the group's asymmetric keys, and the DID documents resolve to the key.
func TestPublicDocuments(t *testing.T) {
	_, u := start(t, signersvc.Config{})
	c := signersvc.NewClient(u, adminToken, nil)
	r := kref("acme", "issuer", "signing")
	k1, err := c.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := c.RotateKey(bg, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GenerateKey(bg, kref("acme", "issuer", "aes"), crypto.KeySpec{Type: crypto.KeyTypeAES256GCM}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GenerateKey(bg, kref("acme", "other", "x"), crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", u+"/v1/jwks", nil)
	req.Header.Set("x-namespace", "acme")
	req.Header.Set("x-group", "issuer")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 2 {
		t.Fatalf("jwks: %s %v", raw, err)
	}
	if set.Keys[0]["kid"] != k2.KID || set.Keys[1]["kid"] != k1.KID {
		t.Fatalf("jwks order/kids: %s", raw)
	}
	trusted := jose.NewTrustedKeys()
	if err := trusted.AddJWKS("acme", raw); err != nil {
		t.Fatalf("JWKS does not load: %v", err)
	}
	_, raw = call(t, "GET", u+"/v1/jwks?namespace=acme", "", nil)
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 3 {
		t.Fatalf("jwks of all groups: %s", raw)
	}

	for _, m := range []string{"jwk", "key"} {
		resp, raw := call(t, "GET", u+"/v1/did/document?namespace=acme&group=issuer&key=signing&method="+m, "", nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/did+json" {
			t.Fatalf("did:%s: %d %s", m, resp.StatusCode, raw)
		}
		doc, err := did.ParseDocument(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(doc.ID, "did:"+m+":") || len(doc.VerificationMethod) == 0 {
			t.Fatalf("did:%s document %s", m, raw)
		}
		d2, err := did.NewDefaultRegistry(nil, did.WebOptions{}).Resolve(bg, doc.ID)
		if err != nil || d2.ID != doc.ID {
			t.Fatalf("resolve %s: %v", doc.ID, err)
		}
		want, _, _ := did.NewKeyDID(k2.Public)
		if m == "jwk" {
			want, _, _ = did.NewJWKDID(k2.Public)
		}
		if doc.ID != want {
			t.Fatalf("did:%s of the current version: %s, want %s", m, doc.ID, want)
		}
	}
	cases := []struct {
		path   string
		status int
	}{
		{"/v1/did/document?namespace=acme&group=issuer&key=missing", 404},
		{"/v1/did/document?namespace=acme&group=issuer&key=aes", 400},
		{"/v1/did/document?namespace=acme&group=issuer&key=signing&method=web", 400},
		{"/v1/did/document?namespace=..&key=signing", 400},
		{"/v1/jwk/acme/aes?group=issuer", 404},
		{"/v1/jwk/acme/missing?group=issuer", 404},
		{"/v1/jwks", 400},
	}
	for _, c := range cases {
		if resp, raw := call(t, "GET", u+c.path, "", nil); resp.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.path, resp.StatusCode, raw, c.status)
		}
	}
}

// TestBadRequests: malformed and oversized bodies are refused with 400
// and change nothing.
func TestBadRequests(t *testing.T) {
	s, u := start(t, signersvc.Config{})
	big := bytes.Repeat([]byte("a"), svc.MaxJSONBody+10)
	cases := []struct {
		name, path string
		body       []byte
		code       string
	}{
		{"oversized", "/v1/sign", append(append([]byte(`{"namespace":"acme","key":"k","alg":"ES256","data":"`), big...), '"', '}'), "invalid_request"},
		{"not_json", "/v1/sign", []byte("{"), "invalid_request"},
		{"trailing", "/v1/sign", []byte(`{} {}`), "invalid_request"},
		{"both_data_and_digest", "/v1/sign", []byte(`{"namespace":"acme","key":"k","alg":"ES256","data":"","digest":""}`), "invalid_request"},
		{"neither", "/v1/sign", []byte(`{"namespace":"acme","key":"k","alg":"ES256"}`), "invalid_request"},
		{"padded_base64", "/v1/sign", []byte(`{"namespace":"acme","key":"k","alg":"ES256","data":"YQ=="}`), "invalid_request"},
		{"std_base64", "/v1/verify", []byte(`{"namespace":"acme","key":"k","alg":"ES256","data":"+/+/","signature":""}`), "invalid_request"},
		{"random_too_long", "/v1/random", []byte(`{"length":1048577}`), "invalid_request"},
		{"random_zero", "/v1/random", []byte(`{"length":0}`), "invalid_request"},
		{"create_bad_type", "/v1/namespaces/acme/keys", []byte(`{"key":"k","type":"dsa-1024"}`), "unsupported_key_type"},
		{"create_bad_id", "/v1/namespaces/acme/keys", []byte(`{"key":"a/b","type":"ecdsa-p256"}`), "invalid_key_id"},
		{"create_unknown_member_type", "/v1/namespaces/acme/keys", []byte(`{"key":"k","type":7}`), "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, raw := call(t, "POST", u+c.path, adminToken, c.body)
			var e struct{ Error string }
			_ = json.Unmarshal(raw, &e)
			if resp.StatusCode != 400 || e.Error != c.code {
				t.Fatalf("%d %s, want 400 %s", resp.StatusCode, raw, c.code)
			}
		})
	}
	if ks, _ := s.Engine().ListKeys(bg, crypto.Filter{Context: crypto.Context{Namespace: "acme"}}); len(ks) != 0 {
		t.Fatalf("failed requests stored %d keys", len(ks))
	}
	resp, _ := call(t, "GET", u+"/v1/namespaces/acme/keys?pattern="+strings.Repeat("a", signersvc.MaxPattern+1), adminToken, nil)
	if resp.StatusCode != 400 {
		t.Fatalf("long pattern: %d", resp.StatusCode)
	}
	resp, _ = call(t, "GET", u+"/v1/namespaces/acme/keys?pattern=(", adminToken, nil)
	if resp.StatusCode != 400 {
		t.Fatalf("bad pattern: %d", resp.StatusCode)
	}
}

// TestErrorsAcrossTheWire: the client returns the engine's sentinels for
// failures the server detects (the client's local checks are bypassed by
// calling the routes directly in TestBadRequests).
func TestErrorsAcrossTheWire(t *testing.T) {
	c := newClient(t, signersvc.Config{})
	r := kref("acme", "g", "k")
	if _, err := c.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		t.Fatal(err)
	}
	aes := kref("acme", "g", "aes")
	if _, err := c.GenerateKey(bg, aes, crypto.KeySpec{Type: crypto.KeyTypeAES256GCM}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want error
		code string
	}{
		{"exists", func() error { _, err := c.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeECP256}); return err }(), crypto.ErrKeyExists, "key_exists"},
		{"missing", func() error { _, err := c.GetKey(bg, kref("acme", "g", "nope")); return err }(), crypto.ErrKeyNotFound, "key_not_found"},
		{"alg", func() error { _, err := c.Sign(bg, r, crypto.EdDSA, []byte("x")); return err }(), crypto.ErrUnsupportedAlgorithm, "unsupported_algorithm"},
		{"wrong_use", func() error { _, err := c.Sign(bg, aes, crypto.ES256, []byte("x")); return err }(), crypto.ErrWrongKeyUse, "wrong_key_use"},
		{"decrypt", func() error { _, err := c.Decrypt(bg, aes, make([]byte, 40), nil); return err }(), crypto.ErrDecrypt, "decryption_failed"},
		{"key_type", func() error {
			_, err := c.GenerateKey(bg, kref("acme", "g", "n"), crypto.KeySpec{Type: "dsa"})
			return err
		}(), crypto.ErrUnsupportedKeyType, "unsupported_key_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Fatalf("got %v, want %v", tc.err, tc.want)
			}
			var re *signersvc.RemoteError
			if !errors.As(tc.err, &re) || re.Code != tc.code {
				t.Fatalf("not a RemoteError with code %s: %#v", tc.code, tc.err)
			}
		})
	}
	if err := c.Verify(bg, r, crypto.ES256, []byte("m"), make([]byte, 64)); !errors.Is(err, crypto.ErrInvalidSignature) {
		t.Fatalf("verify: %v", err)
	}
	// A signer that is down: a transport error, not a sentinel.
	down := signersvc.NewClient("http://127.0.0.1:1", adminToken, nil)
	if _, err := down.GetKey(bg, r); err == nil || signersvc.IsRemote(err) || errors.Is(err, crypto.ErrKeyNotFound) {
		t.Fatalf("unreachable signer: %v", err)
	}
	if down.SupportedKeyTypes() != nil {
		t.Fatal("capabilities of an unreachable signer")
	}
}

// TestSignThroughJOSE: services sign JWTs through the client with
// jose.NewKeySigner and verify them with the signer's JWKS.
func TestSignThroughJOSE(t *testing.T) {
	_, u := start(t, signersvc.Config{})
	c := signersvc.NewClient(u, adminToken, nil)
	r := kref("acme", "issuer", "jwt")
	if _, err := c.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewKeySigner(bg, c, r, crypto.ES256)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jose.SignJWT(bg, signer, map[string]any{"typ": "JWT"}, map[string]any{"iss": "acme", "sub": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	_, jwks := call(t, "GET", u+"/v1/jwks?namespace=acme&group=issuer", "", nil)
	keys := jose.NewTrustedKeys()
	if err := keys.AddJWKS("acme", jwks); err != nil {
		t.Fatal(err)
	}
	if _, err := jose.Verify(bg, tok, jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"JWT"}},
		Resolver: jose.KeyResolverFunc(func(ctx context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
			return keys.ResolveIssuerKey("acme", j)
		}),
	}); err != nil {
		t.Fatalf("JWT signed through the signer does not verify: %v", err)
	}
}

// TestPersistentLocalEngine: with KeyFile the keys survive a restart.
func TestPersistentLocalEngine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.bin")
	cfg := signersvc.Config{Auth: newAuth(t), KeyFile: path, KeyPassphrase: []byte("correct horse battery")}
	s1, err := signersvc.New(bg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	k, err := s1.Engine().GenerateKey(bg, kref("acme", "g", "k"), crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, cfg)
	got, err := c.GetKey(bg, kref("acme", "g", "k"))
	if err != nil || got.KID != k.KID {
		t.Fatalf("after restart: %v %v", got, err)
	}
	if _, err := signersvc.New(bg, signersvc.Config{Auth: newAuth(t), KeyFile: path}); err == nil {
		t.Fatal("KeyFile without passphrase accepted")
	}
	if _, err := signersvc.New(bg, signersvc.Config{}); err == nil {
		t.Fatal("no Auth accepted")
	}
}

var tokenSeq atomic.Int64

// newToken initialises a SoftHSM2 token in a temporary directory (as
// crypto/pkcs11's tests do); it skips without SoftHSM2 unless CI is set.
func newToken(t testing.TB) signersvc.PKCS11Config {
	t.Helper()
	module := os.Getenv("WSTACK_PKCS11_MODULE")
	if module == "" {
		module = "/usr/lib/softhsm/libsofthsm2.so"
	}
	util, err := exec.LookPath("softhsm2-util")
	if _, serr := os.Stat(module); serr != nil || err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("SoftHSM2 not installed (%s, softhsm2-util)", module)
		}
		t.Skipf("SoftHSM2 not installed (apt-get install softhsm2, or WSTACK_PKCS11_MODULE)")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	body := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	label := fmt.Sprintf("signersvc-%d", tokenSeq.Add(1))
	out, err := exec.Command(util, "--init-token", "--free", "--label", label, "--pin", "1234-user", "--so-pin", "5678-so").CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	return signersvc.PKCS11Config{Module: module, TokenLabel: label, PIN: "1234-user"}
}
