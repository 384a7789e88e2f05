package did_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
)

// A token signed with a DID signer carries the DID URL kid without the
// caller setting a header, and a DID key resolver verifies it.
func TestDIDSigner(t *testing.T) {
	ctx := context.Background()
	e, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		kt   crypto.KeyType
		mk   func(context.Context, jose.Engine, crypto.KeyRef, crypto.Algorithm) (*jose.KeySigner, string, error)
	}{
		{"did:key P-256", crypto.KeyTypeECP256, did.NewKeyDIDSigner},
		{"did:key Ed25519", crypto.KeyTypeEd25519, did.NewKeyDIDSigner},
		{"did:jwk RSA", crypto.KeyTypeRSA2048, did.NewJWKDIDSigner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := crypto.KeyRef{Context: crypto.Context{Namespace: "t", Group: "g"}, ID: strings.NewReplacer(":", "-", " ", "-").Replace(tc.name)}
			if _, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: tc.kt}); err != nil {
				t.Fatal(err)
			}
			s, d, err := tc.mk(ctx, e, ref, "")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s.KID(), d+"#") {
				t.Fatalf("kid %q is not a DID URL of %q", s.KID(), d)
			}
			tok, err := jose.SignJWT(ctx, s, nil, map[string]any{"iss": d})
			if err != nil {
				t.Fatal(err)
			}
			kr := did.NewKeyResolver(registry(t), did.KeyResolverOptions{})
			if _, err := jose.Verify(ctx, tok, jose.VerifyOptions{ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256, crypto.EdDSA, crypto.RS256}, AllowAnyTyp: true}, Resolver: kr}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
