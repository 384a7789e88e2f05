package statuslist

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"
	"unsafe"
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
// bytes come out. hint, when positive, is the expected size (the GZIP
// trailer's ISIZE — untrusted, only a first guess). Output is read into
// chunks that double in size but together never hold more than max bytes;
// before another chunk is allocated one byte is probed into a separate
// one-byte array, so a stream that ends exactly at a chunk boundary (the
// common case when hint is right) costs that chunk alone, and a compression
// bomb allocates at most the cap (no buffer is ever copied into a larger
// one). A list of n bytes costs its chunks plus one contiguous copy when it
// spans several chunks — never more than twice the cap.
func readBounded(r io.Reader, max, hint int64) ([]byte, error) {
	var chunks [][]byte
	var filled int64 // bytes in chunks
	first := int64(64 << 10)
	if hint > 0 {
		first = hint
	}
	chunk := make([]byte, 0, min(first, max))
	for {
		if len(chunk) == cap(chunk) {
			var probe [1]byte
			n, err := readSome(r, probe[:])
			if n == 0 {
				if err == io.EOF {
					return joinChunks(append(chunks, chunk), filled+int64(len(chunk))), nil
				}
				return nil, fmt.Errorf("%w: %v", ErrCompression, err)
			}
			chunks = append(chunks, chunk)
			filled += int64(len(chunk))
			rest := max - filled
			if rest <= 0 {
				return nil, fmt.Errorf("%w: inflates beyond %d bytes", ErrTooLarge, max)
			}
			chunk = make([]byte, 0, min(2*max64(int64(cap(chunk)), 1), rest))
			chunk = append(chunk, probe[0])
			if err == io.EOF {
				return joinChunks(append(chunks, chunk), filled+int64(len(chunk))), nil
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrCompression, err)
			}
			continue
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

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// readSome reads into p until at least one byte arrives or an error occurs
// (an io.Reader may return 0, nil).
func readSome(r io.Reader, p []byte) (int, error) {
	for {
		n, err := r.Read(p)
		if n > 0 || err != nil {
			return n, err
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

// Pools of decompressors and compressors. Creating a zlib/gzip reader
// allocates its inflate window and tables (~40 KB), a writer its hash
// chains and window (~800 KB); status lists are decoded and encoded often
// enough that this dominated the per-call cost. Every pooled object is
// Reset before use (the standard library defines Reset as equivalent to a
// new reader/writer) and drops its references to the caller's input and
// output before it goes back, so nothing is shared between calls.
// sync.Pool makes them safe for concurrent use; a reader or writer that
// failed is not returned to the pool.
var (
	zlibReaders sync.Pool // *pooledReader with a zlib reader
	gzipReaders sync.Pool // *pooledReader with a gzip reader
	// Writers per level: index level - HuffmanOnly (-2..9).
	zlibWriters [zlib.BestCompression - zlib.HuffmanOnly + 1]sync.Pool
	gzipWriters [gzip.BestCompression - gzip.HuffmanOnly + 1]sync.Pool
	outBuffers  sync.Pool // *bytes.Buffer for compressed output that is copied out
)

// pooledReader owns the bytes.Reader its decompressor reads from, so
// resetting it needs no allocation (a bytes.Reader is a flate.Reader: no
// bufio wrapper, no read-ahead past the end of the stream).
type pooledReader struct {
	src bytes.Reader
	zr  io.ReadCloser // zlib reader (also a zlib.Resetter)
	gr  *gzip.Reader
}

// release drops the reference to the caller's bytes and pools r.
func (r *pooledReader) release(p *sync.Pool) {
	r.src.Reset(nil)
	p.Put(r)
}

// Inflate decompresses a ZLIB (RFC 1950) stream with a cap on the output.
// Trailing bytes after the stream are rejected. It is safe for concurrent
// use.
func Inflate(compressed []byte, maxDecoded int64) ([]byte, error) {
	pr, _ := zlibReaders.Get().(*pooledReader)
	if pr == nil {
		pr = &pooledReader{}
	}
	pr.src.Reset(compressed)
	var err error
	if pr.zr == nil {
		pr.zr, err = zlib.NewReader(&pr.src)
	} else {
		err = pr.zr.(zlib.Resetter).Reset(&pr.src, nil)
	}
	if err != nil {
		// A reader whose header failed is not reused.
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	out, err := readBounded(pr.zr, maxDecoded, 0)
	if err != nil {
		return nil, err
	}
	if err := pr.zr.Close(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	if n := pr.src.Len(); n != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the zlib stream", ErrCompression, n)
	}
	pr.release(&zlibReaders)
	return out, nil
}

// Gunzip decompresses exactly one GZIP (RFC 1952) member with a cap on the
// output. Concatenated members and trailing bytes are rejected. It is safe
// for concurrent use.
func Gunzip(compressed []byte, maxDecoded int64) ([]byte, error) {
	pr, _ := gzipReaders.Get().(*pooledReader)
	if pr == nil {
		pr = &pooledReader{gr: new(gzip.Reader)}
	}
	pr.src.Reset(compressed)
	// Reset re-enables multistream mode: switch it off on every use.
	if err := pr.gr.Reset(&pr.src); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	pr.gr.Multistream(false)
	// ISIZE, the last 4 bytes of a member (RFC 1952 §2.3.1), is the
	// inflated size mod 2^32: a first guess for the output buffer, never
	// trusted (readBounded still enforces maxDecoded).
	var hint int64
	if len(compressed) >= 18 {
		hint = int64(binary.LittleEndian.Uint32(compressed[len(compressed)-4:]))
	}
	out, err := readBounded(pr.gr, maxDecoded, hint)
	if err != nil {
		return nil, err
	}
	if err := pr.gr.Close(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompression, err)
	}
	if n := pr.src.Len(); n != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the first gzip member (concatenated members are not allowed)", ErrCompression, n)
	}
	pr.release(&gzipReaders)
	return out, nil
}

// DefaultLevel is the compress/flate level used when none is given (level
// 0 in the …Level functions and PublisherConfig.CompressionLevel).
// Measured with BenchmarkEncodeLevels on 1 %-revoked lists (noisy 2-core
// VM): 131,072 × 1 bit compresses in ~1.1 ms to 2,782 bytes at level 6
// against ~20 ms and 2,498 bytes at level 9 (18× the time for 10 % fewer
// bytes); 1,048,576 × 2 bits in ~10 ms to 27,554 bytes against ~370 ms and
// 22,680 bytes (35× for 18 %). Level 9's time goes to deflate's match
// search on long zero runs. draft-20 recommends the best compression:
// publishers that re-encode rarely and serve the same list to many relying
// parties may pass BestLevel.
const DefaultLevel = 6

// BestLevel is compress/flate's best (slowest) compression level.
const BestLevel = zlib.BestCompression

// Deflate compresses with ZLIB at DefaultLevel.
func Deflate(data []byte) []byte {
	var buf bytes.Buffer
	compressTo(&buf, data, DefaultLevel, false)
	return buf.Bytes()
}

// Gzip compresses with GZIP at DefaultLevel.
func Gzip(data []byte) []byte {
	var buf bytes.Buffer
	compressTo(&buf, data, DefaultLevel, true)
	return buf.Bytes()
}

// validLevel maps 0 to DefaultLevel and rejects levels compress/flate does
// not know.
func validLevel(level int) (int, error) {
	if level == 0 {
		return DefaultLevel, nil
	}
	if level < zlib.HuffmanOnly || level > zlib.BestCompression {
		return 0, fmt.Errorf("%w: compression level %d", ErrConfig, level)
	}
	return level, nil
}

// bufferSink forwards a pooled compressor's output to the current call's
// buffer; the compressor is bound to the sink once, so resetting it per call
// clears its state exactly once and never keeps the caller's buffer.
type bufferSink struct{ buf *bytes.Buffer }

func (s *bufferSink) Write(p []byte) (int, error) { return s.buf.Write(p) }

type resetWriteCloser interface {
	io.WriteCloser
	Reset(io.Writer)
}

type pooledWriter struct {
	sink bufferSink
	w    resetWriteCloser
}

// compressTo appends data compressed at level (already validated) as ZLIB,
// or GZIP with gz, to dst.
func compressTo(dst *bytes.Buffer, data []byte, level int, gz bool) {
	pool := &zlibWriters[level-zlib.HuffmanOnly]
	if gz {
		pool = &gzipWriters[level-gzip.HuffmanOnly]
	}
	pw, _ := pool.Get().(*pooledWriter)
	if pw == nil {
		pw = &pooledWriter{}
		if gz {
			pw.w, _ = gzip.NewWriterLevel(&pw.sink, level) // level checked by validLevel
		} else {
			pw.w, _ = zlib.NewWriterLevel(&pw.sink, level)
		}
	} else {
		pw.w.Reset(&pw.sink)
	}
	pw.sink.buf = dst
	// Writes into a bytes.Buffer do not fail.
	pw.w.Write(data)
	pw.w.Close()
	pw.sink.buf = nil
	pool.Put(pw)
}

// encodeCompressed returns prefix + base64url-nopad(compress(data)), with the
// compressed bytes in a pooled buffer.
func encodeCompressed(prefix string, data []byte, level int, gz bool) string {
	buf, _ := outBuffers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	compressTo(buf, data, level, gz)
	out := make([]byte, len(prefix)+base64.RawURLEncoding.EncodedLen(buf.Len()))
	copy(out, prefix)
	base64.RawURLEncoding.Encode(out[len(prefix):], buf.Bytes())
	outBuffers.Put(buf)
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// decodeB64 decodes unpadded base64 (url alphabet, or std), rejecting
// bytes outside the alphabet — including CR and LF, which encoding/base64
// skips even in Strict mode — and non-canonical trailing bits.
func decodeB64(s string, std bool) ([]byte, error) {
	enc := base64.RawURLEncoding.Strict()
	if std {
		enc = base64.RawStdEncoding.Strict()
	}
	if strings.IndexByte(s, '\r') >= 0 || strings.IndexByte(s, '\n') >= 0 {
		return nil, base64Alphabet(s, std)
	}
	raw, err := enc.DecodeString(s)
	if err != nil {
		// Name the offending byte when there is one.
		if aerr := base64Alphabet(s, std); aerr != nil {
			return nil, aerr
		}
		return nil, fmt.Errorf("%w: %v", ErrEncoding, err)
	}
	return raw, nil
}

// ---- IETF Token Status List --------------------------------------------

// EncodeLst returns the "lst" member of an IETF status list: base64url
// (no padding) of the ZLIB-compressed packed bytes (draft-20 "Status List in JSON Format").
func EncodeLst(l *List) (string, error) { return EncodeLstLevel(l, 0) }

// EncodeLstLevel is EncodeLst with a compress/flate level (0 =
// DefaultLevel; BestLevel for the smallest output draft-20 recommends, at
// many times the cost). It is safe for concurrent use.
func EncodeLstLevel(l *List, level int) (string, error) {
	if l.order != LSBFirst {
		return "", fmt.Errorf("%w: an IETF list must be LSB-first", ErrConfig)
	}
	level, err := validLevel(level)
	if err != nil {
		return "", err
	}
	return encodeCompressed("", l.data, level, false), nil
}

// DecodeLst decodes an IETF "lst" value with the given bits per entry.
func DecodeLst(lst string, bits int, opts DecodeOptions) (*List, error) {
	if !ietfBits(bits) {
		return nil, fmt.Errorf("%w: bits=%d", ErrBadBits, bits)
	}
	if int64(len(lst)) > opts.maxEncoded() {
		return nil, fmt.Errorf("%w: lst is %d bytes", ErrTooLarge, len(lst))
	}
	raw, err := decodeB64(lst, false)
	if err != nil {
		return nil, fmt.Errorf("lst: %w", err)
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
// (0 = DefaultLevel, see EncodeLstLevel). It is safe for concurrent use.
func EncodeBitstringLevel(l *List, level int) (string, error) {
	if l.order != MSBFirst {
		return "", fmt.Errorf("%w: a W3C list must be MSB-first", ErrConfig)
	}
	level, err := validLevel(level)
	if err != nil {
		return "", err
	}
	return encodeCompressed("u", l.data, level, true), nil
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
	raw, err := decodeB64(s, std)
	if err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
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
