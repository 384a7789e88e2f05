package sdjwt

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// checkAppendJSON: appendJSON writes exactly encodeJSON's bytes, or fails
// where it fails.
func checkAppendJSON(t *testing.T, v any) {
	t.Helper()
	want, werr := encodeJSON(v)
	got, gerr := appendJSON(nil, v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("%#v: encodeJSON error %v, appendJSON error %v", v, werr, gerr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("%#v:\nappendJSON %s\nencodeJSON %s", v, got, want)
	}
}

// TestAppendJSONMatchesEncodeJSON: the fast disclosure/payload encoder of
// issue #18 produces encoding/json's bytes for every kind of claim value,
// including the escapes and float forms where hand-written encoders differ.
func TestAppendJSONMatchesEncodeJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
	}{
		{"null", nil},
		{"true", true},
		{"ascii", "value number 1"},
		{"html is not escaped", "<a href='x'>&</a>"},
		{"quote and backslash", `a"b\c`},
		{"control characters", "\x00\x01\b\f\n\r\t\x1f\x7f"},
		{"line and paragraph separators", "a\u2028b\u2029c"},
		{"invalid utf-8", "a\xffb\xc3"},
		{"non-ascii", "Müller 日本 🎉"},
		{"ints", []any{0, -1, int64(math.MaxInt64), int32(-5), uint64(math.MaxUint64)}},
		{"floats", []any{0.0, math.Copysign(0, -1), 1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, -2.5e-300, math.MaxFloat64, 5e-324}},
		{"NaN", math.NaN()},
		{"Inf in an array", []any{1, math.Inf(-1)}},
		{"nested", map[string]any{"z": 1, "a": []any{map[string]any{"k": "v"}, nil}, "é": "x", "": true}},
		{"nil map and slice", []any{map[string]any(nil), []any(nil)}},
		{"fallback types", []any{json.Number("12.50"), time.Unix(0, 0).UTC(), map[string]string{"b": "1", "a": "2"}, []string{"x"}, json.RawMessage(`{"a" : 1}`)}},
	} {
		t.Run(c.name, func(t *testing.T) { checkAppendJSON(t, c.v) })
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("plain", 1.5, int64(3), true)
	f.Add("\u2028<\x00\xff", 1e-7, int64(-9), false)
	f.Add("", 1e21, int64(0), true)
	f.Fuzz(func(t *testing.T, s string, x float64, n int64, b bool) {
		checkAppendJSON(t, []any{s, x, n, b, map[string]any{s: x, "n": n}})
	})
}

// TestAppendJSONStringEveryOffset: the eight-byte fast path of
// appendJSONString hands every byte that needs escaping or UTF-8 handling
// to the byte loop, wherever it falls relative to the eight-byte steps.
func TestAppendJSONStringEveryOffset(t *testing.T) {
	for _, special := range []string{`"`, `\`, "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\xff", "\xe2\x80", "🎉"} {
		for n := 0; n <= 20; n++ {
			for at := 0; at <= n; at++ {
				s := strings.Repeat("a", at) + special + strings.Repeat("b", n-at)
				checkAppendJSON(t, s)
			}
		}
	}
}
