package did

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto"
)

// KeyGetter is the part of a key engine (crypto.KeyManager) needed to build
// a DID from an engine key: only the public part is read.
type KeyGetter interface {
	GetKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error)
}

// NewKeyDIDFromEngine returns the did:key of the current version of an
// engine key and the kid (DID URL) to sign with. Ed25519, P-256 and P-384
// keys are supported; RSA keys fail with ErrUnsupportedPublicKeyType (use
// did:jwk).
func NewKeyDIDFromEngine(ctx context.Context, e KeyGetter, ref crypto.KeyRef) (did, kid string, err error) {
	k, err := e.GetKey(ctx, ref)
	if err != nil {
		return "", "", err
	}
	if k.Public == nil {
		return "", "", fmt.Errorf("%w: %s key has no public part", ErrUnsupportedPublicKeyType, k.Type)
	}
	return NewKeyDID(k.Public)
}

// NewJWKDIDFromEngine returns the did:jwk of the current version of an
// engine key (any asymmetric type, RSA included) and the kid ("#0").
func NewJWKDIDFromEngine(ctx context.Context, e KeyGetter, ref crypto.KeyRef) (did, kid string, err error) {
	k, err := e.GetKey(ctx, ref)
	if err != nil {
		return "", "", err
	}
	if k.Public == nil {
		return "", "", fmt.Errorf("%w: %s key has no public part", ErrUnsupportedPublicKeyType, k.Type)
	}
	return NewJWKDID(k.Public)
}
