package anybox

import (
	"encoding/json"
	"reflect"
	"runtime"
	"strconv"
	"testing"
)

func TestUsable(t *testing.T) {
	if !usable {
		t.Fatal("interface layout check failed: Box falls back to ordinary boxing")
	}
}

// TestBoxIsAny: boxed strings behave exactly as any(s) — type switches,
// assertions, comparisons, reflection, encoding, map keys — across chunks
// and garbage collections.
func TestBoxIsAny(t *testing.T) {
	var b Strings
	var vs []any
	var want []string
	for i := range 1000 {
		s := "value-" + strconv.Itoa(i)
		if i%97 == 0 {
			s = ""
		}
		vs = append(vs, b.Box(s))
		want = append(want, s)
	}
	runtime.GC()
	set := map[any]int{}
	for i, v := range vs {
		switch x := v.(type) {
		case string:
			if x != want[i] {
				t.Fatalf("%d: %q != %q", i, x, want[i])
			}
		default:
			t.Fatalf("%d: type %T", i, v)
		}
		if v != any(want[i]) {
			t.Fatalf("%d: interface comparison", i)
		}
		if rv := reflect.ValueOf(v); rv.Kind() != reflect.String || rv.String() != want[i] {
			t.Fatalf("%d: reflection", i)
		}
		set[v] = i
	}
	if got, _ := set[any("value-5")]; got != 5 {
		t.Fatalf("map lookup: %d", got)
	}
	enc, err := json.Marshal(vs[:3])
	if err != nil || string(enc) != `["","value-1","value-2"]` {
		t.Fatalf("json: %s %v", enc, err)
	}
}

func TestBoxAllocations(t *testing.T) {
	strs := make([]string, 100)
	for i := range strs {
		strs[i] = strconv.Itoa(i)
	}
	sink := make([]any, 100)
	n := testing.AllocsPerRun(20, func() {
		var b Strings
		for i, s := range strs {
			sink[i] = b.Box(s)
		}
	})
	// Chunks of 8, 16, 32, 64 (and the Strings itself if it escapes).
	if n > 5 {
		t.Fatalf("%v allocations for 100 strings", n)
	}
}

func TestReserve(t *testing.T) {
	sink := make([]any, 100)
	n := testing.AllocsPerRun(20, func() {
		var b Strings
		b.Reserve(100)
		for i := range sink {
			sink[i] = b.Box("x")
		}
	})
	if n > 1 {
		t.Fatalf("%v allocations for 100 reserved strings", n)
	}
	var b Strings
	b.Reserve(2)
	for i := range 50 { // past the reserved chunk: default growth
		if v := b.Box(strconv.Itoa(i)); v != any(strconv.Itoa(i)) {
			t.Fatal(i)
		}
	}
}
