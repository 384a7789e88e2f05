package match

import (
	"errors"
	"fmt"
	"math"

	"github.com/ocmw/wstack/vocab"
)

// Claims path pointer errors (OpenID4VP 1.0 §7.1).
var (
	// ErrPointerInvalid: the pointer is empty, too long, or holds a
	// component that is neither a string, null nor a non-negative integer.
	ErrPointerInvalid = errors.New("match: invalid claims path pointer")
	// ErrPointerType: a component does not fit the selected element (a
	// string on a non-object, null or an index on a non-array).
	ErrPointerType = errors.New("match: claims path pointer component does not fit the selected element")
	// ErrPointerEmpty: processing left the selection empty.
	ErrPointerEmpty = errors.New("match: claims path pointer selects no element")
)

// MaxPointerLen bounds the number of components of a claims path pointer.
const MaxPointerLen = 32

// maxIndex bounds array indices in pointers.
const maxIndex = 1 << 24

// ParsePointer checks a decoded JSON array as a claims path pointer and
// returns it with integer components normalised to int.
func ParsePointer(raw []any) (vocab.ClaimPath, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrPointerInvalid)
	}
	if len(raw) > MaxPointerLen {
		return nil, fmt.Errorf("%w: %d components > %d", ErrPointerInvalid, len(raw), MaxPointerLen)
	}
	out := make(vocab.ClaimPath, len(raw))
	for i, c := range raw {
		n, err := component(c)
		if err != nil {
			return nil, fmt.Errorf("%w: component %d: %v", ErrPointerInvalid, i, err)
		}
		out[i] = n
	}
	return out, nil
}

func component(c any) (any, error) {
	switch v := c.(type) {
	case nil:
		return nil, nil
	case string:
		return v, nil
	case float64:
		if v < 0 || v != math.Trunc(v) || v > maxIndex {
			return nil, fmt.Errorf("%v is not a non-negative integer", v)
		}
		return int(v), nil
	case int:
		if v < 0 || v > maxIndex {
			return nil, fmt.Errorf("%d is not a non-negative integer", v)
		}
		return v, nil
	case int64:
		if v < 0 || v > maxIndex {
			return nil, fmt.Errorf("%d is not a non-negative integer", v)
		}
		return int(v), nil
	default:
		return nil, fmt.Errorf("type %T", c)
	}
}

// node is one selected element and its concrete location.
type node struct {
	v   any
	loc []any
}

// SelectPointer processes the pointer p over root as OpenID4VP 1.0 §7.1
// describes and calls emit for every selected element with its concrete
// location (strings and ints only; the slice is only valid during the
// call). emit returns false to stop. The errors are ErrPointerType and
// ErrPointerEmpty; p must come from ParsePointer.
func SelectPointer(root any, p vocab.ClaimPath, emit func(v any, loc []any) bool) error {
	if len(p) == 0 {
		return ErrPointerInvalid
	}
	// Fast path: no null component, at most one element is selected.
	wild := false
	for _, c := range p {
		if c == nil {
			wild = true
			break
		}
	}
	if !wild {
		cur := root
		for _, c := range p {
			switch k := c.(type) {
			case string:
				obj, ok := asObject(cur)
				if !ok {
					return ErrPointerType
				}
				v, ok := obj[k]
				if !ok {
					return ErrPointerEmpty
				}
				cur = v
			case int:
				arr, ok := asArray(cur)
				if !ok {
					return ErrPointerType
				}
				if k < 0 || k >= len(arr) {
					return ErrPointerEmpty
				}
				cur = arr[k]
			default:
				return ErrPointerInvalid
			}
		}
		emit(cur, []any(p))
		return nil
	}
	sel := []node{{v: root}}
	for _, c := range p {
		next := sel[:0:0]
		for _, n := range sel {
			switch k := c.(type) {
			case string:
				obj, ok := asObject(n.v)
				if !ok {
					return ErrPointerType
				}
				if v, ok := obj[k]; ok {
					next = append(next, node{v, appendLoc(n.loc, k)})
				}
			case int:
				arr, ok := asArray(n.v)
				if !ok {
					return ErrPointerType
				}
				if k >= 0 && k < len(arr) {
					next = append(next, node{arr[k], appendLoc(n.loc, k)})
				}
			case nil:
				arr, ok := asArray(n.v)
				if !ok {
					return ErrPointerType
				}
				if len(next)+len(arr) > MaxResults {
					return fmt.Errorf("%w: more than %d elements", ErrTooManyResults, MaxResults)
				}
				for i, v := range arr {
					next = append(next, node{v, appendLoc(n.loc, i)})
				}
			default:
				return ErrPointerInvalid
			}
		}
		if len(next) == 0 {
			return ErrPointerEmpty
		}
		sel = next
	}
	for _, n := range sel {
		if !emit(n.v, n.loc) {
			break
		}
	}
	return nil
}

func appendLoc(loc []any, c any) []any {
	out := make([]any, len(loc)+1)
	copy(out, loc)
	out[len(loc)] = c
	return out
}

// asObject returns v as a JSON object.
func asObject(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// asArray returns v as a JSON array; []string (as used for W3C types by
// some credential decoders) is accepted too.
func asArray(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case []string:
		out := make([]any, len(a))
		for i, s := range a {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}
