package statuslist

// A minimal deterministic CBOR (RFC 8949) encoder and decoder for the subset
// that status list CWTs and COSE_Sign1 need: unsigned and negative integers,
// byte and text strings, arrays, maps, tags, false/true/null. The standard
// library has no CBOR and the module adds no dependency for ~300 lines.
//
// Encoding is deterministic (RFC 8949 §4.2.1): shortest-form arguments,
// definite lengths, map keys sorted by their encoded bytes. Decoding accepts
// definite lengths only, rejects duplicate map keys, floats, undefined,
// non-shortest integer arguments are tolerated (COSE does not require
// preferred serialisation from peers) and enforces depth and item limits.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"unicode/utf8"
)

const (
	cborMaxDepth = 16
	cborMaxItems = 1 << 16
	// cborMaxMapLen bounds map sizes (duplicate detection is quadratic;
	// status list structures have a handful of keys).
	cborMaxMapLen = 256
)

// cborMap is a CBOR map with keys kept in decode order.
type cborMap struct {
	keys []any
	vals []any
}

func (m *cborMap) set(k, v any) { m.keys = append(m.keys, k); m.vals = append(m.vals, v) }

// get returns the value of an integer or text key.
func (m *cborMap) get(k any) (any, bool) {
	for i, key := range m.keys {
		if cborKeyEqual(key, k) {
			return m.vals[i], true
		}
	}
	return nil, false
}

func cborKeyEqual(a, b any) bool {
	ai, aok := cborInt(a)
	bi, bok := cborInt(b)
	if aok && bok {
		return ai == bi
	}
	as, aok := a.(string)
	bs, bok := b.(string)
	return aok && bok && as == bs
}

// cborInt returns an integer key/value as int64 (ok false when not an int or
// out of int64 range).
func cborInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}

type cborTag struct {
	num     uint64
	content any
}

// ---- encoder ----

func cborEncode(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := cborEnc(&b, v, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func cborHead(b *bytes.Buffer, major byte, arg uint64) {
	m := major << 5
	switch {
	case arg < 24:
		b.WriteByte(m | byte(arg))
	case arg <= math.MaxUint8:
		b.WriteByte(m | 24)
		b.WriteByte(byte(arg))
	case arg <= math.MaxUint16:
		b.WriteByte(m | 25)
		b.Write(binary.BigEndian.AppendUint16(nil, uint16(arg)))
	case arg <= math.MaxUint32:
		b.WriteByte(m | 26)
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(arg)))
	default:
		b.WriteByte(m | 27)
		b.Write(binary.BigEndian.AppendUint64(nil, arg))
	}
}

func cborEnc(b *bytes.Buffer, v any, depth int) error {
	if depth > cborMaxDepth {
		return fmt.Errorf("%w: CBOR nesting too deep", ErrEncoding)
	}
	switch x := v.(type) {
	case nil:
		b.WriteByte(0xf6)
	case bool:
		if x {
			b.WriteByte(0xf5)
		} else {
			b.WriteByte(0xf4)
		}
	case int:
		return cborEnc(b, int64(x), depth)
	case int64:
		if x >= 0 {
			cborHead(b, 0, uint64(x))
		} else {
			cborHead(b, 1, uint64(-(x + 1)))
		}
	case uint64:
		cborHead(b, 0, x)
	case []byte:
		cborHead(b, 2, uint64(len(x)))
		b.Write(x)
	case string:
		cborHead(b, 3, uint64(len(x)))
		b.WriteString(x)
	case []any:
		cborHead(b, 4, uint64(len(x)))
		for _, e := range x {
			if err := cborEnc(b, e, depth+1); err != nil {
				return err
			}
		}
	case *cborMap:
		type kv struct{ k, v []byte }
		pairs := make([]kv, len(x.keys))
		for i := range x.keys {
			k, err := cborEncode(x.keys[i])
			if err != nil {
				return err
			}
			var vb bytes.Buffer
			if err := cborEnc(&vb, x.vals[i], depth+1); err != nil {
				return err
			}
			pairs[i] = kv{k, vb.Bytes()}
		}
		sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].k, pairs[j].k) < 0 })
		for i := 1; i < len(pairs); i++ {
			if bytes.Equal(pairs[i-1].k, pairs[i].k) {
				return fmt.Errorf("%w: duplicate CBOR map key", ErrEncoding)
			}
		}
		cborHead(b, 5, uint64(len(pairs)))
		for _, p := range pairs {
			b.Write(p.k)
			b.Write(p.v)
		}
	case cborTag:
		cborHead(b, 6, x.num)
		return cborEnc(b, x.content, depth+1)
	default:
		return fmt.Errorf("%w: cannot encode %T as CBOR", ErrEncoding, v)
	}
	return nil
}

// ---- decoder ----

type cborDecoder struct {
	data  []byte
	off   int
	items int
}

// cborDecode decodes exactly one data item; trailing bytes are an error.
func cborDecode(data []byte) (any, error) {
	d := &cborDecoder{data: data}
	v, err := d.item(0)
	if err != nil {
		return nil, err
	}
	if d.off != len(data) {
		return nil, fmt.Errorf("%w: %d trailing bytes after CBOR item", ErrEncoding, len(data)-d.off)
	}
	return v, nil
}

func (d *cborDecoder) errf(format string, a ...any) error {
	return fmt.Errorf("%w: CBOR at %d: %s", ErrEncoding, d.off, fmt.Sprintf(format, a...))
}

func (d *cborDecoder) head() (major byte, info byte, arg uint64, err error) {
	if d.off >= len(d.data) {
		return 0, 0, 0, d.errf("unexpected end")
	}
	ib := d.data[d.off]
	d.off++
	major, info = ib>>5, ib&0x1f
	var n int
	switch {
	case info < 24:
		return major, info, uint64(info), nil
	case info == 24:
		n = 1
	case info == 25:
		n = 2
	case info == 26:
		n = 4
	case info == 27:
		n = 8
	default:
		return 0, 0, 0, d.errf("indefinite length or reserved info %d", info)
	}
	if len(d.data)-d.off < n {
		return 0, 0, 0, d.errf("truncated argument")
	}
	for _, c := range d.data[d.off : d.off+n] {
		arg = arg<<8 | uint64(c)
	}
	d.off += n
	return major, info, arg, nil
}

func (d *cborDecoder) item(depth int) (any, error) {
	if depth > cborMaxDepth {
		return nil, d.errf("nesting deeper than %d", cborMaxDepth)
	}
	d.items++
	if d.items > cborMaxItems {
		return nil, d.errf("more than %d items", cborMaxItems)
	}
	major, info, arg, err := d.head()
	if err != nil {
		return nil, err
	}
	switch major {
	case 0:
		return arg, nil
	case 1:
		if arg > math.MaxInt64 {
			return nil, d.errf("negative integer out of range")
		}
		return -1 - int64(arg), nil
	case 2, 3:
		if arg > uint64(len(d.data)-d.off) {
			return nil, d.errf("string longer than input")
		}
		s := d.data[d.off : d.off+int(arg)]
		d.off += int(arg)
		if major == 2 {
			return s, nil
		}
		if !utf8.Valid(s) {
			return nil, d.errf("text string is not UTF-8")
		}
		return string(s), nil
	case 4:
		if arg > uint64(len(d.data)-d.off) { // every item takes ≥ 1 byte
			return nil, d.errf("array longer than input")
		}
		arr := make([]any, 0, arg)
		for i := uint64(0); i < arg; i++ {
			v, err := d.item(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	case 5:
		if arg > cborMaxMapLen || arg > uint64(len(d.data)-d.off)/2 {
			return nil, d.errf("map of %d entries", arg)
		}
		m := &cborMap{}
		for i := uint64(0); i < arg; i++ {
			k, err := d.item(depth + 1)
			if err != nil {
				return nil, err
			}
			switch k.(type) {
			case uint64, int64, string:
			default:
				return nil, d.errf("map key of type %T", k)
			}
			if _, dup := m.get(k); dup {
				return nil, d.errf("duplicate map key %v", k)
			}
			v, err := d.item(depth + 1)
			if err != nil {
				return nil, err
			}
			m.set(k, v)
		}
		return m, nil
	case 6:
		v, err := d.item(depth + 1)
		if err != nil {
			return nil, err
		}
		return cborTag{num: arg, content: v}, nil
	default: // 7
		switch {
		case info == 20:
			return false, nil
		case info == 21:
			return true, nil
		case info == 22:
			return nil, nil
		}
		return nil, d.errf("unsupported simple value or float (info %d)", info)
	}
}
