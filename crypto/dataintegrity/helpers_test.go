package dataintegrity

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"time"

	wcrypto "github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
)

func rdfcDefaults() rdfc.Options { return rdfc.Options{} }

// stdSigner is a test-only wcrypto.Signer over stdlib private keys (the
// vectors' keys cannot be imported into an engine).
type stdSigner struct{ key crypto.Signer }

func (s stdSigner) Sign(_ context.Context, _ wcrypto.KeyRef, alg wcrypto.Algorithm, msg []byte) ([]byte, error) {
	switch k := s.key.(type) {
	case ed25519.PrivateKey:
		if alg != wcrypto.EdDSA {
			return nil, wcrypto.ErrUnsupportedAlgorithm
		}
		return ed25519.Sign(k, msg), nil
	case *ecdsa.PrivateKey:
		var d []byte
		switch alg {
		case wcrypto.ES256:
			h := sha256.Sum256(msg)
			d = h[:]
		case wcrypto.ES384:
			h := sha512.Sum384(msg)
			d = h[:]
		default:
			return nil, wcrypto.ErrUnsupportedAlgorithm
		}
		return s.SignDigest(context.Background(), wcrypto.KeyRef{}, alg, d)
	}
	return nil, fmt.Errorf("unsupported key %T", s.key)
}

func (s stdSigner) SignDigest(_ context.Context, _ wcrypto.KeyRef, alg wcrypto.Algorithm, digest []byte) ([]byte, error) {
	k, ok := s.key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, wcrypto.ErrUnsupportedAlgorithm
	}
	r, sv, err := ecdsa.Sign(rand.Reader, k, digest)
	if err != nil {
		return nil, err
	}
	size := (k.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	r.FillBytes(out[:size])
	sv.FillBytes(out[size:])
	return out, nil
}

func ed25519FromMultibase(s string) (ed25519.PrivateKey, error) {
	raw, err := multibaseDecode(s)
	if err != nil {
		return nil, err
	}
	if len(raw) != 34 || raw[0] != 0x80 || raw[1] != 0x26 {
		return nil, fmt.Errorf("not an ed25519-priv multikey")
	}
	return ed25519.NewKeyFromSeed(raw[2:]), nil
}

func fixedClock(s string) func() time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return t }
}
