package dataintegrity

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/piprate/json-gold/ld"

	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
)

// The fast path goes from a compact JSON-LD document straight to RDF quads
// (JSON-LD 1.1 Expansion, §5.1, fused with Deserialize JSON-LD to RDF,
// §8.1) for the shapes Verifiable Credentials use, without building the
// expanded document and the node map. Context processing is json-gold's
// (so term definitions, protection and IRI expansion are exactly its), but
// each context — top-level, property-scoped, type-scoped, embedded — is
// processed once per base context and kept: contexts are bundled or pinned
// and immutable, so a processed context never goes stale.
//
// The fast path handles node objects with @id, @type and properties, nested
// node objects (blank or named), value objects with @value and an optional
// @type, coerced values (@type: @id, @vocab or a datatype IRI), strings,
// booleans and numbers, arrays (@set containers), @graph containers (the
// VC proof and verifiableCredential properties), embedded @context values
// and scoped contexts (property-scoped, and type-scoped with the reversion
// rule of §4.1.3). It gives up (errFastPath, and the caller runs the
// json-gold pipeline, which produces the same result or the error) on:
//   - @list, @language, @index, @id, @type containers and @json values;
//   - @reverse (keyword or reverse terms), @graph, @included, @nest, @set,
//     @list, @language, @direction and @index keys in the document;
//   - language-tagged strings: a default @language or @direction in the
//     active context or the term definition;
//   - contexts with @propagate, context nullification (null) and scoped
//     contexts that json-gold rejects without overriding protection;
//   - two keys expanding to the same keyword, @type values that are not
//     strings, @id values that are not strings, null @value;
//   - anything that is not an absolute IRI where one is needed (relative
//     IRIs, undefined terms, blank-node types, predicates or datatypes,
//     IRIs that json-gold's URL check refuses), and scalars or value
//     objects directly inside a @graph container;
//   - a top-level document that is not a JSON object, or nesting deeper
//     than maxExpandedDepth.
// Errors of the json-gold pipeline (undefined terms, protected term
// redefinition, …) thus stay exactly as they were.

// errFastPath reports that the fast path does not cover the document.
var errFastPath = errors.New("dataintegrity: JSON-LD fast path does not cover the document")

// fastCtx is a processed context plus the context a non-propagated
// (type-scoped) context reverts to. It is immutable except for its caches.
type fastCtx struct {
	c    *ld.Context
	prev *fastCtx

	mu      sync.RWMutex
	terms   map[string]termInfo
	derived map[derivKey]*fastCtx
	inline  map[string]*fastCtx
}

type derivKey struct {
	td         *ld.TermDefinition
	typeScoped bool
}

// termInfo is a key of a node object as a property: its IRI as expanded
// with vocab, and its term definition.
type termInfo struct {
	iri string
	td  *ld.TermDefinition
	err bool // ExpandIri failed
}

// Cache bounds: every derived or embedded context is a few kB; documents
// use a handful. Beyond the bound contexts are processed per call.
const (
	maxFastContexts = 4096
	maxFastTerms    = 4096
)

type fastLD struct {
	canon *Canonicalizer
	nctx  atomic.Int64
	mu    sync.RWMutex
	root  map[string]*fastCtx

	iriMu sync.RWMutex
	iriOK map[string]bool
}

func newFastCtx(c *ld.Context, prev *fastCtx) *fastCtx {
	return &fastCtx{c: c, prev: prev}
}

func (f *fastCtx) term(key string) termInfo {
	f.mu.RLock()
	ti, ok := f.terms[key]
	f.mu.RUnlock()
	if ok {
		return ti
	}
	iri, err := f.c.ExpandIri(key, false, true, nil, nil)
	ti = termInfo{iri: iri, td: f.c.GetTermDefinition(key), err: err != nil}
	f.mu.Lock()
	if f.terms == nil {
		f.terms = map[string]termInfo{}
	}
	if len(f.terms) < maxFastTerms {
		f.terms[key] = ti
	}
	f.mu.Unlock()
	return ti
}

func (f *fastCtx) revert() *fastCtx {
	if f.prev != nil {
		return f.prev
	}
	return f
}

// derive applies the scoped context of td: property-scoped (propagated,
// processed over f) or type-scoped (not propagated: the result reverts to
// f, or to f's own previous context).
func (fl *fastLD) derive(f *fastCtx, td *ld.TermDefinition, typeScoped bool) (*fastCtx, error) {
	k := derivKey{td, typeScoped}
	f.mu.RLock()
	d, ok := f.derived[k]
	f.mu.RUnlock()
	if ok {
		return d, nil
	}
	if td.Context == nil {
		return nil, errFastPath
	}
	nc, err := fl.parse(f.c, td.Context)
	if err != nil {
		return nil, err
	}
	d = newFastCtx(nc, f.prev)
	if typeScoped && d.prev == nil {
		d.prev = f
	}
	if fl.nctx.Add(1) <= maxFastContexts {
		f.mu.Lock()
		if f.derived == nil {
			f.derived = map[derivKey]*fastCtx{}
		}
		if prior, ok := f.derived[k]; ok {
			d = prior
		} else {
			f.derived[k] = d
		}
		f.mu.Unlock()
	}
	return d, nil
}

// embedded applies a document's own @context (propagated).
func (fl *fastLD) embedded(f *fastCtx, local any) (*fastCtx, error) {
	key, err := contextKey(local)
	if err != nil {
		return nil, errFastPath
	}
	f.mu.RLock()
	d, ok := f.inline[key]
	f.mu.RUnlock()
	if ok {
		return d, nil
	}
	nc, err := fl.parse(f.c, local)
	if err != nil {
		return nil, err
	}
	d = newFastCtx(nc, f.prev)
	if len(key) <= maxActiveContextKey && fl.nctx.Add(1) <= maxFastContexts {
		f.mu.Lock()
		if f.inline == nil {
			f.inline = map[string]*fastCtx{}
		}
		f.inline[key] = d
		f.mu.Unlock()
	}
	return d, nil
}

// parse runs json-gold's context processing; contexts using @propagate or
// nullification are left to the json-gold pipeline (their previous-context
// bookkeeping is not mirrored here).
func (fl *fastLD) parse(base *ld.Context, local any) (*ld.Context, error) {
	if !fl.plainContext(local, 0) {
		return nil, errFastPath
	}
	var nc *ld.Context
	err := guard(func() error {
		var err error
		nc, err = base.Parse(local)
		return err
	})
	if err != nil {
		return nil, errFastPath
	}
	return nc, nil
}

// plainContext reports whether a local context (and the remote contexts it
// names) is free of @propagate and null entries.
func (fl *fastLD) plainContext(local any, depth int) bool {
	if depth > 8 {
		return false
	}
	switch t := local.(type) {
	case nil:
		return false
	case string:
		doc, ok := fl.canon.loader.StaticDocument(t)
		if !ok {
			return false
		}
		m, _ := doc.(map[string]any)
		return fl.plainContext(m["@context"], depth+1)
	case []any:
		for _, x := range t {
			if !fl.plainContext(x, depth+1) {
				return false
			}
		}
		return true
	case map[string]any:
		if _, ok := t["@propagate"]; ok {
			return false
		}
		if _, ok := t["@import"]; ok {
			return false
		}
		if inner, ok := t["@context"]; ok {
			return fl.plainContext(inner, depth+1)
		}
		return true
	}
	return false
}

// contextKey is the cache key of a context value: the URLs joined for the
// usual string or list-of-strings form, the JSON text otherwise.
func contextKey(local any) (string, error) {
	switch t := local.(type) {
	case string:
		return "s" + t, nil
	case []any:
		var b strings.Builder
		b.WriteByte('l')
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				goto marshal
			}
			b.WriteString(s)
			b.WriteByte(0)
		}
		return b.String(), nil
	}
marshal:
	j, err := json.Marshal(local)
	if err != nil {
		return "", err
	}
	return "j" + string(j), nil
}

// rootContext returns the processed top-level @context of a document.
func (fl *fastLD) rootContext(local any) (*fastCtx, error) {
	key, err := contextKey(local)
	if err != nil {
		return nil, errFastPath
	}
	fl.mu.RLock()
	r, ok := fl.root[key]
	fl.mu.RUnlock()
	if ok {
		return r, nil
	}
	if !fl.plainContext(local, 0) {
		return nil, errFastPath
	}
	var ac *ld.Context
	err = guard(func() error {
		var err error
		ac, err = fl.canon.activeContext(local)
		return err
	})
	if err != nil {
		return nil, errFastPath
	}
	r = newFastCtx(ac, nil)
	if len(key) <= maxActiveContextKey {
		fl.mu.Lock()
		if prior, ok := fl.root[key]; ok {
			r = prior
		} else if len(fl.root) < maxActiveContexts {
			fl.root[key] = r
		}
		fl.mu.Unlock()
	}
	return r, nil
}

// emitter collects the quads of one document.
type emitter struct {
	fl     *fastLD
	quads  []rdfc.Quad
	seen   map[rdfc.Quad]struct{}
	labels map[string]string
	n      int
	memo   map[string]bool
	iris   map[iriKey]string
}

type iriKey struct {
	c     *ld.Context
	s     string
	vocab bool
}

const rdfTypeIRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

// fastQuads converts doc to quads, or returns errFastPath.
func (fl *fastLD) fastQuads(doc any) (quads []rdfc.Quad, err error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, errFastPath
	}
	local, hasCtx := m["@context"]
	if !hasCtx {
		return nil, errFastPath
	}
	root, err := fl.rootContext(local)
	if err != nil {
		return nil, err
	}
	e := &emitter{fl: fl, memo: make(map[string]bool, 32), iris: make(map[iriKey]string, 16),
		quads: make([]rdfc.Quad, 0, 32), seen: make(map[rdfc.Quad]struct{}, 32)}
	defer func() {
		if r := recover(); r != nil {
			quads, err = nil, errFastPath
		}
	}()
	if _, _, err := e.node(root, "", m, true, rdfc.Term{}, 0); err != nil {
		return nil, err
	}
	return e.quads, nil
}

func (e *emitter) emit(s, p, o, g rdfc.Term) {
	q := rdfc.Quad{Subject: s, Predicate: p, Object: o, Graph: g}
	if e.seen == nil {
		e.seen = make(map[rdfc.Quad]struct{}, 32)
	}
	if _, dup := e.seen[q]; dup {
		return
	}
	e.seen[q] = struct{}{}
	e.quads = append(e.quads, q)
}

func (e *emitter) fresh() rdfc.Term {
	t := rdfc.Term{Kind: rdfc.KindBlank, Value: "_:b" + strconv.Itoa(e.n)}
	e.n++
	return t
}

func (e *emitter) blank(label string) (rdfc.Term, error) {
	if len(label) <= 2 {
		return rdfc.Term{}, errFastPath
	}
	if e.labels == nil {
		e.labels = map[string]string{}
	}
	if v, ok := e.labels[label]; ok {
		return rdfc.Term{Kind: rdfc.KindBlank, Value: v}, nil
	}
	t := e.fresh()
	e.labels[label] = t.Value
	return t, nil
}

func (e *emitter) expandIRI(f *fastCtx, s string, vocab bool) (string, error) {
	k := iriKey{f.c, s, vocab}
	if v, ok := e.iris[k]; ok {
		return v, nil
	}
	v, err := f.c.ExpandIri(s, true, vocab, nil, nil)
	if err != nil {
		return "", errFastPath
	}
	e.iris[k] = v
	return v, nil
}

// iri turns an expanded IRI into a term: an IRI json-gold's toRdf keeps,
// or (when allowBlank) a blank node.
func (e *emitter) iri(s string, allowBlank bool) (rdfc.Term, error) {
	if strings.HasPrefix(s, "_:") {
		if !allowBlank {
			return rdfc.Term{}, errFastPath
		}
		return e.blank(s)
	}
	if !e.okIRI(s) {
		return rdfc.Term{}, errFastPath
	}
	return rdfc.IRI(s), nil
}

// okIRI reports whether json-gold's toRdf keeps s as an IRI: absolute by
// its url.Parse test (node IRIs failing it are skipped) and passing its URL
// check (quads failing it are dropped), see iriOK.
func (e *emitter) okIRI(s string) bool {
	if ok, seen := e.memo[s]; seen {
		return ok
	}
	ok, known := e.fl.iriValid(s)
	if !known {
		ok = iriOK(s, e.memo) && ld.IsAbsoluteIri(s)
		e.fl.rememberIRI(s, ok)
	}
	e.memo[s] = ok
	return ok
}

// IRI validity is cached across documents: json-gold's URL check is a
// large regular expression, and predicates, types and datatypes repeat in
// every credential. The cache is bounded; when full, results are kept per
// document only.
const (
	maxIRICache    = 16384
	maxIRICacheLen = 512
)

func (fl *fastLD) iriValid(s string) (ok, known bool) {
	fl.iriMu.RLock()
	ok, known = fl.iriOK[s]
	fl.iriMu.RUnlock()
	return ok, known
}

func (fl *fastLD) rememberIRI(s string, ok bool) {
	if len(s) > maxIRICacheLen {
		return
	}
	fl.iriMu.Lock()
	if fl.iriOK == nil {
		fl.iriOK = map[string]bool{}
	}
	if len(fl.iriOK) < maxIRICache {
		fl.iriOK[s] = ok
	}
	fl.iriMu.Unlock()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// node handles a JSON object found as the value of prop (top: the
// document) in the active context active: a node object (its subject is
// returned) or a value object (its literal). ok is false when the object
// expands to nothing.
func (e *emitter) node(active *fastCtx, prop string, m map[string]any, top bool, graph rdfc.Term, depth int) (rdfc.Term, bool, error) {
	if depth > maxExpandedDepth {
		return rdfc.Term{}, false, errFastPath
	}
	var propTD *ld.TermDefinition
	if prop != "" {
		propTD = active.c.GetTermDefinition(prop)
	}
	keys := sortedKeys(m)
	localCtx, hasCtx := m["@context"]
	if top && hasCtx {
		// processed as the root context
		hasCtx = false
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == "@context" })
	}
	// revert a type-scoped context, except for value objects and node
	// references (JSON-LD 1.1 Expansion step 7, as json-gold applies it)
	mustRevert := true
	if tsc := active; active.prev != nil && len(keys) <= 2 && !hasCtx {
		for _, k := range keys {
			ti := tsc.term(k)
			if ti.err {
				return rdfc.Term{}, false, errFastPath
			}
			if ti.iri == "@value" {
				mustRevert = false
				break
			}
			if ti.iri == "@id" && len(keys) == 1 {
				mustRevert = false
				break
			}
		}
	}
	if mustRevert {
		active = active.revert()
	}
	var err error
	if propTD != nil && propTD.HasContext {
		if active, err = e.fl.derive(active, propTD, false); err != nil {
			return rdfc.Term{}, false, err
		}
	}
	if hasCtx {
		if active, err = e.fl.embedded(active, localCtx); err != nil {
			return rdfc.Term{}, false, err
		}
	}
	typeScoped := active
	typeKey := ""
	for _, k := range keys {
		if top && k == "@context" {
			continue
		}
		ti := active.term(k)
		if ti.err {
			return rdfc.Term{}, false, errFastPath
		}
		if ti.iri != "@type" {
			continue
		}
		if typeKey != "" {
			return rdfc.Term{}, false, errFastPath
		}
		typeKey = k
		var types []string
		switch v := m[k].(type) {
		case string:
			types = []string{v}
		case []any:
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return rdfc.Term{}, false, errFastPath
				}
				types = append(types, s)
			}
			sort.Strings(types)
		default:
			return rdfc.Term{}, false, errFastPath
		}
		for _, t := range types {
			if td := typeScoped.c.GetTermDefinition(t); td != nil && td.HasContext {
				if active, err = e.fl.derive(active, td, true); err != nil {
					return rdfc.Term{}, false, err
				}
			}
		}
	}
	// classify the keys in the final active context
	var idKey, valueKey string
	for _, k := range keys {
		if k == "@context" {
			continue
		}
		ti := active.term(k)
		if ti.err {
			return rdfc.Term{}, false, errFastPath
		}
		switch ti.iri {
		case "@type":
			if k != typeKey {
				return rdfc.Term{}, false, errFastPath
			}
		case "@id":
			if idKey != "" {
				return rdfc.Term{}, false, errFastPath
			}
			idKey = k
		case "@value":
			if valueKey != "" {
				return rdfc.Term{}, false, errFastPath
			}
			valueKey = k
		}
	}
	if typeKey != "" && active.term(typeKey).iri != "@type" {
		return rdfc.Term{}, false, errFastPath
	}
	if valueKey != "" {
		if top {
			return rdfc.Term{}, false, errFastPath
		}
		return e.valueObject(typeScoped, m, keys, valueKey, typeKey)
	}
	// subject
	var subj rdfc.Term
	if idKey != "" {
		s, ok := m[idKey].(string)
		if !ok {
			return rdfc.Term{}, false, errFastPath
		}
		id, err := e.expandIRI(active, s, false)
		if err != nil {
			return rdfc.Term{}, false, err
		}
		if subj, err = e.iri(id, true); err != nil {
			return rdfc.Term{}, false, err
		}
	} else {
		subj = e.fresh()
	}
	if typeKey != "" {
		var types []any
		switch v := m[typeKey].(type) {
		case string:
			types = []any{v}
		case []any:
			types = v
		}
		rdfType := rdfc.IRI(rdfTypeIRI)
		for _, x := range types {
			t, err := e.expandIRI(typeScoped, x.(string), true)
			if err != nil {
				return rdfc.Term{}, false, err
			}
			o, err := e.iri(t, false)
			if err != nil {
				return rdfc.Term{}, false, err
			}
			e.emit(subj, rdfType, o, graph)
		}
	}
	for _, k := range keys {
		if k == "@context" || k == typeKey || k == idKey {
			continue
		}
		ti := active.term(k)
		if ti.iri == "" || strings.HasPrefix(ti.iri, "@") {
			// undefined (SafeMode error) or an unsupported keyword
			return rdfc.Term{}, false, errFastPath
		}
		pred, err := e.iri(ti.iri, false)
		if err != nil {
			return rdfc.Term{}, false, err
		}
		if err := e.property(active, k, ti.td, m[k], subj, pred, graph, depth); err != nil {
			return rdfc.Term{}, false, err
		}
	}
	return subj, true, nil
}

// supportedTerm reports whether the fast path handles values of a term.
func supportedTerm(td *ld.TermDefinition) (graph, ok bool) {
	if td == nil {
		return false, true
	}
	if td.Reverse || td.Type == "@json" || td.HasLanguage || td.HasDirection || td.Nest != "" {
		return false, false
	}
	for _, c := range td.Container {
		switch c {
		case "@set":
		case "@graph":
			graph = true
		default:
			return false, false
		}
	}
	return graph, true
}

func (e *emitter) property(active *fastCtx, key string, td *ld.TermDefinition, value any, subj, pred, graph rdfc.Term, depth int) error {
	if _, ok := supportedTerm(td); !ok {
		return errFastPath
	}
	termCtx := active
	if td != nil && td.HasContext {
		var err error
		if termCtx, err = e.fl.derive(active, td, false); err != nil {
			return err
		}
	}
	ttd := termCtx.c.GetTermDefinition(key)
	asGraph, ok := supportedTerm(ttd)
	if !ok {
		return errFastPath
	}
	if termCtx.c.Values.HasLanguage || termCtx.c.Values.Direction != "" {
		return errFastPath
	}
	return e.values(termCtx, key, ttd, value, subj, pred, graph, asGraph, depth)
}

func (e *emitter) values(termCtx *fastCtx, key string, td *ld.TermDefinition, value any, subj, pred, graph rdfc.Term, asGraph bool, depth int) error {
	switch v := value.(type) {
	case nil:
		return nil
	case []any:
		if depth > maxExpandedDepth {
			return errFastPath
		}
		for _, x := range v {
			if err := e.values(termCtx, key, td, x, subj, pred, graph, asGraph, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if asGraph {
			g := e.fresh()
			if _, _, err := e.node(termCtx, key, v, false, g, depth+1); err != nil {
				return err
			}
			if isValueLike(termCtx, v) {
				return errFastPath
			}
			e.emit(subj, pred, g, graph)
			return nil
		}
		o, ok, err := e.node(termCtx, key, v, false, graph, depth+1)
		if err != nil {
			return err
		}
		if ok {
			e.emit(subj, pred, o, graph)
		}
		return nil
	}
	if asGraph {
		return errFastPath
	}
	o, err := e.scalar(termCtx, td, value)
	if err != nil {
		return err
	}
	e.emit(subj, pred, o, graph)
	return nil
}

// isValueLike reports an object that json-gold would not keep as a node
// inside a @graph container (a value object).
func isValueLike(f *fastCtx, m map[string]any) bool {
	for k := range m {
		if ti := f.term(k); ti.iri == "@value" {
			return true
		}
	}
	return false
}

// scalar is Value Expansion (JSON-LD 1.1 §5.3.2) followed by the RDF
// conversion of the value (§8.1.2).
func (e *emitter) scalar(f *fastCtx, td *ld.TermDefinition, v any) (rdfc.Term, error) {
	typ := ""
	if td != nil {
		typ = td.Type
	}
	if s, isStr := v.(string); isStr && (typ == "@id" || typ == "@vocab") {
		id, err := e.expandIRI(f, s, typ == "@vocab")
		if err != nil {
			return rdfc.Term{}, err
		}
		return e.iri(id, true)
	}
	dt := ""
	if typ != "" && typ != "@id" && typ != "@vocab" && typ != "@none" {
		dt = typ
	}
	return e.literal(v, dt)
}

func (e *emitter) valueObject(typeScoped *fastCtx, m map[string]any, keys []string, valueKey, typeKey string) (rdfc.Term, bool, error) {
	for _, k := range keys {
		if k != valueKey && k != typeKey {
			return rdfc.Term{}, false, errFastPath
		}
	}
	dt := ""
	if typeKey != "" {
		s, ok := m[typeKey].(string)
		if !ok {
			return rdfc.Term{}, false, errFastPath
		}
		t, err := e.expandIRI(typeScoped, s, true)
		if err != nil {
			return rdfc.Term{}, false, err
		}
		if t == "@json" || strings.HasPrefix(t, "_:") || !e.okIRI(t) {
			return rdfc.Term{}, false, errFastPath
		}
		dt = t
	}
	switch m[valueKey].(type) {
	case string, bool, float64, json.Number:
	default:
		return rdfc.Term{}, false, errFastPath
	}
	lit, err := e.literal(m[valueKey], dt)
	return lit, err == nil, err
}

const (
	xsdBoolean = "http://www.w3.org/2001/XMLSchema#boolean"
	xsdInteger = "http://www.w3.org/2001/XMLSchema#integer"
	xsdDouble  = "http://www.w3.org/2001/XMLSchema#double"
)

// literal converts a JSON scalar with an optional datatype to an RDF
// literal as json-gold's toRdf does: booleans and numbers get their XSD
// lexical forms (integers when the number has no fractional part and the
// datatype is not xsd:double, canonical doubles otherwise).
func (e *emitter) literal(v any, dt string) (rdfc.Term, error) {
	if dt != "" && !e.okIRI(dt) {
		return rdfc.Term{}, errFastPath
	}
	var lex string
	switch t := v.(type) {
	case string:
		lex = t
	case bool:
		lex = strconv.FormatBool(t)
		if dt == "" {
			dt = xsdBoolean
		}
	case float64, json.Number:
		f, ok := t.(float64)
		if n, isNum := t.(json.Number); isNum {
			var err error
			if f, err = n.Float64(); err != nil {
				return rdfc.Term{}, errFastPath
			}
		}
		_ = ok
		if f != float64(int64(f)) || dt == xsdDouble {
			lex = canonicalDouble(f)
			if dt == "" {
				dt = xsdDouble
			}
		} else {
			lex = strconv.FormatInt(int64(f), 10)
			if dt == "" {
				dt = xsdInteger
			}
		}
	default:
		return rdfc.Term{}, errFastPath
	}
	if dt == rdfc.XSDString {
		dt = "" // the implicit datatype, as rdfc.FromDataset writes it
	}
	return rdfc.Literal(lex, dt, ""), nil
}

// canonicalDouble is the xsd:double form json-gold writes: "%1.15E" with
// trailing zeros of the mantissa (keeping one digit after the point), the
// exponent's "+" sign and its leading zeros removed, e.g. 1.1E0, -2.5E-7.
func canonicalDouble(f float64) string {
	s := fmt.Sprintf("%1.15E", f)
	i := strings.IndexByte(s, 'E')
	if i < 0 {
		return s
	}
	mant, exp := s[:i], s[i+1:]
	if dot := strings.IndexByte(mant, '.'); dot >= 0 {
		end := len(mant)
		for end > dot+2 && mant[end-1] == '0' {
			end--
		}
		mant = mant[:end]
	}
	neg := false
	switch {
	case strings.HasPrefix(exp, "+"):
		exp = exp[1:]
	case strings.HasPrefix(exp, "-"):
		exp, neg = exp[1:], true
	}
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}
