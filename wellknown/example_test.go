package wellknown_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
)

// A tenant's issuer metadata, aggregated from a plugin registration,
// served signed and unsigned, with the JWKS its AS metadata names.
func ExampleServer() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "tenant-a", Group: "metadata"}, ID: "signing"}
	engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	signer, _ := jose.NewKeySigner(ctx, engine, ref, "")

	issuer := "https://issuer.example/tenant-a"
	base := wellknown.StaticMetadata{"tenant-a": &oid4vci.IssuerMetadata{
		CredentialIssuer:         issuer,
		CredentialEndpoint:       issuer + "/credential",
		CredentialConfigurations: map[string]*oid4vci.CredentialConfiguration{},
	}}
	agg, _ := wellknown.NewAggregator(wellknown.AggregatorConfig{Registry: wellknown.NewMemoryRegistry(), Base: base})
	// What an issuance plugin broadcasts on wellknown.issuer.registration.
	err := agg.RegisterConfiguration(ctx, "tenant-a", "issuer.dummycontentsigner", "developer",
		[]byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/developer"}`))
	fmt.Println("registered:", err)

	srv, err := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{
		ID:                  "tenant-a",
		CredentialIssuer:    issuer,
		Metadata:            agg, // the issuer's credential endpoint reads the same source
		MetadataSigner:      signer,
		AuthorizationServer: &wellknown.ASMetadata{Issuer: issuer, TokenEndpoint: issuer + "/token", JWKSURI: "https://issuer.example" + wellknown.PathJWKS},
		Keys:                wellknown.EngineKeys{Engine: engine, Refs: []crypto.KeyRef{ref}, Previous: 1},
		JWKSPath:            wellknown.PathJWKS,
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range srv.Paths() {
		fmt.Println(p)
	}
	for _, accept := range []string{"application/json", "application/jwt"} {
		req := httptest.NewRequest(http.MethodGet, "https://issuer.example/.well-known/openid-credential-issuer/tenant-a", nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	}
	// Output:
	// registered: <nil>
	// /.well-known/jwks.json
	// /.well-known/oauth-authorization-server/tenant-a
	// /.well-known/openid-credential-issuer/tenant-a
	// 200 application/json
	// 200 application/jwt
}

// A wallet fetches issuer metadata through the guarded fetcher; the
// credential_issuer check is part of the fetch.
func ExampleClient_IssuerMetadata() {
	mux := http.NewServeMux()
	ts := httptest.NewTLSServer(mux)
	defer ts.Close()
	issuer := ts.URL + "/tenant-a"
	md := &oid4vci.IssuerMetadata{
		CredentialIssuer:   issuer,
		CredentialEndpoint: issuer + "/credential",
		CredentialConfigurations: map[string]*oid4vci.CredentialConfiguration{
			"pid": {Format: oid4vci.FormatSDJWTVC, VCT: "https://vct.example/pid"},
		},
	}
	srv, _ := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{
		ID: "tenant-a", CredentialIssuer: issuer, Metadata: wellknown.StaticMetadata{"tenant-a": md},
	}}})
	mux.Handle("/", srv.Handler())

	// Tests trust the httptest certificate and allow loopback; production
	// code uses fetch.New(fetch.Options{}).
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	client, _ := wellknown.NewClient(fetch.New(fetch.Options{AllowLoopback: true, RootCAs: roots}), wellknown.ClientOptions{})
	got, err := client.IssuerMetadata(context.Background(), issuer)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.CredentialIssuer == issuer, got.CredentialConfigurations["pid"].VCT)
	// Output: true https://vct.example/pid
}
