package wallet_test

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// TestSignedMetadata: with a signed-metadata policy the wallet asks for
// application/jwt and uses the metadata only when it verifies; an issuer
// that serves only unsigned metadata, or signs with another key, is
// refused before the token endpoint.
func TestSignedMetadata(t *testing.T) {
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := []struct {
		name   string
		sign   bool
		key    func(signer *jose.KeySigner) gocrypto.PublicKey
		wantOK bool
	}{
		{"signed, right key", true, func(s *jose.KeySigner) gocrypto.PublicKey { return s.Public() }, true},
		{"signed, other key", true, func(*jose.KeySigner) gocrypto.PublicKey { return other.Public() }, false},
		{"unsigned", false, func(s *jose.KeySigner) gocrypto.PublicKey { return s.Public() }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var signer *jose.KeySigner
			e := newEnv(t, func(c *issuer.Config, _ *env) {
				signer = c.Signer.(*jose.KeySigner)
				if tc.sign {
					c.MetadataSigner = signer
				}
			})
			link, _ := e.offer(issuerOfferPID())
			w := e.wallet(walletOpts{mod: func(c *wallet.Config) {
				c.SignedMetadataKeys = jose.KeyResolverFunc(func(context.Context, *jose.JWS) (gocrypto.PublicKey, error) { return tc.key(signer), nil })
			}})
			got, err := w.AcceptOffer(context.Background(), link)
			if tc.wantOK {
				must(t, err)
				if len(got) != 1 {
					t.Fatal(len(got))
				}
				return
			}
			if !errors.Is(err, wallet.ErrMetadata) || len(e.requests("/token")) != 0 {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func issuerOfferPID() issuer.OfferRequest {
	return issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims}
}
