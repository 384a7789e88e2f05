package statuslist

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Default limits for decoding untrusted lists.
const (
	// DefaultMaxDecodedBytes caps the inflated list: 16 MiB holds
	// 134,217,728 one-bit entries, 16× the largest list the IETF examples
	// use with 8 bits.
	DefaultMaxDecodedBytes = 16 << 20
	// DefaultMaxEncodedBytes caps the compressed/encoded list text.
	DefaultMaxEncodedBytes = 4 << 20
	// MinBitstringEntries is the W3C minimum list length (BSL "BitstringStatusListCredential",
	// "minimumNumberOfEntries": 131,072 = 16 KiB of 1-bit entries).
	MinBitstringEntries = 131072
)

// DecodeOptions bounds decoding. The zero value uses the defaults above.
type DecodeOptions struct {
	// MaxDecodedBytes caps the inflated size: inflation stops and fails with
	// ErrTooLarge as soon as one byte more would be produced, so a
	// compression bomb costs at most this much time and about this much
	// allocation (a list that decodes costs about twice this much).
	MaxDecodedBytes int64
	// MaxEncodedBytes caps the encoded input (base64 text or CBOR bytes).
	MaxEncodedBytes int64
	// InsecureAllowShortBitstring disables the 131,072-entry minimum for
	// W3C lists (test fixtures only).
	InsecureAllowShortBitstring bool
}

func (o DecodeOptions) maxDecoded() int64 {
	if o.MaxDecodedBytes > 0 {
		return o.MaxDecodedBytes
	}
	return DefaultMaxDecodedBytes
}

func (o DecodeOptions) maxEncoded() int64 {
	if o.MaxEncodedBytes > 0 {
		return o.MaxEncodedBytes
	}
	return DefaultMaxEncodedBytes
}

// readBounded reads r to EOF, failing with ErrTooLarge once more than max
// bytes come out. Output is read into chunks that double in size but
// together never hold more than max bytes, and one byte beyond max is probed
// into a separate one-byte array: a compression bomb allocates the cap once
// (no buffer is ever copied into a larger one), and a list of n bytes costs
// its chunks plus one contiguous copy when it spans several chunks — never
// more than twice the cap.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	var chunks [][]byte
	var filled int64 // bytes in chunks
	chunk := make([]byte, 0, min(64<<10, max))
	for {
		if len(chunk) == cap(chunk) {
			chunks = append(chunks, chunk)
			filled += int64(len(chunk))
			rest := max - filled
			if rest <= 0 {
				// The chunks hold max bytes: the stream must end here.
				var probe [1]byte
				for {
					n, err := r.Read(probe[:])
					if n > 0 {
						return nil, fmt.Errorf("%w: inflates beyond %d bytes", ErrTooLarge, max)
					}
					if err == io.EOF {
						return joinChunks(chunks, filled), nil
					}
					if err != nil {
						return nil, fmt.Errorf("%w: %v", ErrCompression, err)
					}
				}
			}
			chunk = make([]byte, 0, min(2*int64(cap(chunk)), rest))
		}
		n, err := r.Read(chunk[len(chunk):cap(chunk)])
		chunk = chunk[:len(chunk)+n]
		if err == io.EOF {
			return joinChunks(append(chunks, chunk), filled+int64(len(chunk))), nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCompression, err)
		}
	}
}

// joinChunks concatenates chunks holding n bytes (one chunk is returned as
// is).
func joinChunks(chunks [][]byte, n int64) []byte {
	var nonEmpty [][]byte
	for _, c := range chunks {
		if len(c) > 0 {
			nonEmpty = append(nonEmpty, c)
		}
	}
	switch len(nonEmpty) {
	case 0:
		return []byte{}
	case 1:
		return nonEmpty[0]
	}
	out := make([]byte, 0, n)
	for _, c := range nonEmpty {
		out = append(out, c...)
	}
	return out
}

// Inflate decompresses a ZLIB (RFC 1950) stream with a cap on the output.
// Trailing bytes after the stream are rejected.
func Inflate(compressed []byte, maxDecoded int64) ([]byte, error) {
	br := bytes.NewReader(compressed)
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	out, err := readBounded(zr, maxDecoded)
	if err != nil {
		return nil, err
	}
	if err := zr.Close(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the zlib stream", ErrCompression, br.Len())
	}
	return out, nil
}

// Gunzip decompresses exactly one GZIP (RFC 1952) member with a cap on the
// output. Concatenated members and trailing bytes are rejected.
func Gunzip(compressed []byte, maxDecoded int64) ([]byte, error) {
	br := bytes.NewReader(compressed)
	gr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	gr.Multistream(false)
	out, err := readBounded(gr, maxDecoded)
	if err != nil {
		return nil, err
	}
	if err := gr.Close(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the first gzip member (concatenated members are not allowed)", ErrCompression, br.Len())
	}
	return out, nil
}

// Deflate compresses with ZLIB at the best compression level, as draft-20
// "Status List" recommends.
func Deflate(data []byte) []byte { return deflateLevel(data, zlib.BestCompression) }

// Gzip compresses with GZIP at the best compression level.
func Gzip(data []byte) []byte { return gzipLevel(data, gzip.BestCompression) }

// validLevel maps 0 to the best level and rejects levels compress/flate
// does not know.
func validLevel(level int) (int, error) {
	if level == 0 {
		return zlib.BestCompression, nil
	}
	if level < zlib.HuffmanOnly || level > zlib.BestCompression {
		return 0, fmt.Errorf("%w: compression level %d", ErrConfig, level)
	}
	return level, nil
}

func deflateLevel(data []byte, level int) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, level) // level checked by validLevel
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

func gzipLevel(data []byte, level int) []byte {
	var buf bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&buf, level) // level checked by validLevel
	gw.Write(data)
	gw.Close()
	return buf.Bytes()
}

// ---- IETF Token Status List --------------------------------------------

// EncodeLst returns the "lst" member of an IETF status list: base64url
// (no padding) of the ZLIB-compressed packed bytes (draft-20 "Status List in JSON Format").
func EncodeLst(l *List) (string, error) { return EncodeLstLevel(l, 0) }

// EncodeLstLevel is EncodeLst with a compress/flate level (0 = best). At
// the best level a 1,048,576-entry 2-bit list takes about half a second on
// a small VM; level 6 is ~15× faster for ~10% more bytes.
func EncodeLstLevel(l *List, level int) (string, error) {
	if l.order != LSBFirst {
		return "", fmt.Errorf("%w: an IETF list must be LSB-first", ErrConfig)
	}
	level, err := validLevel(level)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(deflateLevel(l.data, level)), nil
}

// DecodeLst decodes an IETF "lst" value with the given bits per entry.
func DecodeLst(lst string, bits int, opts DecodeOptions) (*List, error) {
	if !ietfBits(bits) {
		return nil, fmt.Errorf("%w: bits=%d", ErrBadBits, bits)
	}
	if int64(len(lst)) > opts.maxEncoded() {
		return nil, fmt.Errorf("%w: lst is %d bytes", ErrTooLarge, len(lst))
	}
	if err := base64Alphabet(lst, false); err != nil {
		return nil, fmt.Errorf("lst: %w", err)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(lst)
	if err != nil {
		return nil, fmt.Errorf("%w: lst: %v", ErrEncoding, err)
	}
	return DecodeLstBytes(raw, bits, opts)
}

// DecodeLstBytes decodes the compressed byte string of an IETF list (the
// CBOR form's "lst").
func DecodeLstBytes(compressed []byte, bits int, opts DecodeOptions) (*List, error) {
	if !ietfBits(bits) {
		return nil, fmt.Errorf("%w: bits=%d", ErrBadBits, bits)
	}
	if int64(len(compressed)) > opts.maxEncoded() {
		return nil, fmt.Errorf("%w: lst is %d bytes", ErrTooLarge, len(compressed))
	}
	data, err := Inflate(compressed, opts.maxDecoded())
	if err != nil {
		return nil, err
	}
	return ListFromBytes(data, bits, LSBFirst)
}

// ---- W3C Bitstring Status List / StatusList2021 -------------------------

// EncodeBitstring returns the encodedList of a W3C Bitstring Status List:
// multibase "u" + base64url-nopad(GZIP(bits)) (BSL "Bitstring Generation Algorithm").
func EncodeBitstring(l *List) (string, error) { return EncodeBitstringLevel(l, 0) }

// EncodeBitstringLevel is EncodeBitstring with a compress/flate level
// (0 = best).
func EncodeBitstringLevel(l *List, level int) (string, error) {
	if l.order != MSBFirst {
		return "", fmt.Errorf("%w: a W3C list must be MSB-first", ErrConfig)
	}
	level, err := validLevel(level)
	if err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(gzipLevel(l.data, level)), nil
}

// DecodeBitstring decodes a W3C encodedList with the entry's statusSize;
// 0 stands for an absent statusSize, which is 1 (BSL §2.1). The multibase
// prefix must be "u"; the list must hold at least MinBitstringEntries
// entries (ErrListLength) unless opts allow it.
func DecodeBitstring(encodedList string, statusSize int, opts DecodeOptions) (*List, error) {
	if !strings.HasPrefix(encodedList, "u") {
		return nil, fmt.Errorf("%w: encodedList must carry the multibase prefix \"u\" (base64url)", ErrEncoding)
	}
	if statusSize == 0 {
		statusSize = 1
	}
	return decodeGzipList(encodedList[1:], statusSize, opts, false)
}

// DecodeStatusList2021 decodes the legacy StatusList2021 encodedList:
// GZIP + base64 without a multibase prefix. Both the base64url alphabet (the
// CCG spec's) and the standard alphabet (what some issuers, including the
// XFSC service, emit), padded or not, are accepted; a leading "u" is not.
func DecodeStatusList2021(encodedList string, opts DecodeOptions) (*List, error) {
	s := strings.TrimRight(encodedList, "=")
	return decodeGzipList(s, 1, opts, strings.ContainsAny(s, "+/"))
}

// decodeGzipList decodes unpadded base64url (std: standard alphabet) of a
// GZIP member holding an MSB-first list.
func decodeGzipList(s string, statusSize int, opts DecodeOptions, std bool) (*List, error) {
	if statusSize < 1 || statusSize > 8 {
		return nil, fmt.Errorf("%w: statusSize=%d", ErrBadBits, statusSize)
	}
	if int64(len(s)) > opts.maxEncoded() {
		return nil, fmt.Errorf("%w: encodedList is %d bytes", ErrTooLarge, len(s))
	}
	if err := base64Alphabet(s, std); err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
	}
	enc := base64.RawURLEncoding.Strict()
	if std {
		enc = base64.RawStdEncoding.Strict()
	}
	raw, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList: %v", ErrEncoding, err)
	}
	data, err := Gunzip(raw, opts.maxDecoded())
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty bitstring", ErrListLength)
	}
	l, err := ListFromBytes(data, statusSize, MSBFirst)
	if err != nil {
		return nil, err
	}
	if l.n < MinBitstringEntries && !opts.InsecureAllowShortBitstring {
		return nil, fmt.Errorf("%w: %d entries of %d bits", ErrListLength, l.n, statusSize)
	}
	return l, nil
}
