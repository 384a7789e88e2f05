package match

import (
	"encoding/json"
	"math"
)

// ValueEqual reports whether the claim value v has the type and value of
// the expected DCQL value e (a string, an integer or a boolean; OpenID4VP
// 1.0 §6.3). Numbers compare by value whatever Go type carries them.
func ValueEqual(v, e any) bool {
	switch ev := e.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == ev
	case bool:
		b, ok := v.(bool)
		return ok && b == ev
	default:
		ef, ok := number(e)
		if !ok {
			return false
		}
		vf, ok := number(v)
		return ok && vf == ef
	}
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n)
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// maxValueNodes bounds the number of nodes a value handed to a filter may
// have; credential views built by other code may share sub-trees, so depth
// alone does not bound the work.
const maxValueNodes = 20000

// JSONValue converts v into the plain JSON representation (map[string]any,
// []any, string, float64, bool, nil) that a JSON Schema validator expects,
// copying only when v holds other Go types ([]string, map[string]string,
// ints, …). Values nested deeper than maxDepth, with more than
// maxValueNodes nodes, or without a JSON form are reported with ok=false.
func JSONValue(v any, maxDepth int) (out any, ok bool) {
	out, ok, _ = jsonValue(v, maxDepth)
	return out, ok
}

// jsonValue is JSONValue that also returns the number of nodes visited.
func jsonValue(v any, maxDepth int) (out any, ok bool, nodes int) {
	budget := maxValueNodes
	if plain(v, maxDepth, &budget) {
		return v, true, maxValueNodes - budget
	}
	nodes = maxValueNodes - budget
	if budget < 0 {
		return nil, false, nodes
	}
	budget = maxValueNodes
	out, ok = convert(v, maxDepth, &budget)
	return out, ok, nodes + maxValueNodes - budget
}

func plain(v any, depth int, budget *int) bool {
	*budget--
	if depth < 0 || *budget < 0 {
		return false
	}
	switch x := v.(type) {
	case nil, string, bool, json.Number:
		return true
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case []any:
		for _, e := range x {
			if !plain(e, depth-1, budget) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !plain(e, depth-1, budget) {
				return false
			}
		}
		return true
	}
	return false
}

func convert(v any, depth int, budget *int) (any, bool) {
	*budget--
	if depth < 0 || *budget < 0 {
		return nil, false
	}
	switch x := v.(type) {
	case nil, string, bool, json.Number:
		return x, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return x, true
	case float32, int, int64, int32, uint64:
		f, _ := number(x)
		return f, true
	case []string:
		*budget -= len(x)
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, *budget >= 0
	case map[string]string:
		*budget -= len(x)
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out, *budget >= 0
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, ok := convert(e, depth-1, budget)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			c, ok := convert(e, depth-1, budget)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, ok := convert(e, depth-1, budget)
			if !ok {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	}
	return nil, false
}
