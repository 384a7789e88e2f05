package wellknown_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
)

func TestURLRules(t *testing.T) {
	tests := []struct {
		name, got, want string
		err             error
	}{
		{"issuer inserted before path", must(wellknown.InsertedURL("https://h.example/tenant-a", wellknown.NameCredentialIssuer)), "https://h.example/.well-known/openid-credential-issuer/tenant-a", nil},
		{"issuer trailing slash removed", must(wellknown.InsertedURL("https://h.example/tenant-a/", wellknown.NameCredentialIssuer)), "https://h.example/.well-known/openid-credential-issuer/tenant-a", nil},
		{"issuer without path", must(wellknown.InsertedURL("https://h.example", wellknown.NameCredentialIssuer)), "https://h.example/.well-known/openid-credential-issuer", nil},
		{"AS inserted (RFC 8414 3.1)", must(wellknown.InsertedURL("https://h.example/v1/tenants/t", wellknown.NameAuthorizationServer)), "https://h.example/.well-known/oauth-authorization-server/v1/tenants/t", nil},
		{"jwt-vc-issuer inserted", must(wellknown.InsertedURL("https://h.example:8443/a", wellknown.NameJWTVCIssuer)), "https://h.example:8443/.well-known/jwt-vc-issuer/a", nil},
		{"openid-configuration appended (OIDC Discovery 4.1)", must(wellknown.AppendedURL("https://h.example/tenant-a", wellknown.NameOpenIDConfiguration)), "https://h.example/tenant-a/.well-known/openid-configuration", nil},
		{"openid-configuration no path", must(wellknown.AppendedURL("https://h.example/", wellknown.NameOpenIDConfiguration)), "https://h.example/.well-known/openid-configuration", nil},
		{"did:web root", must(wellknown.DIDDocumentPath("did:web:h.example")), "/.well-known/did.json", nil},
		{"did:web with path", must(wellknown.DIDDocumentPath("did:web:h.example:p")), "/p/did.json", nil},
		{"did:web with port and two segments", must(wellknown.DIDDocumentPath("did:web:h.example%3A8443:u:alice")), "/u/alice/did.json", nil},
		{"did-configuration at origin root", must(wellknown.DIDConfigurationURL("https://H.example/")), "https://h.example/.well-known/did-configuration.json", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
	bad := []struct {
		name string
		f    func() (string, error)
	}{
		{"http issuer", func() (string, error) {
			return wellknown.InsertedURL("http://h.example/a", wellknown.NameCredentialIssuer)
		}},
		{"issuer with query", func() (string, error) {
			return wellknown.InsertedURL("https://h.example/a?x=1", wellknown.NameCredentialIssuer)
		}},
		{"issuer with fragment", func() (string, error) {
			return wellknown.AppendedURL("https://h.example/a#f", wellknown.NameOpenIDConfiguration)
		}},
		{"issuer with userinfo", func() (string, error) {
			return wellknown.InsertedURL("https://u@h.example/a", wellknown.NameCredentialIssuer)
		}},
		{"not did:web", func() (string, error) {
			return wellknown.DIDDocumentPath("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
		}},
		{"did:web dot segment", func() (string, error) { return wellknown.DIDDocumentPath("did:web:h.example:..:x") }},
		{"did:web IP", func() (string, error) { return wellknown.DIDDocumentPath("did:web:10.0.0.1") }},
		{"origin with path", func() (string, error) { return wellknown.DIDConfigurationURL("https://h.example/a") }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if u, err := tc.f(); !errors.Is(err, wellknown.ErrIdentifier) {
				t.Fatalf("got %q, %v; want ErrIdentifier", u, err)
			}
		})
	}
}

func must(s string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return s
}

type fixture struct {
	ts     *testServer
	srv    *wellknown.Server
	k      *keys
	issuer string
	md     *oid4vci.IssuerMetadata
	didWeb string
	didP   string
}

func newFixture(t *testing.T, sign bool) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{ts: newTestServer(t), k: newKeys(t, crypto.KeyTypeECP256)}
	base := f.ts.URL
	f.issuer = base + "/tenant-a"
	f.md = issuerMetadata(f.issuer, map[string]*oid4vci.CredentialConfiguration{"pid": sdJWTConfig("https://vct.example/pid")})
	var err error
	if f.didWeb, err = did.NewWebDID(f.ts.hostport()); err != nil {
		t.Fatal(err)
	}
	if f.didP, err = did.NewWebDID(f.ts.hostport(), "tenant-a"); err != nil {
		t.Fatal(err)
	}
	ks := wellknown.EngineKeys{Engine: f.k.engine, Refs: []crypto.KeyRef{f.k.ref}, Previous: 1}
	linkSigner := f.k.signer.WithKID(f.didWeb + "#" + f.k.signer.KID())
	ta := wellknown.Tenant{
		ID:                  "tenant-a",
		CredentialIssuer:    f.issuer,
		Metadata:            wellknown.StaticMetadata{"tenant-a": f.md},
		AuthorizationServer: &wellknown.ASMetadata{Issuer: f.issuer, TokenEndpoint: f.issuer + "/token", JWKSURI: base + wellknown.PathJWKS},
		OpenIDConfiguration: &wellknown.ASMetadata{Issuer: f.issuer, TokenEndpoint: f.issuer + "/token", JWKSURI: base + wellknown.PathJWKS},
		Keys:                ks,
		JWKSPath:            wellknown.PathJWKS,
		JWTVCIssuer:         f.issuer,
		DID:                 f.didP,
	}
	if sign {
		ta.MetadataSigner = f.k.signer
	}
	f.srv, err = wellknown.New(wellknown.Config{
		Tenants:          []wellknown.Tenant{ta, {ID: "root-did", DID: f.didWeb, Keys: ks}},
		DIDConfiguration: &wellknown.DIDConfigurationOptions{Origin: base, Links: []wellknown.DomainLink{{DID: f.didWeb, Signer: linkSigner}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = ctx
	f.ts.set(f.srv.Handler())
	return f
}

func TestServeLocations(t *testing.T) {
	f := newFixture(t, true)
	c := f.ts.Client()
	base := f.ts.URL
	tests := []struct {
		name, path, ctype string
		status            int
		check             func(t *testing.T, body []byte)
	}{
		{"issuer metadata inserted", "/.well-known/openid-credential-issuer/tenant-a", "application/json", 200, func(t *testing.T, b []byte) {
			md, err := oid4vci.Parser{}.IssuerMetadata(b)
			if err != nil || md.CheckIssuer(f.issuer) != nil {
				t.Fatalf("%v %s", err, b)
			}
		}},
		{"issuer metadata not appended", "/tenant-a/.well-known/openid-credential-issuer", "", 404, nil},
		{"AS metadata inserted", "/.well-known/oauth-authorization-server/tenant-a", "application/json", 200, func(t *testing.T, b []byte) {
			m, err := wellknown.ParseASMetadata(b)
			if err != nil || m.Issuer != f.issuer {
				t.Fatalf("%v %s", err, b)
			}
		}},
		{"AS metadata not appended", "/tenant-a/.well-known/oauth-authorization-server", "", 404, nil},
		{"openid-configuration appended", "/tenant-a/.well-known/openid-configuration", "application/json", 200, nil},
		{"openid-configuration not inserted", "/.well-known/openid-configuration/tenant-a", "", 404, nil},
		{"jwt-vc-issuer inserted", "/.well-known/jwt-vc-issuer/tenant-a", "application/json", 200, func(t *testing.T, b []byte) {
			m, err := wellknown.ParseJWTVCIssuerMetadata(b)
			if err != nil || m.Issuer != f.issuer {
				t.Fatalf("%v %s", err, b)
			}
		}},
		{"jwks", wellknown.PathJWKS, "application/jwk-set+json", 200, func(t *testing.T, b []byte) {
			s, err := wellknown.ParseJWKS(b)
			if err != nil || len(s.Keys) != 1 || s.Keys[0]["kid"] != f.k.signer.KID() {
				t.Fatalf("%v %s", err, b)
			}
		}},
		{"did.json of did:web:h", "/.well-known/did.json", "application/did+json", 200, func(t *testing.T, b []byte) {
			d, err := did.ParseDocument(b)
			if err != nil || d.ID != f.didWeb {
				t.Fatalf("%v %s", err, b)
			}
		}},
		{"did.json of did:web:h:p has no .well-known", "/tenant-a/did.json", "application/did+json", 200, func(t *testing.T, b []byte) {
			d, err := did.ParseDocument(b)
			if err != nil || d.ID != f.didP {
				t.Fatalf("%v %s", err, b)
			}
		}},
		{"did.json of did:web:h:p not under .well-known", "/.well-known/tenant-a/did.json", "", 404, nil},
		{"did-configuration at origin root", "/.well-known/did-configuration.json", "application/json", 200, func(t *testing.T, b []byte) {
			links, err := wellknown.VerifyDIDConfiguration(context.Background(), b, wellknown.DomainLinkageOptions{
				Origin: base, Resolver: did.NewDefaultRegistry(f.ts.fetcher(), did.WebOptions{InsecureAllowLoopback: true}),
			})
			if err != nil || len(links) != 1 || links[0].DID != f.didWeb {
				t.Fatalf("%v %+v", err, links)
			}
		}},
		{"did-configuration not per tenant", "/tenant-a/.well-known/did-configuration.json", "", 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, c, "GET", base+tc.path, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status != 200 {
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tc.ctype {
				t.Fatalf("Content-Type %q, want %q", got, tc.ctype)
			}
			if !strings.HasPrefix(resp.Header.Get("Cache-Control"), "public, max-age=") || resp.Header.Get("ETag") == "" {
				t.Fatalf("caching headers: %v", resp.Header)
			}
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
	if got := len(f.srv.Paths()); got != 8 {
		t.Fatalf("Paths() = %v", f.srv.Paths())
	}
}

func TestServeHTTPSemantics(t *testing.T) {
	f := newFixture(t, false)
	c := f.ts.Client()
	u := f.ts.URL + "/.well-known/openid-credential-issuer/tenant-a"
	resp, body := get(t, c, "GET", u, nil)
	etag := resp.Header.Get("ETag")
	t.Run("304 on If-None-Match", func(t *testing.T) {
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			r, b := get(t, c, "GET", u, map[string]string{"If-None-Match": inm})
			if r.StatusCode != http.StatusNotModified || len(b) != 0 || r.Header.Get("ETag") != etag {
				t.Fatalf("If-None-Match %s: %d %q", inm, r.StatusCode, b)
			}
		}
	})
	t.Run("200 on stale If-None-Match", func(t *testing.T) {
		r, b := get(t, c, "GET", u, map[string]string{"If-None-Match": `"stale"`})
		if r.StatusCode != 200 || string(b) != string(body) {
			t.Fatalf("%d", r.StatusCode)
		}
	})
	t.Run("HEAD has headers and no body", func(t *testing.T) {
		r, b := get(t, c, "HEAD", u, nil)
		if r.StatusCode != 200 || len(b) != 0 || r.Header.Get("ETag") != etag || r.ContentLength != int64(len(body)) {
			t.Fatalf("%d %d %v", r.StatusCode, len(b), r.Header)
		}
	})
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		t.Run("405 for "+m, func(t *testing.T) {
			for _, p := range f.srv.Paths() {
				r, _ := get(t, c, m, f.ts.URL+p, nil)
				if r.StatusCode != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD" {
					t.Fatalf("%s %s: %d %v", m, p, r.StatusCode, r.Header)
				}
			}
		})
	}
	t.Run("JWT asked without signer gives JSON", func(t *testing.T) {
		r, b := get(t, c, "GET", u, map[string]string{"Accept": "application/jwt"})
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/json" || string(b) != string(body) {
			t.Fatalf("%d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		if r.Header.Get("Vary") != "Accept" {
			t.Fatalf("Vary %q", r.Header.Get("Vary"))
		}
	})
}

func TestServeSignedMetadata(t *testing.T) {
	f := newFixture(t, true)
	c := f.ts.Client()
	u := f.ts.URL + "/.well-known/openid-credential-issuer/tenant-a"
	verify := func(h *oid4vci.JOSEHeader, input string, sig []byte) error {
		return crypto.VerifySignature(f.k.signer.Public(), crypto.Algorithm(h.Alg), []byte(input), sig)
	}
	accepts := []struct {
		accept string
		jwt    bool
	}{
		{"application/jwt", true},
		{"application/jwt, application/json;q=0.5", true},
		{"application/json;q=0.9, application/jwt", true},
		{"application/json, application/jwt;q=0.5", false},
		{"application/json", false},
		{"*/*", false},
		{"", false},
		{"application/jwt;q=0", false},
	}
	for _, tc := range accepts {
		t.Run("Accept "+tc.accept, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.accept != "" {
				hdr["Accept"] = tc.accept
			}
			r, b := get(t, c, "GET", u, hdr)
			if r.StatusCode != 200 {
				t.Fatal(r.StatusCode)
			}
			if !tc.jwt {
				if r.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
				}
				return
			}
			if r.Header.Get("Content-Type") != "application/jwt" {
				t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
			}
			s, err := oid4vci.Parser{}.SignedIssuerMetadata(b, verify)
			if err != nil {
				t.Fatal(err)
			}
			if s.Sub != f.issuer || s.Iat == 0 || s.Exp <= s.Iat || s.Header.Typ != oid4vci.SignedMetadataType || s.Header.Kid != f.k.signer.KID() {
				t.Fatalf("%+v", s)
			}
		})
	}
	// The JSON and JWT representations have different validators.
	r1, _ := get(t, c, "GET", u, nil)
	r2, _ := get(t, c, "GET", u, map[string]string{"Accept": "application/jwt"})
	if r1.Header.Get("ETag") == r2.Header.Get("ETag") {
		t.Fatal("same ETag for JSON and JWT")
	}
}

func TestServeJWKSRotation(t *testing.T) {
	f := newFixture(t, false)
	c := f.ts.Client()
	u := f.ts.URL + wellknown.PathJWKS
	r1, _ := get(t, c, "GET", u, nil)
	old := f.k.signer.KID()
	if _, err := f.k.engine.RotateKey(context.Background(), f.k.ref); err != nil {
		t.Fatal(err)
	}
	r2, b := get(t, c, "GET", u, nil)
	if r1.Header.Get("ETag") == r2.Header.Get("ETag") {
		t.Fatal("ETag unchanged after rotation")
	}
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Keys) != 2 || raw.Keys[1]["kid"] != old || raw.Keys[0]["kid"] == old {
		t.Fatalf("want current + previous key: %s", b)
	}
	for _, k := range raw.Keys {
		for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[p]; ok {
				t.Fatalf("private member %q served", p)
			}
		}
		pub, err := crypto.PublicKeyFromJWK(k)
		if err != nil {
			t.Fatal(err)
		}
		tp, _ := crypto.Thumbprint(pub)
		if tp != k["kid"] {
			t.Fatalf("kid %v is not the thumbprint %s", k["kid"], tp)
		}
	}
	// A second rotation drops the oldest (Previous: 1).
	if _, err := f.k.engine.RotateKey(context.Background(), f.k.ref); err != nil {
		t.Fatal(err)
	}
	_, b = get(t, c, "GET", u, nil)
	if strings.Contains(string(b), old) {
		t.Fatalf("key older than Previous still served: %s", b)
	}
}

func TestBuildJWKSKIDModes(t *testing.T) {
	k := newKeys(t, crypto.KeyTypeEd25519)
	key, _ := k.engine.GetKey(context.Background(), k.ref)
	tp, _ := crypto.Thumbprint(key.Public)
	tests := []struct {
		name string
		o    wellknown.JWKSOptions
		want string
		err  error
	}{
		{"engine kid", wellknown.JWKSOptions{}, key.KID, nil},
		{"thumbprint", wellknown.JWKSOptions{KID: wellknown.KIDThumbprint}, tp, nil},
		{"DID URL", wellknown.JWKSOptions{KID: wellknown.KIDDIDURL, DID: "did:web:h.example"}, "did:web:h.example#" + key.KID, nil},
		{"DID URL without DID", wellknown.JWKSOptions{KID: wellknown.KIDDIDURL}, "", wellknown.ErrConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := wellknown.BuildJWKS([]*crypto.Key{key}, tc.o)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err == nil && s.Keys[0]["kid"] != tc.want {
				t.Fatalf("kid %v, want %s", s.Keys[0]["kid"], tc.want)
			}
		})
	}
	if _, err := wellknown.BuildJWKS([]*crypto.Key{key, key}, wellknown.JWKSOptions{}); !errors.Is(err, wellknown.ErrDuplicateKID) {
		t.Fatalf("duplicate keys: %v", err)
	}
}

func TestServerConfigErrors(t *testing.T) {
	md := issuerMetadata("https://h.example/a", map[string]*oid4vci.CredentialConfiguration{"x": sdJWTConfig("v")})
	src := wellknown.StaticMetadata{"a": md}
	tests := []struct {
		name string
		cfg  wellknown.Config
	}{
		{"issuer without source", wellknown.Config{Tenants: []wellknown.Tenant{{ID: "a", CredentialIssuer: "https://h.example/a"}}}},
		{"http issuer", wellknown.Config{Tenants: []wellknown.Tenant{{ID: "a", CredentialIssuer: "http://h.example/a", Metadata: src}}}},
		{"two tenants same issuer", wellknown.Config{Tenants: []wellknown.Tenant{
			{ID: "a", CredentialIssuer: "https://h.example/a", Metadata: src},
			{ID: "b", CredentialIssuer: "https://h.example/a/", Metadata: src},
		}}},
		{"jwks path not clean", wellknown.Config{Tenants: []wellknown.Tenant{{ID: "a", JWKSPath: "/a/../jwks", Keys: wellknown.EngineKeys{}}}}},
		{"did-configuration without links", wellknown.Config{DIDConfiguration: &wellknown.DIDConfigurationOptions{Origin: "https://h.example"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := wellknown.New(tc.cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestServeInvalidMetadata(t *testing.T) {
	ts := newTestServer(t)
	bad := &oid4vci.IssuerMetadata{CredentialIssuer: ts.URL + "/a"} // no credential_endpoint
	srv, err := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{ID: "a", CredentialIssuer: ts.URL + "/a", Metadata: wellknown.StaticMetadata{"a": bad}}}})
	if err != nil {
		t.Fatal(err)
	}
	ts.set(srv.Handler())
	r, _ := get(t, ts.Client(), "GET", ts.URL+"/.well-known/openid-credential-issuer/a", nil)
	if r.StatusCode != 500 {
		t.Fatalf("invalid metadata served: %d", r.StatusCode)
	}
	// An unknown tenant in the source is a 404.
	srv2, _ := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{ID: "zz", CredentialIssuer: ts.URL + "/a", Metadata: wellknown.StaticMetadata{}}}})
	ts.set(srv2.Handler())
	if r, _ := get(t, ts.Client(), "GET", ts.URL+"/.well-known/openid-credential-issuer/a", nil); r.StatusCode != 404 {
		t.Fatalf("unknown tenant: %d", r.StatusCode)
	}
}

var _ = jose.Sign

func TestServeGatewayHeaders(t *testing.T) {
	ts := newTestServer(t)
	issuer := ts.URL + "/a"
	md := issuerMetadata(issuer, map[string]*oid4vci.CredentialConfiguration{"x": sdJWTConfig("v")})
	md.AuthorizationServers = []string{"https://as.example"}
	k := newKeys(t, crypto.KeyTypeECP256)
	srv, err := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{ID: "a", CredentialIssuer: issuer,
		Metadata: wellknown.StaticMetadata{"a": md}, MetadataSigner: k.signer,
		MetadataGateway: &wellknown.GatewayHeaders{Issuer: "X-Issuer", CredentialEndpoint: "X-Credential-Endpoint", AuthorizationServer: "X-Auth-Server"}}}})
	if err != nil {
		t.Fatal(err)
	}
	ts.set(srv.Handler())
	u := ts.URL + "/.well-known/openid-credential-issuer/a"
	hdr := map[string]string{"X-Issuer": "https://public.example/a", "X-Credential-Endpoint": "https://public.example/a/credential", "X-Auth-Server": "https://auth.public.example"}
	r, b := get(t, ts.Client(), "GET", u, hdr)
	got, err := oid4vci.Parser{}.IssuerMetadata(b)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("%d %v", r.StatusCode, err)
	}
	if v := r.Header.Get("Vary"); v != "Accept, X-Issuer, X-Credential-Endpoint, X-Auth-Server" {
		t.Fatalf("Vary %q", v)
	}
	if got.CredentialIssuer != "https://public.example/a" || got.CredentialEndpoint != "https://public.example/a/credential" ||
		strings.Join(got.AuthorizationServers, " ") != "https://as.example https://auth.public.example" {
		t.Fatalf("%+v", got)
	}
	if len(md.AuthorizationServers) != 1 {
		t.Fatal("the source document was modified")
	}
	hdr["Accept"] = "application/jwt"
	r, b = get(t, ts.Client(), "GET", u, hdr)
	if ct := r.Header.Get("Content-Type"); ct != "application/jwt" {
		t.Fatalf("signed metadata served as %q", ct)
	}
	s, err := oid4vci.Parser{}.SignedIssuerMetadata(b, func(h *oid4vci.JOSEHeader, in string, sig []byte) error {
		return crypto.VerifySignature(k.signer.Public(), crypto.Algorithm(h.Alg), []byte(in), sig)
	})
	if err != nil || s.Sub != "https://public.example/a" {
		t.Fatalf("signed: %v", err)
	}
	// Without the headers the memoised document is served unchanged.
	_, b = get(t, ts.Client(), "GET", u, nil)
	if got, _ := (oid4vci.Parser{}).IssuerMetadata(b); got.CredentialIssuer != issuer {
		t.Fatalf("%s", got.CredentialIssuer)
	}
	// A rewrite to a non-https issuer is refused, not served.
	r, _ = get(t, ts.Client(), "GET", u, map[string]string{"X-Issuer": "http://public.example/a"})
	if r.StatusCode != 500 {
		t.Fatalf("invalid rewrite served: %d", r.StatusCode)
	}
}
