package match

import (
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// fastNode is a filter sub-schema compiled for direct evaluation. Filters
// made only of the keywords below (the shapes Presentation Exchange
// definitions use) are evaluated without the general validator, which
// allocates on every call; anything else falls back to it. Semantics are
// those of the validator (numbers compare as the decimal of their shortest
// representation, exactly like santhosh-tekuri/jsonschema does), which the
// differential fuzz target checks.
type fastNode struct {
	always   *bool // boolean schema
	types    uint8
	consts   []any // const (len 1) or enum
	pattern  *regexp.Regexp
	minLen   int
	maxLen   int
	min      *float64
	max      *float64
	exMin    *float64
	exMax    *float64
	format   func(any) bool
	limits   formatSchema
	contains *fastNode
	minItems int
	maxItems int
	props    map[string]*fastNode
	required []string
	allOf    []*fastNode
	anyOf    []*fastNode
	not      *fastNode
}

const (
	tNull uint8 = 1 << iota
	tBool
	tNumber
	tInteger
	tString
	tArray
	tObject
)

var typeBits = map[string]uint8{
	"null": tNull, "boolean": tBool, "number": tNumber, "integer": tInteger,
	"string": tString, "array": tArray, "object": tObject,
}

// annotations are keywords without validation effect.
var annotations = map[string]bool{
	"title": true, "description": true, "$comment": true, "examples": true,
	"default": true, "readOnly": true, "writeOnly": true,
}

// compileFast compiles doc when every keyword of every sub-schema is
// supported; ok=false means "use the general validator".
func compileFast(doc any, depth int) (*fastNode, bool) {
	if depth > MaxFilterDepth {
		return nil, false
	}
	if b, ok := doc.(bool); ok {
		return &fastNode{always: &b}, true
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, false
	}
	n := &fastNode{minLen: -1, maxLen: -1, minItems: -1, maxItems: -1}
	for k, v := range m {
		switch k {
		case "type":
			switch t := v.(type) {
			case string:
				b, ok := typeBits[t]
				if !ok {
					return nil, false
				}
				n.types |= b
			case []any:
				for _, e := range t {
					s, _ := e.(string)
					b, ok := typeBits[s]
					if !ok {
						return nil, false
					}
					n.types |= b
				}
			default:
				return nil, false
			}
		case "const":
			c, ok := fastValue(v)
			if !ok {
				return nil, false
			}
			n.consts = append(n.consts, c)
		case "enum":
			arr, ok := v.([]any)
			if !ok {
				return nil, false
			}
			for _, e := range arr {
				c, ok := fastValue(e)
				if !ok {
					return nil, false
				}
				n.consts = append(n.consts, c)
			}
		case "pattern":
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			re, err := regexp.Compile(s)
			if err != nil {
				return nil, false
			}
			n.pattern = re
		case "minLength", "maxLength", "minItems", "maxItems":
			i, ok := exactInt(v)
			if !ok {
				return nil, false
			}
			switch k {
			case "minLength":
				n.minLen = i
			case "maxLength":
				n.maxLen = i
			case "minItems":
				n.minItems = i
			default:
				n.maxItems = i
			}
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
			f, ok := exactBound(v)
			if !ok {
				return nil, false
			}
			switch k {
			case "minimum":
				n.min = &f
			case "maximum":
				n.max = &f
			case "exclusiveMinimum":
				n.exMin = &f
			default:
				n.exMax = &f
			}
		case "format":
			s, _ := v.(string)
			fn, ok := jsonschema.Formats[s]
			if !ok {
				return nil, false
			}
			n.format = fn
		case "formatMinimum", "formatMaximum", "formatExclusiveMinimum", "formatExclusiveMaximum":
			// compiled below, all together
		case "contains", "not":
			sub, ok := compileFast(v, depth+1)
			if !ok {
				return nil, false
			}
			if k == "contains" {
				n.contains = sub
			} else {
				n.not = sub
			}
		case "allOf", "anyOf":
			arr, ok := v.([]any)
			if !ok || len(arr) == 0 {
				return nil, false
			}
			for _, e := range arr {
				sub, ok := compileFast(e, depth+1)
				if !ok {
					return nil, false
				}
				if k == "allOf" {
					n.allOf = append(n.allOf, sub)
				} else {
					n.anyOf = append(n.anyOf, sub)
				}
			}
		case "properties":
			pm, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			n.props = make(map[string]*fastNode, len(pm))
			for name, e := range pm {
				sub, ok := compileFast(e, depth+1)
				if !ok {
					return nil, false
				}
				n.props[name] = sub
			}
		case "required":
			arr, ok := v.([]any)
			if !ok {
				return nil, false
			}
			for _, e := range arr {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				n.required = append(n.required, s)
			}
		default:
			if !annotations[k] {
				return nil, false
			}
		}
	}
	if _, ok := m["formatMinimum"]; ok || hasAny(m, "formatMaximum", "formatExclusiveMinimum", "formatExclusiveMaximum") {
		ext, err := formatExt{}.Compile(jsonschema.CompilerContext{}, m)
		if err != nil || ext == nil {
			return nil, false
		}
		n.limits = ext.(formatSchema)
	}
	return n, true
}

func hasAny(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func exactInt(v any) (int, bool) {
	f, ok := exactBound(v)
	if !ok || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}

// exactBound accepts a schema number (decoded as json.Number) only when
// comparing float64 values with it gives the validator's answer: the
// validator compares the shortest decimal of the value with the exact
// decimal of the bound, which float64 comparison reproduces when the bound
// is itself the shortest decimal of its float64.
func exactBound(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	exact, ok1 := new(big.Rat).SetString(string(n))
	short, ok2 := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok1 || !ok2 || exact.Cmp(short) != 0 {
		return 0, false
	}
	return f, true
}

// fastValue converts a const/enum value for float64 equality; numbers must
// pass exactBound.
func fastValue(v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, true
	case json.Number:
		return exactBound(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, ok := fastValue(e)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, ok := fastValue(e)
			if !ok {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	}
	return nil, false
}

// match evaluates the node; decided=false means a value the fast path does
// not handle exactly (json.Number) was met and the general validator must
// decide.
func (n *fastNode) match(v any) (ok, decided bool) {
	if n.always != nil {
		return *n.always, true
	}
	if _, isNum := v.(json.Number); isNum {
		return false, false
	}
	if n.types != 0 && !typeOK(n.types, v) {
		return false, true
	}
	if n.consts != nil {
		found := false
		for _, c := range n.consts {
			eq, dec := fastEqual(v, c)
			if !dec {
				return false, false
			}
			if eq {
				found = true
				break
			}
		}
		if !found {
			return false, true
		}
	}
	switch x := v.(type) {
	case string:
		if n.pattern != nil && !n.pattern.MatchString(x) {
			return false, true
		}
		if n.minLen >= 0 || n.maxLen >= 0 {
			l := utf8.RuneCountInString(x)
			if (n.minLen >= 0 && l < n.minLen) || (n.maxLen >= 0 && l > n.maxLen) {
				return false, true
			}
		}
		if n.format != nil && !n.format(x) {
			return false, true
		}
		if len(n.limits) > 0 && !n.limits.ok(x) {
			return false, true
		}
	case float64:
		if (n.min != nil && x < *n.min) || (n.max != nil && x > *n.max) ||
			(n.exMin != nil && x <= *n.exMin) || (n.exMax != nil && x >= *n.exMax) {
			return false, true
		}
	case []any:
		if (n.minItems >= 0 && len(x) < n.minItems) || (n.maxItems >= 0 && len(x) > n.maxItems) {
			return false, true
		}
		if n.contains != nil {
			found := false
			for _, e := range x {
				ok, dec := n.contains.match(e)
				if !dec {
					return false, false
				}
				if ok {
					found = true
					break
				}
			}
			if !found {
				return false, true
			}
		}
	case map[string]any:
		for _, r := range n.required {
			if _, ok := x[r]; !ok {
				return false, true
			}
		}
		for name, sub := range n.props {
			if e, ok := x[name]; ok {
				ok, dec := sub.match(e)
				if !dec {
					return false, false
				}
				if !ok {
					return false, true
				}
			}
		}
	}
	for _, sub := range n.allOf {
		ok, dec := sub.match(v)
		if !dec {
			return false, false
		}
		if !ok {
			return false, true
		}
	}
	if n.anyOf != nil {
		any := false
		for _, sub := range n.anyOf {
			ok, dec := sub.match(v)
			if !dec {
				return false, false
			}
			if ok {
				any = true
				break
			}
		}
		if !any {
			return false, true
		}
	}
	if n.not != nil {
		ok, dec := n.not.match(v)
		if !dec {
			return false, false
		}
		if ok {
			return false, true
		}
	}
	return true, true
}

func typeOK(types uint8, v any) bool {
	switch x := v.(type) {
	case nil:
		return types&tNull != 0
	case bool:
		return types&tBool != 0
	case float64:
		return types&tNumber != 0 || (types&tInteger != 0 && x == math.Trunc(x))
	case string:
		return types&tString != 0
	case []any:
		return types&tArray != 0
	case map[string]any:
		return types&tObject != 0
	}
	return false
}

// fastEqual is JSON equality with numbers compared by value.
func fastEqual(a, b any) (eq, decided bool) {
	switch x := a.(type) {
	case json.Number:
		return false, false
	case nil:
		return b == nil, true
	case bool:
		y, ok := b.(bool)
		return ok && x == y, true
	case string:
		y, ok := b.(string)
		return ok && x == y, true
	case float64:
		y, ok := b.(float64)
		return ok && x == y, true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false, true
		}
		for i := range x {
			eq, dec := fastEqual(x[i], y[i])
			if !dec || !eq {
				return eq, dec
			}
		}
		return true, true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false, true
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok {
				return false, true
			}
			eq, dec := fastEqual(e, f)
			if !dec || !eq {
				return eq, dec
			}
		}
		return true, true
	}
	return false, false
}

// ok applies the format limits to a string (the fast-path twin of
// formatSchema.Validate).
func (fs formatSchema) ok(s string) bool {
	t, _, ok := parseDateish(s)
	if !ok {
		return false
	}
	for _, l := range fs {
		c := t.Compare(l.bound)
		switch {
		case l.less && l.strict:
			if c >= 0 {
				return false
			}
		case l.less:
			if c > 0 {
				return false
			}
		case l.strict:
			if c <= 0 {
				return false
			}
		default:
			if c < 0 {
				return false
			}
		}
	}
	return true
}
