package match

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Filter errors.
var (
	// ErrFilter: the filter is not a valid JSON Schema or exceeds a limit.
	ErrFilter = errors.New("match: invalid filter")
	// ErrExternalRef: the filter references a schema outside itself; no
	// file or network is ever read.
	ErrExternalRef = errors.New("match: filter references an external schema")
)

// Filter limits.
const (
	MaxFilterBytes = 16 << 10
	MaxFilterDepth = 24
	MaxFilterRefs  = 16
	// maxValueDepth bounds the depth of a value handed to a filter.
	maxValueDepth = 64
)

// Filter is a compiled JSON Schema (draft-07 unless $schema names another
// draft) used as a Presentation Exchange field filter. The ajv-formats
// keywords formatMinimum, formatMaximum, formatExclusiveMinimum and
// formatExclusiveMaximum, used by the PE examples for dates, are enforced
// for date and date-time strings rather than ignored.
type Filter struct {
	s    *jsonschema.Schema
	fast *fastNode
	// weight is the number of sub-schemas: what validating one value
	// node may cost at most, in budget units.
	weight int
}

// filterURL is the base URL filters are compiled under. It is never fetched.
const filterURL = "urn:wstack:pex:filter"

// CompileFilter compiles the JSON Schema raw. Size, depth and the number of
// $ref are checked first; only references inside the filter itself resolve,
// everything else fails with ErrExternalRef.
func CompileFilter(raw json.RawMessage) (*Filter, error) {
	return compileFilter(raw, func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("%w: %s", ErrExternalRef, u)
	})
}

// compileFilter compiles with the given loader; tests pass one that fails
// the test when it is reached.
func compileFilter(raw json.RawMessage, load func(string) (io.ReadCloser, error)) (*Filter, error) {
	if len(raw) > MaxFilterBytes {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrFilter, len(raw), MaxFilterBytes)
	}
	if err := jsonx.Validate(raw, jsonx.Limits{MaxBytes: MaxFilterBytes, MaxDepth: MaxFilterDepth}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFilter, err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFilter, err)
	}
	switch doc.(type) {
	case map[string]any, bool:
	default:
		return nil, fmt.Errorf("%w: a schema is an object or a boolean", ErrFilter)
	}
	refs := 0
	if err := scanRefs(doc, &refs); err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = load
	c.RegisterExtension("formatLimits", formatMeta(), formatExt{})
	if err := c.AddResource(filterURL, bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFilter, err)
	}
	s, err := c.Compile(filterURL)
	if err != nil {
		if errors.Is(err, ErrExternalRef) || strings.Contains(err.Error(), ErrExternalRef.Error()) {
			return nil, fmt.Errorf("%w: %v", ErrExternalRef, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrFilter, err)
	}
	flt := &Filter{s: s, weight: max(1, countObjects(doc))}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var numDoc any
	if dec.Decode(&numDoc) == nil {
		if fn, ok := compileFast(numDoc, 0); ok {
			flt.fast = fn
		}
	}
	return flt, nil
}

// scanRefs counts $ref, $dynamicRef and $recursiveRef and refuses
// references that leave the document and $schema values that are not a
// known draft.
func scanRefs(v any, n *int) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "$ref", "$dynamicRef", "$recursiveRef":
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("%w: %s is not a string", ErrFilter, k)
				}
				*n++
				if *n > MaxFilterRefs {
					return fmt.Errorf("%w: more than %d references", ErrFilter, MaxFilterRefs)
				}
				if !strings.HasPrefix(s, "#") && !isDraftMeta(s) {
					return fmt.Errorf("%w: %q", ErrExternalRef, s)
				}
			case "$id", "id":
				if s, ok := e.(string); ok && k == "$id" && !strings.HasPrefix(s, "#") {
					return fmt.Errorf("%w: $id %q would rebase references", ErrExternalRef, s)
				}
			case "$schema":
				s, ok := e.(string)
				if !ok || !isDraftMeta(s) {
					return fmt.Errorf("%w: $schema %v", ErrExternalRef, e)
				}
			}
			if err := scanRefs(e, n); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := scanRefs(e, n); err != nil {
				return err
			}
		}
	}
	return nil
}

func isDraftMeta(s string) bool {
	switch strings.TrimSuffix(s, "#") {
	case "http://json-schema.org/draft-04/schema", "http://json-schema.org/draft-06/schema",
		"http://json-schema.org/draft-07/schema", "https://json-schema.org/draft/2019-09/schema",
		"https://json-schema.org/draft/2020-12/schema":
		return true
	}
	return false
}

// Match reports whether v is valid against the filter. Values that have no
// JSON form, or that are nested too deeply, never match.
func (f *Filter) Match(v any) bool {
	ok, _ := f.MatchMeter(v, nil)
	return ok
}

// MatchMeter is Match under the work budget of m (nil: unlimited): the
// value costs one unit per node to convert and its node count times the
// filter's number of sub-schemas to validate. When m fails, the error is
// m.Err().
func (f *Filter) MatchMeter(v any, m *Meter) (bool, error) {
	jv, ok, nodes := jsonValue(v, maxValueDepth)
	if !m.Spend(nodes * (1 + f.weight)) {
		return false, m.Err()
	}
	if !ok {
		return false, nil
	}
	return f.match(jv), nil
}

func (f *Filter) match(jv any) bool {
	if f.fast != nil {
		if ok, decided := f.fast.match(jv); decided {
			return ok
		}
	}
	return f.s.Validate(jv) == nil
}

// countObjects counts the JSON objects of a schema document.
func countObjects(v any) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		n++
		for _, e := range x {
			n += countObjects(e)
		}
	case []any:
		for _, e := range x {
			n += countObjects(e)
		}
	}
	return n
}

// formatMeta is the meta-schema of the format-limit keywords.
var formatMeta = sync.OnceValue(func() *jsonschema.Schema {
	return jsonschema.MustCompileString("urn:wstack:pex:format-limits", `{
		"properties": {
			"formatMinimum": {"type": "string"},
			"formatMaximum": {"type": "string"},
			"formatExclusiveMinimum": {"type": "string"},
			"formatExclusiveMaximum": {"type": "string"}
		}
	}`)
})

type formatExt struct{}

type formatLimit struct {
	keyword string
	bound   time.Time
	layout  string
	less    bool // value must be < (or <=) bound
	strict  bool
}

type formatSchema []formatLimit

func (formatExt) Compile(_ jsonschema.CompilerContext, m map[string]any) (jsonschema.ExtSchema, error) {
	var out formatSchema
	for _, kw := range []struct {
		name         string
		less, strict bool
	}{
		{"formatMinimum", false, false},
		{"formatMaximum", true, false},
		{"formatExclusiveMinimum", false, true},
		{"formatExclusiveMaximum", true, true},
	} {
		raw, ok := m[kw.name]
		if !ok {
			continue
		}
		s, _ := raw.(string)
		t, layout, ok := parseDateish(s)
		if !ok {
			return nil, fmt.Errorf("%w: %s %q is neither a date nor a date-time", ErrFilter, kw.name, s)
		}
		out = append(out, formatLimit{keyword: kw.name, bound: t, layout: layout, less: kw.less, strict: kw.strict})
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// Validate implements jsonschema.ExtSchema.
func (fs formatSchema) Validate(ctx jsonschema.ValidationContext, v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	t, _, ok := parseDateish(s)
	if !ok {
		return ctx.Error(fs[0].keyword, "%q is neither a date nor a date-time", s)
	}
	for _, l := range fs {
		c := t.Compare(l.bound)
		var bad bool
		switch {
		case l.less && l.strict:
			bad = c >= 0
		case l.less:
			bad = c > 0
		case l.strict:
			bad = c <= 0
		default:
			bad = c < 0
		}
		if bad {
			return ctx.Error(l.keyword, "%q is outside the %s bound", s, l.keyword)
		}
	}
	return nil
}

func parseDateish(s string) (time.Time, string, bool) {
	if len(s) > 64 {
		return time.Time{}, "", false
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, time.DateOnly, true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, time.RFC3339Nano, true
	}
	return time.Time{}, "", false
}
