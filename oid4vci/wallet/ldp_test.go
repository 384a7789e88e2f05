package wallet_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/presentation"
)

// TestLDPVC: an ldp_vc (VCDM 2.0, eddsa-rdfc-2022) bound to the wallet's
// did:key (the proof's kid is the DID URL), verified by the Data Integrity
// verifier of the Validator and stored.
func TestLDPVC(t *testing.T) {
	var issuerDID string
	e := newEnv(t, func(c *issuer.Config, e *env) {
		ctx := context.Background()
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme"}, ID: "ldp"}
		_, err := e.engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
		must(t, err)
		d, vm, err := did.NewKeyDIDFromEngine(ctx, e.engine, ref)
		must(t, err)
		issuerDID = d
		signer, err := dataintegrity.NewKeySigner(ctx, e.engine, ref, vm)
		must(t, err)
		reg, err := did.NewRegistry(did.KeyMethod{})
		must(t, err)
		proc, err := dataintegrity.New(dataintegrity.Config{Resolver: did.NewKeyResolver(reg, did.KeyResolverOptions{})})
		must(t, err)
		lp, err := issuer.NewLDPVCPlugin(nil, issuer.LDPVCCredential{
			ID: "degree_ldp", Processor: proc, Signer: signer, Suite: dataintegrity.EdDSARDFC2022, IssuerID: d, Validity: time.Hour,
			Configuration: oid4vci.CredentialConfiguration{
				Format:                               oid4vci.FormatLDPVC,
				CredentialDefinition:                 &oid4vci.CredentialDefinition{Context: []any{"https://www.w3.org/ns/credentials/v2"}, Type: []string{"VerifiableCredential"}},
				CryptographicBindingMethodsSupported: []string{"did:key"},
				ProofTypesSupported:                  map[string]*oid4vci.ProofTypeMetadata{oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}}},
			},
		})
		must(t, err)
		c.Plugins = append(c.Plugins, lp)
	})
	link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{"degree_ldp"}, Claims: map[string]any{"name": "Erika Mustermann"}})
	w := e.wallet(walletOpts{trust: presentation.TrustedIssuers{issuerDID}})
	got, err := w.AcceptOffer(context.Background(), link)
	must(t, err)
	if len(got) != 1 || got[0].Format != oid4vci.FormatLDPVC || got[0].HolderKeyThumbprint == "" {
		t.Fatalf("%+v", got)
	}
	if s, _ := w.Store().List(context.Background(), wallet.Filter{Format: oid4vci.FormatLDPVC}); len(s) != 1 {
		t.Fatal("not stored")
	}
}
