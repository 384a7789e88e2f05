package did

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
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

// NewKeyDIDSigner returns a JWS signer for an engine key whose kid is the
// DID URL of its did:key verification method, and that DID. Tokens signed
// with it (vc.Issue, w3c.SignCredentialJWT, jose.SignJWT, …) carry the kid
// a DID-based verifier resolves, so the caller sets no header. alg may be
// empty for the key type's default.
func NewKeyDIDSigner(ctx context.Context, e jose.Engine, ref crypto.KeyRef, alg crypto.Algorithm) (*jose.KeySigner, string, error) {
	return newDIDSigner(ctx, e, ref, alg, NewKeyDIDFromEngine)
}

// NewJWKDIDSigner is NewKeyDIDSigner for did:jwk (any asymmetric key type,
// RSA included); the kid is "<did>#0".
func NewJWKDIDSigner(ctx context.Context, e jose.Engine, ref crypto.KeyRef, alg crypto.Algorithm) (*jose.KeySigner, string, error) {
	return newDIDSigner(ctx, e, ref, alg, NewJWKDIDFromEngine)
}

func newDIDSigner(ctx context.Context, e jose.Engine, ref crypto.KeyRef, alg crypto.Algorithm,
	mk func(context.Context, KeyGetter, crypto.KeyRef) (string, string, error)) (*jose.KeySigner, string, error) {
	s, err := jose.NewKeySigner(ctx, e, ref, alg)
	if err != nil {
		return nil, "", err
	}
	d, kid, err := mk(ctx, e, ref)
	if err != nil {
		return nil, "", err
	}
	return s.WithKID(kid), d, nil
}
