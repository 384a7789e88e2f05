package wallet_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// TestDIVPProof: a configuration that takes only di_vp key proofs gets a
// VP per key (holder = the key's did:key, purpose authentication, domain =
// the issuer, challenge = c_nonce, ecdsa-rdfc-2019); the credential is
// bound to the proved key. Without a processor the wallet refuses.
func TestDIVPProof(t *testing.T) {
	ctx := context.Background()
	reg, err := did.NewRegistry(did.KeyMethod{})
	must(t, err)
	proc, err := dataintegrity.New(dataintegrity.Config{Resolver: did.NewKeyResolver(reg, did.KeyResolverOptions{})})
	must(t, err)
	e := newEnv(t, func(c *issuer.Config, e *env) {
		p, err := issuer.NewSDJWTPlugin(nil, issuer.SDJWTCredential{ID: "pid_divp", Signer: e.signer, IssuerID: e.issuerDID,
			Configuration: oid4vci.CredentialConfiguration{Format: oid4vci.FormatSDJWTVC, VCT: vctPID,
				CryptographicBindingMethodsSupported: []string{"did:key"},
				ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeDIVP: {ProofSigningAlgValuesSupported: []string{"ecdsa-rdfc-2019"}}}}})
		must(t, err)
		c.DataIntegrity, c.Plugins = proc, []issuer.Plugin{p}
	})
	for _, keys := range []int{1, 2} {
		link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{"pid_divp"}, Claims: pidClaims})
		w := e.wallet(walletOpts{keys: keys, mod: func(c *wallet.Config) { c.DataIntegrity, c.Batch = proc, keys }})
		got, err := w.AcceptOffer(ctx, link)
		must(t, err)
		if len(got) != keys || got[0].HolderKeyThumbprint == "" {
			t.Fatalf("%+v", got)
		}
	}
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{"pid_divp"}, Claims: pidClaims})
	if _, err := e.wallet(walletOpts{}).AcceptOffer(ctx, link); !errors.Is(err, wallet.ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
}
