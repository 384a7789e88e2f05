package did

import "errors"

// The multiformats unsigned-varint (github.com/multiformats/unsigned-varint):
// LEB128, at most 9 bytes, and the encoding MUST be minimal.

var (
	errVarintTruncated    = errors.New("unsigned varint truncated")
	errVarintOverlong     = errors.New("unsigned varint longer than 9 bytes")
	errVarintNotMinimal   = errors.New("unsigned varint not minimally encoded")
	maxVarintBytes        = 9
	varintContinuationBit = byte(0x80)
)

// putUvarint appends the unsigned-varint encoding of v.
func putUvarint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|varintContinuationBit)
		v >>= 7
	}
	return append(dst, byte(v))
}

// readUvarint decodes an unsigned varint from the front of b and returns the
// value and the number of bytes read.
func readUvarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b); i++ {
		if i == maxVarintBytes {
			return 0, 0, errVarintOverlong
		}
		c := b[i]
		v |= uint64(c&0x7f) << (7 * uint(i))
		if c&varintContinuationBit == 0 {
			if c == 0 && i > 0 {
				return 0, 0, errVarintNotMinimal
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, errVarintTruncated
}
