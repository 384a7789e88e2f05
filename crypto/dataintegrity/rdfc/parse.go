package rdfc

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Parser limits.
const (
	// DefaultMaxNQuadsBytes bounds the input of ParseNQuads.
	DefaultMaxNQuadsBytes = 4 << 20
)

// ParseOptions bound ParseNQuads.
type ParseOptions struct {
	// MaxBytes caps the input size; 0 means DefaultMaxNQuadsBytes.
	MaxBytes int
	// MaxQuads caps the number of quads; 0 means DefaultMaxQuads.
	MaxQuads int
}

// ParseNQuads parses an N-Quads document (RDF 1.1 N-Quads) into quads.
// It accepts IRIREF, blank node labels and literals with ECHAR/UCHAR escapes
// and language tags or datatypes; comments and blank lines are skipped. It
// does not resolve relative IRIs (N-Quads has none).
func ParseNQuads(data []byte, opts ParseOptions) ([]Quad, error) {
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxNQuadsBytes
	}
	if opts.MaxQuads == 0 {
		opts.MaxQuads = DefaultMaxQuads
	}
	if len(data) > opts.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(data), opts.MaxBytes)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: input is not UTF-8", ErrSyntax)
	}
	var out []Quad
	lineNo := 0
	for _, line := range strings.Split(string(data), "\n") {
		lineNo++
		line = strings.TrimSuffix(line, "\r")
		p := &nqParser{s: line}
		p.ws()
		if p.eof() || p.peek() == '#' {
			continue
		}
		q, err := p.quad()
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrSyntax, lineNo, err)
		}
		if len(out) >= opts.MaxQuads {
			return nil, fmt.Errorf("%w: more than %d quads", ErrTooLarge, opts.MaxQuads)
		}
		out = append(out, q)
	}
	return out, nil
}

type nqParser struct {
	s   string
	pos int
}

func (p *nqParser) eof() bool  { return p.pos >= len(p.s) }
func (p *nqParser) peek() byte { return p.s[p.pos] }
func (p *nqParser) ws() {
	for !p.eof() && (p.peek() == ' ' || p.peek() == '\t') {
		p.pos++
	}
}

func (p *nqParser) quad() (Quad, error) {
	var q Quad
	var err error
	if q.Subject, err = p.term(false); err != nil {
		return q, err
	}
	if q.Subject.Kind == KindLiteral {
		return q, fmt.Errorf("literal subject")
	}
	p.ws()
	if q.Predicate, err = p.term(false); err != nil {
		return q, err
	}
	if q.Predicate.Kind != KindIRI {
		return q, fmt.Errorf("predicate must be an IRI")
	}
	p.ws()
	if q.Object, err = p.term(true); err != nil {
		return q, err
	}
	p.ws()
	if p.eof() {
		return q, fmt.Errorf("missing '.'")
	}
	if p.peek() != '.' {
		if q.Graph, err = p.term(false); err != nil {
			return q, err
		}
		if q.Graph.Kind == KindLiteral {
			return q, fmt.Errorf("literal graph name")
		}
		p.ws()
	}
	if p.eof() || p.peek() != '.' {
		return q, fmt.Errorf("missing '.'")
	}
	p.pos++
	p.ws()
	if !p.eof() && p.peek() != '#' {
		return q, fmt.Errorf("trailing characters")
	}
	return q, q.validate()
}

func (p *nqParser) term(allowLiteral bool) (Term, error) {
	if p.eof() {
		return Term{}, fmt.Errorf("unexpected end of line")
	}
	switch c := p.peek(); {
	case c == '<':
		v, err := p.iri()
		return IRI(v), err
	case c == '_':
		return p.blank()
	case c == '"' && allowLiteral:
		return p.literal()
	}
	return Term{}, fmt.Errorf("unexpected %q at column %d", p.peek(), p.pos+1)
}

func (p *nqParser) iri() (string, error) {
	p.pos++ // '<'
	var b strings.Builder
	for {
		if p.eof() {
			return "", fmt.Errorf("unterminated IRI")
		}
		c := p.peek()
		switch {
		case c == '>':
			p.pos++
			v := b.String()
			if v == "" || !strings.Contains(v, ":") {
				return "", fmt.Errorf("IRI %q is not absolute", v)
			}
			return v, nil
		case c == '\\':
			r, err := p.uchar()
			if err != nil {
				return "", err
			}
			if !iriChar(r) {
				return "", fmt.Errorf("character U+%04X not allowed in IRI", r)
			}
			b.WriteRune(r)
		default:
			if !iriChar(rune(c)) {
				return "", fmt.Errorf("character %q not allowed in IRI", c)
			}
			b.WriteByte(c)
			p.pos++
		}
	}
}

func iriChar(r rune) bool {
	if r <= 0x20 {
		return false
	}
	switch r {
	case '<', '>', '"', '{', '}', '|', '^', '`', '\\':
		return false
	}
	return true
}

func (p *nqParser) uchar() (rune, error) {
	// at '\'
	if p.pos+1 >= len(p.s) {
		return 0, fmt.Errorf("bad escape")
	}
	n := 0
	switch p.s[p.pos+1] {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return 0, fmt.Errorf("bad escape \\%c", p.s[p.pos+1])
	}
	if p.pos+2+n > len(p.s) {
		return 0, fmt.Errorf("short \\u escape")
	}
	hex := p.s[p.pos+2 : p.pos+2+n]
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, fmt.Errorf("bad \\u escape %q", hex)
	}
	p.pos += 2 + n
	return rune(v), nil
}

func (p *nqParser) blank() (Term, error) {
	if !strings.HasPrefix(p.s[p.pos:], "_:") {
		return Term{}, fmt.Errorf("bad blank node")
	}
	start := p.pos
	p.pos += 2
	for !p.eof() {
		c := p.peek()
		if c == ' ' || c == '\t' || c == '<' || c == '"' {
			break
		}
		if c == '.' {
			// a label may contain '.', but not end with one
			if p.pos+1 >= len(p.s) || p.s[p.pos+1] == ' ' || p.s[p.pos+1] == '\t' {
				break
			}
		}
		p.pos++
	}
	label := p.s[start:p.pos]
	if len(label) <= 2 {
		return Term{}, fmt.Errorf("empty blank node label")
	}
	return Term{Kind: KindBlank, Value: label}, nil
}

func (p *nqParser) literal() (Term, error) {
	p.pos++ // '"'
	var b strings.Builder
	for {
		if p.eof() {
			return Term{}, fmt.Errorf("unterminated literal")
		}
		c := p.peek()
		if c == '"' {
			p.pos++
			break
		}
		if c == '\n' || c == '\r' {
			return Term{}, fmt.Errorf("raw line break in literal")
		}
		if c != '\\' {
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.s) {
			return Term{}, fmt.Errorf("bad escape")
		}
		switch e := p.s[p.pos+1]; e {
		case 't':
			b.WriteByte('\t')
		case 'b':
			b.WriteByte('\b')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case '"', '\'', '\\':
			b.WriteByte(e)
		case 'u', 'U':
			r, err := p.uchar()
			if err != nil {
				return Term{}, err
			}
			b.WriteRune(r)
			continue
		default:
			return Term{}, fmt.Errorf("bad escape \\%c", e)
		}
		p.pos += 2
	}
	t := Term{Kind: KindLiteral, Value: b.String()}
	if !p.eof() && p.peek() == '@' {
		p.pos++
		start := p.pos
		for !p.eof() && (isAlnum(p.peek()) || p.peek() == '-') {
			p.pos++
		}
		t.Language = p.s[start:p.pos]
		if t.Language == "" {
			return Term{}, fmt.Errorf("empty language tag")
		}
	} else if strings.HasPrefix(p.s[p.pos:], "^^") {
		p.pos += 2
		if p.eof() || p.peek() != '<' {
			return Term{}, fmt.Errorf("datatype must be an IRI")
		}
		dt, err := p.iri()
		if err != nil {
			return Term{}, err
		}
		if dt != XSDString {
			t.Datatype = dt
		}
	}
	return t, nil
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
