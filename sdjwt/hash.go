package sdjwt

import (
	"crypto/sha256"
	"crypto/sha512"
	"unsafe"

	"github.com/ocmw/wstack/internal/b64url"
)

// HashAlg is an _sd_alg value: a "Hash Name String" from the IANA Named
// Information Hash Algorithm registry (RFC 9901 §4.1.1). Values are
// case-sensitive.
type HashAlg string

// Supported hash algorithms. sha-256 is the default when _sd_alg is absent.
const (
	SHA256 HashAlg = "sha-256"
	SHA384 HashAlg = "sha-384"
	SHA512 HashAlg = "sha-512"
)

// Valid reports whether h is one of the supported algorithms (exact match).
func (h HashAlg) Valid() bool {
	switch h {
	case SHA256, SHA384, SHA512:
		return true
	}
	return false
}

// Digest returns base64url(hash(ASCII(s))), the digest form RFC 9901 uses for
// disclosures (§4.2.3) and sd_hash (§4.3.1). It panics on an unsupported
// algorithm; check Valid first.
func (h HashAlg) Digest(s string) string {
	// The hash functions only read their input: hash the string's bytes
	// without copying them.
	var out [86]byte // base64url of up to 64 bytes
	return string(h.appendDigest(out[:0], unsafe.Slice(unsafe.StringData(s), len(s))))
}

// digestIs reports whether Digest(s) == want, without allocating.
func (h HashAlg) digestIs(s, want string) bool {
	var out [86]byte
	return string(h.appendDigest(out[:0], unsafe.Slice(unsafe.StringData(s), len(s)))) == want
}

// appendDigest appends base64url(hash(in)) to dst.
func (h HashAlg) appendDigest(dst, in []byte) []byte {
	switch h {
	case SHA256:
		d := sha256.Sum256(in)
		return b64url.AppendEncode(dst, d[:])
	case SHA384:
		d := sha512.Sum384(in)
		return b64url.AppendEncode(dst, d[:])
	case SHA512:
		d := sha512.Sum512(in)
		return b64url.AppendEncode(dst, d[:])
	}
	panic("sdjwt: unsupported hash algorithm " + string(h))
}

// json is h as a JSON string (h must be Valid).
func (h HashAlg) json() string {
	switch h {
	case SHA384:
		return `"sha-384"`
	case SHA512:
		return `"sha-512"`
	}
	return `"sha-256"`
}

func (h HashAlg) size() int {
	switch h {
	case SHA384:
		return 48
	case SHA512:
		return 64
	}
	return 32
}
