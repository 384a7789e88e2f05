package match

import (
	"fmt"
	"math"
	"strconv"
)

// maxFilterPath bounds the members of the relative query of a filter.
const maxFilterPath = 8

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

// filterExpr is the filter subset: a comparison `@<path> op literal`
// where path is a singular relative query of member names and
// non-negative indices (`@.a.b`, `@['a']`, `@.a[0]`, `@` itself) and the
// literal is a string, a number, true, false or null. It is written
// `[?(…)]` or `[?…]`. Comparisons follow RFC 9535 §2.3.5.2.2: == holds for
// equal numbers (by value), equal strings and identical true, false or
// null, never for a missing member or an object or array; != is its
// negation (so a missing member is != any literal); <, <=, >, >= order two
// numbers or two strings (by Unicode scalar values) and otherwise hold only
// where == holds (<=, >=).
type filterExpr struct {
	path []selector
	op   cmpOp
	lit  any // string, float64, bool or nil
}

// parseFilter parses "?…" at the start of s up to (not including) the
// closing bracket and returns the number of bytes read.
func parseFilter(s string) (*filterExpr, int, error) {
	i := 1
	skip := func() {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	skip()
	paren := i < len(s) && s[i] == '('
	if paren {
		i++
		skip()
	}
	if i >= len(s) || s[i] != '@' {
		return nil, 0, fmt.Errorf("%w: filter expressions other than @-comparisons with a literal", ErrJSONPathUnsupported)
	}
	i++
	f := &filterExpr{}
	for i < len(s) && (s[i] == '.' || s[i] == '[') {
		if len(f.path) >= maxFilterPath {
			return nil, 0, fmt.Errorf("%w: filter path longer than %d", ErrJSONPathLimit, maxFilterPath)
		}
		if s[i] == '.' {
			i++
			name, n := scanName(s[i:])
			if n == 0 {
				return nil, 0, fmt.Errorf("%w: filter path: expected a member name", ErrJSONPathUnsupported)
			}
			f.path = append(f.path, selector{name: name})
			i += n
			continue
		}
		i++
		skip()
		if i >= len(s) {
			return nil, 0, fmt.Errorf("%w: unterminated filter", ErrJSONPath)
		}
		switch c := s[i]; {
		case c == '\'' || c == '"':
			name, n, err := scanQuoted(s[i:])
			if err != nil {
				return nil, 0, err
			}
			f.path = append(f.path, selector{name: name})
			i += n
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			v, err := strconv.Atoi(s[i:j])
			if err != nil || v > maxSelectorIndex || (j-i > 1 && c == '0') {
				return nil, 0, fmt.Errorf("%w: filter path: bad index %q", ErrJSONPath, s[i:j])
			}
			f.path = append(f.path, selector{index: v, isIdx: true})
			i = j
		default:
			return nil, 0, fmt.Errorf("%w: filter path: only names and non-negative indices", ErrJSONPathUnsupported)
		}
		skip()
		if i >= len(s) || s[i] != ']' {
			return nil, 0, fmt.Errorf("%w: filter path: one name or index per bracket", ErrJSONPathUnsupported)
		}
		i++
	}
	skip()
	op, n := scanOp(s[i:])
	if n == 0 {
		return nil, 0, fmt.Errorf("%w: filter expressions other than @-comparisons with a literal", ErrJSONPathUnsupported)
	}
	f.op = op
	i += n
	skip()
	lit, n, err := scanLiteral(s[i:])
	if err != nil {
		return nil, 0, err
	}
	f.lit = lit
	i += n
	skip()
	if paren {
		if i >= len(s) || s[i] != ')' {
			return nil, 0, fmt.Errorf("%w: filter expressions other than @-comparisons with a literal", ErrJSONPathUnsupported)
		}
		i++
	}
	return f, i, nil
}

func scanOp(s string) (cmpOp, int) {
	if len(s) >= 2 {
		switch s[:2] {
		case "==":
			return opEq, 2
		case "!=":
			return opNe, 2
		case "<=":
			return opLe, 2
		case ">=":
			return opGe, 2
		}
	}
	if len(s) >= 1 {
		switch s[0] {
		case '<':
			return opLt, 1
		case '>':
			return opGt, 1
		}
	}
	return 0, 0
}

// scanLiteral reads a string (single or double quoted, escapes as in
// member names), a JSON number, true, false or null.
func scanLiteral(s string) (any, int, error) {
	if s == "" {
		return nil, 0, fmt.Errorf("%w: filter: missing literal", ErrJSONPath)
	}
	switch c := s[0]; {
	case c == '\'' || c == '"':
		return scanQuoted(s)
	case c == '-' || (c >= '0' && c <= '9'):
		n := scanNumber(s)
		if n == 0 {
			return nil, 0, fmt.Errorf("%w: filter: bad number", ErrJSONPath)
		}
		f, err := strconv.ParseFloat(s[:n], 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, 0, fmt.Errorf("%w: filter: bad number %q", ErrJSONPath, s[:n])
		}
		return f, n, nil
	}
	for _, kw := range [...]struct {
		s string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if len(s) >= len(kw.s) && s[:len(kw.s)] == kw.s {
			if len(s) > len(kw.s) {
				if _, n := scanName(s[len(kw.s):]); n > 0 {
					break
				}
			}
			return kw.v, len(kw.s), nil
		}
	}
	return nil, 0, fmt.Errorf("%w: filter: the right operand must be a string, number, true, false or null", ErrJSONPathUnsupported)
}

// scanNumber returns the length of the JSON number (RFC 8259 §6) at the
// start of s, or 0.
func scanNumber(s string) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return 0
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	return i
}

// holds evaluates the filter on one child node.
func (f *filterExpr) holds(node any) bool {
	v, ok := node, true
	for _, sel := range f.path {
		if sel.isIdx {
			arr, isArr := asArray(v)
			if !isArr || sel.index >= len(arr) {
				ok = false
				break
			}
			v = arr[sel.index]
			continue
		}
		obj, isObj := asObject(v)
		if !isObj {
			ok = false
			break
		}
		if v, ok = obj[sel.name]; !ok {
			break
		}
	}
	switch f.op {
	case opEq:
		return ok && litEqual(v, f.lit)
	case opNe:
		return !ok || !litEqual(v, f.lit)
	case opLt:
		return ok && litLess(v, f.lit, false)
	case opLe:
		return ok && (litLess(v, f.lit, false) || litEqual(v, f.lit))
	case opGt:
		return ok && litLess(v, f.lit, true)
	case opGe:
		return ok && (litLess(v, f.lit, true) || litEqual(v, f.lit))
	}
	return false
}

// litEqual is RFC 9535 == between a node value and a literal.
func litEqual(v, lit any) bool {
	switch l := lit.(type) {
	case nil:
		return v == nil
	case bool:
		b, ok := v.(bool)
		return ok && b == l
	case string:
		s, ok := v.(string)
		return ok && s == l
	case float64:
		n, ok := number(v)
		return ok && n == l
	}
	return false
}

// litLess is RFC 9535 < between a node value and a literal: v < lit, or
// lit < v when swapped.
func litLess(v, lit any, swapped bool) bool {
	switch l := lit.(type) {
	case string:
		s, ok := v.(string)
		if !ok {
			return false
		}
		if swapped {
			return l < s
		}
		return s < l
	case float64:
		n, ok := number(v)
		if !ok {
			return false
		}
		if swapped {
			return l < n
		}
		return n < l
	}
	return false
}
