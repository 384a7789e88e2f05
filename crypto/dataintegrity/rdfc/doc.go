// Package rdfc implements RDF Dataset Canonicalization, RDFC-1.0
// (W3C Recommendation, 21 May 2024, https://www.w3.org/TR/rdf-canon/).
//
// The canonicaliser works on a small in-package quad model that can be built
// from the RDF dataset json-gold produces (FromDataset over an *ld.RDFDataset
// from ld.NewJsonLdProcessor().ToRDF) or parsed from N-Quads (ParseNQuads).
// It differs from json-gold's URDNA2015 in two ways that matter for Data
// Integrity proofs:
//
//   - the output uses RDFC-1.0's canonical N-Quads escaping ("Canonical
//     N-Quads", after RDF 1.2 N-Triples §3): BS, HT, LF, FF, CR, '"' and '\'
//     as ECHAR; U+0000–U+0007, U+000B, U+000E–U+001F, U+007F and non-XML-1.1
//     characters as \uXXXX with upper-case hex; everything else as UTF-8;
//   - the Hash N-Degree Quads algorithm runs under a work cap
//     (Options.MaxWork) and the caller's context, so that a poisoned dataset
//     (rdf-canon test074, security.md row 58) fails fast with ErrWorkLimit
//     instead of burning CPU for minutes.
//
// Both SHA-256 (the default) and SHA-384 are supported as the hash algorithm.
package rdfc
