package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// intArray is "[1,1,…,1]" of n values plus the array itself.
func intArray(n int) []byte {
	return []byte("[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]")
}

func TestMaxValues(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		lim  Limits
		want error
	}{
		{"at_limit", intArray(9), Limits{MaxValues: 10}, nil},
		{"over_limit", intArray(10), Limits{MaxValues: 10}, ErrTooManyValues},
		{"members_count_values_not_names", []byte(`{"a":1,"b":2,"c":[3]}`), Limits{MaxValues: 5}, nil},
		{"nested_counted", []byte(`{"a":{"b":{"c":{}}}}`), Limits{MaxValues: 3}, ErrTooManyValues},
		{"default_allows_32768", intArray(DefaultMaxValues - 1), Limits{}, nil},
		{"default_rejects_32769", intArray(DefaultMaxValues), Limits{}, ErrTooManyValues},
		// Issue #10 item 5: 380,000 integers in 760 KB, well under the byte limit.
		{"issue10_380000_integers", intArray(380_000), Limits{}, ErrTooManyValues},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate(c.in, c.lim)
			if c.want == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.want != nil && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%v does not match ErrTooLarge", err)
			}
		})
	}
}

// TestDecodeMemoryBound: a validated document at the value limit, in its
// most amplifying shape (an array of one-digit numbers), decodes within the
// bound documented on DefaultMaxValues, with encoding/json (UseNumber, as
// the JWT claim decoders do) and with Decode. Measured as bytes
// allocated by the decode itself (TotalAlloc, this goroutine only runs).
func TestDecodeMemoryBound(t *testing.T) {
	const bound = 10 << 20
	shapes := map[string][]byte{
		"integers":           intArray(DefaultMaxValues - 1),
		"empty_objects":      []byte("[" + strings.TrimSuffix(strings.Repeat("{},", DefaultMaxValues-1), ",") + "]"),
		"one_member_objects": []byte("[" + strings.TrimSuffix(strings.Repeat(`{"a":1},`, DefaultMaxValues/2-1), ",") + "]"),
	}
	for shape, doc := range shapes {
		t.Run(shape, func(t *testing.T) { decodeWithin(t, doc, bound) })
	}
}

func decodeWithin(t *testing.T, doc []byte, bound uint64) {
	if err := Validate(doc, Limits{}); err != nil {
		t.Fatal(err)
	}
	decoders := map[string]func() (any, error){
		"encoding_json_use_number": func() (any, error) {
			d := json.NewDecoder(bytes.NewReader(doc))
			d.UseNumber()
			var v any
			return v, d.Decode(&v)
		},
		"decode": func() (any, error) { return Decode(doc, Limits{}) },
	}
	for name, dec := range decoders {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			v, err := dec()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(v)
			if err != nil {
				t.Fatal(err)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d values, %d bytes of JSON: %d bytes allocated", DefaultMaxValues, len(doc), alloc)
			if alloc > bound {
				t.Fatalf("decode allocated %d bytes > %d", alloc, bound)
			}
		})
	}
}

func BenchmarkValidateMaxValues(b *testing.B) {
	doc := intArray(DefaultMaxValues - 1)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(doc, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
