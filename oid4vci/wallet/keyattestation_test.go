package wallet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// attester signs key attestations for the wallet's keys.
type attester struct {
	signer *jose.KeySigner
	calls  int
}

func (a *attester) KeyAttestation(ctx context.Context, keys []*wallet.HolderKey, nonce string, req *oid4vci.KeyAttestationsRequired) (string, error) {
	a.calls++
	var jwks []any
	for _, k := range keys {
		jwks = append(jwks, k.PublicJWK())
	}
	c := map[string]any{"iss": "https://attester.example", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		"attested_keys": jwks, "key_storage": []string{oid4vci.ISO18045High}}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return jose.SignJWT(ctx, a.signer, map[string]any{"typ": oid4vci.KeyAttestationJWTType}, c)
}

// TestKeyAttestation: configurations with key_attestations_required get a
// key_attestation in every jwt proof header, and the attestation proof
// type a single attestation for all keys of a batch; without a provider
// the wallet refuses before the credential endpoint.
func TestKeyAttestation(t *testing.T) {
	ctx := context.Background()
	att := &attester{}
	e := newEnv(t, func(c *issuer.Config, e *env) {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "att"}, ID: "attester-1"}
		_, err := e.engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256, KID: "attester-1"})
		must(t, err)
		att.signer, err = jose.NewKeySigner(ctx, e.engine, ref, crypto.ES256)
		must(t, err)
		trusted := jose.NewTrustedKeys()
		must(t, trusted.Add("https://attester.example", "attester-1", att.signer.Public()))
		c.KeyAttesters = trusted
		req := &oid4vci.KeyAttestationsRequired{KeyStorage: []string{oid4vci.ISO18045High}}
		mk := func(id, ptype string) issuer.SDJWTCredential {
			return issuer.SDJWTCredential{ID: id, Signer: e.signer, IssuerID: e.issuerDID, Configuration: oid4vci.CredentialConfiguration{
				Format: oid4vci.FormatSDJWTVC, VCT: vctPID, CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
				ProofTypesSupported: map[string]*oid4vci.ProofTypeMetadata{ptype: {ProofSigningAlgValuesSupported: []string{"ES256"}, KeyAttestationsRequired: req}},
			}}
		}
		p, err := issuer.NewSDJWTPlugin(nil, mk("pid_haip", oid4vci.ProofTypeJWT), mk("pid_att", oid4vci.ProofTypeAttestation))
		must(t, err)
		c.Plugins = []issuer.Plugin{p}
	})
	cases := []struct {
		name, id string
		keys     int
	}{
		{"jwt proof with key_attestation", "pid_haip", 1},
		{"jwt proofs of a batch", "pid_haip", 2},
		{"attestation proof type", "pid_att", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{tc.id}, Claims: pidClaims})
			w := e.wallet(walletOpts{keys: tc.keys, mod: func(c *wallet.Config) { c.KeyAttestations, c.Batch = att, tc.keys }})
			before := att.calls
			got, err := w.AcceptOffer(ctx, link)
			must(t, err)
			if len(got) != tc.keys || att.calls != before+1 {
				t.Fatalf("got %d credentials, %d attestations", len(got), att.calls-before)
			}
		})
	}
	t.Run("no provider", func(t *testing.T) {
		link, _ := e.offer(issuer.OfferRequest{ConfigurationIDs: []string{"pid_haip"}, Claims: pidClaims})
		n := len(e.requests("/credential"))
		_, err := e.wallet(walletOpts{}).AcceptOffer(ctx, link)
		if !errors.Is(err, wallet.ErrUnsupported) || len(e.requests("/credential")) != n {
			t.Fatalf("err = %v", err)
		}
	})
}
