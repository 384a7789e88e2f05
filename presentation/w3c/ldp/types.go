package ldp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
	"github.com/ocmw/wstack/presentation"
)

// ErrNoDocument: ExpandTypes was given a credential without a W3C document
// or without @context.
var ErrNoDocument = errors.New("ldp: credential has no JSON-LD document")

// maxExpandedTypes bounds the type IRIs one credential may expand to.
const maxExpandedTypes = 64

// TypeExpander expands the type values of W3C credentials to IRIs by
// JSON-LD expansion (JSON-LD 1.1 §4.1.2; VCDM 1.1 §4.3 and 2.0 §4.5 give
// type values as terms of the credential's @context) with an offline
// context loader. It implements dcql.TypeExpander (OpenID4VP 1.0 Appendix
// B.1.1: type_values are fully expanded types):
//
//	exp, err := ldp.NewTypeExpander(nil)
//	compiled, err := dcql.Compile(q, dcql.WithTypeExpander(exp))
//
// Only @context and type of the credential document are expanded (other
// members may use terms the contexts do not define, as jwt_vc_json
// credentials often do); a type the contexts do not define is an error
// (dataintegrity.ErrUndefinedTerm), so such a credential does not match an
// expanded type. It is safe for concurrent use; processed contexts are
// cached.
type TypeExpander struct {
	c *dataintegrity.Canonicalizer
}

// NewTypeExpander returns an expander resolving contexts with loader: the
// bundled contexts (crypto/dataintegrity/contexts) and whatever the loader
// pins or allows. A nil loader means the bundled contexts only; a
// credential whose @context names anything else (an issuer's vocabulary,
// the VCDM examples contexts) needs that document pinned
// (contexts.Options.Pinned).
func NewTypeExpander(loader *contexts.Loader) (*TypeExpander, error) {
	c, err := dataintegrity.NewCanonicalizer(loader, rdfc.Options{})
	if err != nil {
		return nil, err
	}
	return &TypeExpander{c: c}, nil
}

// ExpandTypes returns the expanded type IRIs of the credential's document
// (Credential.Document), in the order expansion yields them.
func (e *TypeExpander) ExpandTypes(ctx context.Context, cred *presentation.Credential) ([]string, error) {
	if cred == nil || cred.Document == nil {
		return nil, ErrNoDocument
	}
	lctx, ok := cred.Document["@context"]
	if !ok {
		return nil, fmt.Errorf("%w: no @context", ErrNoDocument)
	}
	typ, ok := cred.Document["type"]
	if !ok {
		return nil, nil
	}
	// Through JSON, so that the JSON-LD processor sees the values
	// encoding/json produces (the view keeps numbers as json.Number).
	b, err := json.Marshal(map[string]any{"@context": lctx, "type": typ})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDocument, err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDocument, err)
	}
	expanded, err := e.c.Expand(ctx, doc)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, node := range expanded {
		m, ok := node.(map[string]any)
		if !ok {
			continue
		}
		types, _ := m["@type"].([]any)
		for _, t := range types {
			if s, ok := t.(string); ok {
				if len(out) == maxExpandedTypes {
					return nil, fmt.Errorf("%w: more than %d types", dataintegrity.ErrParsing, maxExpandedTypes)
				}
				out = append(out, s)
			}
		}
	}
	return out, nil
}
