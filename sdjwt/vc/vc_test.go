package vc

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

// keySigner is a test jose.MessageSigner over an in-memory ECDSA key.
type keySigner struct {
	k   *ecdsa.PrivateKey
	kid string
}

func newKeySigner(t testing.TB, kid string) *keySigner {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return &keySigner{k: k, kid: kid}
}
func (s *keySigner) Algorithm() crypto.Algorithm { return crypto.ES256 }
func (s *keySigner) KID() string                 { return s.kid }
func (s *keySigner) SignMessage(_ context.Context, msg []byte) ([]byte, error) {
	h := sha256.Sum256(msg)
	r, ss, err := ecdsa.Sign(rand.Reader, s.k, h[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	ss.FillBytes(out[32:])
	return out, nil
}
func (s *keySigner) jwk(t testing.TB) map[string]any {
	m, err := crypto.PublicJWK(&s.k.PublicKey)
	require.NoError(t, err)
	return m
}

var (
	now    = time.Unix(1_800_000_000, 0)
	expect = sdjwt.Expect{Audience: "https://verifier.example.org", Nonce: "nonce-123456789"}
)

func kb(h *keySigner) *sdjwt.KeyBinding {
	return &sdjwt.KeyBinding{Signer: h, Audience: expect.Audience, Nonce: expect.Nonce, Now: func() time.Time { return now }}
}

func baseClaims(iss string) map[string]any {
	return map[string]any{
		"iss": iss, "vct": "https://credentials.example.com/identity_credential",
		"iat": float64(1_700_000_000), "exp": float64(1_900_000_000),
		"given_name": "Erika", "family_name": "Mustermann",
		"address": map[string]any{"locality": "Berlin", "country": "DE"},
		"status":  map[string]any{"status_list": map[string]any{"idx": float64(412), "uri": "https://status.example.com/lists/1"}},
	}
}

var basePaths = []vocab.ClaimPath{{"given_name"}, {"family_name"}, {"address", "locality"}}

// metadataServer serves JWT VC Issuer Metadata for iss = server URL + /tenant.
type metadataServer struct {
	srv     *httptest.Server
	fetcher *fetch.Fetcher
	doc     func(iss string) any
}

func newMetadataServer(t *testing.T, issuerJWK map[string]any) *metadataServer {
	ms := &metadataServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/jwt-vc-issuer/tenant", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(ms.doc(ms.srv.URL + "/tenant"))
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{issuerJWK}})
	})
	mux.HandleFunc("/redirect/.well-known/jwt-vc-issuer", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/.well-known/jwt-vc-issuer/tenant", http.StatusFound)
	})
	ms.srv = httptest.NewTLSServer(mux)
	t.Cleanup(ms.srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ms.srv.Certificate())
	ms.fetcher = fetch.New(fetch.Options{AllowLoopback: true, RootCAs: pool})
	ms.doc = func(iss string) any {
		return map[string]any{"issuer": iss, "jwks": map[string]any{"keys": []any{issuerJWK}}}
	}
	return ms
}

func TestIssueVerifyWithIssuerMetadata(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "key-1")
	holder := newKeySigner(t, "")
	ms := newMetadataServer(t, func() map[string]any { m := issuer.jwk(t); m["kid"] = "key-1"; return m }())
	iss := ms.srv.URL + "/tenant"
	sd, err := sdjwt.Issue(ctx, issuer, baseClaims(iss), sdjwt.IssueOptions{Typ: Typ, Disclosable: basePaths, HolderJWK: holder.jwk(t)})
	require.NoError(t, err)

	var checked []vocab.StatusReference
	v, err := NewVerifier(Config{
		SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, KeyResolver: &IssuerKeyResolver{Fetcher: ms.fetcher}, Now: func() time.Time { return now }},
		StatusChecker: StatusCheckerFunc(func(_ context.Context, ref vocab.StatusReference) (vocab.StatusResult, error) {
			checked = append(checked, ref)
			return vocab.StatusResult{Value: 0x00}, nil // VALID
		}),
	})
	require.NoError(t, err)

	// Holder side: the credential view lists the disclosable paths.
	pr, err := sd.Process(sdjwt.Limits{})
	require.NoError(t, err)
	require.Equal(t, "https://credentials.example.com/identity_credential", pr.Claims["vct"])
	require.ElementsMatch(t, basePaths, pr.Paths)
	ref, err := StatusReference(pr.Claims)
	require.NoError(t, err)
	require.Equal(t, uint64(412), ref.Index)
	_, err = v.VerifyIssued(ctx, sd.String())
	require.NoError(t, err)

	pres, err := sd.Present(ctx, []vocab.ClaimPath{{"address"}}, kb(holder))
	require.NoError(t, err)
	res, err := v.Verify(ctx, pres, expect)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"locality": "Berlin", "country": "DE"}, res.Claims["address"])
	require.NotContains(t, res.Claims, "given_name")
	require.Equal(t, "https://status.example.com/lists/1", res.Status.URI)
	require.Len(t, checked, 2)

	t.Run("jwks_uri", func(t *testing.T) {
		ms.doc = func(iss string) any { return map[string]any{"issuer": iss, "jwks_uri": ms.srv.URL + "/jwks"} }
		r := &IssuerKeyResolver{Fetcher: fetch.New(fetch.Options{AllowLoopback: true, RootCAs: ms.fetcher2Pool(t)})}
		v2, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, KeyResolver: r, Now: func() time.Time { return now }}, SkipStatusCheck: true})
		require.NoError(t, err)
		_, err = v2.Verify(ctx, pres, expect)
		require.NoError(t, err)
	})
	t.Run("revoked", func(t *testing.T) {
		v3, err := NewVerifier(Config{
			SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey, Now: func() time.Time { return now }},
			StatusChecker: StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
				return vocab.StatusResult{Value: 0x01}, nil // INVALID
			}),
		})
		require.NoError(t, err)
		_, err = v3.Verify(ctx, pres, expect)
		require.ErrorIs(t, err, ErrRevoked)
	})
}

func (ms *metadataServer) fetcher2Pool(t *testing.T) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ms.srv.Certificate())
	return p
}

// Row 29 and the metadata rules.
func TestSecurityRow29_IssuerMetadata(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "key-1")
	jwk := issuer.jwk(t)
	jwk["kid"] = "key-1"
	ms := newMetadataServer(t, jwk)
	cases := []struct {
		name string
		iss  string
		doc  func(iss string) any
		want error
	}{
		{"row29_issuer_not_iss", "", func(string) any {
			return map[string]any{"issuer": "https://evil.example", "jwks": map[string]any{"keys": []any{jwk}}}
		}, ErrMetadata},
		{"row29_both_jwks_and_jwks_uri", "", func(iss string) any {
			return map[string]any{"issuer": iss, "jwks": map[string]any{"keys": []any{jwk}}, "jwks_uri": ms.srv.URL + "/jwks"}
		}, ErrMetadata},
		{"row29_neither_jwks_nor_jwks_uri", "", func(iss string) any { return map[string]any{"issuer": iss} }, ErrMetadata},
		{"row29_http_jwks_uri", "", func(iss string) any { return map[string]any{"issuer": iss, "jwks_uri": "http://127.0.0.1/jwks"} }, ErrMetadata},
		{"row29_private_key_in_jwks", "", func(iss string) any {
			bad := map[string]any{}
			for k, v := range jwk {
				bad[k] = v
			}
			bad["d"] = "AAAA"
			return map[string]any{"issuer": iss, "jwks": map[string]any{"keys": []any{bad}}}
		}, crypto.ErrInvalidJWK},
		{"row29_unknown_kid", "", func(iss string) any {
			other := newKeySigner(t, "").jwk(t)
			other["kid"] = "other"
			return map[string]any{"issuer": iss, "jwks": map[string]any{"keys": []any{other}}}
		}, ErrIssuerKey},
		{"row29_http_iss", "http://127.0.0.1/tenant", nil, ErrIssuerKey},
		{"row29_redirect_not_followed", ms.srv.URL + "/redirect", nil, ErrMetadata},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			iss := c.iss
			if iss == "" {
				iss = ms.srv.URL + "/tenant"
			}
			if c.doc != nil {
				ms.doc = c.doc
			}
			fresh := fetch.New(fetch.Options{AllowLoopback: true, RootCAs: ms.fetcher2Pool(t)})
			sd, err := sdjwt.Issue(ctx, issuer, baseClaims(iss), sdjwt.IssueOptions{Typ: Typ, Disclosable: basePaths})
			require.NoError(t, err)
			v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, KeyResolver: &IssuerKeyResolver{Fetcher: fresh},
				KeyBinding: sdjwt.KeyBindingOptional, Now: func() time.Time { return now }}})
			require.NoError(t, err)
			_, err = v.Verify(ctx, sd.String(), sdjwt.Expect{})
			require.ErrorIs(t, err, c.want)
			require.ErrorIs(t, err, sdjwt.ErrIssuerSignature)
		})
	}
}

func TestMetadataURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com":             "https://example.com/.well-known/jwt-vc-issuer",
		"https://example.com/":            "https://example.com/.well-known/jwt-vc-issuer",
		"https://example.com/tenant/1234": "https://example.com/.well-known/jwt-vc-issuer/tenant/1234",
	} {
		got, err := MetadataURL(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, bad := range []string{"http://example.com", "https://example.com/a?x=1", "https://u@example.com", "urn:x", "https://example.com/#f"} {
		_, err := MetadataURL(bad)
		require.ErrorIs(t, err, ErrMetadata, bad)
	}
}

func fixedKeyVerifier(t *testing.T, pub gocrypto.PublicKey, legacy bool) *Verifier {
	v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: pub,
		KeyBinding: sdjwt.KeyBindingOptional, Now: func() time.Time { return now }}, AllowLegacyTyp: legacy, SkipStatusCheck: true})
	require.NoError(t, err)
	return v
}

// Profile rules: vct, non-disclosable claims, typ.
func TestProfileRules(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "k")
	v := fixedKeyVerifier(t, &issuer.k.PublicKey, false)
	issue := func(claims map[string]any, typ string, paths ...vocab.ClaimPath) string {
		sd, err := sdjwt.Issue(ctx, issuer, claims, sdjwt.IssueOptions{Typ: typ, Disclosable: paths, HolderJWK: newKeySigner(t, "").jwk(t)})
		require.NoError(t, err)
		return sd.String()
	}
	for _, name := range []string{"iss", "exp", "status", "vct", "vct#integrity", "nbf"} {
		t.Run("row27_non_disclosable_"+name, func(t *testing.T) {
			c := baseClaims("https://issuer.example.com")
			c["vct#integrity"] = "sha256-AAAA"
			c["nbf"] = float64(1_700_000_000)
			_, err := v.Verify(ctx, issue(c, Typ, vocab.ClaimPath{name}), sdjwt.Expect{})
			require.ErrorIs(t, err, ErrNonDisclosable)
		})
	}
	t.Run("row27_cnf_disclosable", func(t *testing.T) {
		c := baseClaims("https://issuer.example.com")
		c["cnf"] = map[string]any{"jwk": newKeySigner(t, "").jwk(t)}
		sd, err := sdjwt.Issue(ctx, issuer, c, sdjwt.IssueOptions{Typ: Typ, Disclosable: []vocab.ClaimPath{{"cnf"}}})
		require.NoError(t, err)
		_, err = v.Verify(ctx, sd.String(), sdjwt.Expect{})
		require.ErrorIs(t, err, ErrNonDisclosable)
	})
	t.Run("missing_vct", func(t *testing.T) {
		c := baseClaims("https://issuer.example.com")
		delete(c, "vct")
		_, err := v.Verify(ctx, issue(c, Typ), sdjwt.Expect{})
		require.ErrorIs(t, err, ErrVCT)
	})
	t.Run("vct_not_string", func(t *testing.T) {
		c := baseClaims("https://issuer.example.com")
		c["vct"] = 7
		_, err := v.Verify(ctx, issue(c, Typ), sdjwt.Expect{})
		require.ErrorIs(t, err, ErrVCT)
	})
	t.Run("bad_status", func(t *testing.T) {
		for _, st := range []any{"x", map[string]any{"status_list": map[string]any{"idx": -1, "uri": "https://s"}},
			map[string]any{"status_list": map[string]any{"idx": 1.5, "uri": "https://s"}},
			map[string]any{"status_list": map[string]any{"idx": 1}}} {
			c := baseClaims("https://issuer.example.com")
			c["status"] = st
			_, err := v.Verify(ctx, issue(c, Typ), sdjwt.Expect{})
			require.ErrorIs(t, err, ErrStatus)
		}
	})
	t.Run("legacy_typ_rejected_by_default", func(t *testing.T) {
		_, err := v.Verify(ctx, issue(baseClaims("https://issuer.example.com"), LegacyTyp), sdjwt.Expect{})
		require.ErrorIs(t, err, sdjwt.ErrIssuerSignature)
		_, err = fixedKeyVerifier(t, &issuer.k.PublicKey, true).Verify(ctx, issue(baseClaims("https://issuer.example.com"), LegacyTyp), sdjwt.Expect{})
		require.NoError(t, err)
	})
	t.Run("typ_set_by_caller_rejected", func(t *testing.T) {
		_, err := NewVerifier(Config{SDJWT: sdjwt.Config{Typ: []string{"JWT"}, Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey}})
		require.ErrorIs(t, err, sdjwt.ErrOptions)
	})
}

func selfSigned(t *testing.T, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ca bool, dns ...string) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: dns,
		IsCA: ca, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c
}

func TestIssuerKeyX5C(t *testing.T) {
	ctx := context.Background()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := selfSigned(t, caKey, nil, nil, true)
	leafSigner := newKeySigner(t, "")
	leaf := selfSigned(t, leafSigner.k, ca, caKey, false, "issuer.example.com")
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	x5c := []string{base64.StdEncoding.EncodeToString(leaf.Raw)}
	v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver: &IssuerKeyResolver{X5CRoots: roots, Now: func() time.Time { return now }},
		KeyBinding:  sdjwt.KeyBindingOptional, Now: func() time.Time { return now }}, SkipStatusCheck: true})
	require.NoError(t, err)
	issue := func(iss string) string {
		sd, err := sdjwt.Issue(ctx, leafSigner, baseClaims(iss), sdjwt.IssueOptions{Typ: Typ, Header: map[string]any{"x5c": x5c}})
		require.NoError(t, err)
		return sd.String()
	}
	_, err = v.Verify(ctx, issue("https://issuer.example.com"), sdjwt.Expect{})
	require.NoError(t, err)
	_, err = v.Verify(ctx, issue("https://other.example.com"), sdjwt.Expect{})
	require.ErrorIs(t, err, ErrIssuerKey)
	// A chain to an untrusted root fails.
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other := selfSigned(t, otherKey, nil, nil, true)
	v2, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver: &IssuerKeyResolver{X5CRoots: func() *x509.CertPool { p := x509.NewCertPool(); p.AddCert(other); return p }(), Now: func() time.Time { return now }},
		KeyBinding:  sdjwt.KeyBindingOptional, Now: func() time.Time { return now }}, SkipStatusCheck: true})
	require.NoError(t, err)
	_, err = v2.Verify(ctx, issue("https://issuer.example.com"), sdjwt.Expect{})
	require.ErrorIs(t, err, ErrIssuerKey)
}

func TestIssuerKeyDID(t *testing.T) {
	ctx := context.Background()
	s := newKeySigner(t, "")
	d, kid, err := did.NewJWKDID(&s.k.PublicKey)
	require.NoError(t, err)
	s.kid = kid
	reg, err := did.NewRegistry(did.JWKMethod{})
	require.NoError(t, err)
	v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver: &IssuerKeyResolver{DIDs: did.NewKeyResolver(reg, did.KeyResolverOptions{})},
		KeyBinding:  sdjwt.KeyBindingOptional, Now: func() time.Time { return now }}, SkipStatusCheck: true})
	require.NoError(t, err)
	sd, err := sdjwt.Issue(ctx, s, baseClaims(d), sdjwt.IssueOptions{Typ: Typ})
	require.NoError(t, err)
	_, err = v.Verify(ctx, sd.String(), sdjwt.Expect{})
	require.NoError(t, err)
	// kid DID differs from iss.
	sd, err = sdjwt.Issue(ctx, s, baseClaims("did:example:other"), sdjwt.IssueOptions{Typ: Typ})
	require.NoError(t, err)
	_, err = v.Verify(ctx, sd.String(), sdjwt.Expect{})
	require.ErrorIs(t, err, ErrIssuerKey)
	require.True(t, strings.HasPrefix(kid, "did:jwk:"))
}

func TestIssueProfile(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "k")
	sd, err := Issue(ctx, issuer, baseClaims("https://issuer.example.com"), sdjwt.IssueOptions{Disclosable: basePaths})
	require.NoError(t, err)
	_, err = fixedKeyVerifier(t, &issuer.k.PublicKey, false).Verify(ctx, sd.String(), sdjwt.Expect{})
	require.NoError(t, err)
	for name, c := range map[string]struct {
		claims map[string]any
		o      sdjwt.IssueOptions
		want   error
	}{
		"legacy_typ":       {baseClaims("https://i"), sdjwt.IssueOptions{Typ: LegacyTyp}, sdjwt.ErrOptions},
		"no_vct":           {map[string]any{"iss": "https://i"}, sdjwt.IssueOptions{}, ErrVCT},
		"exp_disclosable":  {baseClaims("https://i"), sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"exp"}}}, ErrNonDisclosable},
		"cnf_disclosable":  {baseClaims("https://i"), sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"cnf"}}}, ErrNonDisclosable},
		"malformed_status": {func() map[string]any { c := baseClaims("https://i"); c["status"] = 1; return c }(), sdjwt.IssueOptions{}, ErrStatus},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Issue(ctx, issuer, c.claims, c.o)
			require.ErrorIs(t, err, c.want)
		})
	}
}
