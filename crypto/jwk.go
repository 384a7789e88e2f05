package crypto

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ocmw/wstack/internal/b64url"
)

// ErrInvalidJWK is returned for a JWK that is malformed, names an unsupported
// key type or curve, holds an invalid point, or carries private members.
var ErrInvalidJWK = errors.New("crypto: invalid JWK")

// privateMembers are the JWK members that carry private key material
// (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// PublicJWK encodes a public key as a JWK object (kty and key members only).
func PublicJWK(pub crypto.PublicKey) (map[string]any, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		crv, size := curveName(k.Curve)
		if crv == "" {
			return nil, fmt.Errorf("%w: unsupported curve", ErrUnsupportedKeyType)
		}
		raw, err := k.Bytes() // uncompressed 0x04 || X || Y
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidJWK, err)
		}
		return map[string]any{"kty": "EC", "crv": crv, "x": b64(raw[1 : 1+size]), "y": b64(raw[1+size:])}, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: ed25519 key length", ErrInvalidJWK)
		}
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64(k)}, nil
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}, nil
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupportedKeyType, pub)
}

func curveName(c elliptic.Curve) (string, int) {
	switch c {
	case elliptic.P256():
		return "P-256", 32
	case elliptic.P384():
		return "P-384", 48
	case elliptic.P521():
		return "P-521", 66
	}
	return "", 0
}

// ParsePublicJWK decodes a public JWK given as JSON. It rejects private
// members, unknown key types and curves, non-canonical base64url, and points
// not on the curve. RSA moduli must be at least 2048 bits. Ed25519 keys pass
// CheckEd25519PublicKey: a small-order or non-canonical key fails with an
// error matching both ErrInvalidJWK and ErrWeakKey.
func ParsePublicJWK(data []byte) (crypto.PublicKey, error) {
	var m map[string]any
	if len(data) > 16<<10 {
		return nil, fmt.Errorf("%w: too large", ErrInvalidJWK)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidJWK, err)
	}
	return PublicKeyFromJWK(m)
}

// PublicKeyFromJWK decodes a public JWK given as a decoded JSON object with
// the same checks as ParsePublicJWK.
func PublicKeyFromJWK(m map[string]any) (crypto.PublicKey, error) {
	return publicKeyFromJWK(m, false)
}

// CheckPublicJWK makes the checks of PublicKeyFromJWK without returning the
// key: for EC keys it skips building the crypto/ecdsa key (its big.Int
// coordinates) and checks the point without allocating (P-256, compared
// with crypto/ecdh in TestP256OnCurveMatchesECDH) or with crypto/ecdh
// (P-384, P-521), which reject the same encodings (points off the curve,
// coordinates not below the field prime).
func CheckPublicJWK(m map[string]any) error {
	_, err := publicKeyFromJWK(m, true)
	return err
}

// checkECPoint makes the x and y checks of publicKeyFromJWK (strict
// base64url, coordinate length, the point on the curve) with the point
// decoded into a stack buffer.
func checkECPoint(str func(string) (string, error), dh ecdh.Curve, size int) error {
	var buf ecPointBuf
	raw, err := decodeECPoint(str, size, &buf)
	if err != nil {
		return err
	}
	if dh == ecdh.P256() {
		if !p256OnCurve(raw[1:33], raw[33:65]) {
			return fmt.Errorf("%w: point not on curve", ErrInvalidJWK)
		}
		return nil
	}
	// A copy for ecdh, so that buf stays on the stack.
	if _, err := dh.NewPublicKey(slices.Clone(raw)); err != nil {
		return fmt.Errorf("%w: point not on curve", ErrInvalidJWK)
	}
	return nil
}

// ecPointBuf holds an uncompressed point: 4, x, y (P-521 at most).
type ecPointBuf [1 + 2*66]byte

// decodeECPoint decodes the x and y members (strict base64url, each
// exactly size bytes) into buf as an uncompressed point.
func decodeECPoint(str func(string) (string, error), size int, buf *ecPointBuf) ([]byte, error) {
	xs, err := str("x")
	if err != nil {
		return nil, err
	}
	ys, err := str("y")
	if err != nil {
		return nil, err
	}
	raw := append(buf[:0], 4)
	for _, c := range [...]struct{ name, s string }{{"x", xs}, {"y", ys}} {
		if strictB64.DecodedLen(len(c.s)) != size {
			return nil, fmt.Errorf("%w: coordinate length", ErrInvalidJWK)
		}
		n, err := b64url.DecodeStrict(raw[len(raw):len(raw)+size], c.s)
		if err != nil {
			return nil, fmt.Errorf("%w: member %q: %v", ErrInvalidJWK, c.name, err)
		}
		if n != size {
			return nil, fmt.Errorf("%w: coordinate length", ErrInvalidJWK)
		}
		raw = raw[:len(raw)+size]
	}
	return raw, nil
}

var strictB64 = base64.RawURLEncoding.Strict()

func publicKeyFromJWK(m map[string]any, checkOnly bool) (crypto.PublicKey, error) {
	for _, p := range privateMembers {
		if _, ok := m[p]; ok {
			return nil, fmt.Errorf("%w: private member %q present", ErrInvalidJWK, p)
		}
	}
	str := func(name string) (string, error) {
		v, ok := m[name].(string)
		if !ok || v == "" {
			return "", fmt.Errorf("%w: member %q missing or not a string", ErrInvalidJWK, name)
		}
		return v, nil
	}
	bin := func(name string) ([]byte, error) {
		s, err := str(name)
		if err != nil {
			return nil, err
		}
		b, err := b64url.DecodeStringStrict(s)
		if err != nil {
			return nil, fmt.Errorf("%w: member %q: %v", ErrInvalidJWK, name, err)
		}
		return b, nil
	}
	kty, err := str("kty")
	if err != nil {
		return nil, err
	}
	switch kty {
	case "EC":
		crv, err := str("crv")
		if err != nil {
			return nil, err
		}
		var ec elliptic.Curve
		var dh ecdh.Curve
		var size int
		switch crv {
		case "P-256":
			ec, dh, size = elliptic.P256(), ecdh.P256(), 32
		case "P-384":
			ec, dh, size = elliptic.P384(), ecdh.P384(), 48
		case "P-521":
			ec, dh, size = elliptic.P521(), ecdh.P521(), 66
		default:
			return nil, fmt.Errorf("%w: curve %q", ErrUnsupportedKeyType, crv)
		}
		if checkOnly {
			return nil, checkECPoint(str, dh, size)
		}
		var buf ecPointBuf
		raw, err := decodeECPoint(str, size, &buf)
		if err != nil {
			return nil, err
		}
		// ParseUncompressedPublicKey rejects points off the curve and the
		// point at infinity (one check; TestPublicKeyFromJWKRejectsBadPoints).
		pk, err := ecdsa.ParseUncompressedPublicKey(ec, raw)
		if err != nil {
			return nil, fmt.Errorf("%w: point not on curve", ErrInvalidJWK)
		}
		return pk, nil
	case "OKP":
		crv, err := str("crv")
		if err != nil {
			return nil, err
		}
		if crv != "Ed25519" {
			return nil, fmt.Errorf("%w: OKP curve %q", ErrUnsupportedKeyType, crv)
		}
		x, err := bin("x")
		if err != nil {
			return nil, err
		}
		if err := CheckEd25519PublicKey(x); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidJWK, err)
		}
		return ed25519.PublicKey(x), nil
	case "RSA":
		n, err := bin("n")
		if err != nil {
			return nil, err
		}
		e, err := bin("e")
		if err != nil {
			return nil, err
		}
		if len(e) > 4 || len(n) == 0 || n[0] == 0 || len(e) == 0 || e[0] == 0 {
			return nil, fmt.Errorf("%w: RSA parameters", ErrInvalidJWK)
		}
		N := new(big.Int).SetBytes(n)
		E := int(new(big.Int).SetBytes(e).Int64())
		if N.BitLen() < 2048 || N.BitLen() > 16384 || E < 3 || E%2 == 0 {
			return nil, fmt.Errorf("%w: RSA modulus %d bits, exponent %d", ErrInvalidJWK, N.BitLen(), E)
		}
		return &rsa.PublicKey{N: N, E: E}, nil
	}
	return nil, fmt.Errorf("%w: kty %q", ErrUnsupportedKeyType, kty)
}

// Thumbprint returns the RFC 7638 SHA-256 JWK thumbprint of a public key,
// base64url encoded.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	m, err := PublicJWK(pub)
	if err != nil {
		return "", err
	}
	// RFC 7638 §3.2: required members only, lexicographic order, no
	// whitespace. The values are base64url or fixed names, so no escaping is
	// needed.
	var s string
	switch m["kty"] {
	case "EC":
		s = `{"crv":"` + m["crv"].(string) + `","kty":"EC","x":"` + m["x"].(string) + `","y":"` + m["y"].(string) + `"}`
	case "OKP":
		s = `{"crv":"` + m["crv"].(string) + `","kty":"OKP","x":"` + m["x"].(string) + `"}`
	case "RSA":
		s = `{"e":"` + m["e"].(string) + `","kty":"RSA","n":"` + m["n"].(string) + `"}`
	}
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// KeyTypeOf returns the key type of a public key (RSA keys report the size
// class rounded down to 2048/3072/4096).
func KeyTypeOf(pub crypto.PublicKey) (KeyType, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return KeyTypeECP256, nil
		case elliptic.P384():
			return KeyTypeECP384, nil
		}
	case ed25519.PublicKey:
		return KeyTypeEd25519, nil
	case *rsa.PublicKey:
		switch b := k.N.BitLen(); {
		case b >= 4096:
			return KeyTypeRSA4096, nil
		case b >= 3072:
			return KeyTypeRSA3072, nil
		case b >= 2048:
			return KeyTypeRSA2048, nil
		}
	}
	return "", fmt.Errorf("%w: %T", ErrUnsupportedKeyType, pub)
}
