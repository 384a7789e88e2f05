package jose_test

import (
	"context"
	gocrypto "crypto"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/testkeys"
)

// forger "signs" with R = identity, S = 0 and records whether Go's
// crypto/ed25519 accepts that signature under key for the signing input.
type forger struct {
	key      ed25519.PublicKey
	verified bool
}

func (f *forger) Algorithm() crypto.Algorithm { return crypto.EdDSA }
func (f *forger) KID() string                 { return "" }
func (f *forger) SignMessage(_ context.Context, msg []byte) ([]byte, error) {
	sig := testkeys.ForgedEd25519Signature()
	f.verified = ed25519.Verify(f.key, msg, sig)
	return sig, nil
}

// Issue #10 item 3 through crypto/jose: a JWT "signed" by nobody (R =
// identity, S = 0) under a small-order Ed25519 key. The standard library
// accepts the signature; jose.Verify must not, whether the key is given
// directly (ErrSignature + crypto.ErrWeakKey) or comes from a JWK
// (ErrNoKey + crypto.ErrWeakKey). Before the fix both verified.
func TestVerifyRejectsSmallOrderEd25519(t *testing.T) {
	ctx := context.Background()
	for _, k := range testkeys.SmallOrderEd25519 {
		t.Run(k.Name, func(t *testing.T) {
			jwk := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(k.Key)}
			f := &forger{key: k.Key}
			var token string
			for i := 0; i < 400 && !f.verified; i++ {
				var err error
				token, err = jose.SignJWT(ctx, f, map[string]any{"typ": "JWT", "jwk": jwk}, map[string]any{"sub": "victim", "n": i})
				if err != nil {
					t.Fatal(err)
				}
			}
			if !f.verified {
				t.Fatal("no forgery found")
			}
			po := jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.EdDSA}, Typ: []string{"JWT"}}
			_, err := jose.Verify(ctx, token, jose.VerifyOptions{ParseOptions: po, Key: k.Key})
			if !errors.Is(err, jose.ErrSignature) || !errors.Is(err, crypto.ErrWeakKey) {
				t.Fatalf("Verify with the key = %v; want ErrSignature and crypto.ErrWeakKey", err)
			}
			fromJWK := jose.KeyResolverFunc(func(_ context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
				return crypto.PublicKeyFromJWK(j.Header.JWK)
			})
			_, err = jose.Verify(ctx, token, jose.VerifyOptions{ParseOptions: po, Resolver: fromJWK})
			if !errors.Is(err, jose.ErrNoKey) || !errors.Is(err, crypto.ErrWeakKey) {
				t.Fatalf("Verify with the header JWK = %v; want ErrNoKey and crypto.ErrWeakKey", err)
			}
		})
	}
}
