package wellknown_test

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
)

// staticKey resolves every signed document to one public key.
func staticKey(pub gocrypto.PublicKey) jose.KeyResolver {
	return jose.KeyResolverFunc(func(context.Context, *jose.JWS) (gocrypto.PublicKey, error) { return pub, nil })
}

func newClient(t testing.TB, f *fetch.Fetcher, o wellknown.ClientOptions) *wellknown.Client {
	t.Helper()
	o.InsecureAllowLoopbackDID = true
	c, err := wellknown.NewClient(f, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientFetchesServedDocuments(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, true)
	c := newClient(t, fx.ts.fetcher(), wellknown.ClientOptions{MetadataKeys: staticKey(fx.k.signer.Public())})
	md, err := c.IssuerMetadata(ctx, fx.issuer)
	if err != nil || md.CredentialIssuer != fx.issuer || md.CredentialConfigurations["pid"] == nil {
		t.Fatalf("%v %+v", err, md)
	}
	s, err := c.SignedIssuerMetadata(ctx, fx.issuer)
	if err != nil || s.Sub != fx.issuer {
		t.Fatalf("signed: %v", err)
	}
	as, err := c.AuthorizationServerMetadata(ctx, fx.issuer)
	if err != nil || as.TokenEndpoint != fx.issuer+"/token" {
		t.Fatalf("AS: %v", err)
	}
	oc, err := c.OpenIDConfiguration(ctx, fx.issuer)
	if err != nil || oc.Issuer != fx.issuer {
		t.Fatalf("openid-configuration: %v", err)
	}
	jv, err := c.JWTVCIssuerMetadata(ctx, fx.issuer)
	if err != nil || jv.Issuer != fx.issuer {
		t.Fatalf("jwt-vc-issuer: %v", err)
	}
	ks, err := c.JWKS(ctx, as.JWKSURI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Key(fx.k.signer.KID()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{fx.didWeb, fx.didP} {
		doc, err := c.DIDDocument(ctx, d)
		if err != nil || doc.ID != d {
			t.Fatalf("%s: %v", d, err)
		}
	}
	if err := c.VerifyDomainLinkage(ctx, fx.ts.URL, fx.didWeb); err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyDomainLinkage(ctx, fx.ts.URL, fx.didP); !errors.Is(err, wellknown.ErrIssuerMismatch) {
		t.Fatalf("unlinked DID: %v", err)
	}
}

// hostile serves fixed bodies per path.
type hostile struct {
	ts    *testServer
	mu    sync.Mutex
	docs  map[string]doc
	count map[string]int
}

type doc struct {
	ctype, body, cacheControl string
	delay                     time.Duration
}

func newHostile(t testing.TB) *hostile {
	h := &hostile{ts: newTestServer(t), docs: map[string]doc{}, count: map[string]int{}}
	h.ts.set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		d, ok := h.docs[r.URL.Path]
		h.count[r.URL.Path]++
		h.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		time.Sleep(d.delay)
		if d.cacheControl != "" {
			w.Header().Set("Cache-Control", d.cacheControl)
		}
		w.Header().Set("Content-Type", d.ctype)
		w.Write([]byte(d.body))
	}))
	return h
}

func (h *hostile) set(path string, d doc) {
	h.mu.Lock()
	h.docs[path] = d
	h.mu.Unlock()
}

func (h *hostile) hits(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count[path]
}

func signRaw(t testing.TB, s jose.MessageSigner, header map[string]any, claims map[string]any) string {
	t.Helper()
	tok, err := jose.SignJWT(context.Background(), s, header, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func metadataClaims(issuer string, mut func(m map[string]any)) map[string]any {
	m := map[string]any{
		"credential_issuer": issuer, "credential_endpoint": issuer + "/credential", "sub": issuer, "iat": time.Now().Unix(),
		"credential_configurations_supported": map[string]any{"x": map[string]any{"format": "dc+sd-jwt", "vct": "v"}},
	}
	if mut != nil {
		mut(m)
	}
	return m
}

func TestClientBadInput(t *testing.T) {
	ctx := context.Background()
	h := newHostile(t)
	k := newKeys(t, crypto.KeyTypeECP256)
	issuer := h.ts.URL + "/t"
	other := h.ts.URL + "/other"
	mdPath := "/.well-known/openid-credential-issuer/t"
	jwtHdr := map[string]any{"typ": oid4vci.SignedMetadataType}
	b64 := base64.RawURLEncoding.EncodeToString
	noneTok := b64([]byte(`{"alg":"none","typ":"openidvci-issuer-metadata+jwt"}`)) + "." + b64(mustJSON(t, metadataClaims(issuer, nil))) + "."
	hsTok := b64([]byte(`{"alg":"HS256","typ":"openidvci-issuer-metadata+jwt"}`)) + "." + b64(mustJSON(t, metadataClaims(issuer, nil))) + "." + b64([]byte("mac"))
	otherKey := newKeys(t, crypto.KeyTypeECP256)
	didWeb, _ := did.NewWebDID(h.ts.hostport())

	tests := []struct {
		name  string
		path  string
		doc   doc
		fetch func(c *wellknown.Client) error
		want  error
	}{
		{"metadata with a different credential_issuer", mdPath, doc{ctype: "application/json", body: string(mustJSON(t, issuerMetadata(other, map[string]*oid4vci.CredentialConfiguration{"x": sdJWTConfig("v")})))},
			func(c *wellknown.Client) error { _, err := c.IssuerMetadata(ctx, issuer); return err }, wellknown.ErrIssuerMismatch},
		{"metadata not JSON", mdPath, doc{ctype: "application/json", body: "<html>"},
			func(c *wellknown.Client) error { _, err := c.IssuerMetadata(ctx, issuer); return err }, wellknown.ErrMalformed},
		{"signed metadata alg none", mdPath, doc{ctype: "application/jwt", body: noneTok},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrSignature},
		{"signed metadata MAC alg", mdPath, doc{ctype: "application/jwt", body: hsTok},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrSignature},
		{"signed metadata wrong typ", mdPath, doc{ctype: "application/jwt", body: signRaw(t, k.signer, map[string]any{"typ": "JWT"}, metadataClaims(issuer, nil))},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrSignature},
		{"signed metadata wrong sub", mdPath, doc{ctype: "application/jwt", body: signRaw(t, k.signer, jwtHdr, metadataClaims(issuer, func(m map[string]any) { m["sub"] = other }))},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrMalformed},
		{"signed metadata for another issuer", mdPath, doc{ctype: "application/jwt", body: signRaw(t, k.signer, jwtHdr, metadataClaims(other, nil))},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrIssuerMismatch},
		{"signed metadata without iat", mdPath, doc{ctype: "application/jwt", body: signRaw(t, k.signer, jwtHdr, metadataClaims(issuer, func(m map[string]any) { delete(m, "iat") }))},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrMalformed},
		{"signed metadata iat in the future", mdPath, doc{ctype: "application/jwt", body: signRaw(t, k.signer, jwtHdr, metadataClaims(issuer, func(m map[string]any) { m["iat"] = time.Now().Add(time.Hour).Unix() }))},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrExpired},
		{"signed metadata expired", mdPath, doc{ctype: "application/jwt", body: signRaw(t, k.signer, jwtHdr, metadataClaims(issuer, func(m map[string]any) {
			m["iat"] = time.Now().Add(-2 * time.Hour).Unix()
			m["exp"] = time.Now().Add(-time.Hour).Unix()
		}))},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrExpired},
		{"signed metadata by an untrusted key", mdPath, doc{ctype: "application/jwt", body: signRaw(t, otherKey.signer, jwtHdr, metadataClaims(issuer, nil))},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrSignature},
		{"unsigned answer to a signed request", mdPath, doc{ctype: "application/json", body: string(mustJSON(t, issuerMetadata(issuer, map[string]*oid4vci.CredentialConfiguration{"x": sdJWTConfig("v")})))},
			func(c *wellknown.Client) error { _, err := c.SignedIssuerMetadata(ctx, issuer); return err }, wellknown.ErrSignature},
		{"AS metadata for another issuer", "/.well-known/oauth-authorization-server/t", doc{ctype: "application/json", body: `{"issuer":"` + other + `"}`},
			func(c *wellknown.Client) error { _, err := c.AuthorizationServerMetadata(ctx, issuer); return err }, wellknown.ErrIssuerMismatch},
		{"openid-configuration for another issuer", "/t/.well-known/openid-configuration", doc{ctype: "application/json", body: `{"issuer":"` + other + `"}`},
			func(c *wellknown.Client) error { _, err := c.OpenIDConfiguration(ctx, issuer); return err }, wellknown.ErrIssuerMismatch},
		{"jwt-vc-issuer for another issuer", "/.well-known/jwt-vc-issuer/t", doc{ctype: "application/json", body: `{"issuer":"` + other + `","jwks_uri":"` + h.ts.URL + `/jwks"}`},
			func(c *wellknown.Client) error { _, err := c.JWTVCIssuerMetadata(ctx, issuer); return err }, wellknown.ErrIssuerMismatch},
		{"jwt-vc-issuer with jwks and jwks_uri", "/.well-known/jwt-vc-issuer/t", doc{ctype: "application/json", body: `{"issuer":"` + issuer + `","jwks_uri":"` + h.ts.URL + `/jwks","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}}`},
			func(c *wellknown.Client) error { _, err := c.JWTVCIssuerMetadata(ctx, issuer); return err }, wellknown.ErrMalformed},
		{"jwt-vc-issuer jwks with d", "/.well-known/jwt-vc-issuer/t", doc{ctype: "application/json", body: `{"issuer":"` + issuer + `","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}}`},
			func(c *wellknown.Client) error { _, err := c.JWTVCIssuerMetadata(ctx, issuer); return err }, wellknown.ErrPrivateKey},
		{"jwks with d members", "/jwks", doc{ctype: "application/json", body: `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}`},
			func(c *wellknown.Client) error { _, err := c.JWKS(ctx, h.ts.URL+"/jwks"); return err }, wellknown.ErrPrivateKey},
		{"jwks with a symmetric key", "/jwks", doc{ctype: "application/json", body: `{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0"}]}`},
			func(c *wellknown.Client) error { _, err := c.JWKS(ctx, h.ts.URL+"/jwks"); return err }, wellknown.ErrPrivateKey},
		{"jwks with duplicate kids", "/jwks", doc{ctype: "application/json", body: `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`},
			func(c *wellknown.Client) error { _, err := c.JWKS(ctx, h.ts.URL+"/jwks"); return err }, wellknown.ErrDuplicateKID},
		{"did.json whose id differs", "/.well-known/did.json", doc{ctype: "application/did+json", body: `{"@context":"https://www.w3.org/ns/did/v1","id":"did:web:attacker.example"}`},
			func(c *wellknown.Client) error { _, err := c.DIDDocument(ctx, didWeb); return err }, wellknown.ErrIssuerMismatch},
		{"did-configuration for another origin", "/.well-known/did-configuration.json", doc{ctype: "application/json", body: didConfigFor(t, k, didWeb, "https://other.example")},
			func(c *wellknown.Client) error { _, err := c.DIDConfiguration(ctx, h.ts.URL); return err }, wellknown.ErrIssuerMismatch},
		{"did-configuration without the DIF context", "/.well-known/did-configuration.json", doc{ctype: "application/json", body: `{"@context":"https://example.com","linked_dids":["x"]}`},
			func(c *wellknown.Client) error { _, err := c.DIDConfiguration(ctx, h.ts.URL); return err }, wellknown.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.set(tc.path, tc.doc)
			c := newClient(t, h.ts.fetcher(), wellknown.ClientOptions{MetadataKeys: staticKey(k.signer.Public())})
			err := tc.fetch(c)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// didConfigFor signs a DID configuration whose credential names origin,
// with k's key published as didWeb's document on h.
func didConfigFor(t testing.TB, k *keys, didWeb, origin string) string {
	t.Helper()
	s := k.signer.WithKID(didWeb + "#" + k.signer.KID())
	now := time.Now()
	// SignDomainLinkageJWT refuses nothing about the origin: the verifier
	// compares it with where the resource came from.
	tok, err := wellknown.SignDomainLinkageJWT(context.Background(), s, didWeb, origin, now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return `{"@context":"https://identity.foundation/.well-known/did-configuration/v1","linked_dids":["` + tok + `"]}`
}

func TestDomainLinkageBadInput(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, crypto.KeyTypeEd25519)
	didKey, kid, err := did.NewKeyDID(k.signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	s := k.signer.WithKID(kid)
	origin := "https://h.example"
	now := time.Now()
	good, err := wellknown.SignDomainLinkageJWT(ctx, s, didKey, origin, now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	o := wellknown.DomainLinkageOptions{Resolver: did.NewDefaultRegistry(nil, did.WebOptions{})}
	if l, err := wellknown.VerifyDomainLinkageJWT(ctx, good, origin, o); err != nil || l.DID != didKey {
		t.Fatalf("good: %v", err)
	}
	other := newKeys(t, crypto.KeyTypeEd25519)
	otherDID, otherKID, _ := did.NewKeyDID(other.signer.Public())
	claims := func(mut func(m map[string]any)) map[string]any {
		vc := map[string]any{
			"@context": []any{wellknown.CredentialsV1Context, wellknown.DIDConfigurationContext},
			"issuer":   didKey, "type": []any{"VerifiableCredential", "DomainLinkageCredential"},
			"credentialSubject": map[string]any{"id": didKey, "origin": origin},
		}
		m := map[string]any{"iss": didKey, "sub": didKey, "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "vc": vc}
		mut(m)
		return m
	}
	vcOf := func(m map[string]any) map[string]any { return m["vc"].(map[string]any) }
	tests := []struct {
		name   string
		signer jose.MessageSigner
		claims map[string]any
		want   error
	}{
		{"origin differs", s, claims(func(m map[string]any) {
			vcOf(m)["credentialSubject"].(map[string]any)["origin"] = "https://evil.example"
		}), wellknown.ErrIssuerMismatch},
		{"sub differs from iss", s, claims(func(m map[string]any) { m["sub"] = otherDID }), wellknown.ErrIssuerMismatch},
		{"subject id differs", s, claims(func(m map[string]any) { vcOf(m)["credentialSubject"].(map[string]any)["id"] = otherDID }), wellknown.ErrIssuerMismatch},
		{"vc.issuer differs", s, claims(func(m map[string]any) { vcOf(m)["issuer"] = otherDID }), wellknown.ErrIssuerMismatch},
		{"signed by another DID's key", other.signer.WithKID(otherKID), claims(func(map[string]any) {}), wellknown.ErrSignature},
		{"kid names another DID", k.signer.WithKID(otherKID), claims(func(map[string]any) {}), wellknown.ErrSignature},
		{"expired", s, claims(func(m map[string]any) { m["exp"] = now.Add(-time.Hour).Unix() }), wellknown.ErrExpired},
		{"not yet valid", s, claims(func(m map[string]any) { m["nbf"] = now.Add(time.Hour).Unix() }), wellknown.ErrExpired},
		{"no exp", s, claims(func(m map[string]any) { delete(m, "exp") }), wellknown.ErrMalformed},
		{"wrong type", s, claims(func(m map[string]any) { vcOf(m)["type"] = []any{"VerifiableCredential"} }), wellknown.ErrMalformed},
		{"no DIF context", s, claims(func(m map[string]any) { vcOf(m)["@context"] = []any{wellknown.CredentialsV1Context} }), wellknown.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := signRaw(t, tc.signer, map[string]any{"typ": "JWT"}, tc.claims)
			if _, err := wellknown.VerifyDomainLinkageJWT(ctx, tok, origin, o); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("forged signature", func(t *testing.T) {
		parts := strings.Split(good, ".")
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sig[0] ^= 1
		tok := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
		if _, err := wellknown.VerifyDomainLinkageJWT(ctx, tok, origin, o); !errors.Is(err, wellknown.ErrSignature) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("signer kid not a DID URL of the subject", func(t *testing.T) {
		if _, err := wellknown.SignDomainLinkageJWT(ctx, k.signer, didKey, origin, now, now.Add(time.Hour)); !errors.Is(err, wellknown.ErrConfig) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSignedMetadataX5C(t *testing.T) {
	ctx := context.Background()
	h := newHostile(t)
	issuer := h.ts.URL + "/t"
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "root"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	k := newKeys(t, crypto.KeyTypeECP256)
	leafFor := func(ip string) string {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "issuer"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP(ip)}, KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, k.signer.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(der)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	md := issuerMetadata(issuer, map[string]*oid4vci.CredentialConfiguration{"x": sdJWTConfig("v")})
	sign := func(x5c string) string {
		tok, err := wellknown.SignIssuerMetadata(ctx, md, k.signer, wellknown.SignOptions{Header: map[string]any{"x5c": []string{x5c}}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	c := newClient(t, h.ts.fetcher(), wellknown.ClientOptions{MetadataRoots: roots})
	if _, err := c.VerifySignedIssuerMetadata(ctx, []byte(sign(leafFor("127.0.0.1"))), issuer); err != nil {
		t.Fatalf("valid chain: %v", err)
	}
	if _, err := c.VerifySignedIssuerMetadata(ctx, []byte(sign(leafFor("127.0.0.2"))), issuer); !errors.Is(err, wellknown.ErrSignature) {
		t.Fatalf("leaf for another host: %v", err)
	}
	c2 := newClient(t, h.ts.fetcher(), wellknown.ClientOptions{MetadataRoots: x509.NewCertPool()})
	if _, err := c2.VerifySignedIssuerMetadata(ctx, []byte(sign(leafFor("127.0.0.1"))), issuer); !errors.Is(err, wellknown.ErrSignature) {
		t.Fatalf("untrusted root: %v", err)
	}
}

func TestClientCache(t *testing.T) {
	ctx := context.Background()
	h := newHostile(t)
	issuer := h.ts.URL + "/t"
	body := string(mustJSON(t, issuerMetadata(issuer, map[string]*oid4vci.CredentialConfiguration{"x": sdJWTConfig("v")})))
	path := "/.well-known/openid-credential-issuer/t"
	tests := []struct {
		name, cacheControl string
		stillCached        time.Duration
		refetched          time.Duration
	}{
		{"max-age below 1 min is raised", "max-age=1", 59 * time.Second, 61 * time.Second},
		{"no-store cached for the minimum", "no-store", 59 * time.Second, 61 * time.Second},
		{"no header cached for the minimum", "", 59 * time.Second, 61 * time.Second},
		{"max-age kept in range", "public, max-age=600", 599 * time.Second, 601 * time.Second},
		{"max-age above 1 h is lowered", "max-age=86400", 59 * time.Minute, 61 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.set(path, doc{ctype: "application/json", body: body, cacheControl: tc.cacheControl})
			clk := &clock{t: time.Now()}
			c := newClient(t, h.ts.fetcher(), wellknown.ClientOptions{Now: clk.Now})
			n0 := h.hits(path)
			for i := 0; i < 3; i++ {
				if _, err := c.IssuerMetadata(ctx, issuer); err != nil {
					t.Fatal(err)
				}
			}
			clk.Add(tc.stillCached)
			c.IssuerMetadata(ctx, issuer)
			if got := h.hits(path) - n0; got != 1 {
				t.Fatalf("%d fetches before expiry, want 1", got)
			}
			clk.Add(tc.refetched - tc.stillCached)
			c.IssuerMetadata(ctx, issuer)
			if got := h.hits(path) - n0; got != 2 {
				t.Fatalf("%d fetches after expiry, want 2", got)
			}
		})
	}
	t.Run("errors are not cached", func(t *testing.T) {
		h.set(path, doc{ctype: "application/json", body: `{"credential_issuer":"https://evil.example"}`})
		c := newClient(t, h.ts.fetcher(), wellknown.ClientOptions{})
		n0 := h.hits(path)
		c.IssuerMetadata(ctx, issuer)
		c.IssuerMetadata(ctx, issuer)
		if got := h.hits(path) - n0; got != 2 {
			t.Fatalf("%d fetches", got)
		}
	})
}

func TestClientSingleFlight(t *testing.T) {
	ctx := context.Background()
	h := newHostile(t)
	issuer := h.ts.URL + "/t"
	path := "/.well-known/openid-credential-issuer/t"
	h.set(path, doc{ctype: "application/json", delay: 50 * time.Millisecond, cacheControl: "max-age=300",
		body: string(mustJSON(t, issuerMetadata(issuer, map[string]*oid4vci.CredentialConfiguration{"x": sdJWTConfig("v")})))})
	c := newClient(t, h.ts.fetcher(), wellknown.ClientOptions{})
	var wg sync.WaitGroup
	var failed atomic.Int32
	var ptrs sync.Map
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			md, err := c.IssuerMetadata(ctx, issuer)
			if err != nil {
				failed.Add(1)
				return
			}
			ptrs.Store(md, true)
		}()
	}
	wg.Wait()
	n := 0
	ptrs.Range(func(any, any) bool { n++; return true })
	if failed.Load() != 0 || h.hits(path) != 1 || n != 1 {
		t.Fatalf("failed %d, fetches %d, distinct documents %d", failed.Load(), h.hits(path), n)
	}
}

var _ = json.Marshal

func TestDomainLinkageLD(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		typ   crypto.KeyType
		suite dataintegrity.Suite
	}{
		{"eddsa-rdfc-2022", crypto.KeyTypeEd25519, dataintegrity.EdDSARDFC2022},
		{"ecdsa-rdfc-2019", crypto.KeyTypeECP256, dataintegrity.ECDSARDFC2019},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeys(t, tc.typ)
			didKey, kid, err := did.NewKeyDID(k.signer.Public())
			if err != nil {
				t.Fatal(err)
			}
			ld := &dataintegrity.KeySigner{Engine: k.engine, Ref: k.ref, Public: k.signer.Public(), VerificationMethod: kid}
			origin := "https://h.example"
			now := time.Now().Truncate(time.Second)
			vc, err := wellknown.SignDomainLinkageLD(ctx, ld, tc.suite, didKey, origin, now.Add(-time.Minute), now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			o := wellknown.DomainLinkageOptions{Resolver: did.NewDefaultRegistry(nil, did.WebOptions{})}
			l, err := wellknown.VerifyDomainLinkageLD(ctx, vc, origin, o)
			if err != nil || l.DID != didKey {
				t.Fatalf("%v", err)
			}
			if _, err := wellknown.VerifyDomainLinkageLD(ctx, vc, "https://other.example", o); !errors.Is(err, wellknown.ErrIssuerMismatch) {
				t.Fatalf("other origin: %v", err)
			}
			// Changing the signed origin breaks the proof even when the
			// verifier asks for the new origin.
			tampered := []byte(strings.Replace(string(vc), `"origin":"https://h.example"`, `"origin":"https://evil.example"`, 1))
			if string(tampered) == string(vc) {
				t.Fatalf("origin not found in %s", vc)
			}
			if _, err := wellknown.VerifyDomainLinkageLD(ctx, tampered, "https://evil.example", o); !errors.Is(err, wellknown.ErrSignature) {
				t.Fatalf("tampered: %v", err)
			}
			// A key of another DID cannot sign for didKey.
			other := newKeys(t, tc.typ)
			_, otherKID, _ := did.NewKeyDID(other.signer.Public())
			if _, err := wellknown.SignDomainLinkageLD(ctx, &dataintegrity.KeySigner{Engine: other.engine, Ref: other.ref, Public: other.signer.Public(), VerificationMethod: otherKID}, tc.suite, didKey, origin, now, now.Add(time.Hour)); !errors.Is(err, wellknown.ErrConfig) {
				t.Fatalf("foreign verification method: %v", err)
			}
			cfg := []byte(`{"@context":"https://identity.foundation/.well-known/did-configuration/v1","linked_dids":[` + string(vc) + `]}`)
			links, err := wellknown.VerifyDIDConfiguration(ctx, cfg, wellknown.DomainLinkageOptions{Origin: origin, Resolver: o.Resolver})
			if err != nil || len(links) != 1 {
				t.Fatalf("%v %+v", err, links)
			}
		})
	}
}

func TestServeDIDConfigurationBothForms(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	k := newKeys(t, crypto.KeyTypeEd25519)
	didKey, kid, _ := did.NewKeyDID(k.signer.Public())
	h, err := wellknown.DIDConfigurationHandler(wellknown.DIDConfigurationOptions{Origin: ts.URL, Links: []wellknown.DomainLink{{
		DID: didKey, Signer: k.signer.WithKID(kid),
		LDSigner: &dataintegrity.KeySigner{Engine: k.engine, Ref: k.ref, Public: k.signer.Public(), VerificationMethod: kid},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ts.set(h)
	c := newClient(t, ts.fetcher(), wellknown.ClientOptions{})
	links, err := c.DIDConfiguration(ctx, ts.URL)
	if err != nil || len(links) != 2 || links[0].DID != didKey || links[1].DID != didKey {
		t.Fatalf("%v %+v", err, links)
	}
}

func TestClientJWKSKeyRotation(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, false)
	clk := &clock{t: time.Now()}
	c := newClient(t, fx.ts.fetcher(), wellknown.ClientOptions{Now: clk.Now})
	u := fx.ts.URL + wellknown.PathJWKS
	if _, err := c.JWKSKey(ctx, u, fx.k.signer.KID()); err != nil {
		t.Fatal(err)
	}
	rotated, err := fx.k.engine.RotateKey(ctx, fx.k.ref)
	if err != nil {
		t.Fatal(err)
	}
	// The cached set does not know the new kid: one refetch finds it.
	if _, err := c.JWKSKey(ctx, u, rotated.KID); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	// Unknown kids do not hammer the server: the next refetch waits.
	if _, err := c.JWKSKey(ctx, u, "unknown-1"); !errors.Is(err, crypto.ErrKeyNotFound) {
		t.Fatalf("unknown kid: %v", err)
	}
	if _, err := fx.k.engine.RotateKey(ctx, fx.k.ref); err != nil {
		t.Fatal(err)
	}
	newest, _ := fx.k.engine.GetKey(ctx, fx.k.ref)
	if _, err := c.JWKSKey(ctx, u, newest.KID); !errors.Is(err, crypto.ErrKeyNotFound) {
		t.Fatalf("refetch not rate-limited: %v", err)
	}
	clk.Add(wellknown.MinJWKSRefetchInterval)
	if _, err := c.JWKSKey(ctx, u, newest.KID); err != nil {
		t.Fatalf("after the interval: %v", err)
	}
}
