package walletsvc_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/walletsvc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

const (
	token   = "test-token-0123456789abcdef"
	cfgPID  = "pid_sd_jwt"
	vctPID  = "urn:eudi:pid:1"
	tenant  = "acme"
	groupA  = "alice"
	groupB  = "bob"
	pidName = "Erika"
)

func pidClaims() map[string]any {
	return map[string]any{"given_name": pidName, "family_name": "Mustermann", "birthdate": "1964-08-12",
		"address": map[string]any{"street_address": "Heidestraße 17", "locality": "Köln", "postal_code": "51147", "country": "DE"}}
}

// env is the library issuer and the library verifier on HTTPS loopback
// servers and the wallet service in front of them.
type env struct {
	t           testing.TB
	ctx         context.Context
	issSrv      *httptest.Server
	verSrv      *httptest.Server
	iss         *issuer.Issuer
	ver         *verifier.Verifier
	issuerDID   string
	verifierID  string
	codes       chan issuer.TxCodeDelivery
	walletEng   *local.Engine
	svc         *walletsvc.Service
	api         *httptest.Server
	storageDir  string
	walletStore *walletsvc.Store
}

type envOpts struct {
	store  func(t testing.TB, eng crypto.Engine) *walletsvc.Store // nil: SQLite in a temp dir
	modify func(*walletsvc.Config)
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx, codes: make(chan issuer.TxCodeDelivery, 64)}

	// Issuer: oid4vci/issuer with an SD-JWT VC PID whose address is
	// disclosable recursively.
	issMux := http.NewServeMux()
	e.issSrv = httptest.NewTLSServer(issMux)
	t.Cleanup(e.issSrv.Close)
	ie, err := local.New(local.Options{})
	require.NoError(t, err)
	cref := crypto.KeyRef{Context: crypto.Context{Namespace: tenant, Group: "issuer"}, ID: "credentials"}
	_, err = ie.GenerateKey(ctx, cref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	require.NoError(t, err)
	credSigner, issuerDID, err := did.NewKeyDIDSigner(ctx, ie, cref, crypto.ES256)
	require.NoError(t, err)
	e.issuerDID = issuerDID
	aref := crypto.KeyRef{Context: crypto.Context{Namespace: tenant, Group: "issuer"}, ID: "tokens"}
	_, err = ie.GenerateKey(ctx, aref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	require.NoError(t, err)
	atSigner, err := jose.NewKeySigner(ctx, ie, aref, crypto.ES256)
	require.NoError(t, err)
	plugin, err := issuer.NewSDJWTPlugin(nil, issuer.SDJWTCredential{
		ID: cfgPID, Signer: credSigner, IssuerID: issuerDID, Validity: 24 * time.Hour,
		Configuration: oid4vci.CredentialConfiguration{Format: oid4vci.FormatSDJWTVC, VCT: vctPID,
			CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
			ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}}},
			CredentialMetadata:                   &oid4vci.CredentialMetadata{Display: []oid4vci.CredentialDisplay{{Name: "PID", Locale: "en"}}}},
		Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}, {"birthdate"}, {"address"},
			{"address", "street_address"}, {"address", "locality"}, {"address", "postal_code"}, {"address", "country"}},
	})
	require.NoError(t, err)
	issuerID := e.issSrv.URL + "/tenants/" + tenant
	e.iss, err = issuer.New(issuer.Config{Issuer: issuerID, Signer: atSigner, Plugins: []issuer.Plugin{plugin},
		DeliverTxCode: func(_ context.Context, d issuer.TxCodeDelivery) error { e.codes <- d; return nil }})
	require.NoError(t, err)
	issMux.Handle("/tenants/"+tenant+"/", e.iss.Handler())
	issMux.Handle(oid4vci.WellKnownIssuerMetadata+"/tenants/"+tenant, e.iss.Handler())
	issMux.Handle("/.well-known/oauth-authorization-server/tenants/"+tenant, e.iss.Handler())

	// Verifier: oid4vp/verifier, decentralized_identifier client.
	verMux := http.NewServeMux()
	e.verSrv = httptest.NewTLSServer(verMux)
	t.Cleanup(e.verSrv.Close)
	vref := crypto.KeyRef{Context: crypto.Context{Namespace: tenant, Group: "verifier"}, ID: "requests"}
	_, err = ie.GenerateKey(ctx, vref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	require.NoError(t, err)
	vSigner, vDID, err := did.NewKeyDIDSigner(ctx, ie, vref, crypto.ES256)
	require.NoError(t, err)
	e.verifierID = string(oid4vp.PrefixDecentralizedIdentifier) + ":" + vDID
	client, err := verifier.NewDIDClient(vSigner, e.verSrv.URL+"/tenants/"+tenant+"/oid4vp", verifier.ClientOptions{})
	require.NoError(t, err)
	dids := did.NewDefaultRegistry(nil, did.WebOptions{})
	sdv, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, KBAlgorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver: &vc.IssuerKeyResolver{DIDs: did.NewKeyResolver(dids, did.KeyResolverOptions{})}}})
	require.NoError(t, err)
	e.ver, err = verifier.New(verifier.Config{Clients: verifier.StaticClients{tenant: client},
		ResponseMode: oid4vp.ResponseModeDirectPostJWT,
		Validator: presentation.NewValidator(presentation.ValidatorConfig{
			Parser: presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{Verifier: sdv}}),
			Trust:  presentation.TrustedIssuers{issuerDID}})})
	require.NoError(t, err)
	verMux.Handle("/tenants/{tenant}/oid4vp/", e.ver.Handler())

	// The wallet service.
	pool := x509.NewCertPool()
	pool.AddCert(e.issSrv.Certificate())
	pool.AddCert(e.verSrv.Certificate())
	e.walletEng, err = local.New(local.Options{})
	require.NoError(t, err)
	auth, err := svc.NewStaticTokens("test:" + token)
	require.NoError(t, err)
	e.storageDir = t.TempDir()
	cfg := walletsvc.Config{
		Engine: e.walletEng, Auth: auth, Storage: svc.Storage{SQLiteDir: e.storageDir},
		TrustedIssuers: []string{issuerDID}, TrustedVerifiers: []string{e.verifierID},
		RootCAs: pool, Fetcher: fetch.New(fetch.Options{AllowLoopback: true, RootCAs: pool}), InsecureLoopback: true,
	}
	if o.store != nil {
		cfg.Store = o.store(t, e.walletEng)
	}
	if o.modify != nil {
		o.modify(&cfg)
	}
	e.svc, err = walletsvc.New(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.svc.Close() })
	e.walletStore = e.svc.Store()
	e.api = httptest.NewServer(e.svc.Handler())
	t.Cleanup(e.api.Close)
	return e
}

// offer creates an offer for the PID with a numeric tx_code and returns
// the link and the code.
func (e *env) offer() (link, code string) {
	e.t.Helper()
	created, err := e.iss.CreateOffer(e.ctx, issuer.OfferRequest{Subject: "erika", ConfigurationIDs: []string{cfgPID},
		Claims: pidClaims(), TxCode: &oid4vci.TxCode{InputMode: "numeric", Length: 6}})
	require.NoError(e.t, err)
	return created.Link, (<-e.codes).Code
}

// call sends a request to the wallet API and decodes the JSON answer.
func (e *env) call(method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.api.URL+path, rd)
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.api.Client().Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	if out != nil && len(raw) > 0 {
		require.NoError(e.t, json.Unmarshal(raw, out), string(raw))
	}
	return res.StatusCode
}

// receive runs retrieve + accept for group and returns the stored
// credential's id.
func (e *env) receive(group string) string {
	e.t.Helper()
	link, code := e.offer()
	var o walletsvc.Offering
	require.Equal(e.t, http.StatusCreated, e.call("PUT", "/v1/tenants/"+tenant+"/offering/retrieve/"+group, map[string]string{"offer": link}, &o))
	var res walletsvc.ClearResult
	st := e.call("DELETE", "/v1/tenants/"+tenant+"/offering/clear/"+group+"/"+o.ID, walletsvc.Acceptance{Accept: true, TxCode: code}, &res)
	require.Equal(e.t, http.StatusOK, st)
	require.Len(e.t, res.Credentials, 1)
	return res.Credentials[0].ID
}

const pidQuery = `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:pid:1"]},
  "claims":[{"path":["given_name"]},{"path":["address","locality"]}]}]}`

// request creates a verifier transaction and returns it with its link.
func (e *env) request(query string) (*verifier.Transaction, string) {
	e.t.Helper()
	q, err := dcql.Parse([]byte(query))
	require.NoError(e.t, err)
	tx, err := e.ver.Create(e.ctx, verifier.CreateRequest{Tenant: tenant, Query: q, ResponseMode: oid4vp.ResponseModeDirectPostJWT})
	require.NoError(e.t, err)
	link, err := tx.Link("openid4vp://")
	require.NoError(e.t, err)
	return tx, link
}
