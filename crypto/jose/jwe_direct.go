package jose

import (
	gocrypto "crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/b64url"
)

// This file encrypts and decrypts the JWEs OpenID4VP and OpenID4VCI
// exchange — direct key agreement "ECDH-ES" with "A128GCM" or "A256GCM"
// (RFC 7518 §4.6, §5.3) — with crypto/ecdh and crypto/cipher, without a
// second parse of the token; every other combination goes through jwx.
// Decrypt has checked the token, the header and the epk (on the key's
// curve) before decryptDirect runs. TestDirectDecryptMatchesJWX,
// TestEncryptDirect and FuzzJWEDecrypt compare the two paths; the Concat
// KDF is tested against RFC 7518 Appendix C.

// directEnc maps the content encryption algorithms of the native path to
// their key length in bytes.
func directEnc(enc string) int {
	switch enc {
	case "A128GCM":
		return 16
	case "A256GCM":
		return 32
	}
	return 0
}

// gcmIVLen and gcmTagLen are the IV and tag lengths RFC 7518 §5.3 fixes
// for AES-GCM content encryption.
const (
	gcmIVLen  = 12
	gcmTagLen = 16
)

// decryptDirect decrypts the decoded parts (iv, ciphertext, tag) of a
// compact JWE whose base64url protected header is aad, under ECDH-ES with
// the ephemeral public key epk and AES-GCM with a keyLen-byte key.
func decryptDirect(key gocrypto.PrivateKey, epk *ecdsa.PublicKey, enc string, keyLen int, apu, apv []byte, aad string, iv, ct, tag []byte) ([]byte, error) {
	// Checked before the key agreement: a malformed token costs nothing.
	if len(iv) != gcmIVLen || len(tag) != gcmTagLen {
		return nil, fmt.Errorf("%w: AES-GCM needs a %d-byte IV and a %d-byte tag", ErrJWEDecrypt, gcmIVLen, gcmTagLen)
	}
	var priv *ecdh.PrivateKey
	switch k := key.(type) {
	case *ecdh.PrivateKey:
		priv = k
	case *ecdsa.PrivateKey:
		var err error
		if priv, err = k.ECDH(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrJWEEphemeralKey, err)
		}
	default:
		return nil, fmt.Errorf("%w: ECDH-ES needs an EC private key, have %T", ErrJWEEphemeralKey, key)
	}
	pub, err := epk.ECDH()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJWEEphemeralKey, err)
	}
	z, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: key agreement: %v", ErrJWEDecrypt, err)
	}
	gcm, err := directAEAD(z, enc, apu, apv, keyLen)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJWEDecrypt, err)
	}
	// Open wants the tag after the ciphertext; the plaintext is written
	// over that buffer, which is the caller's own copy.
	sealed := make([]byte, 0, len(ct)+len(tag))
	sealed = append(append(sealed, ct...), tag...)
	pt, err := gcm.Open(sealed[:0], iv, sealed, []byte(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrJWEDecrypt)
	}
	return pt, nil
}

// directAEAD derives the content encryption key from the shared secret z
// (concatKDF) and returns AES-GCM under it; z and the key are cleared.
func directAEAD(z []byte, enc string, apu, apv []byte, keyLen int) (cipher.AEAD, error) {
	cek := concatKDF(z, enc, apu, apv, keyLen)
	clear(z)
	defer clear(cek)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// concatKDF derives the content encryption key of direct ECDH-ES from the
// shared secret z (RFC 7518 §4.6.2, NIST SP 800-56A §5.8.1 with SHA-256):
// one round, as keyLen is at most 32 bytes, over the counter 1, z and
// OtherInfo = AlgorithmID (the enc value) || PartyUInfo (apu) ||
// PartyVInfo (apv) || SuppPubInfo (the key length in bits), each datum but
// the last prefixed with its 32-bit big-endian length.
func concatKDF(z []byte, enc string, apu, apv []byte, keyLen int) []byte {
	h := sha256.New()
	var n [4]byte
	put := func(v uint32) {
		binary.BigEndian.PutUint32(n[:], v)
		h.Write(n[:])
	}
	put(1)
	h.Write(z)
	put(uint32(len(enc)))
	h.Write([]byte(enc))
	put(uint32(len(apu)))
	h.Write(apu)
	put(uint32(len(apv)))
	h.Write(apv)
	put(uint32(keyLen * 8))
	return h.Sum(nil)[:keyLen]
}

// directReserved are the header members the native encryption path sets
// itself or does not implement; a caller's Header naming one of them goes
// through jwx.
var directReserved = []string{"alg", "enc", "epk", "zip", "crit"}

// encryptDirect encrypts payload to pub under direct ECDH-ES with AES-GCM
// (a keyLen-byte key): a fresh ephemeral key on pub's curve, the Concat
// KDF over hdr's apu and apv (base64url strings, or []byte written to the
// header as such), a random 96-bit IV, and the protected header (hdr, kid
// when not empty, alg, enc and epk) as additional data.
func encryptDirect(payload []byte, pub *ecdsa.PublicKey, enc string, keyLen int, hdr map[string]any, kid string) (string, error) {
	h := make(map[string]any, len(hdr)+4)
	var party [2][]byte
	for k, v := range hdr {
		h[k] = v
	}
	if kid != "" {
		h["kid"] = kid
	}
	for i, name := range []string{"apu", "apv"} {
		switch v := hdr[name].(type) {
		case nil:
			if _, ok := hdr[name]; ok {
				return "", fmt.Errorf("%w: %s is null", ErrJWEMalformed, name)
			}
		case string:
			b, err := decodeB64(v)
			if err != nil {
				return "", fmt.Errorf("%w: %s: %v", ErrJWEMalformed, name, err)
			}
			party[i] = b
		case []byte:
			party[i] = v
			h[name] = string(b64url.AppendEncode(nil, v))
		default:
			return "", fmt.Errorf("%w: %s must be base64url or bytes, have %T", ErrJWEMalformed, name, v)
		}
	}
	rpub, err := pub.ECDH()
	if err != nil {
		return "", fmt.Errorf("jose: encrypt: recipient key: %w", err)
	}
	eph, err := rpub.Curve().GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("jose: encrypt: %w", err)
	}
	z, err := eph.ECDH(rpub)
	if err != nil {
		return "", fmt.Errorf("jose: encrypt: key agreement: %w", err)
	}
	gcm, err := directAEAD(z, enc, party[0], party[1], keyLen)
	if err != nil {
		return "", fmt.Errorf("jose: encrypt: %w", err)
	}
	epk, err := ecdsa.ParseUncompressedPublicKey(pub.Curve, eph.PublicKey().Bytes())
	if err != nil {
		return "", fmt.Errorf("jose: encrypt: %w", err)
	}
	epkJWK, err := crypto.PublicJWK(epk)
	if err != nil {
		return "", fmt.Errorf("jose: encrypt: %w", err)
	}
	h["alg"], h["enc"], h["epk"] = "ECDH-ES", enc, epkJWK
	hb, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("jose: JWE header: %w", err)
	}
	var iv [gcmIVLen]byte
	if _, err := rand.Read(iv[:]); err != nil {
		return "", fmt.Errorf("jose: encrypt: %w", err)
	}
	h64 := b64url.AppendEncode(nil, hb)
	sealed := gcm.Seal(nil, iv[:], payload, h64)
	ct, tag := sealed[:len(sealed)-gcmTagLen], sealed[len(sealed)-gcmTagLen:]
	out := make([]byte, 0, len(h64)+2+b64url.EncodedLen(gcmIVLen)+1+b64url.EncodedLen(len(ct))+1+b64url.EncodedLen(gcmTagLen))
	out = append(append(out, h64...), '.', '.')
	out = append(b64url.AppendEncode(out, iv[:]), '.')
	out = append(b64url.AppendEncode(out, ct), '.')
	out = b64url.AppendEncode(out, tag)
	return string(out), nil
}
