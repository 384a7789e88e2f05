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

// SelectPointer processes the pointer p over root as OpenID4VP 1.0 §7.1
// describes and calls emit for every selected element, in document order,
// with its concrete location (strings and ints only; the slice is only
// valid during the call). emit returns false to stop; the elements not yet
// visited are then not examined. The errors are ErrPointerType,
// ErrPointerEmpty and ErrTooManyResults; when one is returned, elements
// already emitted must be discarded. p must come from ParsePointer.
func SelectPointer(root any, p vocab.ClaimPath, emit func(v any, loc []any) bool) error {
	return SelectPointerMeter(root, p, nil, emit)
}

// SelectPointerMeter is SelectPointer under the work budget of m (nil:
// unlimited): every element a component selects costs one unit. When m
// fails, the error is m.Err() (ErrBudget or the context's error). The walk
// is depth-first over one location buffer: selecting elements allocates
// nothing, whatever their number.
func SelectPointerMeter(root any, p vocab.ClaimPath, m *Meter, emit func(v any, loc []any) bool) error {
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
		if !m.Spend(len(p)) {
			return m.Err()
		}
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
	var countBuf [MaxPointerLen]int
	w := pointerWalk{p: p, m: m, emit: emit, counts: countBuf[:len(p)]}
	var loc [MaxPointerLen]any
	w.loc = loc[:len(p):len(p)]
	if err := w.walk(root, 0); err != nil && err != errStop {
		return err
	}
	if w.emitted == 0 {
		return ErrPointerEmpty
	}
	return nil
}

// errStop ends a walk when emit returns false.
var errStop = errors.New("match: stop")

// pointerWalk selects depth-first. Visiting every element of every level
// finds exactly the errors the level-by-level processing of §7.1 finds: a
// component that does not fit a selected element (ErrPointerType), more
// than MaxResults elements selected at one level (ErrTooManyResults), or an
// empty selection (nothing emitted: ErrPointerEmpty).
type pointerWalk struct {
	p       vocab.ClaimPath
	m       *Meter
	emit    func(v any, loc []any) bool
	loc     []any
	counts  []int // elements selected per null level
	emitted int
}

func (w *pointerWalk) walk(v any, k int) error {
	if k == len(w.p) {
		w.emitted++
		if !w.emit(v, w.loc) {
			return errStop
		}
		return nil
	}
	switch c := w.p[k].(type) {
	case string:
		obj, ok := asObject(v)
		if !ok {
			return ErrPointerType
		}
		x, ok := obj[c]
		if !ok {
			return nil
		}
		if !w.m.Spend(1) {
			return w.m.Err()
		}
		w.loc[k] = w.p[k]
		return w.walk(x, k+1)
	case int:
		arr, ok := asArray(v)
		if !ok {
			return ErrPointerType
		}
		if c < 0 || c >= len(arr) {
			return nil
		}
		if !w.m.Spend(1) {
			return w.m.Err()
		}
		w.loc[k] = w.p[k]
		return w.walk(arr[c], k+1)
	case nil:
		arr, ok := asArray(v)
		if !ok {
			return ErrPointerType
		}
		if w.counts[k] += len(arr); w.counts[k] > MaxResults {
			return fmt.Errorf("%w: more than %d elements", ErrTooManyResults, MaxResults)
		}
		if !w.m.Spend(len(arr)) {
			return w.m.Err()
		}
		for i, x := range arr {
			w.loc[k] = w.m.index(i)
			if err := w.walk(x, k+1); err != nil {
				return err
			}
		}
		return nil
	default:
		return ErrPointerInvalid
	}
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
