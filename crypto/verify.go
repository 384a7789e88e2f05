package crypto

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"math/big"
)

// VerifySignature verifies a JOSE-form signature of message under a public
// key with alg. The algorithm must be an asymmetric signature algorithm that
// fits the key (an ES256 signature never verifies under a P-384 key or an
// RSA key); ECDSA signatures must be the fixed-size r‖s form, never DER.
func VerifySignature(pub crypto.PublicKey, alg Algorithm, message, sig []byte) error {
	t, err := KeyTypeOf(pub)
	if err != nil {
		return err
	}
	if !alg.IsAsymmetricSignature() || !t.Allows(alg) {
		return fmt.Errorf("%w: %q with key type %s", ErrUnsupportedAlgorithm, alg, t)
	}
	if alg == EdDSA {
		k := pub.(ed25519.PublicKey)
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: %w: Ed25519 key of %d bytes", ErrInvalidSignature, ErrInvalidPublicKey, len(k))
		}
		// Keys are checked when parsed; this catches keys built elsewhere
		// (a small-order key accepts forged signatures).
		if err := weakEd25519(k); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidSignature, err)
		}
		if !ed25519.Verify(k, message, sig) {
			return ErrInvalidSignature
		}
		return nil
	}
	h := alg.Hash().New()
	h.Write(message)
	return VerifyDigest(pub, alg, h.Sum(nil), sig)
}

// VerifyDigest is VerifySignature over a precomputed digest (not for EdDSA).
func VerifyDigest(pub crypto.PublicKey, alg Algorithm, digest, sig []byte) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size || (alg == ES256 && size != 32) || (alg == ES384 && size != 48) {
			return fmt.Errorf("%w: ECDSA signature must be %d bytes r||s", ErrInvalidSignature, 2*size)
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return ErrInvalidSignature
		}
		return nil
	case *rsa.PublicKey:
		var err error
		switch alg {
		case RS256, RS384, RS512:
			err = rsa.VerifyPKCS1v15(k, alg.Hash(), digest, sig)
		case PS256, PS384, PS512:
			err = rsa.VerifyPSS(k, alg.Hash(), digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		default:
			return fmt.Errorf("%w: %q with RSA key", ErrUnsupportedAlgorithm, alg)
		}
		if err != nil {
			return ErrInvalidSignature
		}
		return nil
	}
	return fmt.Errorf("%w: %T for digest verification", ErrUnsupportedKeyType, pub)
}
