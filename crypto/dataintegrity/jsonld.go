package dataintegrity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/piprate/json-gold/ld"

	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
)

// Canonicalizer turns JSON-LD documents into canonical N-Quads: JSON-LD
// expansion with the offline loader in SafeMode, a check that nothing was
// dropped, conversion to RDF with json-gold and RDFC-1.0 with a work cap.
type Canonicalizer struct {
	loader *contexts.Loader
	canon  rdfc.Options

	mu     sync.RWMutex
	active map[string]*ld.Context // processed top-level @context values

	fast *fastLD // direct JSON-LD to quads for the common shapes
	// noFast disables the fast path (differential tests).
	noFast bool
}

// Processed-context cache bounds: documents carry few distinct @context
// values; inline contexts from untrusted documents must not grow it.
const (
	maxActiveContexts   = 256
	maxActiveContextKey = 16 << 10
)

// NewCanonicalizer returns a canonicalizer; a nil loader means the bundled
// contexts only.
func NewCanonicalizer(loader *contexts.Loader, canon rdfc.Options) (*Canonicalizer, error) {
	if loader == nil {
		var err error
		if loader, err = contexts.NewLoader(contexts.Options{}); err != nil {
			return nil, err
		}
	}
	c := &Canonicalizer{loader: loader, canon: canon, active: map[string]*ld.Context{}}
	c.fast = &fastLD{canon: c, root: map[string]*fastCtx{}}
	return c, nil
}

// Expand expands doc (a decoded JSON object) with SafeMode: a property that
// does not expand to an absolute IRI is an error in json-gold, and Expand
// additionally rejects types, @id values and datatypes that stay relative
// IRIs (which toRdf would silently drop). Errors wrap ErrUndefinedTerm or
// ErrParsing.
func (c *Canonicalizer) Expand(ctx context.Context, doc any) ([]any, error) {
	if err := checkInput(doc, 0); err != nil {
		return nil, err
	}
	opts := c.options(ctx)
	var expanded []any
	err := guard(func() error {
		var err error
		expanded, err = c.expand(doc, opts)
		return err
	})
	if err != nil {
		return nil, classifyLD(err)
	}
	if err := checkExpanded(expanded, 0); err != nil {
		return nil, err
	}
	return expanded, nil
}

func (c *Canonicalizer) options(ctx context.Context) *ld.JsonLdOptions {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = c.loader.DocumentLoader(ctx)
	opts.SafeMode = true
	opts.ProcessingMode = ld.JsonLd_1_1
	return opts
}

// Canonicalize returns the RDFC-1.0 canonical N-Quads of doc; doc is not
// modified. Documents of the common Verifiable Credential shapes go from
// JSON-LD to quads directly (see fastld.go), with every context processed
// once; anything else through json-gold's expansion and toRdf, with the same
// result.
func (c *Canonicalizer) Canonicalize(ctx context.Context, doc any) (string, error) {
	if err := checkInput(doc, 0); err != nil {
		return "", err
	}
	if !c.noFast {
		if quads, err := c.fast.fastQuads(doc); err == nil {
			out, err := rdfc.Canonicalize(ctx, quads, c.canon)
			if err != nil {
				return "", fmt.Errorf("%w: %w", ErrParsing, err)
			}
			return out.NQuads, nil
		}
	}
	return c.canonicalizeJSONGold(ctx, deepCopyJSON(doc))
}

// canonicalizeJSONGold is Canonicalize through json-gold's expansion and
// toRdf (it may modify doc).
func (c *Canonicalizer) canonicalizeJSONGold(ctx context.Context, doc any) (string, error) {
	expanded, err := c.Expand(ctx, doc)
	if err != nil {
		return "", err
	}
	opts := c.options(ctx)
	var ds *ld.RDFDataset
	err = guard(func() error {
		var err error
		// toRdf over the already expanded document (no second expansion)
		ds, err = ld.NewJsonLdApi().ToRDF(expanded, opts)
		return err
	})
	if err != nil {
		return "", classifyLD(err)
	}
	if ds == nil {
		return "", fmt.Errorf("%w: empty toRdf result", ErrParsing)
	}
	quads, err := rdfc.FromDataset(ds)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrParsing, err)
	}
	out, err := rdfc.Canonicalize(ctx, quads, c.canon)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrParsing, err)
	}
	return out.NQuads, nil
}

// expand runs JSON-LD expansion. For a JSON object with a top-level
// @context it starts from the processed context, cached by the context's
// JSON value (context processing of the VCDM 2.0 context is a large part of
// the cost); anything else goes through json-gold's Expand unchanged.
func (c *Canonicalizer) expand(doc any, opts *ld.JsonLdOptions) ([]any, error) {
	m, ok := doc.(map[string]any)
	local, hasCtx := m["@context"]
	if !ok || !hasCtx {
		return ld.NewJsonLdProcessor().Expand(doc, opts)
	}
	active, err := c.activeContext(local)
	if err != nil {
		return nil, err
	}
	rest := make(map[string]any, len(m))
	for k, v := range m {
		if k != "@context" {
			rest[k] = v
		}
	}
	expanded, err := ld.NewJsonLdApi().Expand(ld.CopyContext(active), "", rest, opts, false, nil)
	if err != nil {
		return nil, err
	}
	// final steps of the expansion algorithm, as JsonLdProcessor.Expand
	em, isMap := expanded.(map[string]any)
	if isMap && len(em) == 0 {
		expanded = nil
	}
	if g, hasGraph := em["@graph"]; isMap && hasGraph && len(em) == 1 {
		expanded = g
	} else if expanded == nil {
		expanded = []any{}
	}
	if l, isList := expanded.([]any); isList {
		return l, nil
	}
	return []any{expanded}, nil
}

// activeContext returns the processed context for a top-level @context
// value. Cached contexts use the loader without a request context (their
// remote contexts are loaded once, at first use).
func (c *Canonicalizer) activeContext(local any) (*ld.Context, error) {
	keyBytes, err := json.Marshal(local)
	if err != nil {
		return nil, err
	}
	key := string(keyBytes)
	c.mu.RLock()
	ac, ok := c.active[key]
	c.mu.RUnlock()
	if ok {
		return ac, nil
	}
	ac, err = ld.NewContext(nil, c.options(context.Background())).Parse(local)
	if err != nil {
		return nil, err
	}
	if len(key) <= maxActiveContextKey {
		c.mu.Lock()
		if len(c.active) < maxActiveContexts {
			c.active[key] = ac
		}
		c.mu.Unlock()
	}
	return ac, nil
}

// errPanic marks a json-gold panic on malformed input.
var errPanic = errors.New("JSON-LD processor failed on malformed input")

// guard runs a json-gold call and turns a panic (json-gold has unchecked
// type assertions, e.g. on {"":0}) into an error.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errPanic
		}
	}()
	return f()
}

func classifyLD(err error) error {
	var lde *ld.JsonLdError
	if errors.As(err, &lde) {
		switch lde.Code {
		case ld.InvalidProperty, ld.InvalidTypeValue, ld.InvalidIRIMapping, ld.InvalidTermDefinition:
			return fmt.Errorf("%w: %w: %v", ErrParsing, ErrUndefinedTerm, err)
		}
	}
	return fmt.Errorf("%w: JSON-LD: %w", ErrParsing, err)
}

const maxExpandedDepth = 128

// checkInput rejects empty member names, which json-gold either drops
// silently or panics on, and bounds the depth of the input.
func checkInput(v any, depth int) error {
	if depth > maxExpandedDepth {
		return fmt.Errorf("%w: document nested too deeply", ErrTooLarge)
	}
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if err := checkInput(x, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, x := range t {
			if k == "" {
				return fmt.Errorf("%w: %w: empty member name", ErrParsing, ErrUndefinedTerm)
			}
			if err := checkInput(x, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func absIRI(s string) bool {
	if strings.HasPrefix(s, "_:") {
		return len(s) > 2
	}
	i := strings.IndexByte(s, ':')
	return i > 0
}

var langTag = regexp.MustCompile(`^[a-zA-Z]+(-[a-zA-Z0-9]+)*$`)

// iriOK reports whether toRdf keeps an IRI: it must be absolute, and
// http(s) IRIs must pass json-gold's URL check (quads with IRIs that fail it
// are silently dropped by json-gold's toRdf). Results are memoised per call.
func iriOK(s string, memo map[string]bool) bool {
	if ok, seen := memo[s]; seen {
		return ok
	}
	ok := absIRI(s) && !strings.HasPrefix(s, "_:")
	if ok && (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) {
		ok = ld.IsURL(s)
	}
	memo[s] = ok
	return ok
}

// checkExpanded walks expanded JSON-LD and rejects everything json-gold's
// toRdf would silently drop: relative IRIs, IRIs that fail its URL check,
// blank-node predicates (generalised RDF), invalid language tags and
// @direction (toRdf without rdfDirection ignores it).
func checkExpanded(v any, depth int) error {
	return checkExpandedMemo(v, depth, map[string]bool{})
}

func checkExpandedMemo(v any, depth int, memo map[string]bool) error {
	if depth > maxExpandedDepth {
		return fmt.Errorf("%w: expanded document nested too deeply", ErrTooLarge)
	}
	bad := func(what, s string) error {
		return fmt.Errorf("%w: %w: %s %.200q would be dropped", ErrParsing, ErrUndefinedTerm, what, s)
	}
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if err := checkExpandedMemo(x, depth+1, memo); err != nil {
				return err
			}
		}
	case map[string]any:
		_, isValue := t["@value"]
		for k, x := range t {
			switch k {
			case "@id":
				if s, ok := x.(string); ok && !strings.HasPrefix(s, "_:") && !iriOK(s, memo) {
					return bad("@id", s)
				}
			case "@type":
				if isValue {
					if s, ok := x.(string); ok && s != "@json" && !iriOK(s, memo) {
						return bad("datatype", s)
					}
					continue
				}
				list, _ := x.([]any)
				if s, ok := x.(string); ok {
					list = []any{s}
				}
				for _, e := range list {
					if s, ok := e.(string); ok && !strings.HasPrefix(s, "_:") && !iriOK(s, memo) {
						return bad("type", s)
					}
				}
			case "@language":
				if s, ok := x.(string); ok && !langTag.MatchString(s) {
					return bad("language tag", s)
				}
			case "@direction":
				return bad("@direction", fmt.Sprint(x))
			case "@value", "@index":
			default:
				if !strings.HasPrefix(k, "@") && !iriOK(k, memo) {
					return bad("property", k)
				}
				if err := checkExpandedMemo(x, depth+1, memo); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
