package issuer_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// An SD-JWT VC issuer for one tenant: keys in the engine, credentials signed
// by a did:key, a pre-authorized offer protected by a transaction code.
func Example() {
	ctx := context.Background()
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
			Format: oid4vci.FormatSDJWTVC, VCT: "https://credentials.example.com/employee", Scope: "employee",
			CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
			ProofTypesSupported: map[string]*oid4vci.ProofTypeMetadata{
				oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}},
			},
		},
	})
	iss, err := issuer.New(issuer.Config{
		Issuer: "https://issuer.example.com/tenants/acme", Signer: tokenSigner, Plugins: []issuer.Plugin{plugin},
		DeliverTxCode: func(ctx context.Context, d issuer.TxCodeDelivery) error { return nil /* e-mail d.Code */ },
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", iss.Handler()) // serves /tenants/acme/token, …/credential, the well-known metadata

	offer, _ := iss.CreateOffer(ctx, issuer.OfferRequest{
		Subject: "employee-42", ConfigurationIDs: []string{"employee"},
		Claims: map[string]any{"given_name": "Erika", "role": "engineer"}, TxCode: &oid4vci.TxCode{Length: 6},
	})
	fmt.Println(strings.HasPrefix(offer.Link, "openid-credential-offer://?credential_offer="))
	fmt.Println(offer.Offer.Grants.PreAuthorizedCode.TxCode.Length)
	// Output:
	// true
	// 6
}
