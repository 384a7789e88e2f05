package dataintegrity

import (
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/testkeys"
)

// Issue #10 item 3: a publicKeyMultibase holding a small-order or
// non-canonical Ed25519 key is ErrInvalidKey + crypto.ErrWeakKey (before
// the fix any 32 bytes were accepted).
func TestDecodeMultikeySmallOrderEd25519(t *testing.T) {
	for _, k := range testkeys.SmallOrderEd25519 {
		t.Run(k.Name, func(t *testing.T) {
			pub, err := DecodeMultikey(multibaseEncode(append(append([]byte(nil), headerEd25519...), k.Key...)))
			if !errors.Is(err, ErrInvalidKey) || !errors.Is(err, crypto.ErrWeakKey) {
				t.Fatalf("DecodeMultikey = %v, %v; want ErrInvalidKey and crypto.ErrWeakKey", pub, err)
			}
		})
	}
}
