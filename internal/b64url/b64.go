// Package b64url encodes base64url without padding (RFC 4648 §5), the
// encoding of JOSE and SD-JWT, byte for byte as
// encoding/base64.RawURLEncoding does, six input bytes per step.
package b64url

import (
	"encoding/base64"
	"encoding/binary"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// pairs maps 12 bits to the two characters that encode them.
var pairs = func() (t [4096]uint16) {
	for i := range t {
		t[i] = uint16(alphabet[i>>6])<<8 | uint16(alphabet[i&63])
	}
	return
}()

// EncodedLen is base64.RawURLEncoding.EncodedLen.
func EncodedLen(n int) int { return base64.RawURLEncoding.EncodedLen(n) }

// AppendEncode appends the base64url encoding of src to dst.
func AppendEncode(dst, src []byte) []byte {
	n := EncodedLen(len(src))
	l := len(dst)
	if cap(dst)-l < n {
		nd := make([]byte, l, l+n+(l+n)/4)
		copy(nd, dst)
		dst = nd
	}
	dst = dst[:l+n]
	Encode(dst[l:], src)
	return dst
}

// Encode writes the base64url encoding of src to dst, which must hold
// EncodedLen(len(src)) bytes.
func Encode(dst, src []byte) {
	di, si := 0, 0
	// Eight input bytes are loaded, six encoded.
	for ; len(src)-si >= 8 && len(dst)-di >= 8; si, di = si+6, di+8 {
		v := binary.BigEndian.Uint64(src[si:])
		w := uint64(pairs[v>>52&0xfff])<<48 | uint64(pairs[v>>40&0xfff])<<32 |
			uint64(pairs[v>>28&0xfff])<<16 | uint64(pairs[v>>16&0xfff])
		binary.BigEndian.PutUint64(dst[di:], w)
	}
	base64.RawURLEncoding.Encode(dst[di:], src[si:])
}
