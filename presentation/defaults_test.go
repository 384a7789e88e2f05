package presentation_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

// defaultsWorld: one engine, a TLS loopback server serving status lists
// and did:web documents, and an issuer key per mechanism.
type defaultsWorld struct {
	ctx     context.Context
	engine  *local.Engine
	srv     *httptest.Server
	mux     *http.ServeMux
	fetcher *fetch.Fetcher
	holder  *jose.KeySigner
	holderJ map[string]any
}

func newDefaultsWorld(t *testing.T) *defaultsWorld {
	t.Helper()
	w := &defaultsWorld{ctx: context.Background(), mux: http.NewServeMux()}
	var err error
	w.engine, err = local.New(local.Options{})
	require.NoError(t, err)
	w.srv = httptest.NewTLSServer(w.mux)
	t.Cleanup(w.srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(w.srv.Certificate())
	w.fetcher = fetch.New(fetch.Options{AllowLoopback: true, RootCAs: pool})
	w.holder = w.signer(t, "holder", crypto.KeyTypeEd25519)
	w.holderJ, err = w.holder.JWK()
	require.NoError(t, err)
	return w
}

func (w *defaultsWorld) signer(t *testing.T, id string, kt crypto.KeyType) *jose.KeySigner {
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "t", Group: "g"}, ID: id}
	_, err := w.engine.GenerateKey(w.ctx, ref, crypto.KeySpec{Type: kt})
	require.NoError(t, err)
	s, err := jose.NewKeySigner(w.ctx, w.engine, ref, "")
	require.NoError(t, err)
	return s
}

// statusLists serves the lists of one issuer (signed by signer, iss issuer)
// and returns the allocator.
func (w *defaultsWorld) statusLists(t *testing.T, tenant, issuer string, signer jose.MessageSigner) *statuslist.Allocator {
	store := statuslist.NewMemory()
	uri := func(tn, list string) string { return w.srv.URL + "/" + tenant + "/lists/" + list }
	pub, err := statuslist.NewPublisher(statuslist.PublisherConfig{Store: store, Signer: signer, ListURI: uri,
		Issuer: func(string) string { return issuer }})
	require.NoError(t, err)
	w.mux.Handle("GET /"+tenant+"/lists/{list}", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r.SetPathValue("tenant", "acme")
		pub.Handler().ServeHTTP(rw, r)
	}))
	return statuslist.NewAllocator(store, statuslist.WithListURI(uri))
}

func (w *defaultsWorld) issue(t *testing.T, signer jose.MessageSigner, iss string, alloc *statuslist.Allocator) (string, statuslist.Allocation) {
	claims := map[string]any{"iss": iss, "vct": "https://credentials.example.com/employee", "iat": time.Now().Unix(),
		"exp": time.Now().Add(time.Hour).Unix(), "given_name": "Alice", "role": "engineer"}
	var a statuslist.Allocation
	if alloc != nil {
		var err error
		a, err = alloc.Allocate(w.ctx, "acme", "employees", statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2})
		require.NoError(t, err)
		claims["status"], err = statuslist.NewStatusListClaim(a)
		require.NoError(t, err)
	}
	sd, err := vc.Issue(w.ctx, signer, claims, sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"given_name"}, {"role"}}, HolderJWK: w.holderJ})
	require.NoError(t, err)
	return sd.String(), a
}

func (w *defaultsWorld) present(t *testing.T, raw string) (string, presentation.PresentationOptions) {
	b := presentation.Binding{Nonce: "n-0S6_WzA2Mj-defaults", Audience: "x509_san_dns:verifier.example.org"}
	pres, err := (&presentation.SDJWTVCPresenter{Signer: w.holder}).PresentSDJWT(w.ctx, raw, []vocab.ClaimPath{{"role"}}, b)
	require.NoError(t, err)
	return pres, presentation.PresentationOptions{Nonce: b.Nonce, Audience: b.Audience}
}

func TestNewDefaultValidator(t *testing.T) {
	w := newDefaultsWorld(t)

	// did:key issuer, its lists signed with the same key.
	keyRef := crypto.KeyRef{Context: crypto.Context{Namespace: "t", Group: "g"}, ID: "didkey"}
	_, err := w.engine.GenerateKey(w.ctx, keyRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	require.NoError(t, err)
	keySigner, keyDID, err := did.NewKeyDIDSigner(w.ctx, w.engine, keyRef, "")
	require.NoError(t, err)
	keyLists := w.statusLists(t, "didkey", keyDID, keySigner)

	// did:web issuer on the loopback TLS server.
	webSigner := w.signer(t, "didweb", crypto.KeyTypeECP256)
	u, _ := url.Parse(w.srv.URL)
	webDID, err := did.NewWebDID(u.Host)
	require.NoError(t, err)
	doc, err := did.NewWebDocument(webDID, []*crypto.Key{webSigner.Key()}, did.WebDocumentOptions{})
	require.NoError(t, err)
	docJSON, err := json.Marshal(doc)
	require.NoError(t, err)
	w.mux.HandleFunc("GET /.well-known/did.json", func(rw http.ResponseWriter, _ *http.Request) { rw.Write(docJSON) })
	webSigner = webSigner.WithKID(doc.VerificationMethod[0].ID)
	webLists := w.statusLists(t, "didweb", webDID, webSigner)

	// Static key issuer (no DID, no metadata): configured keys.
	staticSigner := w.signer(t, "static", crypto.KeyTypeECP256).WithKID("static-1")
	trusted := jose.NewTrustedKeys()
	require.NoError(t, trusted.Add("https://static.example", "static-1", staticSigner.Public()))
	staticLists := w.statusLists(t, "static", "https://static.example", staticSigner)

	// An issuer nobody trusts, and an untrusted list signer for a trusted issuer.
	rogue, rogueDID, err := did.NewKeyDIDSigner(w.ctx, w.engine, func() crypto.KeyRef {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "t", Group: "g"}, ID: "rogue"}
		_, err := w.engine.GenerateKey(w.ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
		require.NoError(t, err)
		return ref
	}(), "")
	require.NoError(t, err)
	rogueLists := w.statusLists(t, "rogue", rogueDID, rogue)

	newValidator := func(t *testing.T) *presentation.Validator {
		v, err := presentation.NewDefaultValidator(
			presentation.TrustedIssuers{keyDID, webDID, "https://static.example"},
			presentation.WithFetcher(w.fetcher),
			presentation.WithDIDResolver(did.NewCachingResolver(did.NewDefaultRegistry(w.fetcher, did.WebOptions{InsecureAllowLoopback: true}), did.CacheOptions{})),
			presentation.WithTrustedKeys(trusted),
		)
		require.NoError(t, err)
		return v
	}
	v := newValidator(t)

	for _, c := range []struct {
		name   string
		signer jose.MessageSigner
		iss    string
		lists  *statuslist.Allocator
	}{
		{"did:key", keySigner, keyDID, keyLists},
		{"did:web", webSigner, webDID, webLists},
		{"static keys", staticSigner, "https://static.example", staticLists},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, a := w.issue(t, c.signer, c.iss, c.lists)
			held, err := v.Verify(w.ctx, vocab.FormatSDJWTVC, raw)
			require.NoError(t, err)
			require.Equal(t, c.iss, held.Issuer)
			pres, po := w.present(t, raw)
			got, err := v.VerifyPresentation(w.ctx, vocab.FormatSDJWTVC, pres, po)
			require.NoError(t, err)
			require.Equal(t, "engineer", got.Credentials[0].Claims["role"])
			require.Nil(t, got.Credentials[0].Claims["given_name"])

			require.NoError(t, c.lists.Suspend(w.ctx, "acme", a.ListID, a.Index))
			_, err = newValidator(t).VerifyPresentation(w.ctx, vocab.FormatSDJWTVC, pres, po)
			require.ErrorIs(t, err, presentation.ErrSuspended)
			require.NoError(t, c.lists.Revoke(w.ctx, "acme", a.ListID, a.Index))
			_, err = newValidator(t).VerifyPresentation(w.ctx, vocab.FormatSDJWTVC, pres, po)
			require.ErrorIs(t, err, presentation.ErrRevoked)
			require.NotErrorIs(t, err, presentation.ErrSuspended)
		})
	}

	t.Run("untrusted issuer", func(t *testing.T) {
		raw, _ := w.issue(t, rogue, rogueDID, rogueLists)
		_, err := v.Verify(w.ctx, vocab.FormatSDJWTVC, raw)
		require.ErrorIs(t, err, presentation.ErrUntrustedIssuer)
	})
	t.Run("status list signed by an untrusted issuer", func(t *testing.T) {
		// A trusted issuer's credential pointing at a list that the rogue
		// issuer signs: the list's status cannot be established.
		a, err := rogueLists.Allocate(w.ctx, "acme", "employees", statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2})
		require.NoError(t, err)
		claim, err := statuslist.NewStatusListClaim(a)
		require.NoError(t, err)
		sd, err := vc.Issue(w.ctx, keySigner, map[string]any{"iss": keyDID, "vct": "https://credentials.example.com/employee",
			"iat": time.Now().Unix(), "status": claim}, sdjwt.IssueOptions{HolderJWK: w.holderJ})
		require.NoError(t, err)
		_, err = v.Verify(w.ctx, vocab.FormatSDJWTVC, sd.String())
		require.ErrorIs(t, err, presentation.ErrStatusUnavailable)
		require.ErrorContains(t, err, "status list signed by an untrusted issuer")
		require.NotErrorIs(t, err, presentation.ErrRevoked)
	})
	t.Run("jwt_vc_json with a did:key issuer", func(t *testing.T) {
		tok, err := w3c.SignCredentialJWT(w.ctx, keySigner, &w3c.Credential{
			Context: w3c.Many[any](w3c.ContextV1), Type: w3c.Many("VerifiableCredential"), Issuer: &w3c.Issuer{ID: keyDID},
			IssuanceDate:      time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
			CredentialSubject: w3c.One(map[string]any{"id": "did:example:alice", "role": "engineer"}),
		}, w3c.SignOptions{})
		require.NoError(t, err)
		c, err := v.Verify(w.ctx, vocab.FormatJWTVCJSON, tok)
		require.NoError(t, err)
		require.Equal(t, keyDID, c.Issuer)
	})
	t.Run("trust policy required", func(t *testing.T) {
		_, err := presentation.NewDefaultValidator(nil)
		require.ErrorIs(t, err, presentation.ErrConfig)
		_, err = presentation.NewDefaultValidator(nil, presentation.InsecureSkipTrust())
		require.NoError(t, err)
	})
	t.Run("default fetcher refuses loopback", func(t *testing.T) {
		d, err := presentation.NewDefaultValidator(presentation.TrustedIssuers{keyDID})
		require.NoError(t, err)
		raw, _ := w.issue(t, keySigner, keyDID, keyLists)
		_, err = d.Verify(w.ctx, vocab.FormatSDJWTVC, raw)
		require.ErrorIs(t, err, presentation.ErrStatusUnavailable)
		require.True(t, errors.Is(err, fetch.ErrBlockedAddress), "%v", err)
	})
}
