package dataintegrity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"fmt"

	wcrypto "github.com/ocmw/wstack/crypto"
)

const b58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var b58Index = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b58Alphabet); i++ {
		t[b58Alphabet[i]] = int8(i)
	}
	return t
}()

// maxBase58Len bounds decoding (quadratic in the input length).
const maxBase58Len = 512

// base58Encode encodes b with the Bitcoin alphabet.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// log(256)/log(58) ≈ 1.366
	buf := make([]byte, (len(b)-zeros)*138/100+1)
	high := len(buf) - 1
	for _, c := range b[zeros:] {
		carry := int(c)
		j := len(buf) - 1
		for ; j > high || carry != 0; j-- {
			carry += 256 * int(buf[j])
			buf[j] = byte(carry % 58)
			carry /= 58
		}
		high = j
	}
	i := 0
	for i < len(buf) && buf[i] == 0 {
		i++
	}
	out := make([]byte, zeros+len(buf)-i)
	for k := 0; k < zeros; k++ {
		out[k] = '1'
	}
	for k, v := range buf[i:] {
		out[zeros+k] = b58Alphabet[v]
	}
	return string(out)
}

// base58Decode decodes a Bitcoin-alphabet string.
func base58Decode(s string) ([]byte, error) {
	if len(s) > maxBase58Len {
		return nil, fmt.Errorf("%w: base58 value too long", ErrParsing)
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	buf := make([]byte, (len(s)-zeros)*733/1000+1)
	high := len(buf) - 1
	for i := zeros; i < len(s); i++ {
		v := b58Index[s[i]]
		if v < 0 {
			return nil, fmt.Errorf("%w: invalid base58 character", ErrParsing)
		}
		carry := int(v)
		j := len(buf) - 1
		for ; j > high || carry != 0; j-- {
			carry += 58 * int(buf[j])
			buf[j] = byte(carry)
			carry >>= 8
		}
		high = j
	}
	i := 0
	for i < len(buf) && buf[i] == 0 {
		i++
	}
	out := make([]byte, zeros+len(buf)-i)
	copy(out[zeros:], buf[i:])
	return out, nil
}

// multibaseDecode decodes a base58btc ('z') multibase value, the only base
// the cryptosuites use for proofValue and publicKeyMultibase.
func multibaseDecode(s string) ([]byte, error) {
	if len(s) < 2 || s[0] != 'z' {
		return nil, fmt.Errorf("%w: multibase value must be base58btc ('z')", ErrParsing)
	}
	return base58Decode(s[1:])
}

// multibaseEncode encodes b as base58btc multibase.
func multibaseEncode(b []byte) string { return "z" + base58Encode(b) }

// Multicodec headers of Multikey public keys (varint-encoded codes).
var (
	headerEd25519 = []byte{0xed, 0x01}
	headerP256    = []byte{0x80, 0x24}
	headerP384    = []byte{0x81, 0x24}
)

// DecodeMultikey decodes a publicKeyMultibase value (Controlled Identifiers
// 1.0 §2.2.2 Multikey): base58btc of a multicodec header followed by the key;
// Ed25519 (0xed01, 32 bytes), P-256 (0x8024) and P-384 (0x8124) compressed
// points. Any other header is ErrMultikeyHeader. An Ed25519 key of small
// order or in a non-canonical encoding fails with ErrInvalidKey and
// crypto.ErrWeakKey (github.com/ocmw/wstack/crypto).
func DecodeMultikey(s string) (crypto.PublicKey, error) {
	raw, err := multibaseDecode(s)
	if err != nil {
		return nil, err
	}
	if len(raw) < 2 {
		return nil, fmt.Errorf("%w: too short", ErrMultikeyHeader)
	}
	h, key := raw[:2], raw[2:]
	switch {
	case h[0] == headerEd25519[0] && h[1] == headerEd25519[1]:
		if err := wcrypto.CheckEd25519Point(key); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
		return ed25519.PublicKey(append([]byte(nil), key...)), nil
	case h[0] == headerP256[0] && h[1] == headerP256[1]:
		return decompress(elliptic.P256(), key)
	case h[0] == headerP384[0] && h[1] == headerP384[1]:
		return decompress(elliptic.P384(), key)
	}
	return nil, fmt.Errorf("%w: 0x%02x%02x", ErrMultikeyHeader, h[0], h[1])
}

func decompress(c elliptic.Curve, b []byte) (crypto.PublicKey, error) {
	size := (c.Params().BitSize + 7) / 8
	if len(b) != size+1 || (b[0] != 2 && b[0] != 3) {
		return nil, fmt.Errorf("%w: not a compressed %s point", ErrInvalidKey, c.Params().Name)
	}
	x, y := elliptic.UnmarshalCompressed(c, b)
	if x == nil {
		return nil, fmt.Errorf("%w: point not on %s", ErrInvalidKey, c.Params().Name)
	}
	u := make([]byte, 1+2*size)
	u[0] = 4
	x.FillBytes(u[1 : 1+size])
	y.FillBytes(u[1+size:])
	k, err := ecdsa.ParseUncompressedPublicKey(c, u)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return k, nil
}

// EncodeMultikey encodes an Ed25519, P-256 or P-384 public key as a
// publicKeyMultibase value.
func EncodeMultikey(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return multibaseEncode(append(append([]byte(nil), headerEd25519...), k...)), nil
	case *ecdsa.PublicKey:
		var h []byte
		switch k.Curve {
		case elliptic.P256():
			h = headerP256
		case elliptic.P384():
			h = headerP384
		default:
			return "", fmt.Errorf("%w: curve %s", ErrInvalidKey, k.Curve.Params().Name)
		}
		u, err := k.Bytes() // 0x04 || X || Y
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
		size := (len(u) - 1) / 2
		// SEC 1 §2.3.3 compression: 0x02 or 0x03 by the parity of Y, then X.
		out := append(append([]byte(nil), h...), 2|u[len(u)-1]&1)
		return multibaseEncode(append(out, u[1:1+size]...)), nil
	}
	return "", fmt.Errorf("%w: %T", ErrInvalidKey, pub)
}
