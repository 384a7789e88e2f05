package crypto

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
)

// VerifySignature verifies a JOSE-form signature of message under a public
// key with alg. The algorithm must be an asymmetric signature algorithm that
// fits the key (an ES256 signature never verifies under a P-384 key or an
// RSA key); ECDSA signatures must be the fixed-size r‖s form, never DER.
// message and sig are only read, never modified or retained.
func VerifySignature(pub crypto.PublicKey, alg Algorithm, message, sig []byte) error {
	if err := checkVerifyAlg(pub, alg); err != nil {
		return err
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
	// The digest and the DER form of an ECDSA signature share one scratch
	// array (crypto/ecdsa keeps both from the stack, so this is the one
	// allocation of a verification here; no hash.Hash, no Sum(nil)).
	sc := new(verifyScratch)
	var digest []byte
	switch alg.Hash() {
	case crypto.SHA256:
		d := (*[sha256.Size]byte)(sc.digest[:sha256.Size])
		*d = sha256.Sum256(message)
		digest = d[:]
	case crypto.SHA384:
		d := (*[sha512.Size384]byte)(sc.digest[:sha512.Size384])
		*d = sha512.Sum384(message)
		digest = d[:]
	case crypto.SHA512:
		sc.digest = sha512.Sum512(message)
		digest = sc.digest[:]
	default:
		return fmt.Errorf("%w: %q without a hash", ErrUnsupportedAlgorithm, alg)
	}
	return verifyDigest(pub, alg, digest, sig, &sc.der)
}

// checkVerifyAlg checks that alg is an asymmetric signature algorithm that
// fits the key.
func checkVerifyAlg(pub crypto.PublicKey, alg Algorithm) error {
	t, err := KeyTypeOf(pub)
	if err != nil {
		return err
	}
	if !alg.IsAsymmetricSignature() || !t.Allows(alg) {
		return fmt.Errorf("%w: %q with key type %s", ErrUnsupportedAlgorithm, alg, t)
	}
	return nil
}

// VerifyPrehashed is VerifySignature for a caller that has hashed the
// message itself with alg's hash (alg.Hash()), e.g. as the prefix of a
// longer string it hashes as well. It makes the same checks of algorithm,
// key and signature; EdDSA, whose signatures cover the message itself, is
// rejected with ErrUnsupportedAlgorithm, as is a digest of the wrong size.
func VerifyPrehashed(pub crypto.PublicKey, alg Algorithm, digest, sig []byte) error {
	if err := checkVerifyAlg(pub, alg); err != nil {
		return err
	}
	if alg == EdDSA || len(digest) != alg.Hash().Size() {
		return fmt.Errorf("%w: %q over a %d-byte digest", ErrUnsupportedAlgorithm, alg, len(digest))
	}
	return verifyDigest(pub, alg, digest, sig, new(derBuf))
}

// verifyScratch is the memory of one VerifySignature.
type verifyScratch struct {
	digest [sha512.Size]byte
	der    derBuf
}

// derBuf holds an ECDSA signature in ASN.1 DER (P-521 at most).
type derBuf [3 + 2*(2+1+66)]byte

// VerifyDigest is VerifySignature over a precomputed digest (not for EdDSA).
func VerifyDigest(pub crypto.PublicKey, alg Algorithm, digest, sig []byte) error {
	return verifyDigest(pub, alg, digest, sig, new(derBuf))
}

func verifyDigest(pub crypto.PublicKey, alg Algorithm, digest, sig []byte, der *derBuf) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size || (alg == ES256 && size != 32) || (alg == ES384 && size != 48) {
			return fmt.Errorf("%w: ECDSA signature must be %d bytes r||s", ErrInvalidSignature, 2*size)
		}
		// r||s to ASN.1 DER directly (ecdsa.Verify would go through
		// big.Int and a cryptobyte builder to the same bytes).
		if !ecdsa.VerifyASN1(k, digest, appendDERSignature(der[:0], sig[:size], sig[size:])) {
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

// appendDERSignature appends the DER SEQUENCE { INTEGER r, INTEGER s } of
// the big-endian unsigned r and s (at most 66 bytes each, so every length
// fits one byte, the SEQUENCE's in the long form 81 nn).
func appendDERSignature(b, r, s []byte) []byte {
	r, s = trimZeros(r), trimZeros(s)
	n := derIntLen(r) + derIntLen(s)
	if n < 0x80 {
		b = append(b, 0x30, byte(n))
	} else {
		b = append(b, 0x30, 0x81, byte(n)) // P-521: up to 138 bytes
	}
	return appendDERInt(appendDERInt(b, r), s)
}

func trimZeros(x []byte) []byte {
	for len(x) > 0 && x[0] == 0 {
		x = x[1:]
	}
	return x
}

func derIntLen(x []byte) int {
	switch {
	case len(x) == 0:
		return 3 // 02 01 00
	case x[0]&0x80 != 0:
		return 3 + len(x)
	}
	return 2 + len(x)
}

func appendDERInt(b, x []byte) []byte {
	switch {
	case len(x) == 0:
		return append(b, 0x02, 0x01, 0x00)
	case x[0]&0x80 != 0:
		b = append(b, 0x02, byte(len(x)+1), 0x00)
	default:
		b = append(b, 0x02, byte(len(x)))
	}
	return append(b, x...)
}
