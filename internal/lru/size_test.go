package lru

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

type sample struct {
	Name  string
	Data  []byte
	Next  *sample
	Extra map[string]any
}

func TestSizeOf(t *testing.T) {
	s := &sample{Name: "abcd", Data: make([]byte, 10, 16)}
	s.Next = s // a cycle is counted once
	tests := []struct {
		name string
		v    any
		min  int64
		max  int64
	}{
		{"nil", nil, 0, 0},
		{"int", 7, 8, 8},
		{"string", "hello", 16 + 5, 16 + 5},
		{"byte slice counts capacity", make([]byte, 1, 1<<20), 24 + 1<<20, 24 + 1<<20},
		// pointer 8 + struct 56 (string 16, slice 24, pointer 8, map 8) + 4 + cap 16
		{"cyclic struct", s, 84, 84},
		// one group of eight 33-byte slots, a 48-byte header, two string bytes
		{"map", map[string]string{"a": "b"}, 8 + 48 + 8*33 + 2, 8 + 48 + 8*33 + 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SizeOf(tc.v)
			require.GreaterOrEqual(t, got, tc.min)
			require.LessOrEqual(t, got, tc.max)
		})
	}
}

// TestSizeOfDecodedJSON checks the estimate against the heap the runtime
// reports for a decoded JSON tree: within a factor of two either way.
func TestSizeOfDecodedJSON(t *testing.T) {
	doc := []byte(`{"a":[`)
	for i := 0; i < 20000; i++ {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = append(doc, `{"id":"urn:x:123456","n":12,"ok":true}`...)
	}
	doc = append(doc, "]}"...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var v any
	require.NoError(t, json.Unmarshal(doc, &v))
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	est := SizeOf(v)
	runtime.KeepAlive(v)
	t.Logf("heap %d, estimate %d", heap, est)
	require.Greater(t, est, heap/2)
	require.Less(t, est, heap*2)
}

func BenchmarkSizeOfList(b *testing.B) {
	l := struct{ data []byte }{make([]byte, 16<<20)}
	for b.Loop() {
		SizeOf(&l)
	}
}
