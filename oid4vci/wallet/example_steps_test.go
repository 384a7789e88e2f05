package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/presentation"
)

// ResolveOffer reads an offer link (or the offer JSON itself); an offer by
// reference is fetched only when the consent hook agrees.
func ExampleClient_ResolveOffer() {
	ctx := context.Background()
	keys, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "wallet"}, ID: "holder"}
	keys.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	holder, _ := wallet.NewHolderKey(ctx, keys, ref, crypto.ES256)
	validator, _ := presentation.NewDefaultValidator(presentation.TrustedIssuers{"did:web:issuer.example.com"})
	w, _ := wallet.New(wallet.Config{
		Fetcher: fetch.New(fetch.Options{}), Validator: validator, HolderKeys: []*wallet.HolderKey{holder},
		ConsentOfferURI: func(ctx context.Context, uri string) error { return errors.New("not now") },
	})
	offer := `{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"],` +
		`"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"abc","tx_code":{"length":6}}}}`
	o, err := w.ResolveOffer(ctx, "openid-credential-offer://?credential_offer="+url.QueryEscape(offer))
	fmt.Println(o.CredentialIssuer, o.ConfigurationIDs(), o.Grants.PreAuthorizedCode.TxCodeRequired(), err)
	_, err = w.ResolveOffer(ctx, "openid-credential-offer://?credential_offer_uri="+url.QueryEscape("https://issuer.example.com/offers/1"))
	fmt.Println(errors.Is(err, wallet.ErrConsent))
	// Output:
	// https://issuer.example.com [pid] true <nil>
	// true
}

// A MemoryStore keeps credentials; List filters by issuer, format, vct or
// type.
func ExampleMemoryStore() {
	ctx := context.Background()
	s := wallet.NewMemoryStore()
	s.Put(ctx, &wallet.StoredCredential{ID: "1", Format: "dc+sd-jwt", VCT: "https://credentials.example.com/pid"})
	s.Put(ctx, &wallet.StoredCredential{ID: "2", Format: "jwt_vc_json", Types: []string{"VerifiableCredential", "EmployeeCredential"}})
	pids, _ := s.List(ctx, wallet.Filter{VCT: "https://credentials.example.com/pid"})
	employees, _ := s.List(ctx, wallet.Filter{Type: "EmployeeCredential"})
	fmt.Println(len(pids), pids[0].ID, len(employees), employees[0].ID)
	// Output:
	// 1 1 1 2
}
