package crypto

import (
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"fmt"
)

// Sum hashes data with h. Engines that hash in software (a digest needs no
// secret) implement Engine.Hash with it.
func (h HashAlgorithm) Sum(data []byte) ([]byte, error) {
	switch h {
	case SHA256:
		s := sha256.Sum256(data)
		return s[:], nil
	case SHA384:
		s := sha512.Sum384(data)
		return s[:], nil
	case SHA512:
		s := sha512.Sum512(data)
		return s[:], nil
	case SHA3_256:
		s := sha3.Sum256(data)
		return s[:], nil
	case SHA3_384:
		s := sha3.Sum384(data)
		return s[:], nil
	case SHA3_512:
		s := sha3.Sum512(data)
		return s[:], nil
	}
	return nil, fmt.Errorf("%w: hash %q", ErrUnsupportedAlgorithm, h)
}
