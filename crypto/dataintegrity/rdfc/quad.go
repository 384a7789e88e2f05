package rdfc

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/piprate/json-gold/ld"
)

// Errors returned by the package; match them with errors.Is.
var (
	// ErrWorkLimit is returned when canonicalisation exceeds Options.MaxWork
	// (a poisoned or needlessly complex dataset).
	ErrWorkLimit = errors.New("rdfc: work limit exceeded")
	// ErrTooLarge is returned when the input exceeds a size limit (bytes,
	// quads or blank nodes).
	ErrTooLarge = errors.New("rdfc: input too large")
	// ErrInvalidDataset is returned for a dataset that is not RDF (a blank
	// node or literal in predicate position, an empty IRI, an unknown node).
	ErrInvalidDataset = errors.New("rdfc: invalid dataset")
	// ErrSyntax is returned by ParseNQuads for malformed N-Quads.
	ErrSyntax = errors.New("rdfc: N-Quads syntax error")
	// ErrUnsupportedHash is returned for a hash other than SHA-256/SHA-384.
	ErrUnsupportedHash = errors.New("rdfc: unsupported hash algorithm")
)

// TermKind is the kind of an RDF term.
type TermKind uint8

// Term kinds. KindNone is only valid as the graph of a quad in the default
// graph.
const (
	KindNone TermKind = iota
	KindIRI
	KindBlank
	KindLiteral
)

// XSDString and RDFLangString are the implicit literal datatypes.
const (
	XSDString     = "http://www.w3.org/2001/XMLSchema#string"
	RDFLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
)

// Term is an RDF term. For blank nodes Value is the label with its "_:"
// prefix; for literals Value is the lexical form and Datatype/Language are
// set (Datatype empty means xsd:string, or rdf:langString when Language is
// set).
type Term struct {
	Kind     TermKind
	Value    string
	Datatype string
	Language string
}

// IRI returns an IRI term.
func IRI(v string) Term { return Term{Kind: KindIRI, Value: v} }

// Blank returns a blank node term; label may be given with or without "_:".
func Blank(label string) Term {
	if !strings.HasPrefix(label, "_:") {
		label = "_:" + label
	}
	return Term{Kind: KindBlank, Value: label}
}

// Literal returns a literal term.
func Literal(lexical, datatype, language string) Term {
	return Term{Kind: KindLiteral, Value: lexical, Datatype: datatype, Language: language}
}

// Quad is an RDF quad; Graph.Kind is KindNone for the default graph.
type Quad struct {
	Subject, Predicate, Object, Graph Term
}

// FromDataset converts a json-gold RDF dataset (as produced by
// ld.JsonLdProcessor.ToRDF with no Format option) into quads. Quads that
// json-gold marks invalid are rejected rather than dropped.
func FromDataset(ds *ld.RDFDataset) ([]Quad, error) {
	if ds == nil {
		return nil, fmt.Errorf("%w: nil dataset", ErrInvalidDataset)
	}
	names := make([]string, 0, len(ds.Graphs))
	for name := range ds.Graphs {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Quad
	for _, name := range names {
		var g Term
		switch {
		case name == "@default" || name == "":
		case strings.HasPrefix(name, "_:"):
			g = Blank(name)
		default:
			g = IRI(name)
		}
		for _, q := range ds.Graphs[name] {
			if q == nil {
				continue
			}
			s, err := fromNode(q.Subject)
			if err != nil {
				return nil, err
			}
			p, err := fromNode(q.Predicate)
			if err != nil {
				return nil, err
			}
			o, err := fromNode(q.Object)
			if err != nil {
				return nil, err
			}
			quad := Quad{Subject: s, Predicate: p, Object: o, Graph: g}
			if err := quad.validate(); err != nil {
				return nil, err
			}
			out = append(out, quad)
		}
	}
	return out, nil
}

func fromNode(n ld.Node) (Term, error) {
	switch v := n.(type) {
	case ld.IRI:
		return IRI(v.Value), nil
	case *ld.IRI:
		return IRI(v.Value), nil
	case ld.BlankNode:
		return Blank(v.Attribute), nil
	case *ld.BlankNode:
		return Blank(v.Attribute), nil
	case ld.Literal:
		return literalFrom(v.Value, v.Datatype, v.Language), nil
	case *ld.Literal:
		return literalFrom(v.Value, v.Datatype, v.Language), nil
	}
	return Term{}, fmt.Errorf("%w: unsupported node %T", ErrInvalidDataset, n)
}

func literalFrom(value, datatype, language string) Term {
	if language != "" && datatype == RDFLangString {
		datatype = ""
	}
	if datatype == XSDString {
		datatype = ""
	}
	return Literal(value, datatype, language)
}

func (q *Quad) validate() error {
	switch q.Subject.Kind {
	case KindIRI, KindBlank:
	default:
		return fmt.Errorf("%w: subject must be an IRI or blank node", ErrInvalidDataset)
	}
	if q.Predicate.Kind != KindIRI {
		return fmt.Errorf("%w: predicate must be an IRI", ErrInvalidDataset)
	}
	switch q.Object.Kind {
	case KindIRI, KindBlank, KindLiteral:
	default:
		return fmt.Errorf("%w: missing object", ErrInvalidDataset)
	}
	switch q.Graph.Kind {
	case KindNone, KindIRI, KindBlank:
	default:
		return fmt.Errorf("%w: graph name must be an IRI or blank node", ErrInvalidDataset)
	}
	for _, t := range []Term{q.Subject, q.Predicate, q.Object, q.Graph} {
		if (t.Kind == KindIRI && t.Value == "") || (t.Kind == KindBlank && len(t.Value) <= 2) {
			return fmt.Errorf("%w: empty IRI or blank node label", ErrInvalidDataset)
		}
	}
	return nil
}
