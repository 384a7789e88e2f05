package did_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/internal/testkeys"
)

// Issue #10 item 3: an Ed25519 key of small order (or a non-canonical
// encoding) in a did:key, a did:jwk, a Multikey or a legacy publicKeyBase58
// is rejected when parsed, with an error matching did.ErrInvalidPublicKey
// and crypto.ErrWeakKey. Before the fix the canonical small-order points
// were accepted (only off-curve and x = 0 with the sign bit were refused).
func TestSmallOrderEd25519Rejected(t *testing.T) {
	ctx := context.Background()
	weak := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, did.ErrInvalidPublicKey) || !errors.Is(err, crypto.ErrWeakKey) {
			t.Fatalf("%s: %v; want ErrInvalidPublicKey and crypto.ErrWeakKey", what, err)
		}
	}
	for _, k := range testkeys.SmallOrderEd25519 {
		t.Run(k.Name, func(t *testing.T) {
			raw := append([]byte{0xed, 0x01}, k.Key...)
			doc, err := did.KeyMethod{}.Resolve(ctx, keyDIDFromBytes(t, raw))
			weak(t, "did:key", err)
			if doc != nil || did.ErrorCode(err) != "invalidPublicKey" {
				t.Fatalf("did:key: document %v, code %q", doc, did.ErrorCode(err))
			}
			_, _, err = did.DecodeMultikey("z" + base58(raw))
			weak(t, "Multikey", err)
			jwk := `{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(k.Key) + `"}`
			_, err = did.JWKMethod{}.Resolve(ctx, jwkDID(jwk))
			weak(t, "did:jwk", err)
			vm := did.VerificationMethod{ID: "did:example:a#k", Type: did.TypeEd25519VerificationKey2018,
				Controller: "did:example:a", PublicKeyBase58: base58(k.Key)}
			_, err = vm.PublicKey()
			weak(t, "publicKeyBase58", err)
			_, err = did.X25519FromEd25519(k.Key)
			weak(t, "X25519FromEd25519", err)
		})
	}
}
