package jsonx

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

var errDecode = fmt.Errorf("%w: cannot decode", ErrSyntax)

// DecodeValidated decodes JSON that has already passed Validate
// (well-formed, valid UTF-8, no duplicate members, bounded depth) into the
// values encoding/json produces for an `any` target: map[string]any, []any,
// string, float64, bool and nil. It exists because encoding/json's
// reflection-driven decoding dominated the non-cryptographic cost of
// SD-JWT verification; a differential fuzz test (FuzzDecodeValidated) keeps the
// two in agreement.
func DecodeValidated(b []byte) (any, error) {
	d := jsonDecoder{b: b}
	d.ws()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, errDecode
	}
	return v, nil
}

type jsonDecoder struct {
	b []byte
	i int
}

func (d *jsonDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value() (any, error) {
	if d.i >= len(d.b) {
		return nil, errDecode
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		d.i += 4
		return true, nil
	case c == 'f':
		d.i += 5
		return false, nil
	case c == 'n':
		d.i += 4
		return nil, nil
	default:
		start := d.i
		for d.i < len(d.b) {
			c := d.b[d.i]
			if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				d.i++
				continue
			}
			break
		}
		f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
		if err != nil {
			return nil, errDecode // out of float64 range, as encoding/json
		}
		return f, nil
	}
}

func (d *jsonDecoder) object() (map[string]any, error) {
	d.i++ // {
	m := make(map[string]any, 8)
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		d.ws()
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, errDecode
		}
		d.i++
		d.ws()
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		d.ws()
		if d.i >= len(d.b) {
			return nil, errDecode
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, nil
		default:
			return nil, errDecode
		}
	}
}

func (d *jsonDecoder) array() ([]any, error) {
	d.i++ // [
	a := make([]any, 0, 4)
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, nil
	}
	for {
		d.ws()
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.ws()
		if d.i >= len(d.b) {
			return nil, errDecode
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return a, nil
		default:
			return nil, errDecode
		}
	}
}

func (d *jsonDecoder) str() (string, error) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", errDecode
	}
	d.i++
	start := d.i
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case '"':
			s := string(d.b[start:d.i])
			d.i++
			return s, nil
		case '\\':
			return d.strEscaped(start)
		}
		d.i++
	}
	return "", errDecode
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// strEscaped decodes a string with escapes starting at start (after the
// opening quote); the scanner stands on the first backslash.
func (d *jsonDecoder) strEscaped(start int) (string, error) {
	j := d.i
	for j < len(d.b) && d.b[j] != '"' {
		if d.b[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(d.b) {
		return "", errDecode
	}
	out, ok := appendUnescaped(make([]byte, 0, j-start), d.b[start:j])
	if !ok {
		return "", errDecode
	}
	d.i = j + 1
	return string(out), nil
}

// appendUnescaped appends the decoded form of a JSON string body (the bytes
// between the quotes) the way encoding/json decodes it: a lone or
// mismatched surrogate becomes U+FFFD. It reports false for a malformed
// escape.
func appendUnescaped(out, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return out, false
		}
		e := raw[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(raw[i:])
			if !ok {
				return out, false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if x, ok := hex4(raw[i+2:]); ok {
						r2 = x
					}
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					i += 6
					r = dec
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return out, false
		}
	}
	return out, true
}
