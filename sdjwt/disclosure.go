package sdjwt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/ocmw/wstack/internal/anybox"
	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/internal/jsonx"
)

// Disclosure is one decoded disclosure (RFC 9901 §4.2): [salt, name, value]
// for an object property or [salt, value] for an array element.
type Disclosure struct {
	// Raw is the base64url-encoded disclosure exactly as transported; digests
	// are computed over it.
	Raw string
	// Salt is the salt string.
	Salt string
	// Name is the claim name; empty for array elements (IsArrayElement).
	Name string
	// IsArrayElement reports a two-element disclosure.
	IsArrayElement bool
	// Value is the decoded claim value (may contain further digests). For
	// disclosures made by Issue it is the value as the issuer passed it
	// (after nested disclosures were replaced by digests).
	Value any
}

var strictB64 = base64.RawURLEncoding.Strict()

// ParseDisclosure decodes a disclosure string. The decoded JSON must be valid
// UTF-8 without duplicate members and within the limits; the array must have
// two or three elements with a string salt (and string name).
func ParseDisclosure(raw string, lim Limits) (*Disclosure, error) {
	d := new(Disclosure)
	if _, err := parseDisclosure(raw, lim.norm(), nil, nil, d); err != nil {
		return nil, err
	}
	return d, nil
}

// parseDisclosure is ParseDisclosure with normalised limits. It decodes the
// base64url into the free capacity of arena and returns the arena with the
// decoded bytes appended. The decoded strings share memory with the arena,
// so callers pass an arena that nothing else holds and never write into
// the bytes already used (appending, as here, writes only beyond them).
// The disclosure is written to *d (left unspecified on error). Strings in
// its value are boxed through boxes when it is not nil.
func parseDisclosure(raw string, lim Limits, arena []byte, boxes *anybox.Strings, d *Disclosure) ([]byte, error) {
	// The characters are checked one by one only when something failed
	// (b64url.DecodeStrict rejects the same strings at memory speed), so
	// that the error is the one of that check.
	if raw == "" {
		return arena, fmt.Errorf("%w: not base64url", ErrDisclosure)
	}
	if len(raw) > lim.MaxSize {
		if !b64url.ValidChars(raw) {
			return arena, fmt.Errorf("%w: not base64url", ErrDisclosure)
		}
		return arena, fmt.Errorf("%w: disclosure of %d bytes", ErrTooLarge, len(raw))
	}
	need := strictB64.DecodedLen(len(raw))
	if cap(arena)-len(arena) < need {
		arena = make([]byte, 0, need) // a new arena: the old one stays with its strings
	}
	start := len(arena)
	buf := arena[start : start+need]
	n, err := b64url.DecodeStrict(buf, raw)
	if err != nil {
		if !b64url.ValidChars(raw) {
			return arena, fmt.Errorf("%w: not base64url", ErrDisclosure)
		}
		return arena, fmt.Errorf("%w: %v", ErrDisclosure, err)
	}
	b := buf[:n:n]
	arena = arena[:start+n]
	jl := jsonx.Limits{MaxBytes: lim.MaxSize, MaxDepth: lim.MaxDepth}
	// The usual shape, ["salt","name",value] or ["salt",value], without
	// boxing the strings into a []any; anything else (including every
	// rejection) takes the general decoder below, which reports it.
	if salt, name, val, k, ok := jsonx.DecodeDisclosure(b, jl, true, boxes); ok {
		*d = Disclosure{Raw: raw, Salt: salt, Name: name, IsArrayElement: k == 2, Value: val}
		return arena, nil
	}
	v, err := jsonx.DecodeAliased(b, jl)
	if err != nil {
		return arena, fmt.Errorf("%w: %w", ErrDisclosure, err)
	}
	arr, ok := v.([]any)
	if !ok {
		return arena, fmt.Errorf("%w: not a JSON array", ErrDisclosure)
	}
	*d = Disclosure{Raw: raw}
	switch len(arr) {
	case 2:
		d.IsArrayElement = true
		d.Value = arr[1]
	case 3:
		if d.Name, ok = arr[1].(string); !ok {
			return arena, fmt.Errorf("%w: claim name is not a string", ErrDisclosure)
		}
		d.Value = arr[2]
	default:
		return arena, fmt.Errorf("%w: %d elements", ErrDisclosure, len(arr))
	}
	if d.Salt, ok = arr[0].(string); !ok {
		return arena, fmt.Errorf("%w: salt is not a string", ErrDisclosure)
	}
	return arena, nil
}

// saltFunc returns a new salt for the claim name (or, for array elements,
// the value); replaced in tests to reproduce RFC vectors.
type saltFunc func(name string, value any) (string, error)

// encodeJSON encodes v without HTML escaping (so "<" stays "<").
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// newDisclosure builds and encodes a disclosure. name is ignored for array
// elements. enc nil is the default encoding (encodeJSON's bytes, written by
// appendJSON).
func newDisclosure(salt, name string, arrayElem bool, value any, enc func(any) ([]byte, error)) (*Disclosure, error) {
	var b []byte
	var err error
	if enc == nil {
		var scratch [256]byte
		b = append(scratch[:0], '[')
		b = appendJSONString(b, salt)
		b = append(b, ',')
		if !arrayElem {
			b = appendJSONString(b, name)
			b = append(b, ',')
		}
		if b, err = appendJSON(b, value); err == nil {
			b = append(b, ']')
		}
	} else if arrayElem {
		b, err = enc([]any{salt, value})
	} else {
		b, err = enc([]any{salt, name, value})
	}
	if err != nil {
		return nil, fmt.Errorf("sdjwt: encode disclosure: %w", err)
	}
	return &Disclosure{
		Raw:            base64.RawURLEncoding.EncodeToString(b),
		Salt:           salt,
		Name:           name,
		IsArrayElement: arrayElem,
		Value:          value,
	}, nil
}
