package jose

import (
	gocrypto "crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwe"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/jsonx"
)

// JWE errors.
var (
	ErrJWEMalformed       = errors.New("jose: malformed JWE")
	ErrJWEAlgorithm       = errors.New("jose: JWE algorithm not allowed")
	ErrJWECompression     = errors.New("jose: JWE compression not allowed")
	ErrJWEDecrypt         = errors.New("jose: JWE decryption failed")
	ErrJWEEphemeralKey    = errors.New("jose: invalid JWE ephemeral key")
	ErrJWEEncryptedKeyLen = errors.New("jose: JWE encrypted_key does not fit the algorithm")
)

// Key management and content encryption algorithms wstack accepts for JWE.
// PBES2 and symmetric key wrapping are never accepted (OpenID4VC uses
// ECDH-ES and RSA-OAEP-256 only).
var (
	jweKeyAlgs = map[string]jwa.KeyEncryptionAlgorithm{
		"ECDH-ES": jwa.ECDH_ES, "ECDH-ES+A128KW": jwa.ECDH_ES_A128KW, "ECDH-ES+A256KW": jwa.ECDH_ES_A256KW,
		"RSA-OAEP-256": jwa.RSA_OAEP_256,
	}
	jweEncAlgs = map[string]bool{"A128GCM": true, "A256GCM": true, "A128CBC-HS256": true, "A256CBC-HS512": true}
)

// DecryptOptions configure Decrypt.
type DecryptOptions struct {
	// KeyAlgorithms and ContentEncryption are the allow-lists (required);
	// entries outside the package's own list are ignored.
	KeyAlgorithms     []string
	ContentEncryption []string
	// MaxSize bounds the compact JWE (default DefaultMaxSize).
	MaxSize int
}

// JWEHeader is the decoded protected header of a JWE.
type JWEHeader struct {
	Alg, Enc, Kid, Typ, Cty string
	Raw                     map[string]any
}

// Decrypt decrypts a compact JWE (RFC 7516) with an ephemeral private key
// (*ecdsa.PrivateKey, *ecdh.PrivateKey or *rsa.PrivateKey). Before any
// cryptography it rejects: tokens over the size limit, a part count other
// than five, non-canonical base64url, duplicate or deep header JSON,
// algorithms outside both allow-lists (so PBES2 never runs), any zip header
// (no decompression bombs), an encrypted_key that is empty for a key-wrapping
// algorithm or present for direct ECDH-ES, and an epk that is not a valid
// public point on the recipient's curve. Direct key agreement (ECDH-ES)
// with A128GCM or A256GCM, what OpenID4VP and OpenID4VCI use, is then
// decrypted with crypto/ecdh and crypto/cipher (Concat KDF over apu/apv,
// the protected header as additional data); the other combinations
// through jwx.
func Decrypt(token string, key gocrypto.PrivateKey, o DecryptOptions) ([]byte, *JWEHeader, error) {
	max := o.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	if len(token) > max {
		return nil, nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(token))
	}
	if strings.Count(token, ".") != 4 {
		return nil, nil, fmt.Errorf("%w: compact JWE must have five parts", ErrJWEMalformed)
	}
	parts := strings.SplitN(token, ".", 5)
	var dec [5][]byte
	for i, p := range parts {
		var err error
		if dec[i], err = decodeB64(p); err != nil {
			return nil, nil, fmt.Errorf("%w: part %d: %v", ErrJWEMalformed, i, err)
		}
	}
	hb := dec[0]
	if err := jsonx.Validate(hb, jsonx.Limits{MaxBytes: MaxHeaderSize, MaxDepth: 8}); err != nil {
		return nil, nil, fmt.Errorf("%w: header: %w", ErrJWEMalformed, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(hb, &raw); err != nil {
		return nil, nil, fmt.Errorf("%w: header: %v", ErrJWEMalformed, err)
	}
	h := &JWEHeader{Raw: raw}
	for name, dst := range map[string]*string{"alg": &h.Alg, "enc": &h.Enc, "kid": &h.Kid, "typ": &h.Typ, "cty": &h.Cty} {
		if v, ok := raw[name]; ok {
			s, ok := v.(string)
			if !ok {
				return nil, nil, fmt.Errorf("%w: %s not a string", ErrJWEMalformed, name)
			}
			*dst = s
		}
	}
	kalg, ok := jweKeyAlgs[h.Alg]
	if !ok || !contains(o.KeyAlgorithms, h.Alg) {
		return nil, nil, fmt.Errorf("%w: alg %q", ErrJWEAlgorithm, h.Alg)
	}
	if !jweEncAlgs[h.Enc] || !contains(o.ContentEncryption, h.Enc) {
		return nil, nil, fmt.Errorf("%w: enc %q", ErrJWEAlgorithm, h.Enc)
	}
	if _, ok := raw["zip"]; ok {
		return nil, nil, ErrJWECompression
	}
	if _, ok := raw["crit"]; ok {
		return nil, nil, fmt.Errorf("%w: crit in JWE", ErrCrit)
	}
	ek := parts[1]
	switch h.Alg {
	case "ECDH-ES":
		if ek != "" {
			return nil, nil, fmt.Errorf("%w: direct key agreement with an encrypted_key", ErrJWEEncryptedKeyLen)
		}
	default:
		if ek == "" {
			return nil, nil, fmt.Errorf("%w: empty encrypted_key for %s", ErrJWEEncryptedKeyLen, h.Alg)
		}
	}
	if strings.HasPrefix(h.Alg, "ECDH-ES") {
		epk, ok := raw["epk"].(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("%w: missing epk", ErrJWEEphemeralKey)
		}
		pub, err := crypto.PublicKeyFromJWK(epk) // rejects off-curve points
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrJWEEphemeralKey, err)
		}
		if err := sameCurve(pub, key); err != nil {
			return nil, nil, err
		}
		var party [2][]byte
		for i, name := range []string{"apu", "apv"} {
			v, ok := raw[name]
			if !ok {
				continue
			}
			s, ok := v.(string)
			if !ok {
				return nil, nil, fmt.Errorf("%w: %s not a string", ErrJWEMalformed, name)
			}
			if party[i], err = decodeB64(s); err != nil {
				return nil, nil, fmt.Errorf("%w: %s: %v", ErrJWEMalformed, name, err)
			}
		}
		if n := directEnc(h.Enc); h.Alg == "ECDH-ES" && n > 0 {
			pt, err := decryptDirect(key, pub.(*ecdsa.PublicKey), h.Enc, n, party[0], party[1], parts[0], dec[2], dec[3], dec[4])
			if err != nil {
				return nil, nil, err
			}
			return pt, h, nil
		}
	}
	if k, ok := key.(*ecdh.PrivateKey); ok {
		// jwx wants ECDSA-typed EC keys.
		var c elliptic.Curve
		switch k.Curve() {
		case ecdh.P256():
			c = elliptic.P256()
		case ecdh.P384():
			c = elliptic.P384()
		case ecdh.P521():
			c = elliptic.P521()
		default:
			return nil, nil, fmt.Errorf("%w: unsupported ECDH curve", ErrJWEEphemeralKey)
		}
		ek, err := ecdsa.ParseRawPrivateKey(c, k.Bytes())
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrJWEEphemeralKey, err)
		}
		key = ek
	}
	pt, err := jwe.Decrypt([]byte(token), jwe.WithKey(kalg, key))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrJWEDecrypt, err)
	}
	return pt, h, nil
}

// hasAny reports whether m has a member named in names.
func hasAny(m map[string]any, names []string) bool {
	for _, n := range names {
		if _, ok := m[n]; ok {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// EncryptOptions configure Encrypt.
type EncryptOptions struct {
	// Alg is the key management algorithm (default: ECDH-ES for EC keys,
	// RSA-OAEP-256 for RSA keys); Enc the content encryption (default A128GCM).
	Alg, Enc string
	// Header members added to the protected header (kid, typ, cty, …).
	Header map[string]any
}

// Encrypt encrypts payload to a recipient public JWK (given as a JSON
// object, e.g. from OpenID4VP client_metadata.jwks or an OpenID4VCI
// credential_response_encryption.jwk). The JWK's kid is echoed. Direct
// ECDH-ES with A128GCM or A256GCM is done natively, with apu and apv from
// o.Header (base64url strings or []byte) in the key derivation; a Header
// with zip or crit, and the other algorithms, go through jwx.
func Encrypt(payload []byte, recipient map[string]any, o EncryptOptions) (string, error) {
	pub, err := crypto.PublicKeyFromJWK(recipient)
	if err != nil {
		return "", err
	}
	alg := o.Alg
	if alg == "" {
		if a, ok := recipient["alg"].(string); ok {
			alg = a
		} else if kt, _ := crypto.KeyTypeOf(pub); kt == crypto.KeyTypeECP256 || kt == crypto.KeyTypeECP384 {
			alg = "ECDH-ES"
		} else {
			alg = "RSA-OAEP-256"
		}
	}
	kalg, ok := jweKeyAlgs[alg]
	if !ok {
		return "", fmt.Errorf("%w: alg %q", ErrJWEAlgorithm, alg)
	}
	enc := o.Enc
	if enc == "" {
		enc = "A128GCM"
	}
	if !jweEncAlgs[enc] {
		return "", fmt.Errorf("%w: enc %q", ErrJWEAlgorithm, enc)
	}
	if n := directEnc(enc); alg == "ECDH-ES" && n > 0 && !hasAny(o.Header, directReserved) {
		if ec, ok := pub.(*ecdsa.PublicKey); ok {
			kid, _ := recipient["kid"].(string)
			return encryptDirect(payload, ec, enc, n, o.Header, kid)
		}
	}
	hdrs := jwe.NewHeaders()
	for k, v := range o.Header {
		if err := hdrs.Set(k, v); err != nil {
			return "", fmt.Errorf("jose: JWE header %q: %w", k, err)
		}
	}
	if kid, ok := recipient["kid"].(string); ok && kid != "" {
		_ = hdrs.Set("kid", kid)
	}
	jk, err := jwk.FromRaw(pub)
	if err != nil {
		return "", err
	}
	out, err := jwe.Encrypt(payload, jwe.WithKey(kalg, jk), jwe.WithContentEncryption(jwa.ContentEncryptionAlgorithm(enc)), jwe.WithProtectedHeaders(hdrs), jwe.WithCompact())
	if err != nil {
		return "", fmt.Errorf("jose: encrypt: %w", err)
	}
	return string(out), nil
}
