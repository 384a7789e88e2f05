package jose

import (
	"encoding/json"
	"fmt"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Signature is one signature of a JWS JSON serialization: the protected
// part passed through the parse gate, plus the unprotected header.
type Signature struct {
	*JWS
	// Unprotected is the unprotected "header" member (may be nil). It never
	// holds security-relevant parameters: alg, typ, crit, kid, jwk, jku, x5c,
	// x5u and b64 there are rejected.
	Unprotected map[string]any
}

var protectedOnly = []string{"alg", "typ", "crit", "kid", "jwk", "jku", "x5c", "x5u", "x5t", "x5t#S256", "b64", "cty"}

// ParseJSON parses a JWS JSON serialization (RFC 7515 §7.2), flattened or
// general, and returns one Signature per signature, each checked by the same
// gate as Parse. A signature without a "protected" member is rejected
// (CVE-2024-21664 class). Verify each with Signature.VerifySignature.
func ParseJSON(data []byte, o ParseOptions) ([]Signature, error) {
	max := o.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	depth := o.MaxDepth
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: max, MaxDepth: depth}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	type sig struct {
		Protected *string        `json:"protected"`
		Header    map[string]any `json:"header"`
		Signature *string        `json:"signature"`
	}
	var doc struct {
		Payload    *string `json:"payload"`
		Signatures []sig   `json:"signatures"`
		sig
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if doc.Payload == nil {
		return nil, fmt.Errorf("%w: payload missing", ErrMalformed)
	}
	sigs := doc.Signatures
	flattened := doc.sig.Signature != nil || doc.sig.Protected != nil || doc.sig.Header != nil
	switch {
	case flattened && sigs != nil:
		return nil, fmt.Errorf("%w: both flattened and general members", ErrMalformed)
	case flattened:
		sigs = []sig{doc.sig}
	case len(sigs) == 0:
		return nil, fmt.Errorf("%w: no signatures", ErrMalformed)
	case len(sigs) > 16:
		return nil, fmt.Errorf("%w: too many signatures", ErrMalformed)
	}
	out := make([]Signature, 0, len(sigs))
	for i, s := range sigs {
		if s.Protected == nil || *s.Protected == "" {
			return nil, fmt.Errorf("%w: signature %d has no protected header", ErrMalformed, i)
		}
		if s.Signature == nil {
			return nil, fmt.Errorf("%w: signature %d missing", ErrMalformed, i)
		}
		for _, name := range protectedOnly {
			if _, ok := s.Header[name]; ok {
				return nil, fmt.Errorf("%w: %q in the unprotected header", ErrMalformed, name)
			}
		}
		j, err := Parse(*s.Protected+"."+*doc.Payload+"."+*s.Signature, o)
		if err != nil {
			return nil, fmt.Errorf("signature %d: %w", i, err)
		}
		for name := range s.Header {
			if _, dup := j.Header.Raw[name]; dup {
				return nil, fmt.Errorf("%w: %q in both headers", ErrMalformed, name)
			}
		}
		out = append(out, Signature{JWS: j, Unprotected: s.Header})
	}
	return out, nil
}
