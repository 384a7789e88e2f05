package wallet_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/presentation"
)

func fuzzWallet(t testing.TB) *wallet.Client {
	ctx := context.Background()
	eng, err := local.New(local.Options{})
	must(t, err)
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "w"}, ID: "h"}
	_, err = eng.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	must(t, err)
	hk, err := wallet.NewHolderKey(ctx, eng, ref, "")
	must(t, err)
	v, err := presentation.NewDefaultValidator(nil, presentation.InsecureSkipTrust(), presentation.SkipStatusCheck())
	must(t, err)
	// No consent hook: offers by reference are refused, so nothing is fetched.
	w, err := wallet.New(wallet.Config{Fetcher: fetch.New(fetch.Options{}), Validator: v, HolderKeys: []*wallet.HolderKey{hk}})
	must(t, err)
	return w
}

// FuzzResolveOffer: any input yields an offer or a typed error, never a
// panic and never a fetch.
func FuzzResolveOffer(f *testing.F) {
	for _, s := range []string{
		`openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fi.example%22%2C%22credential_configuration_ids%22%3A%5B%22a%22%5D%7D`,
		`openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1`,
		`https://wallet.example/offer?credential_offer=%7B%7D`,
		`{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"x","tx_code":{"length":4}}}}`,
		`{"credential_issuer":"https://i.example","credential_configuration_ids":["a","a"]}`,
		"",
	} {
		f.Add(s)
	}
	w := fuzzWallet(f)
	f.Fuzz(func(t *testing.T, in string) {
		o, err := w.ResolveOffer(context.Background(), in)
		if err != nil {
			if !errors.Is(err, wallet.ErrOffer) && !errors.Is(err, wallet.ErrConsent) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if o.CredentialIssuer == "" || len(o.ConfigurationIDs()) == 0 {
			t.Fatalf("accepted an offer without issuer or configurations: %+v", o)
		}
	})
}

// FuzzCheckMetadata: metadata the parser accepts passes the wallet's
// endpoint checks only when every endpoint is https and not loopback.
func FuzzCheckMetadata(f *testing.F) {
	f.Add([]byte(`{"credential_issuer":"https://i.example","credential_endpoint":"https://i.example/c","nonce_endpoint":"https://i.example/n","credential_configurations_supported":{"a":{"format":"dc+sd-jwt","vct":"https://v.example"}}}`))
	f.Add([]byte(`{"credential_issuer":"https://i.example","credential_endpoint":"http://i.example/c","credential_configurations_supported":{}}`))
	f.Add([]byte(`{"credential_issuer":"https://i.example","credential_endpoint":"https://127.0.0.1/c","authorization_servers":["https://localhost"],"credential_configurations_supported":{}}`))
	w := fuzzWallet(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := oid4vci.Parser{}.IssuerMetadata(b)
		if err != nil {
			return
		}
		if err := w.CheckMetadata(md); err != nil {
			if !errors.Is(err, wallet.ErrMetadata) {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		raw, _ := json.Marshal(md)
		for _, u := range []string{md.CredentialEndpoint, md.NonceEndpoint, md.DeferredCredentialEndpoint, md.NotificationEndpoint} {
			if u != "" && !httpsNonLoopback(u) {
				t.Fatalf("accepted endpoint %q in %s", u, raw)
			}
		}
	})
}
