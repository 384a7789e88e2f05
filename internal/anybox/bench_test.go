package anybox

import (
	"strconv"
	"testing"
)

var sinkAny []any

// BenchmarkBox: boxing the strings of a decoded document (64 values)
// through Strings against the runtime's one allocation per string.
func BenchmarkBox(b *testing.B) {
	strs := make([]string, 64)
	for i := range strs {
		strs[i] = "value-" + strconv.Itoa(i)
	}
	out := make([]any, len(strs))
	b.Run("Strings", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s Strings
			s.Reserve(len(strs))
			for i, v := range strs {
				out[i] = s.Box(v)
			}
			sinkAny = out
		}
	})
	b.Run("runtime", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, v := range strs {
				out[i] = any(v)
			}
			sinkAny = out
		}
	})
}
