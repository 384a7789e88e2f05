package rdfc

import (
	"strings"
	"unicode/utf8"
)

const hexUpper = "0123456789ABCDEF"

// writeTerm appends the canonical N-Quads form of t (RDFC-1.0
// "Canonical N-Quads"). Blank nodes are written with the label in t.Value.
func writeTerm(b *strings.Builder, t Term) {
	switch t.Kind {
	case KindIRI:
		b.WriteByte('<')
		b.WriteString(t.Value)
		b.WriteByte('>')
	case KindBlank:
		b.WriteString(t.Value)
	case KindLiteral:
		b.WriteByte('"')
		escapeLiteral(b, t.Value)
		b.WriteByte('"')
		if t.Language != "" {
			b.WriteByte('@')
			b.WriteString(t.Language)
		} else if t.Datatype != "" && t.Datatype != XSDString {
			b.WriteString("^^<")
			b.WriteString(t.Datatype)
			b.WriteByte('>')
		}
	}
}

// escapeLiteral writes s with the escaping of canonical N-Triples (RDF 1.2
// N-Triples §3, referenced by RDFC-1.0): BS, HT, LF, FF, CR, '"' and '\' as
// ECHAR; U+0000–U+0007, U+000B, U+000E–U+001F, U+007F and characters outside
// the XML 1.1 Char production as \uXXXX (upper-case hex); the rest as is.
// Invalid UTF-8 bytes are written as \uFFFD.
func escapeLiteral(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '\b':
				b.WriteString(`\b`)
			case '\t':
				b.WriteString(`\t`)
			case '\n':
				b.WriteString(`\n`)
			case '\f':
				b.WriteString(`\f`)
			case '\r':
				b.WriteString(`\r`)
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			default:
				if c < 0x20 || c == 0x7f {
					writeUCHAR(b, rune(c))
				} else {
					b.WriteByte(c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			writeUCHAR(b, utf8.RuneError)
		} else if r == 0xFFFE || r == 0xFFFF {
			writeUCHAR(b, r)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

func writeUCHAR(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	b.WriteByte(hexUpper[(r>>12)&0xf])
	b.WriteByte(hexUpper[(r>>8)&0xf])
	b.WriteByte(hexUpper[(r>>4)&0xf])
	b.WriteByte(hexUpper[r&0xf])
}

// serializeQuad returns the canonical N-Quads line of q, terminated by "\n".
func serializeQuad(b *strings.Builder, q *Quad) {
	writeTerm(b, q.Subject)
	b.WriteByte(' ')
	writeTerm(b, q.Predicate)
	b.WriteByte(' ')
	writeTerm(b, q.Object)
	if q.Graph.Kind != KindNone {
		b.WriteByte(' ')
		writeTerm(b, q.Graph)
	}
	b.WriteString(" .\n")
}

// SerializeNQuads writes quads as canonical N-Quads lines in the given
// order (no sorting, no relabelling).
func SerializeNQuads(quads []Quad) string {
	var b strings.Builder
	for i := range quads {
		serializeQuad(&b, &quads[i])
	}
	return b.String()
}
