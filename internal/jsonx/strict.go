package jsonx

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/ocmw/wstack/internal/anybox"
)

// Decode validates data against the limits and the rules of Validate and
// decodes it in the same pass into the values encoding/json produces for an
// `any` target (map[string]any, []any, string, float64, bool, nil; invalid
// surrogate escapes become U+FFFD). It exists because encoding/json's
// reflection-driven decoding dominated the non-cryptographic cost of
// SD-JWT verification. It accepts exactly what Validate accepts and, on
// rejection, returns Validate's error for the input (so error classes and
// messages are those of the two-pass path); TestDecodeMatchesTwoPass and
// FuzzDecode keep it in agreement with Validate followed by encoding/json.
func Decode(data []byte, lim Limits) (any, error) {
	return decodeStrict(data, lim, false)
}

// DecodeAliased is Decode, except that strings without escapes share
// memory with data instead of being copied. The caller must never modify
// data afterwards (nor hand it to code that might): the decoded strings
// would change with it. Use it only on a buffer the caller allocated for
// this decode and keeps private.
func DecodeAliased(data []byte, lim Limits) (any, error) {
	return decodeStrict(data, lim, true)
}

func decodeStrict(data []byte, lim Limits, alias bool) (any, error) {
	lim = lim.norm()
	if len(data) <= lim.MaxBytes {
		b := data
		if !alias {
			// One copy of the input that the strings share (instead of a
			// copy of each); nothing else ever holds or writes it.
			b = bytes.Clone(data)
		}
		d := strictDecoder{b: b, maxDepth: lim.MaxDepth, maxValues: lim.MaxValues, alias: true, box: true}
		// At most one string per two quotes (member names count too):
		// usually one chunk for all of them.
		d.boxes.Reserve(bytes.Count(b, quote) / 2)
		defer d.release()
		d.ws()
		if v, ok := d.value(0); ok {
			d.ws()
			if d.i == len(d.b) {
				return v, nil
			}
		}
	}
	// Rejected: report exactly what the two-pass gate reports.
	if err := Validate(data, lim); err != nil {
		return nil, err
	}
	return nil, errDecode // unreachable while the two agree (FuzzDecode)
}

var quote = []byte{'"'}

type strictDecoder struct {
	b         []byte
	i         int
	maxDepth  int
	values    int
	maxValues int
	alias     bool
	// With box, boxes boxes the decoded strings (in chunks).
	box   bool
	boxes anybox.Strings
	// stack holds the elements of the arrays being decoded (from
	// stackPool, taken at the first array).
	stack *[]any
}

// stackPool holds the element stacks of decoders (empty and cleared).
var stackPool = sync.Pool{New: func() any { s := make([]any, 0, 32); return &s }}

// maxPooledStack bounds the element stack kept in the pool.
const maxPooledStack = 1024

// release returns the decoder's element stack to the pool.
func (d *strictDecoder) release() {
	if d.stack != nil && cap(*d.stack) <= maxPooledStack {
		stackPool.Put(d.stack)
	}
	d.stack = nil
}

// boxString returns s as an interface value.
func (d *strictDecoder) boxString(s string) any {
	if d.box {
		return d.boxes.Box(s)
	}
	return s
}

func (d *strictDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *strictDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.b) {
		return nil, false
	}
	if d.values++; d.values > d.maxValues {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		if depth+1 > d.maxDepth {
			return nil, false
		}
		m, ok := d.object(depth + 1)
		if !ok {
			return nil, false
		}
		return m, true
	case c == '[':
		if depth+1 > d.maxDepth {
			return nil, false
		}
		a, ok := d.array(depth + 1)
		if !ok {
			return nil, false
		}
		return a, true
	case c == '"':
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		return d.boxString(s), true
	case c == 't':
		return true, d.lit("true")
	case c == 'f':
		return false, d.lit("false")
	case c == 'n':
		return nil, d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, false
}

func (d *strictDecoder) lit(w string) bool {
	if len(d.b)-d.i < len(w) || string(d.b[d.i:d.i+len(w)]) != w {
		return false
	}
	d.i += len(w)
	return true
}

func (d *strictDecoder) digits() int {
	n := 0
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}

// number scans the RFC 8259 number grammar and converts it to float64.
func (d *strictDecoder) number() (any, bool) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.b) && d.b[d.i] == '0' {
		d.i++
	} else if d.digits() == 0 {
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return nil, false
		}
	}
	if d.i-start > 64 {
		return nil, false
	}
	// The bytes are only read during the call: no copy needed.
	f, err := strconv.ParseFloat(unsafe.String(&d.b[start], d.i-start), 64)
	if err != nil {
		return nil, false
	}
	return f, true
}

// str decodes a string at the opening quote.
func (d *strictDecoder) str() (string, bool) {
	d.i++ // opening quote
	start := d.i
	for d.i < len(d.b) {
		// Eight plain bytes at a time (printable ASCII other than the
		// quote and the backslash); the first other byte is judged below.
		for len(d.b)-d.i >= 8 && Plain8(binary.LittleEndian.Uint64(d.b[d.i:])) {
			d.i += 8
		}
		if d.i >= len(d.b) {
			break
		}
		c := d.b[d.i]
		switch {
		case c == '"':
			n := d.i - start
			d.i++
			if n == 0 {
				return "", true
			}
			if d.alias {
				return unsafe.String(&d.b[start], n), true
			}
			return string(d.b[start : start+n]), true
		case c == '\\':
			return d.strEscaped(start)
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, n := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", false
			}
			d.i += n
		}
	}
	return "", false
}

// Plain8 reports whether none of the eight bytes in x is a quote, a
// backslash, a control character (< 0x20) or a byte of 0x80 and above.
func Plain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// A byte b < n (n <= 0x80) sets its high bit in (b - n) &^ b.
	below := func(x uint64, n uint64) uint64 { return (x - ones*n) &^ x & highs }
	zero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	return (x&highs | below(x, 0x20) | zero(x^(ones*'"')) | zero(x^(ones*'\\'))) == 0
}

// strEscaped validates the rest of a string with escapes (the decoder
// stands on the first backslash) and returns its decoded form.
func (d *strictDecoder) strEscaped(start int) (string, bool) {
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			out, ok := appendUnescaped(make([]byte, 0, d.i-start), d.b[start:d.i])
			if !ok {
				return "", false
			}
			d.i++
			// out is this string's own buffer, never written again.
			return unsafe.String(unsafe.SliceData(out), len(out)), true
		case c == '\\':
			if d.i+1 >= len(d.b) {
				return "", false
			}
			switch d.b[d.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i += 2
			case 'u':
				if d.i+6 > len(d.b) {
					return "", false
				}
				for _, h := range d.b[d.i+2 : d.i+6] {
					if !isHex(h) {
						return "", false
					}
				}
				d.i += 6
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, n := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", false
			}
			d.i += n
		}
	}
	return "", false
}

func (d *strictDecoder) array(depth int) ([]any, bool) {
	d.i++ // [
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return make([]any, 0), true
	}
	// The elements collect on the decoder's stack (shared by nested
	// arrays), then move to an array of their exact number.
	if d.stack == nil {
		d.stack = stackPool.Get().(*[]any)
	}
	st := d.stack
	base := len(*st)
	defer func() {
		clear((*st)[base:])
		*st = (*st)[:base]
	}()
	for {
		d.ws()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		*st = append(*st, v)
		d.ws()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return append([]any(nil), (*st)[base:]...), true
		default:
			return nil, false
		}
	}
}

func (d *strictDecoder) object(depth int) (map[string]any, bool) {
	d.i++ // {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return make(map[string]any), true
	}
	m := make(map[string]any, 8)
	for {
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.ws()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		d.ws()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, true
		default:
			return nil, false
		}
	}
}

// ValidatedMembers splits a JSON object that has passed Validate into its
// members: what json.Unmarshal into a map[string]json.RawMessage yields
// (names unescaped, values the exact bytes, copied), without
// encoding/json's second validity scan. It reports ErrSyntax when data is
// not an object (null is a nil map, as with encoding/json).
func ValidatedMembers(data []byte) (map[string]json.RawMessage, error) {
	d := strictDecoder{b: data}
	d.ws()
	if d.lit("null") {
		return nil, nil // as encoding/json: a nil map
	}
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return nil, errDecode
	}
	d.i++
	m := make(map[string]json.RawMessage, 8)
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		return m, nil
	}
	for {
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, errDecode
		}
		k, ok := d.str()
		if !ok {
			return nil, errDecode
		}
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, errDecode
		}
		d.i++
		d.ws()
		start := d.i
		if !d.skip() {
			return nil, errDecode
		}
		m[k] = json.RawMessage(bytes.Clone(d.b[start:d.i]))
		d.ws()
		if d.i >= len(d.b) {
			return nil, errDecode
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			return m, nil
		default:
			return nil, errDecode
		}
	}
}

// skip moves past one value of validated JSON.
func (d *strictDecoder) skip() bool {
	if d.i >= len(d.b) {
		return false
	}
	switch d.b[d.i] {
	case '"':
		d.i++
		for d.i < len(d.b) {
			switch d.b[d.i] {
			case '"':
				d.i++
				return true
			case '\\':
				d.i++
			}
			d.i++
		}
		return false
	case '{', '[':
		depth := 0
		for d.i < len(d.b) {
			switch d.b[d.i] {
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					d.i++
					return true
				}
			case '"':
				if !d.skip() {
					return false
				}
				continue
			}
			d.i++
		}
		return false
	}
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return true
		}
		d.i++
	}
	return true
}
