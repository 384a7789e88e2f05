package b64url

import (
	"encoding/base64"
	"errors"
	"strings"
	"unsafe"
)

var strict = base64.RawURLEncoding.Strict()

// ErrLineBreak is DecodeStrict's error for input holding CR or LF.
var ErrLineBreak = errors.New("b64url: line break in base64url")

// DecodedLen is base64.RawURLEncoding.DecodedLen.
func DecodedLen(n int) int { return strict.DecodedLen(n) }

// ValidChars reports whether s holds only characters of the base64url
// alphabet (A-Z, a-z, 0-9, '-', '_'; no padding).
func ValidChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// DecodeStrict decodes canonical unpadded base64url (RFC 4648 §5 with the
// §3.5 canonical-encoding rule) from s into dst, which must hold
// DecodedLen(len(s)) bytes, and returns the number of bytes written. It
// accepts exactly the strings that pass ValidChars and that
// base64.RawURLEncoding.Strict() decodes: encoding/base64 skips CR and LF,
// which DecodeStrict rejects (ErrLineBreak); every other character outside
// the alphabet is already an error of encoding/base64. Both checks run at
// memory speed, so no separate pass over the characters is needed.
func DecodeStrict(dst []byte, s string) (int, error) {
	if strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 {
		return 0, ErrLineBreak
	}
	// Decode only reads its source: the string's bytes, not a copy.
	return strict.Decode(dst, unsafe.Slice(unsafe.StringData(s), len(s)))
}

// DecodeStringStrict is DecodeStrict into a new slice of the decoded
// length: canonical unpadded base64url only, CR and LF refused
// (ErrLineBreak) where encoding/base64 would skip them. Use it for every
// base64url member of untrusted input (JWS segments, JWK members, DIDs),
// so that one value has one encoding.
func DecodeStringStrict(s string) ([]byte, error) {
	b := make([]byte, DecodedLen(len(s)))
	n, err := DecodeStrict(b, s)
	if err != nil {
		return nil, err
	}
	return b[:n], nil
}
