package verifier_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
)

// A verifier with a did:key identity serves its signed Request Objects
// and response endpoint per tenant, and creates a transaction whose link
// goes into a QR code.
func ExampleVerifier() {
	ctx := context.Background()
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "verifier"}, ID: "request-signing"}
	if _, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		fmt.Println(err)
		return
	}
	signer, _, err := did.NewKeyDIDSigner(ctx, engine, ref, crypto.ES256)
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux) // a deployment serves https
	defer srv.Close()
	client, err := verifier.NewDIDClient(signer, srv.URL+"/tenants/acme/oid4vp", verifier.ClientOptions{InsecureAllowHTTP: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := verifier.New(verifier.Config{
		Clients:      verifier.StaticClients{"acme": client},
		ResponseMode: oid4vp.ResponseModeDirectPostJWT, // the default (HAIP)
		// A real validator resolves issuer keys and checks status
		// (see examples/demo).
		Validator: presentation.NewValidator(presentation.ValidatorConfig{Trust: presentation.TrustedIssuers{"did:web:issuer.example"}}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux.Handle("/tenants/{tenant}/oid4vp/", v.Handler())

	query, _ := dcql.Parse([]byte(`{"credentials":[{"id":"pid","format":"dc+sd-jwt",
	  "meta":{"vct_values":["urn:eudi:pid:1"]},"claims":[{"path":["given_name"]}]}]}`))
	tx, err := v.Create(ctx, verifier.CreateRequest{Tenant: "acme", Query: query})
	if err != nil {
		fmt.Println(err)
		return
	}
	link, _ := tx.Link("openid4vp://")
	fmt.Println(strings.HasPrefix(link, "openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3A"))

	// The wallet fetches the Request Object from request_uri.
	resp, err := http.Get(tx.Request.RequestURI)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))

	// The process that created the transaction polls with its secret.
	res, _ := v.Result(ctx, "acme", tx.ID, tx.Secret)
	fmt.Println(res.Status)
	// Output:
	// true
	// 200 application/oauth-authz-req+jwt
	// request_fetched
}
