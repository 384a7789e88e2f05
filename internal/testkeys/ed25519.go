// Package testkeys holds public key values that tests across wstack must
// reject. It is test plumbing: nothing in a library package imports it.
package testkeys

import (
	"crypto/ed25519"
	"encoding/hex"
)

// SmallOrderEd25519 lists encodings of the eight points of the
// edwards25519 torsion subgroup (canonical, then non-canonical ones: x = 0
// with the sign bit set, and y ≥ p). Go's crypto/ed25519 accepts every one
// of them as a public key; crypto.TestEd25519TorsionPoints derives the
// canonical ones by scalar multiplication.
var SmallOrderEd25519 = []struct {
	Name      string
	Key       ed25519.PublicKey
	Canonical bool
}{
	{"order1_identity", mustHex("0100000000000000000000000000000000000000000000000000000000000000"), true},
	{"order2", mustHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), true},
	{"order4_x_pos", mustHex("0000000000000000000000000000000000000000000000000000000000000000"), true},
	{"order4_x_neg", mustHex("0000000000000000000000000000000000000000000000000000000000000080"), true},
	{"order8_a", mustHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), true},
	{"order8_a_neg", mustHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"), true},
	{"order8_b", mustHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), true},
	{"order8_b_neg", mustHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"), true},
	{"noncanonical_identity_sign", mustHex("0100000000000000000000000000000000000000000000000000000000000080"), false},
	{"noncanonical_order2_sign", mustHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), false},
	{"noncanonical_y_p", mustHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), false},
	{"noncanonical_y_p_sign", mustHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), false},
	{"noncanonical_identity_y_p_plus_1", mustHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), false},
}

// ForgedEd25519Signature is the signature R = identity, S = 0. Under a
// public key A of small order it verifies (RFC 8032 §5.1.7, [S]B = R + [k]A)
// for every message whose k = SHA-512(R ‖ A ‖ M) is a multiple of A's
// order: every message for the identity, one in eight for order 8.
func ForgedEd25519Signature() []byte {
	sig := make([]byte, ed25519.SignatureSize)
	sig[0] = 1
	return sig
}

func mustHex(s string) ed25519.PublicKey {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		panic("testkeys: bad constant " + s)
	}
	return b
}
