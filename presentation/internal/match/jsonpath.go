package match

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	pjsonpath "github.com/PaesslerAG/jsonpath"
)

// JSONPath errors.
var (
	// ErrJSONPath: the expression is not valid JSONPath.
	ErrJSONPath = errors.New("match: invalid JSONPath")
	// ErrJSONPathUnsupported: the expression is valid JSONPath but outside
	// the safe subset (filter and script expressions, slices, functions).
	ErrJSONPathUnsupported = errors.New("match: JSONPath outside the supported subset")
	// ErrJSONPathLimit: the expression exceeds a length, segment or
	// descendant limit (checked before any parsing).
	ErrJSONPathLimit = errors.New("match: JSONPath exceeds a limit")
	// ErrTooManyResults: evaluation selected more nodes than allowed.
	ErrTooManyResults = errors.New("match: path selects too many elements")
	// ErrTooMuchWork: evaluation visited more nodes than allowed.
	ErrTooMuchWork = errors.New("match: path evaluation exceeded its work limit")
)

// Limits of the JSONPath subset.
const (
	MaxJSONPathLen   = 512   // bytes
	MaxSegments      = 32    // segments after $
	MaxDescendants   = 2     // ".." segments
	MaxUnion         = 8     // selectors inside one bracket
	MaxResults       = 1024  // selected nodes per evaluation
	MaxSteps         = 65536 // nodes visited per evaluation
	MaxFilters       = 4     // filter selectors per expression
	maxDescentDepth  = 64    // levels below a ".." segment
	maxSelectorIndex = 1 << 24
)

type segKind uint8

const (
	segChild      segKind = iota // .name / ['name'] / [0] / unions
	segWildcard                  // .* / [*]
	segDescendant                // ..name / ..* / ..[...]
	segFilter                    // [?(@.a.b op literal)]
)

type selector struct {
	name  string
	index int
	isIdx bool
}

type segment struct {
	kind     segKind
	wildcard bool // for descendant: ..*
	sels     []selector
	filter   *filterExpr // for segFilter
}

// JSONPath is a compiled expression of the supported subset of RFC 9535:
// the root `$`, member names (`.name`, `['name']`, `["name"]`), array
// indices (non-negative), wildcards (`.*`, `[*]`),
// unions of names or indices (`['a','b']`, `[0,2]`), at most two
// descendant segments (`..name`) and comparison filters
// `[?(@.a.b op literal)]` (see filterExpr; at most MaxFilters). Other
// filter expressions (existence tests, logical operators, functions),
// script expressions (`(…)`), slices and negative indices are refused with
// ErrJSONPathUnsupported. Every expression accepted is also accepted by
// github.com/PaesslerAG/jsonpath, the parser the project standardises on
// (filters are checked there as the wildcard they narrow), and, without a
// filter, selects the same values; filters are evaluated with the
// comparison semantics of RFC 9535 §2.3.5.2.2. Evaluation is done here so
// that result and work limits hold and the location of every result is
// known (needed for selective disclosure).
type JSONPath struct {
	src  string
	segs []segment
	// simple paths (single names and indices only) select at most one
	// node, at loc; they are evaluated without allocating.
	simple bool
	loc    []any
}

// String returns the source expression.
func (p *JSONPath) String() string { return p.src }

// CompileJSONPath checks the limits of s, parses it into the supported
// subset and cross-checks it with PaesslerAG/jsonpath.
func CompileJSONPath(s string) (*JSONPath, error) {
	if len(s) > MaxJSONPathLen {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrJSONPathLimit, len(s), MaxJSONPathLen)
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrJSONPath)
	}
	if strings.Count(s, "..") > MaxDescendants {
		return nil, fmt.Errorf("%w: more than %d descendant segments", ErrJSONPathLimit, MaxDescendants)
	}
	if strings.Count(s, "[")+strings.Count(s, ".") > 2*MaxSegments+2*MaxDescendants {
		return nil, fmt.Errorf("%w: too many segments", ErrJSONPathLimit)
	}
	p := &JSONPath{src: s}
	if err := p.parse(); err != nil {
		return nil, err
	}
	filters := 0
	for _, seg := range p.segs {
		if seg.kind == segFilter {
			filters++
		}
	}
	if filters > MaxFilters {
		return nil, fmt.Errorf("%w: more than %d filter selectors", ErrJSONPathLimit, MaxFilters)
	}
	p.simple = true
	for _, seg := range p.segs {
		if seg.kind != segChild || len(seg.sels) != 1 {
			p.simple = false
			break
		}
		if seg.sels[0].isIdx {
			p.loc = append(p.loc, seg.sels[0].index)
		} else {
			p.loc = append(p.loc, seg.sels[0].name)
		}
	}
	if !p.simple {
		p.loc = nil
	} else if p.loc == nil {
		p.loc = []any{}
	}
	// The expression is now known to be flat (no nesting), short and free
	// of script, so the recursive-descent parser of gval cannot overflow.
	if _, err := pjsonpath.New(p.canonical()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSONPath, err)
	}
	return p, nil
}

func (p *JSONPath) parse() error {
	s := p.src
	if s == "" || s[0] != '$' {
		return fmt.Errorf("%w: must start with $", ErrJSONPath)
	}
	i := 1
	for i < len(s) {
		if len(p.segs) >= MaxSegments {
			return fmt.Errorf("%w: more than %d segments", ErrJSONPathLimit, MaxSegments)
		}
		switch s[i] {
		case '.':
			desc := strings.HasPrefix(s[i:], "..")
			if desc {
				i += 2
			} else {
				i++
			}
			if i >= len(s) {
				return fmt.Errorf("%w: trailing dot", ErrJSONPath)
			}
			if s[i] == '*' {
				i++
				if desc {
					p.segs = append(p.segs, segment{kind: segDescendant, wildcard: true})
				} else {
					p.segs = append(p.segs, segment{kind: segWildcard})
				}
				continue
			}
			if desc && s[i] == '[' {
				seg, n, err := parseBracket(s[i:])
				if err != nil {
					return err
				}
				i += n
				if seg.kind == segFilter {
					return fmt.Errorf("%w: filter selectors in a descendant segment", ErrJSONPathUnsupported)
				}
				if seg.kind == segWildcard {
					seg = segment{kind: segDescendant, wildcard: true}
				} else {
					seg.kind = segDescendant
				}
				p.segs = append(p.segs, seg)
				continue
			}
			name, n := scanName(s[i:])
			if n == 0 {
				return fmt.Errorf("%w: expected a member name at offset %d", ErrJSONPath, i)
			}
			i += n
			kind := segChild
			if desc {
				kind = segDescendant
			}
			p.segs = append(p.segs, segment{kind: kind, sels: []selector{{name: name}}})
		case '[':
			seg, n, err := parseBracket(s[i:])
			if err != nil {
				return err
			}
			i += n
			p.segs = append(p.segs, seg)
		default:
			return fmt.Errorf("%w: unexpected %q at offset %d", ErrJSONPathUnsupported, s[i], i)
		}
	}
	return nil
}

// scanName reads a member-name shorthand: a letter, '_' or non-ASCII
// character followed by those or digits.
func scanName(s string) (string, int) {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		ok := r == '_' || unicode.IsLetter(r) || (n > 0 && unicode.IsDigit(r))
		if !ok {
			break
		}
		n += size
	}
	return s[:n], n
}

// parseBracket parses "[...]" at the start of s.
func parseBracket(s string) (segment, int, error) {
	i := 1
	var sels []selector
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			return segment{}, 0, fmt.Errorf("%w: unterminated bracket", ErrJSONPath)
		}
		c := s[i]
		switch {
		case c == '*':
			if len(sels) > 0 {
				return segment{}, 0, fmt.Errorf("%w: wildcard in a union", ErrJSONPathUnsupported)
			}
			i++
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if i >= len(s) || s[i] != ']' {
				return segment{}, 0, fmt.Errorf("%w: wildcard in a union", ErrJSONPathUnsupported)
			}
			return segment{kind: segWildcard}, i + 1, nil
		case c == '\'' || c == '"':
			name, n, err := scanQuoted(s[i:])
			if err != nil {
				return segment{}, 0, err
			}
			sels = append(sels, selector{name: name})
			i += n
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			v, err := strconv.Atoi(s[i:j])
			if err != nil || v > maxSelectorIndex || v < -maxSelectorIndex {
				return segment{}, 0, fmt.Errorf("%w: bad index %q", ErrJSONPath, s[i:j])
			}
			if j-i > 1 && (s[i] == '0' || (s[i] == '-' && s[i+1] == '0')) {
				return segment{}, 0, fmt.Errorf("%w: index with leading zero", ErrJSONPath)
			}
			if v < 0 {
				// RFC 9535 counts negative indices from the end;
				// PaesslerAG/jsonpath does not. Refused so that both agree.
				return segment{}, 0, fmt.Errorf("%w: negative index", ErrJSONPathUnsupported)
			}
			sels = append(sels, selector{index: v, isIdx: true})
			i = j
		case c == '?':
			if len(sels) > 0 {
				return segment{}, 0, fmt.Errorf("%w: filter selector in a union", ErrJSONPathUnsupported)
			}
			f, n, err := parseFilter(s[i:])
			if err != nil {
				return segment{}, 0, err
			}
			i += n
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if i >= len(s) || s[i] != ']' {
				return segment{}, 0, fmt.Errorf("%w: filter selector in a union", ErrJSONPathUnsupported)
			}
			return segment{kind: segFilter, filter: f}, i + 1, nil
		case c == '(' || c == '@':
			return segment{}, 0, fmt.Errorf("%w: script expressions are not supported", ErrJSONPathUnsupported)
		default:
			return segment{}, 0, fmt.Errorf("%w: unexpected %q in bracket", ErrJSONPathUnsupported, c)
		}
		if len(sels) > MaxUnion {
			return segment{}, 0, fmt.Errorf("%w: more than %d selectors in a union", ErrJSONPathLimit, MaxUnion)
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			return segment{}, 0, fmt.Errorf("%w: unterminated bracket", ErrJSONPath)
		}
		switch s[i] {
		case ']':
			return segment{kind: segChild, sels: sels}, i + 1, nil
		case ',':
			i++
		case ':':
			return segment{}, 0, fmt.Errorf("%w: array slices are not supported", ErrJSONPathUnsupported)
		default:
			return segment{}, 0, fmt.Errorf("%w: unexpected %q in bracket", ErrJSONPath, s[i])
		}
	}
}

// scanQuoted reads a quoted member name. Escapes are limited to \\ and the
// quote characters, which both RFC 9535 and gval understand alike.
func scanQuoted(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("%w: unterminated string", ErrJSONPath)
			}
			i++
			switch s[i] {
			case '\\', '\'', '"':
				b.WriteByte(s[i])
			default:
				return "", 0, fmt.Errorf("%w: escape \\%c", ErrJSONPathUnsupported, s[i])
			}
		case c < 0x20:
			return "", 0, fmt.Errorf("%w: control character in string", ErrJSONPath)
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("%w: unterminated string", ErrJSONPath)
}

// canonical renders the parsed expression in the spelling gval parses
// alike (double-quoted names; gval reads single-quoted text as a rune).
func (p *JSONPath) canonical() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, seg := range p.segs {
		if seg.kind == segDescendant {
			b.WriteString("..")
			if seg.wildcard {
				b.WriteByte('*')
				continue
			}
		}
		if seg.kind == segWildcard || seg.kind == segFilter {
			// A filter narrows the wildcard: gval checks the skeleton.
			b.WriteString("[*]")
			continue
		}
		b.WriteByte('[')
		for i, sel := range seg.sels {
			if i > 0 {
				b.WriteByte(',')
			}
			if sel.isIdx {
				b.WriteString(strconv.Itoa(sel.index))
			} else {
				b.WriteString(strconv.Quote(sel.name))
			}
		}
		b.WriteByte(']')
	}
	return b.String()
}

// evalState carries the limits of one evaluation.
type evalState struct {
	steps   int
	results int
	emit    func(v any, loc []any) bool
	stopped bool
	err     error
	loc     []any
}

// Eval evaluates the expression over root and calls emit for every result
// in document order (object members in sorted order where a wildcard or
// descendant segment visits several), with its concrete location. The loc
// slice is only valid during the call. emit returns false to stop early.
func (p *JSONPath) Eval(root any, emit func(v any, loc []any) bool) error {
	st := evalState{emit: emit, loc: make([]any, 0, 8)}
	st.walk(p.segs, root)
	return st.err
}

// First returns the first result of the expression over root. The
// location must not be modified (simple paths share theirs).
func (p *JSONPath) First(root any) (v any, loc []any, ok bool, err error) {
	return p.FirstMeter(root, nil)
}

// FirstMeter is First under the work budget of m (nil: unlimited): each
// node visited costs one unit, on top of the per-expression MaxSteps. When
// m fails, the error is m.Err() (ErrBudget or the context's error).
func (p *JSONPath) FirstMeter(root any, m *Meter) (v any, loc []any, ok bool, err error) {
	if p.simple {
		if !m.Spend(len(p.segs) + 1) {
			return nil, nil, false, m.Err()
		}
		cur := root
		for _, seg := range p.segs {
			sel := seg.sels[0]
			if sel.isIdx {
				arr, isArr := asArray(cur)
				if !isArr || sel.index >= len(arr) {
					return nil, nil, false, nil
				}
				cur = arr[sel.index]
				continue
			}
			obj, isObj := asObject(cur)
			if !isObj {
				return nil, nil, false, nil
			}
			x, found := obj[sel.name]
			if !found {
				return nil, nil, false, nil
			}
			cur = x
		}
		return cur, p.loc, true, nil
	}
	var buf [16]any
	st := firstState{loc: buf[:0], m: m}
	v, ok = st.walk(p.segs, root)
	if st.err != nil {
		return nil, nil, false, st.err
	}
	if ok {
		loc = slices.Clone(st.loc)
	}
	return v, loc, ok, nil
}

// firstState finds the first result in document order without
// collecting the others, under the same work limit as Eval.
type firstState struct {
	steps int
	loc   []any
	err   error
	m     *Meter
}

func (st *firstState) step() bool {
	st.steps++
	if st.steps > MaxSteps {
		st.err = ErrTooMuchWork
		return false
	}
	if !st.m.Spend(1) {
		st.err = st.m.Err()
		return false
	}
	return true
}

func (st *firstState) walk(segs []segment, v any) (any, bool) {
	if st.err != nil || !st.step() {
		return nil, false
	}
	if len(segs) == 0 {
		return v, true
	}
	seg, rest := segs[0], segs[1:]
	switch seg.kind {
	case segChild:
		for _, sel := range seg.sels {
			if r, ok := st.child(sel, v, rest); ok || st.err != nil {
				return r, ok
			}
		}
	case segWildcard:
		return st.children(v, rest)
	case segDescendant:
		return st.descend(seg, v, rest, 0)
	case segFilter:
		return st.filtered(seg.filter, v, rest)
	}
	return nil, false
}

// filtered applies rest to every child of v the filter selects.
func (st *firstState) filtered(f *filterExpr, v any, rest []segment) (any, bool) {
	test := func(x any) bool {
		st.steps += len(f.path)
		if st.steps > MaxSteps {
			st.err = ErrTooMuchWork
			return false
		}
		if !st.m.Spend(len(f.path) + 1) {
			st.err = st.m.Err()
			return false
		}
		return f.holds(x)
	}
	if arr, ok := asArray(v); ok {
		for i, x := range arr {
			if !test(x) {
				if st.err != nil {
					return nil, false
				}
				continue
			}
			if r, ok := st.at(st.m.index(i), x, rest); ok || st.err != nil {
				return r, ok
			}
		}
		return nil, false
	}
	obj, ok := asObject(v)
	if !ok {
		return nil, false
	}
	for _, k := range sortedKeys(obj) {
		if !test(obj[k]) {
			if st.err != nil {
				return nil, false
			}
			continue
		}
		if r, ok := st.at(k, obj[k], rest); ok || st.err != nil {
			return r, ok
		}
	}
	return nil, false
}

func (st *firstState) at(c, x any, rest []segment) (any, bool) {
	st.loc = append(st.loc, c)
	r, ok := st.walk(rest, x)
	if !ok {
		st.loc = st.loc[:len(st.loc)-1]
	}
	return r, ok
}

func (st *firstState) child(sel selector, v any, rest []segment) (any, bool) {
	if sel.isIdx {
		arr, ok := asArray(v)
		if !ok || sel.index < 0 || sel.index >= len(arr) {
			return nil, false
		}
		return st.at(sel.index, arr[sel.index], rest)
	}
	obj, ok := asObject(v)
	if !ok {
		return nil, false
	}
	x, ok := obj[sel.name]
	if !ok {
		return nil, false
	}
	return st.at(sel.name, x, rest)
}

func (st *firstState) children(v any, rest []segment) (any, bool) {
	if arr, ok := asArray(v); ok {
		for i, x := range arr {
			if r, ok := st.at(st.m.index(i), x, rest); ok || st.err != nil {
				return r, ok
			}
		}
		return nil, false
	}
	obj, ok := asObject(v)
	if !ok {
		return nil, false
	}
	for _, k := range sortedKeys(obj) {
		if r, ok := st.at(k, obj[k], rest); ok || st.err != nil {
			return r, ok
		}
	}
	return nil, false
}

func (st *firstState) descend(seg segment, v any, rest []segment, depth int) (any, bool) {
	if st.err != nil || depth > maxDescentDepth || !st.step() {
		return nil, false
	}
	if seg.wildcard {
		if r, ok := st.children(v, rest); ok || st.err != nil {
			return r, ok
		}
	} else {
		for _, sel := range seg.sels {
			if r, ok := st.child(sel, v, rest); ok || st.err != nil {
				return r, ok
			}
		}
	}
	var r any
	found := false
	if arr, ok := asArray(v); ok {
		for i, x := range arr {
			st.loc = append(st.loc, st.m.index(i))
			if r, found = st.descend(seg, x, rest, depth+1); found || st.err != nil {
				return r, found
			}
			st.loc = st.loc[:len(st.loc)-1]
		}
		return nil, false
	}
	if obj, ok := asObject(v); ok {
		for _, k := range sortedKeys(obj) {
			st.loc = append(st.loc, k)
			if r, found = st.descend(seg, obj[k], rest, depth+1); found || st.err != nil {
				return r, found
			}
			st.loc = st.loc[:len(st.loc)-1]
		}
	}
	return nil, false
}

func (st *evalState) done() bool { return st.stopped || st.err != nil }

func (st *evalState) step() bool {
	st.steps++
	if st.steps > MaxSteps {
		st.err = ErrTooMuchWork
		return false
	}
	return true
}

func (st *evalState) walk(segs []segment, v any) {
	if st.done() || !st.step() {
		return
	}
	if len(segs) == 0 {
		st.results++
		if st.results > MaxResults {
			st.err = ErrTooManyResults
			return
		}
		if !st.emit(v, st.loc) {
			st.stopped = true
		}
		return
	}
	seg, rest := segs[0], segs[1:]
	switch seg.kind {
	case segChild:
		for _, sel := range seg.sels {
			st.child(sel, v, rest)
			if st.done() {
				return
			}
		}
	case segWildcard:
		st.children(v, rest)
	case segDescendant:
		st.descend(seg, v, rest, 0)
	case segFilter:
		st.filtered(seg.filter, v, rest)
	}
}

// filtered applies rest to every child of v the filter selects.
func (st *evalState) filtered(f *filterExpr, v any, rest []segment) {
	test := func(x any) bool {
		st.steps += len(f.path) + 1
		if st.steps > MaxSteps {
			st.err = ErrTooMuchWork
			return false
		}
		return f.holds(x)
	}
	if arr, ok := asArray(v); ok {
		for i, x := range arr {
			if test(x) {
				st.push(i)
				st.walk(rest, x)
				st.pop()
			}
			if st.done() {
				return
			}
		}
		return
	}
	obj, ok := asObject(v)
	if !ok {
		return
	}
	for _, k := range sortedKeys(obj) {
		if test(obj[k]) {
			st.push(k)
			st.walk(rest, obj[k])
			st.pop()
		}
		if st.done() {
			return
		}
	}
}

func (st *evalState) push(c any) { st.loc = append(st.loc, c) }
func (st *evalState) pop()       { st.loc = st.loc[:len(st.loc)-1] }

func (st *evalState) child(sel selector, v any, rest []segment) {
	if sel.isIdx {
		arr, ok := asArray(v)
		if !ok {
			return
		}
		i := sel.index
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return
		}
		st.push(i)
		st.walk(rest, arr[i])
		st.pop()
		return
	}
	obj, ok := asObject(v)
	if !ok {
		return
	}
	x, ok := obj[sel.name]
	if !ok {
		return
	}
	st.push(sel.name)
	st.walk(rest, x)
	st.pop()
}

// children applies rest to every child of v.
func (st *evalState) children(v any, rest []segment) {
	if arr, ok := asArray(v); ok {
		for i, x := range arr {
			st.push(i)
			st.walk(rest, x)
			st.pop()
			if st.done() {
				return
			}
		}
		return
	}
	obj, ok := asObject(v)
	if !ok {
		return
	}
	for _, k := range sortedKeys(obj) {
		st.push(k)
		st.walk(rest, obj[k])
		st.pop()
		if st.done() {
			return
		}
	}
}

// descend applies the descendant segment at v and every node below it.
func (st *evalState) descend(seg segment, v any, rest []segment, depth int) {
	if st.done() || depth > maxDescentDepth || !st.step() {
		return
	}
	if seg.wildcard {
		st.children(v, rest)
	} else {
		for _, sel := range seg.sels {
			st.child(sel, v, rest)
			if st.done() {
				return
			}
		}
	}
	if arr, ok := asArray(v); ok {
		for i, x := range arr {
			st.push(i)
			st.descend(seg, x, rest, depth+1)
			st.pop()
			if st.done() {
				return
			}
		}
		return
	}
	if obj, ok := asObject(v); ok {
		for _, k := range sortedKeys(obj) {
			st.push(k)
			st.descend(seg, obj[k], rest, depth+1)
			st.pop()
			if st.done() {
				return
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
