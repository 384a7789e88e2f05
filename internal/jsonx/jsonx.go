package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Errors reported by Validate.
var (
	ErrSyntax          = errors.New("jsonx: malformed JSON")
	ErrTooDeep         = errors.New("jsonx: JSON nested too deeply")
	ErrTooLarge        = errors.New("jsonx: JSON too large")
	ErrDuplicateMember = errors.New("jsonx: duplicate member name")
	ErrInvalidUTF8     = errors.New("jsonx: invalid UTF-8")
	// ErrTooManyValues is reported for a document with more than
	// Limits.MaxValues values; it matches ErrTooLarge too.
	ErrTooManyValues = fmt.Errorf("%w: too many values", ErrTooLarge)
)

// DefaultMaxValues is the default bound on the number of values in one
// document. Decoding into Go values (map[string]any, []any, json.Number)
// costs about 100 to 250 bytes of heap per value whatever its JSON size: a
// 1 MiB array of single-digit integers is 500,000 values and decodes into
// some 40 MB. 32,768 values keep one decode of a validated document under
// 10 MiB in the most amplifying shapes measured (TestDecodeMemoryBound:
// arrays of numbers, of empty objects, of one-member objects), while the
// largest legitimate documents wstack handles (JSON-LD contexts,
// presentation definitions, DID documents, presentations of 16
// credentials) have a few hundred to a few thousand.
const DefaultMaxValues = 1 << 15

// Limits bound a document. Zero values mean the defaults.
type Limits struct {
	MaxBytes int // default 1 MiB
	MaxDepth int // default 32
	// MaxValues bounds the number of JSON values at any depth: every
	// object, array, string, number and literal counts one (member names
	// do not). Default DefaultMaxValues. It caps the memory amplification
	// of decoding, which the byte limit alone does not.
	MaxValues int
}

func (l Limits) norm() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = 1 << 20
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 32
	}
	if l.MaxValues <= 0 {
		l.MaxValues = DefaultMaxValues
	}
	return l
}

// Validate checks data against the limits and the rules in the package
// comment. It does not allocate for documents whose objects have fewer than
// 16 members and whose member names contain no escapes.
func Validate(data []byte, lim Limits) error { return validate(data, lim, nil) }

// validate is Validate; with top set the document must be an object and
// top sees its members.
func validate(data []byte, lim Limits, top func(name, value []byte) error) error {
	lim = lim.norm()
	if len(data) > lim.MaxBytes {
		return fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(data), lim.MaxBytes)
	}
	s := scanner{data: data, maxDepth: lim.MaxDepth, maxValues: lim.MaxValues, top: top}
	s.ws()
	if top != nil && (s.pos >= len(s.data) || s.data[s.pos] != '{') {
		return s.errf("not an object")
	}
	if err := s.value(0); err != nil {
		return err
	}
	s.ws()
	if s.pos != len(s.data) {
		return s.errf("trailing data")
	}
	return nil
}

// Unmarshal validates data and then decodes it into v.
func Unmarshal(data []byte, v any, lim Limits) error {
	if err := Validate(data, lim); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	return nil
}

type scanner struct {
	data      []byte
	pos       int
	maxDepth  int
	values    int
	maxValues int
	// top, when set, is called with each member of the top-level object.
	top func(name, value []byte) error
}

// ValidateMembers is Validate for a document that must be a JSON object:
// fn is called with each top-level member's name (unescaped) and value
// bytes, in document order, both valid during the call only; an error
// from fn ends the scan and is returned. A document that is not an object
// is ErrSyntax. One pass and no decoding: for reading a few members of a
// large document (a JWT's iss) without building it.
func ValidateMembers(data []byte, lim Limits, fn func(name, value []byte) error) error {
	if fn == nil {
		fn = func(_, _ []byte) error { return nil }
	}
	return validate(data, lim, fn)
}

// StringMembers validates data, which must be a JSON object, under lim
// (as ValidateMembers) and sets *dst[i] to the top-level member names[i]
// when it is a string; a null member leaves *dst[i] as it is, any other
// value is ErrSyntax. The claims a JWT's policy reads before verification
// (iss, vct, …) without decoding the rest.
func StringMembers(data []byte, lim Limits, names []string, dst []*string) error {
	return validate(data, lim, func(name, value []byte) error {
		for i, n := range names {
			if string(name) != n {
				continue
			}
			if string(value) == "null" {
				return nil
			}
			s, ok := StringValue(value)
			if !ok {
				return fmt.Errorf("%w: %s is not a string", ErrSyntax, n)
			}
			*dst[i] = s
			return nil
		}
		return nil
	})
}

// DocumentLimits bounds a document only by its own size, with
// encoding/json's nesting limit: for scanning input whose size a caller
// already bounded, where the decode that follows applies the real limits.
func DocumentLimits(data []byte) Limits {
	return Limits{MaxBytes: len(data), MaxDepth: 10000, MaxValues: len(data)}
}

// StringValue returns the string a JSON value (as ValidateMembers passes
// it) encodes, unescaped, and false when the value is not a string.
func StringValue(value []byte) (string, bool) {
	if len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
		return "", false
	}
	raw := value[1 : len(value)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw), true
	}
	dec, ok := appendUnescaped(nil, raw)
	return string(dec), ok
}

func (s *scanner) errf(msg string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, msg, s.pos)
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) error {
	if s.pos >= len(s.data) {
		return s.errf("unexpected end")
	}
	if s.values++; s.values > s.maxValues {
		return fmt.Errorf("%w: more than %d at offset %d", ErrTooManyValues, s.maxValues, s.pos)
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		_, _, err := s.str()
		return err
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return s.errf("unexpected character")
}

func (s *scanner) lit(w string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(w)) {
		return s.errf("bad literal")
	}
	s.pos += len(w)
	return nil
}

func (s *scanner) number() error {
	start := s.pos
	if s.data[s.pos] == '-' {
		s.pos++
	}
	digits := func() int {
		n := 0
		for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	if s.pos < len(s.data) && s.data[s.pos] == '0' {
		s.pos++
	} else if digits() == 0 {
		return s.errf("bad number")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return s.errf("bad fraction")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return s.errf("bad exponent")
		}
	}
	if s.pos-start > 64 {
		return s.errf("number too long")
	}
	// Decoders read numbers as float64 (encoding/json and Decode):
	// reject what they cannot represent here, so that a validated document
	// always decodes.
	if s.pos-start > 15 || bytes.ContainsAny(s.data[start:s.pos], "eE") {
		if _, err := strconv.ParseFloat(string(s.data[start:s.pos]), 64); err != nil {
			return s.errf("number out of range")
		}
	}
	return nil
}

// str scans a string starting at the opening quote and returns its raw
// content (between the quotes) and whether it contains escapes.
func (s *scanner) str() ([]byte, bool, error) {
	s.pos++ // opening quote
	start := s.pos
	escaped := false
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			raw := s.data[start:s.pos]
			s.pos++
			return raw, escaped, nil
		case c == '\\':
			escaped = true
			if s.pos+1 >= len(s.data) {
				return nil, false, s.errf("bad escape")
			}
			switch s.data[s.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos += 2
			case 'u':
				if s.pos+6 > len(s.data) {
					return nil, false, s.errf("bad \\u escape")
				}
				for _, h := range s.data[s.pos+2 : s.pos+6] {
					if !isHex(h) {
						return nil, false, s.errf("bad \\u escape")
					}
				}
				s.pos += 6
			default:
				return nil, false, s.errf("bad escape")
			}
		case c < 0x20:
			return nil, false, s.errf("control character in string")
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, n := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && n <= 1 {
				return nil, false, fmt.Errorf("%w: at offset %d", ErrInvalidUTF8, s.pos)
			}
			s.pos += n
		}
	}
	return nil, false, s.errf("unterminated string")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *scanner) array(depth int) error {
	if depth > s.maxDepth {
		return fmt.Errorf("%w: depth > %d", ErrTooDeep, s.maxDepth)
	}
	s.pos++
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		s.ws()
		if err := s.value(depth); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.errf("unterminated array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.errf("expected , or ]")
		}
	}
}

func (s *scanner) object(depth int) error {
	if depth > s.maxDepth {
		return fmt.Errorf("%w: depth > %d", ErrTooDeep, s.maxDepth)
	}
	s.pos++
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	var small [16][]byte
	names := small[:0]
	var set map[string]struct{}
	for {
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return s.errf("expected member name")
		}
		raw, esc, err := s.str()
		if err != nil {
			return err
		}
		name := raw
		if esc {
			dec, ok := appendUnescaped(nil, raw)
			if !ok {
				return s.errf("bad escape")
			}
			name = dec
		}
		if set == nil && len(names) < cap(small) {
			for _, n := range names {
				if bytes.Equal(n, name) {
					return fmt.Errorf("%w: %q", ErrDuplicateMember, truncate(name))
				}
			}
			names = append(names, name)
		} else {
			if set == nil {
				set = make(map[string]struct{}, 32)
				for _, n := range names {
					set[string(n)] = struct{}{}
				}
			}
			if _, dup := set[string(name)]; dup {
				return fmt.Errorf("%w: %q", ErrDuplicateMember, truncate(name))
			}
			set[string(name)] = struct{}{}
		}
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.errf("expected :")
		}
		s.pos++
		s.ws()
		start := s.pos
		if err := s.value(depth); err != nil {
			return err
		}
		if depth == 1 && s.top != nil {
			if err := s.top(name, s.data[start:s.pos]); err != nil {
				return err
			}
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.errf("unterminated object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.errf("expected , or }")
		}
	}
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
