package wallet_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/presentation"
)

// A machine wallet accepts a pre-authorized offer with a transaction code
// end to end: metadata, token, nonce, key proof, credential, verification
// and storage. The issuer runs in process behind a TLS test server.
func Example() {
	ctx := context.Background()

	// The issuer side (see oid4vci/issuer).
	engine, _ := local.New(local.Options{})
	credRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme"}, ID: "credentials"}
	tokenRef := crypto.KeyRef{Context: crypto.Context{Namespace: "acme"}, ID: "tokens"}
	engine.GenerateKey(ctx, credRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	engine.GenerateKey(ctx, tokenRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	credSigner, issuerDID, _ := did.NewKeyDIDSigner(ctx, engine, credRef, crypto.ES256)
	tokenSigner, _ := jose.NewKeySigner(ctx, engine, tokenRef, crypto.ES256)
	plugin, _ := issuer.NewSDJWTPlugin(nil, issuer.SDJWTCredential{
		ID: "employee", Signer: credSigner, IssuerID: issuerDID,
		Configuration: oid4vci.CredentialConfiguration{
			Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/employee",
			CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
			ProofTypesSupported: map[string]*oid4vci.ProofTypeMetadata{
				oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}},
			},
		},
	})
	mux := http.NewServeMux()
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	pins := make(chan string, 1)
	iss, _ := issuer.New(issuer.Config{
		Issuer: srv.URL + "/tenants/acme", Signer: tokenSigner, Plugins: []issuer.Plugin{plugin},
		DeliverTxCode: func(_ context.Context, d issuer.TxCodeDelivery) error { pins <- d.Code; return nil },
	})
	mux.Handle("/", iss.Handler())
	offer, _ := iss.CreateOffer(ctx, issuer.OfferRequest{
		ConfigurationIDs: []string{"employee"}, Claims: map[string]any{"given_name": "Erika"},
		TxCode: &oid4vci.TxCode{Length: 6},
	})

	// The wallet side.
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	fetcher := fetch.New(fetch.Options{AllowLoopback: true, RootCAs: roots}) // test server on loopback
	validator, _ := presentation.NewDefaultValidator(presentation.TrustedIssuers{issuerDID},
		presentation.WithFetcher(fetcher), presentation.SkipStatusCheck())
	walletKeys, _ := local.New(local.Options{})
	holderRef := crypto.KeyRef{Context: crypto.Context{Namespace: "wallet"}, ID: "holder"}
	walletKeys.GenerateKey(ctx, holderRef, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	holder, _ := wallet.NewHolderKey(ctx, walletKeys, holderRef, crypto.ES256)
	w, err := wallet.New(wallet.Config{
		Fetcher: fetcher, Validator: validator, HolderKeys: []*wallet.HolderKey{holder},
		ClientID: "machine-wallet-1", InsecureAllowLoopback: true,
		TxCode: func(ctx context.Context, tx *oid4vci.TxCode) (string, error) { return <-pins, nil },
	}, wallet.WithHTTPClient(srv.Client()))
	if err != nil {
		panic(err)
	}
	stored, err := w.AcceptOffer(ctx, offer.Link)
	if err != nil {
		panic(err)
	}
	for _, c := range stored {
		fmt.Println(c.Format, c.VCT, c.HolderKeyThumbprint == holder.Thumbprint())
	}
	// Output:
	// dc+sd-jwt https://credentials.example.com/employee true
}
