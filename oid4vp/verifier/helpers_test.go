package verifier_test

import (
	"bytes"
	"context"
	gocrypto "crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
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
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

// twoQuery asks for two SD-JWT VCs with key binding.
const twoQuery = `{"credentials":[
 {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
  "claims":[{"path":["given_name"]},{"path":["family_name"]}]},
 {"id":"employee","format":"dc+sd-jwt","meta":{"vct_values":["https://credentials.example.com/employee"]},
  "claims":[{"path":["role"],"values":["engineer"]}]}]}`

const pidQuery = `{"credentials":[
 {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
  "claims":[{"path":["given_name"]}]}]}`

type env struct {
	t         testing.TB
	ctx       context.Context
	engine    *local.Engine
	issuer    *jose.KeySigner
	issuerDID string
	holder    *jose.KeySigner
	held      []*presentation.Credential
	validator *presentation.Validator
	parser    *presentation.Parser
	srv       *httptest.Server
	http      *http.Client
	base      string // https://example.com:port/tenants/acme/oid4vp
	signer    *jose.KeySigner
	chain     []*x509.Certificate
	mu        sync.Mutex
	events    []verifier.Event
	store     verifier.Store
	attester  *jose.KeySigner
	alloc     *statuslist.Allocator
	checker   *statuslist.Checker
	slots     []statuslist.Allocation
}

type envOptions struct {
	prefix oid4vp.ClientIDPrefix // default decentralized_identifier
	store  verifier.Store
	status bool // credentials carry status list entries, checked by a statuslist.Checker
	cfg    func(*verifier.Config)
}

func newEnv(t testing.TB, o envOptions) (*env, *verifier.Verifier) {
	t.Helper()
	ctx := context.Background()
	engine, err := local.New(local.Options{})
	require.NoError(t, err)
	e := &env{t: t, ctx: ctx, engine: engine}
	ref := func(ns, id string) crypto.KeyRef {
		r := crypto.KeyRef{Context: crypto.Context{Namespace: ns, Group: "g"}, ID: id}
		_, err := engine.GenerateKey(ctx, r, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		require.NoError(t, err)
		return r
	}
	e.issuer, e.issuerDID, err = did.NewKeyDIDSigner(ctx, engine, ref("issuer", "sign"), crypto.ES256)
	require.NoError(t, err)
	e.holder, err = jose.NewKeySigner(ctx, engine, ref("wallet", "device"), crypto.ES256)
	require.NoError(t, err)
	hjwk, err := e.holder.JWK()
	require.NoError(t, err)

	fetcher := fetch.New(fetch.Options{AllowLoopback: o.status}) // loopback: the status list server below
	dids := did.NewCachingResolver(did.NewDefaultRegistry(fetcher, did.WebOptions{}), did.CacheOptions{})
	var statusCheck vocab.StatusChecker
	var statusClaim func() map[string]any
	if o.status {
		lists := statuslist.NewMemory()
		e.alloc = statuslist.NewAllocator(lists)
		smux := http.NewServeMux()
		ssrv := httptest.NewServer(smux)
		t.Cleanup(ssrv.Close)
		listURI := func(tenant, list string) string { return ssrv.URL + "/tenants/" + tenant + "/statuslists/" + list }
		pub, err := statuslist.NewPublisher(statuslist.PublisherConfig{Store: lists, Signer: e.issuer, ListURI: listURI,
			Issuer: func(string) string { return e.issuerDID }})
		require.NoError(t, err)
		smux.Handle("GET /tenants/{tenant}/statuslists/{list}", pub.Handler())
		e.checker, err = statuslist.NewChecker(statuslist.CheckerConfig{
			Fetcher: statuslist.GuardedFetcher(fetcher),
			Keys: statuslist.KeyResolverFunc(func(_ context.Context, h statuslist.KeyHint) (gocrypto.PublicKey, error) {
				if h.Issuer != e.issuerDID {
					return nil, errors.New("status list not signed by the trusted issuer")
				}
				return e.issuer.Public(), nil
			}),
		})
		require.NoError(t, err)
		statusCheck = e.checker
		statusClaim = func() map[string]any {
			slot, err := e.alloc.Allocate(ctx, "acme", "pid", statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2})
			require.NoError(t, err)
			e.slots = append(e.slots, slot)
			return map[string]any{"status_list": map[string]any{"idx": slot.Index, "uri": listURI("acme", slot.ListID)}}
		}
	}
	sdv, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{
		Algorithms:   []crypto.Algorithm{crypto.ES256},
		KBAlgorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver:  &vc.IssuerKeyResolver{DIDs: did.NewKeyResolver(dids, did.KeyResolverOptions{})},
	}})
	require.NoError(t, err)
	e.parser = presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{Verifier: sdv}})
	e.validator = presentation.NewValidator(presentation.ValidatorConfig{
		Parser: e.parser,
		Trust:  presentation.TrustedIssuers{e.issuerDID},
		Status: statusCheck,
	})
	now := time.Now()
	for _, c := range []map[string]any{
		{"vct": "urn:eudi:pid:1", "given_name": "Erika", "family_name": "Mustermann", "birthdate": "1964-08-12"},
		{"vct": "https://credentials.example.com/employee", "role": "engineer", "department": "R&D"},
	} {
		c["iss"] = e.issuerDID
		c["iat"] = now.Unix()
		c["exp"] = now.Add(time.Hour).Unix()
		if statusClaim != nil {
			c["status"] = statusClaim()
		}
		var disc []vocab.ClaimPath
		for k := range c {
			if k != "iss" && k != "iat" && k != "exp" && k != "vct" && k != "status" {
				disc = append(disc, vocab.ClaimPath{k})
			}
		}
		iss, err := vc.Issue(ctx, e.issuer, c, sdjwt.IssueOptions{Disclosable: disc, HolderJWK: hjwk})
		require.NoError(t, err)
		held, err := e.validator.Verify(ctx, vocab.FormatSDJWTVC, iss.String())
		require.NoError(t, err)
		e.held = append(e.held, held)
	}

	// The verifier's key and a self-signed leaf for example.com, the name
	// in httptest's TLS certificate.
	e.signer, err = jose.NewKeySigner(ctx, engine, ref("verifier", "request"), crypto.ES256)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "example.com"},
		DNSNames: []string{"example.com"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, e.signer.Public(), e.signer.CryptoSigner(ctx))
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	e.chain = []*x509.Certificate{leaf}

	mux := http.NewServeMux()
	e.srv = httptest.NewTLSServer(mux)
	t.Cleanup(e.srv.Close)
	addr := e.srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	e.http = e.srv.Client()
	tr := e.http.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	e.http.Transport = tr
	e.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	e.base = "https://example.com:" + port + "/tenants/acme/oid4vp"

	var client *verifier.Client
	switch o.prefix {
	case "", oid4vp.PrefixDecentralizedIdentifier:
		ds, _, err := did.NewKeyDIDSigner(ctx, engine, ref("verifier", "did"), crypto.ES256)
		require.NoError(t, err)
		e.signer = ds
		client, err = verifier.NewDIDClient(ds, e.base, verifier.ClientOptions{})
		require.NoError(t, err)
	case oid4vp.PrefixX509SANDNS:
		client, err = verifier.NewX509SANDNSClient(e.signer, e.chain, e.base, verifier.ClientOptions{})
		require.NoError(t, err)
	case oid4vp.PrefixX509Hash:
		client, err = verifier.NewX509HashClient(e.signer, e.chain, e.base, verifier.ClientOptions{})
		require.NoError(t, err)
	case oid4vp.PrefixPreRegistered:
		client, err = verifier.NewPreRegisteredClient(e.signer, "verifier-acme", e.base, verifier.ClientOptions{})
		require.NoError(t, err)
	case oid4vp.PrefixVerifierAttestation:
		e.attester, err = jose.NewKeySigner(ctx, engine, ref("attester", "sign"), crypto.ES256)
		require.NoError(t, err)
		client, err = verifier.NewVerifierAttestationClient(e.signer, e.attestation(nil), e.base, verifier.ClientOptions{})
		require.NoError(t, err)
	case oid4vp.PrefixRedirectURI:
		client, err = verifier.NewRedirectURIClient(e.base, verifier.ClientOptions{})
		require.NoError(t, err)
		e.signer = nil
	}
	e.store = o.store
	if e.store == nil {
		e.store = verifier.NewMemoryStore()
	}
	cfg := verifier.Config{
		Clients:   verifier.StaticClients{"acme": client},
		Validator: e.validator,
		Store:     e.store,
		Hook: func(_ context.Context, ev verifier.Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
		},
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	v, err := verifier.New(cfg)
	require.NoError(t, err)
	mux.Handle("/tenants/{tenant}/oid4vp/", v.Handler())
	return e, v
}

func (e *env) eventTypes() []verifier.EventType {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []verifier.EventType
	for _, ev := range e.events {
		out = append(out, ev.Type)
	}
	return out
}

func (e *env) lastEvent() verifier.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.events[len(e.events)-1]
}

func mustQuery(t testing.TB, s string) *dcql.Query {
	t.Helper()
	q, err := dcql.Parse([]byte(s))
	require.NoError(t, err)
	return q
}

func (e *env) create(v *verifier.Verifier, cr verifier.CreateRequest) *verifier.Transaction {
	e.t.Helper()
	if cr.Tenant == "" {
		cr.Tenant = "acme"
	}
	tx, err := v.Create(e.ctx, cr)
	require.NoError(e.t, err)
	return tx
}

// fetch is the wallet's part up to a verified Request Object: parse the
// link, fetch request_uri (POST when walletNonce is set), verify the
// signature with the verifier's key and run oid4vp's checks.
func (e *env) fetch(link, walletNonce string) (*oid4vp.AuthorizationRequest, error) {
	l, err := oid4vp.ParseLink(link, oid4vp.LinkOptions{})
	if err != nil {
		return nil, err
	}
	if !l.Request.ByReference() {
		claims := l.Request
		return claims, claims.Validate(oid4vp.ValidateOptions{TransactionDataTypes: []string{"payment"}})
	}
	var resp *http.Response
	if walletNonce != "" {
		resp, err = e.http.PostForm(l.Request.RequestURI, url.Values{"wallet_nonce": {walletNonce},
			"wallet_metadata": {`{"vp_formats_supported":{"dc+sd-jwt":{}}}`}})
	} else {
		resp, err = e.http.Get(l.Request.RequestURI)
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, &httpError{resp.StatusCode, string(body)}
	}
	if ct := resp.Header.Get("Content-Type"); ct != oid4vp.MediaTypeRequestObject {
		return nil, &httpError{resp.StatusCode, "content type " + ct}
	}
	j, err := jose.Verify(e.ctx, string(body), jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypRequestObject}},
		Key:          e.requestKey(string(body)),
	})
	if err != nil {
		return nil, err
	}
	claims, err := oid4vp.DecodeRequest(j.Payload, oid4vp.ProfileFinal)
	if err != nil {
		return nil, err
	}
	return claims, oid4vp.CheckRequestObject(j.Header.Typ, claims, l.Request, oid4vp.RequestObjectOptions{
		WalletNonce: walletNonce, RequireAudience: true, ValidateOptions: oid4vp.ValidateOptions{TransactionDataTypes: []string{"payment"}, MinNonceLength: 16}})
}

// requestKey finds the key that must have signed a Request Object the
// way a wallet does: the x5c leaf, or the did:key of the kid.
func (e *env) requestKey(tok string) gocrypto.PublicKey {
	j, err := jose.Parse(tok, jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypRequestObject}})
	require.NoError(e.t, err)
	if len(j.Header.X5C) > 0 {
		der, err := decodeStd(j.Header.X5C[0])
		require.NoError(e.t, err)
		c, err := x509.ParseCertificate(der)
		require.NoError(e.t, err)
		return c.PublicKey
	}
	if att, ok := j.Header.Raw["jwt"].(string); ok {
		// verifier_attestation: the attester's signature, then cnf.
		a, err := jose.Verify(e.ctx, att, jose.VerifyOptions{Key: e.attester.Public(),
			ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{oid4vp.TypVerifierAttestation}}})
		require.NoError(e.t, err)
		var claims struct {
			Sub string `json:"sub"`
			Cnf struct {
				JWK map[string]any `json:"jwk"`
			} `json:"cnf"`
		}
		require.NoError(e.t, a.Claims(&claims))
		pub, err := crypto.PublicKeyFromJWK(claims.Cnf.JWK)
		require.NoError(e.t, err)
		return pub
	}
	if j.Header.Kid == e.signer.KID() && !strings.HasPrefix(j.Header.Kid, "did:") {
		return e.signer.Public() // pre-registered
	}
	require.True(e.t, strings.HasPrefix(j.Header.Kid, "did:key:"), j.Header.Kid)
	return e.signer.Public()
}

// attestation issues a Verifier Attestation JWT for the verifier's key;
// mutate edits the claims.
func (e *env) attestation(mutate func(map[string]any)) string {
	e.t.Helper()
	jwk, err := e.signer.JWK()
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

type httpError struct {
	status int
	body   string
}

func (h *httpError) Error() string { return h.body }

type presentOptions struct {
	audience string
	nonce    string
	hashes   []string
	held     []*presentation.Credential
}

// present builds the vp_token the way a wallet does: DCQL evaluation over
// the held credentials, then SD-JWT+KB with the request's binding.
func (e *env) present(claims *oid4vp.AuthorizationRequest, o presentOptions) dcql.VPToken {
	e.t.Helper()
	c, err := dcql.Compile(claims.DCQLQuery)
	require.NoError(e.t, err)
	held := o.held
	if held == nil {
		held = e.held
	}
	m, err := c.Evaluate(e.ctx, slices.Values(held))
	require.NoError(e.t, err)
	b := presentation.Binding{Nonce: claims.Nonce, Audience: claims.ClientID, TransactionDataHashes: o.hashes}
	if o.audience != "" {
		b.Audience = o.audience
	}
	if o.nonce != "" {
		b.Nonce = o.nonce
	}
	tok, err := m.VPToken(e.ctx, &presentation.RequestPresenter{Binding: b, SDJWT: &presentation.SDJWTVCPresenter{Signer: e.holder}})
	require.NoError(e.t, err)
	return tok
}

type postOptions struct {
	enc     string
	jwk     map[string]any // encrypt to this key instead
	header  map[string]any
	plain   bool // post unencrypted even for direct_post.jwt
	state   string
	rawForm url.Values
}

// responseForm builds the form a wallet posts.
func (e *env) responseForm(claims *oid4vp.AuthorizationRequest, tok dcql.VPToken, o postOptions) url.Values {
	e.t.Helper()
	if o.rawForm != nil {
		return o.rawForm
	}
	state := claims.State
	if o.state != "" {
		state = o.state
	}
	r := &oid4vp.AuthorizationResponse{VPToken: tok, State: state}
	if claims.ResponseMode == oid4vp.ResponseModeDirectPostJWT && !o.plain {
		payload, err := json.Marshal(r)
		require.NoError(e.t, err)
		key := o.jwk
		if key == nil {
			key = firstJWK(e.t, claims)
		}
		jwe, err := jose.Encrypt(payload, key, jose.EncryptOptions{Enc: o.enc, Header: o.header})
		require.NoError(e.t, err)
		return url.Values{"response": {jwe}}
	}
	f, err := r.Values()
	require.NoError(e.t, err)
	return f
}

func firstJWK(t testing.TB, claims *oid4vp.AuthorizationRequest) map[string]any {
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(claims.ClientMetadata.JWKS, &set))
	return set.Keys[0]
}

func (e *env) post(uri string, form url.Values) (int, []byte) {
	e.t.Helper()
	resp, err := e.http.Post(uri, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func errorCode(t testing.TB, body []byte) string {
	e, err := oid4vp.ParseError(bytes.TrimSpace(body))
	require.NoError(t, err, string(body))
	return e.Code
}

func decodeStd(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func bufCopy(w io.Writer, resp *http.Response) (int64, error) {
	defer resp.Body.Close()
	return io.Copy(w, resp.Body)
}

func newRequest(method, uri string) (*http.Request, error) { return http.NewRequest(method, uri, nil) }

func randRead(b []byte) (int, error) { return rand.Read(b) }

func hexString(b []byte) string { return hex.EncodeToString(b) }

// clientsOf returns a resolver with the env's client, rebuilt from the
// same signer for a second replica.
func clientsOf(t *testing.T, e *env, _ *verifier.Verifier) verifier.ClientResolver {
	c, err := verifier.NewDIDClient(e.signer, e.base, verifier.ClientOptions{})
	require.NoError(t, err)
	return verifier.StaticClients{"acme": c}
}
