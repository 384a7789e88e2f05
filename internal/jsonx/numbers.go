package jsonx

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
)

// maxNumbersDepth bounds the nesting Numbers follows (decoded JSON is
// bounded far below it by the parsers' depth limits; it guards Go values
// built by callers).
const maxNumbersDepth = 1000

// Numbers returns v with every number represented as json.Number, the
// representation of numbers that decoding with UseNumber gives: float64
// and float32 values (as decoded by encoding/json or Decode)
// become the text encoding/json writes for them, Go integers their decimal
// text; NaN and infinities, which JSON cannot hold, are left as they are.
// v is never modified: maps and slices are copied where something inside
// them changed and shared otherwise.
func Numbers(v any) any {
	out, _ := numbers(v, maxNumbersDepth)
	return out
}

// NumbersMap is Numbers for a JSON object.
func NumbersMap(m map[string]any) map[string]any {
	out, changed := numbers(m, maxNumbersDepth)
	if !changed {
		return m
	}
	return out.(map[string]any)
}

func numbers(v any, depth int) (any, bool) {
	switch x := v.(type) {
	case float64:
		return floatNumber(x, 64)
	case float32:
		return floatNumber(float64(x), 32)
	case int:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), true
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case int16:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case int8:
		return json.Number(strconv.FormatInt(int64(x), 10)), true
	case uint:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), true
	case uint32:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	case uint16:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	case uint8:
		return json.Number(strconv.FormatUint(uint64(x), 10)), true
	case map[string]any:
		if depth == 0 {
			return v, false
		}
		var out map[string]any
		for k, e := range x {
			if n, changed := numbers(e, depth-1); changed {
				if out == nil {
					out = maps.Clone(x)
				}
				out[k] = n
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []any:
		if depth == 0 {
			return v, false
		}
		var out []any
		for i, e := range x {
			if n, changed := numbers(e, depth-1); changed {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = n
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}

// floatNumber formats f as encoding/json does (shortest representation,
// exponent form below 1e-6 and from 1e21 on, exponent without a leading
// zero).
func floatNumber(f float64, bits int) (any, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return f, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	b := strconv.AppendFloat(make([]byte, 0, 24), f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return json.Number(b), true
}
