package wallet_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// Example answers a verifier's request: a wallet holding a PID resolves the
// openid4vp:// link (request_uri, a Request Object signed by a
// decentralized_identifier verifier), selects with DCQL, and posts an
// encrypted direct_post.jwt response with only given_name disclosed.
func Example() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	key := func(ns string) crypto.KeyRef {
		r := crypto.KeyRef{Context: crypto.Context{Namespace: ns, Group: "example"}, ID: "k"}
		_, _ = engine.GenerateKey(ctx, r, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		return r
	}
	issuer, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, key("issuer"), crypto.ES256)
	holderKey, _ := jose.NewKeySigner(ctx, engine, key("holder"), crypto.ES256)
	verifierKey, _, _ := did.NewKeyDIDSigner(ctx, engine, key("verifier"), crypto.ES256)

	// The verifier, on an HTTPS test server.
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	fetcher := fetch.New(fetch.Options{AllowLoopback: true, RootCAs: roots}) // loopback: this example only
	dids := did.NewDefaultRegistry(fetcher, did.WebOptions{})
	sdv, _ := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, KBAlgorithms: []crypto.Algorithm{crypto.ES256},
		KeyResolver: &vc.IssuerKeyResolver{DIDs: did.NewKeyResolver(dids, did.KeyResolverOptions{})}}})
	client, _ := verifier.NewDIDClient(verifierKey, srv.URL+"/acme/oid4vp", verifier.ClientOptions{})
	v, _ := verifier.New(verifier.Config{Clients: verifier.StaticClients{"acme": client},
		Validator: presentation.NewValidator(presentation.ValidatorConfig{
			Parser: presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{Verifier: sdv}}),
			Trust:  presentation.TrustedIssuers{issuerDID}})})
	mux.Handle("/{tenant}/oid4vp/", v.Handler())
	query, _ := dcql.Parse([]byte(`{"credentials":[{"id":"pid","format":"dc+sd-jwt",
	  "meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]}]}`))
	tx, _ := v.Create(ctx, verifier.CreateRequest{Tenant: "acme", Query: query})
	link, _ := tx.Link("openid4vp://")

	// The holder's credential.
	jwk, _ := holderKey.JWK()
	pid, _ := vc.Issue(ctx, issuer, map[string]any{"iss": issuerDID, "vct": "urn:eudi:pid:1",
		"given_name": "Erika", "family_name": "Mustermann", "exp": time.Now().Add(time.Hour).Unix()},
		sdjwt.IssueOptions{Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}}, HolderJWK: jwk})
	holder, _ := presentation.NewHolder(presentation.HolderConfig{Signer: holderKey})
	held, _ := holder.Parse(ctx, vocab.FormatSDJWTVC, pid.String())

	// The wallet answers in a few lines.
	w, err := wallet.New(wallet.Config{
		Holder: holder, Credentials: wallet.StaticCredentials{held},
		Fetcher: fetcher, HTTPClient: srv.Client(), DIDs: dids,
		Consent: func(_ context.Context, r *wallet.Request, s *wallet.Selection) error {
			fmt.Println("verifier:", r.ClientID.Prefix, "asks for", len(s.Result.Selection), "credential")
			return nil // a UI would ask the user here
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := w.Present(ctx, link)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, redirect := out.NextStep()
	fmt.Println("redirect:", redirect)

	res, _ := v.Result(ctx, "acme", tx.ID, tx.Secret)
	c := res.Credentials["pid"][0].Claims
	fmt.Println(res.Status, c["given_name"], c["family_name"])
	// Output:
	// verifier: decentralized_identifier asks for 1 credential
	// redirect: false
	// accepted Erika <nil>
}
