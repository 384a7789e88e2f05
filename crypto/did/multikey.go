package did

import (
	gocrypto "crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"fmt"
	"math/big"

	"github.com/ocmw/wstack/crypto"
)

// Multicodec codes of the public key types (multiformats multicodec table;
// did:key v0.9 §"Signature Method Creation Algorithm").
const (
	CodecEd25519   uint64 = 0xed   // ed25519-pub
	CodecX25519    uint64 = 0xec   // x25519-pub
	CodecSecp256k1 uint64 = 0xe7   // secp256k1-pub (not supported)
	CodecP256      uint64 = 0x1200 // p256-pub, compressed point
	CodecP384      uint64 = 0x1201 // p384-pub, compressed point
	CodecP521      uint64 = 0x1202 // p521-pub (not supported)
	CodecRSA       uint64 = 0x1205 // rsa-pub (not supported)
)

// keyLength is the raw key length each supported codec requires.
func keyLength(codec uint64) (int, bool) {
	switch codec {
	case CodecEd25519, CodecX25519:
		return 32, true
	case CodecP256:
		return 33, true
	case CodecP384:
		return 49, true
	}
	return 0, false
}

// EncodeMultikey returns the Multikey (multibase base58btc, multicodec
// header) form of a public key: "z" + base58btc(varint(codec) ‖ raw key).
// Ed25519, X25519 (*ecdh.PublicKey), P-256 and P-384 (compressed) are
// supported.
func EncodeMultikey(pub gocrypto.PublicKey) (string, error) {
	codec, raw, err := rawPublicKey(pub)
	if err != nil {
		return "", err
	}
	b := putUvarint(make([]byte, 0, 2+len(raw)), codec)
	return "z" + base58Encode(append(b, raw...)), nil
}

func rawPublicKey(pub gocrypto.PublicKey) (uint64, []byte, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return 0, nil, fmt.Errorf("%w: ed25519 key of %d bytes", ErrInvalidPublicKeyLength, len(k))
		}
		return CodecEd25519, []byte(k), nil
	case *ecdh.PublicKey:
		if k.Curve() != ecdh.X25519() {
			return 0, nil, fmt.Errorf("%w: ECDH key on %v", ErrUnsupportedPublicKeyType, k.Curve())
		}
		return CodecX25519, k.Bytes(), nil
	case *ecdsa.PublicKey:
		var codec uint64
		switch k.Curve {
		case elliptic.P256():
			codec = CodecP256
		case elliptic.P384():
			codec = CodecP384
		default:
			return 0, nil, fmt.Errorf("%w: curve %s", ErrUnsupportedPublicKeyType, k.Curve.Params().Name)
		}
		u, err := k.Bytes()
		if err != nil {
			return 0, nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
		}
		size := (len(u) - 1) / 2
		c := make([]byte, 1+size)
		c[0] = 2 | u[len(u)-1]&1 // 0x02 even y, 0x03 odd y
		copy(c[1:], u[1:1+size])
		return codec, c, nil
	}
	return 0, nil, fmt.Errorf("%w: %T", ErrUnsupportedPublicKeyType, pub)
}

// DecodeMultikey decodes a Multikey value into the multicodec code and the
// public key: ed25519.PublicKey, *ecdsa.PublicKey (P-256, P-384) or
// *ecdh.PublicKey (X25519). Errors match ErrInvalidDID (not base58btc
// multibase), ErrInvalidPublicKeyLength, ErrInvalidPublicKey or
// ErrUnsupportedPublicKeyType; an Ed25519 key of small order or in a
// non-canonical encoding matches ErrInvalidPublicKey and crypto.ErrWeakKey.
func DecodeMultikey(mb string) (uint64, gocrypto.PublicKey, error) {
	codec, raw, err := decodeMultibaseKey(mb)
	if err != nil {
		return 0, nil, err
	}
	pub, err := parseRawKey(codec, raw)
	return codec, pub, err
}

func decodeMultibaseKey(mb string) (uint64, []byte, error) {
	if len(mb) < 2 || mb[0] != 'z' {
		return 0, nil, fmt.Errorf("%w: multibase value must start with 'z' (base58btc)", ErrInvalidDID)
	}
	b, err := base58Decode(mb[1:])
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrInvalidDID, err)
	}
	codec, n, err := readUvarint(b)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: multicodec header: %v", ErrInvalidDID, err)
	}
	return codec, b[n:], nil
}

func parseRawKey(codec uint64, raw []byte) (gocrypto.PublicKey, error) {
	want, ok := keyLength(codec)
	if !ok {
		return nil, fmt.Errorf("%w: multicodec 0x%x", ErrUnsupportedPublicKeyType, codec)
	}
	if len(raw) != want {
		return nil, fmt.Errorf("%w: %d bytes for multicodec 0x%x, want %d", ErrInvalidPublicKeyLength, len(raw), codec, want)
	}
	switch codec {
	case CodecEd25519:
		if err := crypto.CheckEd25519Point(raw); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidPublicKey, err)
		}
		return ed25519.PublicKey(append([]byte(nil), raw...)), nil
	case CodecX25519:
		k, err := ecdh.X25519().NewPublicKey(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
		}
		return k, nil
	case CodecP256:
		return decompress(elliptic.P256(), raw)
	case CodecP384:
		return decompress(elliptic.P384(), raw)
	}
	return nil, fmt.Errorf("%w: multicodec 0x%x", ErrUnsupportedPublicKeyType, codec)
}

// decompress expands a SEC 1 compressed point (0x02/0x03 ‖ X) with the
// standard library's constant-time NIST implementations and re-checks the
// point through crypto/ecdh (on curve, not infinity).
func decompress(curve elliptic.Curve, c []byte) (*ecdsa.PublicKey, error) {
	size := (curve.Params().BitSize + 7) / 8
	if len(c) != 1+size {
		return nil, fmt.Errorf("%w: compressed point of %d bytes", ErrInvalidPublicKeyLength, len(c))
	}
	if c[0] != 2 && c[0] != 3 {
		return nil, fmt.Errorf("%w: compressed point prefix 0x%02x", ErrInvalidPublicKey, c[0])
	}
	x, y := elliptic.UnmarshalCompressed(curve, c)
	if x == nil {
		return nil, fmt.Errorf("%w: not a point on %s", ErrInvalidPublicKey, curve.Params().Name)
	}
	u := make([]byte, 1+2*size)
	u[0] = 4
	x.FillBytes(u[1 : 1+size])
	y.FillBytes(u[1+size:])
	pk, err := ecdsa.ParseUncompressedPublicKey(curve, u)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
	}
	return pk, nil
}

// p25519 = 2^255 − 19, the field prime of Curve25519 (RFC 7748).
var p25519 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

// edY decodes the little-endian y coordinate of an encoded Ed25519 point
// and the sign bit of x.
func edY(enc []byte) (*big.Int, uint) {
	be := make([]byte, 32)
	for i := 0; i < 32; i++ {
		be[31-i] = enc[i]
	}
	sign := uint(be[0] >> 7)
	be[0] &= 0x7f
	return new(big.Int).SetBytes(be), sign
}

// X25519FromEd25519 derives the X25519 public key of an Ed25519 public key
// with the birational map u = (1 + y)/(1 − y) (RFC 7748 §4.1; did:key v0.9
// "Derive Encryption Key Algorithm", OSCORE-style Montgomery coordinates).
func X25519FromEd25519(pub ed25519.PublicKey) (*ecdh.PublicKey, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: ed25519 key of %d bytes", ErrInvalidPublicKeyLength, len(pub))
	}
	if err := crypto.CheckEd25519Point(pub); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPublicKey, err)
	}
	y, _ := edY(pub)
	num := new(big.Int).Add(big.NewInt(1), y)
	den := new(big.Int).Sub(big.NewInt(1), y)
	den.Mod(den, p25519)
	inv := new(big.Int).ModInverse(den, p25519)
	if inv == nil { // y = 1: the identity point has no Montgomery form
		return nil, fmt.Errorf("%w: Ed25519 identity point", ErrInvalidPublicKey)
	}
	num.Mul(num, inv)
	num.Mod(num, p25519)
	be := num.FillBytes(make([]byte, 32))
	le := make([]byte, 32)
	for i := 0; i < 32; i++ {
		le[i] = be[31-i]
	}
	k, err := ecdh.X25519().NewPublicKey(le)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
	}
	return k, nil
}
