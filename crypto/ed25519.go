package crypto

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"
)

// Errors about public key values.
var (
	// ErrWeakKey is returned for an Ed25519 public key that decodes but must
	// not be trusted: a point of small order (the eight points of the
	// torsion subgroup, for which a signature with R = identity, S = 0
	// verifies for every message) or a non-canonical encoding (y ≥ p).
	ErrWeakKey = errors.New("crypto: weak public key (small order or non-canonical encoding)")
	// ErrInvalidPublicKey is returned for a public key value that is not a
	// key at all (e.g. an Ed25519 key that is not 32 bytes).
	ErrInvalidPublicKey = errors.New("crypto: invalid public key")
)

// edwards25519 constants (RFC 8032 §5.1): p = 2^255 − 19,
// d = −121665/121666 mod p.
var (
	edP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	edD = func() *big.Int {
		d := new(big.Int).ModInverse(big.NewInt(121666), edP)
		d.Mul(d, big.NewInt(-121665))
		return d.Mod(d, edP)
	}()
)

// torsionY holds the little-endian y coordinates (sign bit clear) of the
// eight points of the edwards25519 torsion subgroup. Two points ±x share a
// y, so five values cover all eight points:
//
//	y = 1       identity (order 1)
//	y = p − 1   (0, −1) (order 2)
//	y = 0       (±√−1, 0) (order 4)
//	y = y₈, p − y₈   the four points of order 8
//
// TestEd25519TorsionPoints derives them by scalar multiplication.
var torsionY = [5][32]byte{
	{1},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
}

// weakEd25519 reports, without allocating, whether a 32-byte Ed25519 public
// key is a non-canonical encoding (y ≥ p; x = 0 with the sign bit set only
// occurs for y = ±1, which are small order) or a point of small order.
func weakEd25519(pub []byte) error {
	var y [32]byte
	copy(y[:], pub)
	y[31] &= 0x7f
	// y ≥ p = 2^255 − 19 ⇔ y[1..30] = 0xff, y[31] = 0x7f, y[0] ≥ 0xed.
	if y[31] == 0x7f && y[0] >= 0xed && bytes.Count(y[1:31], []byte{0xff}) == 30 {
		return fmt.Errorf("%w: Ed25519 key with a non-canonical y coordinate", ErrWeakKey)
	}
	for i := range torsionY {
		if y == torsionY[i] {
			return fmt.Errorf("%w: Ed25519 key of small order", ErrWeakKey)
		}
	}
	return nil
}

// CheckEd25519PublicKey checks an Ed25519 public key the way every parser
// in wstack does: 32 bytes (else ErrInvalidPublicKey), the canonical
// encoding of its point (RFC 8032 §5.1.3: y < p; else ErrWeakKey) and not a
// point of small order (else ErrWeakKey: Go's crypto/ed25519 accepts such
// keys, and with them a forged signature verifies for any message). It
// costs a few byte comparisons and no allocation, so it runs on every
// parse. Whether the encoding decodes to a point of edwards25519 at all is
// left to signature verification, which fails for every signature under
// such a key (checking it here would cost a quadratic-residue test per
// parse, several times a signature check: CheckEd25519Point does it for
// parsers whose results are cached, such as did:key).
// Public keys are public, so the check need not be constant-time.
func CheckEd25519PublicKey(pub []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: Ed25519 key of %d bytes", ErrInvalidPublicKey, len(pub))
	}
	return weakEd25519(pub)
}

// CheckEd25519Point is CheckEd25519PublicKey plus the check that the
// encoding decodes to a point of edwards25519 (x² = (y² − 1)/(d·y² + 1) has
// a root; else ErrInvalidPublicKey). It costs tens of microseconds; DID
// methods use it, whose documents are resolved once and cached.
func CheckEd25519Point(pub []byte) error {
	if err := CheckEd25519PublicKey(pub); err != nil {
		return err
	}
	le := bytes.Clone(pub)
	le[31] &= 0x7f
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		le[i], le[j] = le[j], le[i]
	}
	y := new(big.Int).SetBytes(le) // big-endian now; y < p checked above
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, edP)
	u := new(big.Int).Sub(y2, big.NewInt(1)) // u ≠ 0: y = ±1 is small order
	v := y2.Mul(y2, edD)
	v.Add(v, big.NewInt(1))
	// x² = u/v has a root ⇔ u·v is a quadratic residue (v ≠ 0: d is not a
	// square).
	u.Mul(u, v)
	u.Mod(u, edP)
	if big.Jacobi(u, edP) != 1 {
		return fmt.Errorf("%w: Ed25519 key is not a point on edwards25519", ErrInvalidPublicKey)
	}
	return nil
}
