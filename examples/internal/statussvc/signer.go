package statussvc

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
)

// ErrKeyRotated reports that the signing key was rotated in the engine
// since the publisher was built: the signature no longer matches the kid
// the token names. The publisher is rebuilt for the next request.
var ErrKeyRotated = errors.New("statussvc: signing key rotated")

// checkedSigner is a jose.MessageSigner over a KeySigner that verifies
// each signature against the public key the kid stands for. Signing is
// rare (a list is re-signed when it changes or its TTL ends), so the check
// costs little, and it turns a rotation behind the service's back into a
// refused publication instead of tokens whose kid names the wrong key.
type checkedSigner struct {
	ks    *jose.KeySigner
	stale atomic.Bool
}

func (c *checkedSigner) Algorithm() crypto.Algorithm { return c.ks.Algorithm() }
func (c *checkedSigner) KID() string                 { return c.ks.KID() }

func (c *checkedSigner) SignMessage(ctx context.Context, msg []byte) ([]byte, error) {
	sig, err := c.ks.SignMessage(ctx, msg)
	if err != nil {
		return nil, err
	}
	if err := crypto.VerifySignature(c.ks.Public(), c.ks.Algorithm(), msg, sig); err != nil {
		c.stale.Store(true)
		return nil, fmt.Errorf("%w: %s no longer signs with kid %s", ErrKeyRotated, c.ks.Key().Ref, c.ks.KID())
	}
	return sig, nil
}
