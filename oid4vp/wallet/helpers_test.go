package wallet_test

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

const employeeVCT = "https://credentials.example.com/employee"

// testEnv is one HTTPS origin (https://localhost:port, a certificate the
// test's pool trusts) with our verifier under /tenants/acme/oid4vp/ and a
// hostile verifier's routes under /evil/, an issuer, a holder and the
// credentials it holds.
type testEnv struct {
	t          testing.TB
	ctx        context.Context
	engine     *local.Engine
	srv        *httptest.Server
	mux        *http.ServeMux
	origin     string // https://localhost:port
	base       string // origin + /tenants/acme/oid4vp
	tlsPool    *x509.CertPool
	x509Roots  *x509.CertPool
	issuer     *jose.KeySigner
	issuerDID  string
	holderKey  *jose.KeySigner
	holder     *presentation.Holder
	held       []*presentation.Credential
	didSigner  *jose.KeySigner
	x509Signer *jose.KeySigner
	leaf       *x509.Certificate
	attester   *jose.KeySigner
	fetcher    *fetch.Fetcher
	client     *http.Client
	validator  *presentation.Validator
}

func (e *testEnv) key(ns, id string) crypto.KeyRef {
	r := crypto.KeyRef{Context: crypto.Context{Namespace: ns, Group: "g"}, ID: id}
	_, err := e.engine.GenerateKey(e.ctx, r, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	require.NoError(e.t, err)
	return r
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	ctx := context.Background()
	engine, err := local.New(local.Options{})
	require.NoError(t, err)
	e := &testEnv{t: t, ctx: ctx, engine: engine, mux: http.NewServeMux()}

	// TLS: a self-signed certificate for localhost.
	tk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	tt := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	tder, err := x509.CreateCertificate(rand.Reader, tt, tt, &tk.PublicKey, tk)
	require.NoError(t, err)
	tcert, err := x509.ParseCertificate(tder)
	require.NoError(t, err)
	e.tlsPool = x509.NewCertPool()
	e.tlsPool.AddCert(tcert)
	e.srv = httptest.NewUnstartedServer(e.mux)
	e.srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{tder}, PrivateKey: tk, Leaf: tcert}}}
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	_, port, _ := net.SplitHostPort(e.srv.Listener.Addr().String())
	e.origin = "https://localhost:" + port
	e.base = e.origin + "/tenants/acme/oid4vp"
	e.fetcher = fetch.New(fetch.Options{AllowLoopback: true, RootCAs: e.tlsPool})
	e.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.tlsPool}}}

	// Issuer, holder and held credentials.
	e.issuer, e.issuerDID, err = did.NewKeyDIDSigner(ctx, engine, e.key("issuer", "sign"), crypto.ES256)
	require.NoError(t, err)
	e.holderKey, err = jose.NewKeySigner(ctx, engine, e.key("wallet", "device"), crypto.ES256)
	require.NoError(t, err)
	e.holder, err = presentation.NewHolder(presentation.HolderConfig{Signer: e.holderKey})
	require.NoError(t, err)
	dids := did.NewDefaultRegistry(e.fetcher, did.WebOptions{})
	sdv, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, KBAlgorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver: &vc.IssuerKeyResolver{DIDs: did.NewKeyResolver(dids, did.KeyResolverOptions{})},
	}})
	require.NoError(t, err)
	parser := presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{Verifier: sdv}, AllowLegacySDJWT: true})
	e.validator = presentation.NewValidator(presentation.ValidatorConfig{Parser: parser, Trust: presentation.TrustedIssuers{e.issuerDID}})
	e.hold(pidClaims(), pidDisclosable())
	e.hold(map[string]any{"vct": employeeVCT, "role": "engineer", "department": "R&D"},
		[]vocab.ClaimPath{{"role"}, {"department"}})

	// Verifier keys: a did:key, an x509 leaf for localhost, an attester.
	e.didSigner, _, err = did.NewKeyDIDSigner(ctx, engine, e.key("verifier", "did"), crypto.ES256)
	require.NoError(t, err)
	e.x509Signer, err = jose.NewKeySigner(ctx, engine, e.key("verifier", "x509"), crypto.ES256)
	require.NoError(t, err)
	lt := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	lder, err := x509.CreateCertificate(rand.Reader, lt, lt, e.x509Signer.Public(), e.x509Signer.CryptoSigner(ctx))
	require.NoError(t, err)
	e.leaf, err = x509.ParseCertificate(lder)
	require.NoError(t, err)
	e.x509Roots = x509.NewCertPool()
	e.x509Roots.AddCert(e.leaf)
	e.attester, err = jose.NewKeySigner(ctx, engine, e.key("attester", "sign"), crypto.ES256)
	require.NoError(t, err)
	return e
}

func pidClaims() map[string]any {
	return map[string]any{"vct": "urn:eudi:pid:1", "given_name": "Erika", "family_name": "Mustermann",
		"birthdate": "1964-08-12", "nationalities": []any{"DE", "FR"},
		"address": map[string]any{"street_address": "Heidestraße 17", "locality": "Köln", "postal_code": "51147", "country": "DE"}}
}

// pidDisclosable makes every PID claim disclosable, address recursively
// (the object and each of its members).
func pidDisclosable() []vocab.ClaimPath {
	return []vocab.ClaimPath{{"given_name"}, {"family_name"}, {"birthdate"}, {"nationalities"}, {"nationalities", nil},
		{"address"}, {"address", "street_address"}, {"address", "locality"}, {"address", "postal_code"}, {"address", "country"}}
}

// hold issues a credential to the holder and adds the holder's view.
func (e *testEnv) hold(c map[string]any, disclosable []vocab.ClaimPath) {
	e.t.Helper()
	jwk, err := e.holderKey.JWK()
	require.NoError(e.t, err)
	now := time.Now()
	c["iss"] = e.issuerDID
	c["iat"] = now.Unix()
	c["exp"] = now.Add(time.Hour).Unix()
	iss, err := vc.Issue(e.ctx, e.issuer, c, sdjwt.IssueOptions{Disclosable: disclosable, HolderJWK: jwk})
	require.NoError(e.t, err)
	cred, err := e.holder.Parse(e.ctx, vocab.FormatSDJWTVC, iss.String())
	require.NoError(e.t, err)
	e.held = append(e.held, cred)
}

// attestation issues a Verifier Attestation JWT for the x509 key.
func (e *testEnv) attestation(mutate func(map[string]any)) string {
	e.t.Helper()
	jwk, err := e.x509Signer.JWK()
	require.NoError(e.t, err)
	claims := map[string]any{"iss": "https://attester.example", "sub": "verifier.example.com",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(), "cnf": map[string]any{"jwk": jwk}}
	if mutate != nil {
		mutate(claims)
	}
	tok, err := jose.SignJWT(e.ctx, e.attester, map[string]any{"typ": oid4vp.TypVerifierAttestation}, claims)
	require.NoError(e.t, err)
	return tok
}

// verifier mounts our verifier with a client of the prefix.
func (e *testEnv) verifier(prefix oid4vp.ClientIDPrefix) *verifier.Verifier {
	e.t.Helper()
	var client *verifier.Client
	var err error
	switch prefix {
	case oid4vp.PrefixDecentralizedIdentifier:
		client, err = verifier.NewDIDClient(e.didSigner, e.base, verifier.ClientOptions{})
	case oid4vp.PrefixX509SANDNS:
		client, err = verifier.NewX509SANDNSClient(e.x509Signer, []*x509.Certificate{e.leaf}, e.base, verifier.ClientOptions{})
	case oid4vp.PrefixX509Hash:
		client, err = verifier.NewX509HashClient(e.x509Signer, []*x509.Certificate{e.leaf}, e.base, verifier.ClientOptions{})
	case oid4vp.PrefixVerifierAttestation:
		client, err = verifier.NewVerifierAttestationClient(e.x509Signer, e.attestation(nil), e.base, verifier.ClientOptions{})
	case oid4vp.PrefixRedirectURI:
		client, err = verifier.NewRedirectURIClient(e.base, verifier.ClientOptions{})
	default:
		e.t.Fatalf("prefix %s", prefix)
	}
	require.NoError(e.t, err)
	v, err := verifier.New(verifier.Config{Clients: verifier.StaticClients{"acme": client}, Validator: e.validator})
	require.NoError(e.t, err)
	e.mux.Handle("/tenants/{tenant}/oid4vp/", v.Handler())
	return v
}

// wallet builds a wallet trusting the env's verifier keys.
func (e *testEnv) wallet(mutate func(*wallet.Config)) *wallet.Wallet {
	e.t.Helper()
	cfg := wallet.Config{
		Holder:                e.holder,
		Credentials:           wallet.StaticCredentials(e.held),
		Fetcher:               e.fetcher,
		RootCAs:               e.tlsPool,
		InsecureAllowLoopback: true,
		DIDs:                  did.NewDefaultRegistry(e.fetcher, did.WebOptions{}),
		X509Roots:             e.x509Roots,
		Attesters:             map[string]gocrypto.PublicKey{"https://attester.example": e.attester.Public()},
		TransactionDataTypes:  []string{"payment"},
		Schemes:               []string{oid4vp.SchemeHAIP},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	w, err := wallet.New(cfg)
	require.NoError(e.t, err)
	return w
}

func mustQuery(t testing.TB, s string) *dcql.Query {
	t.Helper()
	q, err := dcql.Parse([]byte(s))
	require.NoError(t, err)
	return q
}

func x509Hash(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(s[:])
}
