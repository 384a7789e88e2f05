package dataintegrity

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
}

// NewCanonicalizer returns a canonicalizer; a nil loader means the bundled
// contexts only.
func NewCanonicalizer(loader *contexts.Loader, canon rdfc.Options) (*Canonicalizer, error) {
	if loader == nil {
		var err error
		if loader, err = contexts.NewLoader(contexts.Options{}); err != nil {
			return nil, err
		}
	}
	return &Canonicalizer{loader: loader, canon: canon}, nil
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
		expanded, err = ld.NewJsonLdProcessor().Expand(doc, opts)
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

// Canonicalize returns the RDFC-1.0 canonical N-Quads of doc.
func (c *Canonicalizer) Canonicalize(ctx context.Context, doc any) (string, error) {
	expanded, err := c.Expand(ctx, doc)
	if err != nil {
		return "", err
	}
	opts := c.options(ctx)
	var res any
	err = guard(func() error {
		var err error
		res, err = ld.NewJsonLdProcessor().ToRDF(expanded, opts)
		return err
	})
	if err != nil {
		return "", classifyLD(err)
	}
	ds, ok := res.(*ld.RDFDataset)
	if !ok {
		return "", fmt.Errorf("%w: unexpected toRdf result %T", ErrParsing, res)
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

// checkExpanded walks expanded JSON-LD and rejects relative IRIs where
// toRdf would drop data.
func checkExpanded(v any, depth int) error {
	if depth > maxExpandedDepth {
		return fmt.Errorf("%w: expanded document nested too deeply", ErrTooLarge)
	}
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			if err := checkExpanded(x, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		_, isValue := t["@value"]
		for k, x := range t {
			switch k {
			case "@id":
				if s, ok := x.(string); ok && !absIRI(s) {
					return fmt.Errorf("%w: %w: @id %q is not an absolute IRI", ErrParsing, ErrUndefinedTerm, s)
				}
			case "@type":
				if isValue {
					if s, ok := x.(string); ok && s != "@json" && !absIRI(s) {
						return fmt.Errorf("%w: %w: datatype %q", ErrParsing, ErrUndefinedTerm, s)
					}
					continue
				}
				list, _ := x.([]any)
				if s, ok := x.(string); ok {
					list = []any{s}
				}
				for _, e := range list {
					if s, ok := e.(string); ok && !absIRI(s) {
						return fmt.Errorf("%w: %w: type %q", ErrParsing, ErrUndefinedTerm, s)
					}
				}
			case "@value", "@language", "@direction", "@index":
			default:
				if !strings.HasPrefix(k, "@") && !absIRI(k) {
					return fmt.Errorf("%w: %w: property %q", ErrParsing, ErrUndefinedTerm, k)
				}
				if err := checkExpanded(x, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
