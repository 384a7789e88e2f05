package jsonx

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNumbers(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want any
	}{
		{"integer_float", 2500000.0, json.Number("2500000")},
		{"fraction", 0.1, json.Number("0.1")},
		{"negative", -3.5, json.Number("-3.5")},
		{"zero", 0.0, json.Number("0")},
		{"large_exponent", 1e21, json.Number("1e+21")},
		{"small_exponent", 1e-7, json.Number("1e-7")},
		{"max_safe_int", float64(1<<53 - 1), json.Number("9007199254740991")},
		{"int", 7, json.Number("7")},
		{"int64", int64(-9), json.Number("-9")},
		{"uint64", uint64(1 << 60), json.Number("1152921504606846976")},
		{"float32", float32(0.5), json.Number("0.5")},
		{"json_number_kept", json.Number("1.50"), json.Number("1.50")},
		{"string_kept", "1", "1"},
		{"inf_kept", math.Inf(1), math.Inf(1)},
		{"nested", map[string]any{"a": []any{1.0, map[string]any{"b": 2.0}}, "s": "x"},
			map[string]any{"a": []any{json.Number("1"), map[string]any{"b": json.Number("2")}}, "s": "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Numbers(tc.in))
		})
	}
}

// TestNumbersMatchesEncodingJSON: the text is what encoding/json writes
// for the float64, so that decoding it with UseNumber gives the same
// json.Number.
func TestNumbersMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.1, 1e20, 1e21, 123456789012345678, 1e-6, 1e-7, 5e-324, math.MaxFloat64, 2.5e-8, 12.5} {
		b, err := json.Marshal(f)
		require.NoError(t, err)
		require.Equal(t, json.Number(b), Numbers(f), "%v", f)
	}
}

func TestNumbersDoesNotModifyInput(t *testing.T) {
	inner := map[string]any{"n": 1.0}
	arr := []any{2.0, "x"}
	untouched := map[string]any{"s": "y"}
	in := map[string]any{"inner": inner, "arr": arr, "u": untouched}
	out := NumbersMap(in)
	require.Equal(t, 1.0, inner["n"])
	require.Equal(t, 2.0, arr[0])
	require.Equal(t, json.Number("1"), out["inner"].(map[string]any)["n"])
	require.Equal(t, json.Number("2"), out["arr"].([]any)[0])
	// Unchanged sub-trees are shared, an unchanged map is returned as is.
	require.Equal(t, map[string]any{"s": "y"}, out["u"])
	same := map[string]any{"s": "x", "n": json.Number("1")}
	require.Equal(t, same, NumbersMap(same))
	// Cyclic Go values terminate.
	cyc := map[string]any{}
	cyc["self"] = cyc
	require.NotPanics(t, func() { NumbersMap(cyc) })
}
