package jsonx

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ocmw/wstack/internal/anybox"
)

var disclosureSeeds = append([]string{
	`["s","n",1]`, ` [ "s" , "n" , {"a":[1,2]} ] `, `["s",1]`, `["s","v"]`, `["s","n"]`, `["s"]`, `[]`, `["s","n",1,2]`,
	`["s","n",]`, `["s",]`, `["s" "n",1]`, `[1,"n",2]`, `["s",2,3]`, `["s","n",{"a":1,"a":2}]`, `["s","n",[[[[1]]]]]`,
	`["\u0073","\n",null]`, "[\"s\xff\",\"n\",1]", `["s","n",1]x`, `["s","n",1`, `["s","n",{}]`, `["s",{"_sd":["x"]}]`,
	`["s","n","v"]`, `{"a":1}`, `"s"`, `["s","n",true] `, `["s","n",-1.5e3]`, `[ "s" ]`, `["s","n",{"a":{"b":{"c":1}}}]`,
}, strictSeeds...)

var disclosureLimits = append([]Limits{{MaxDepth: 1}, {MaxValues: 2}, {MaxValues: 4}, {MaxBytes: 11}, {MaxDepth: 3}}, strictLimits...)

// checkDisclosure: whenever DecodeDisclosure reports ok, Decode accepts the
// input and decodes it to the same array; whenever Decode accepts an array
// of that shape, DecodeDisclosure reports ok.
func checkDisclosure(t *testing.T, b []byte, lim Limits) {
	t.Helper()
	var shared anybox.Strings
	for i, alias := range []bool{false, true, false, true} {
		want, err := decodeStrict(b, lim, alias)
		boxes := &shared // the last two rounds box through a shared Strings
		if i < 2 {
			boxes = nil
		}
		s0, s1, v, n, ok := DecodeDisclosure(b, lim, alias, boxes)
		arr, isArr := want.([]any)
		shape := err == nil && isArr && (len(arr) == 2 || len(arr) == 3)
		if shape {
			_, str0 := arr[0].(string)
			_, str1 := arr[1].(string)
			shape = str0 && (len(arr) == 2 || str1)
		}
		if ok != shape {
			t.Fatalf("%q %+v (alias %v): fast path ok %v, Decode %v err %v", b, lim, alias, ok, want, err)
		}
		if !ok {
			continue
		}
		got := []any{s0, v}
		if n == 3 {
			got = []any{s0, s1, v}
		}
		if !reflect.DeepEqual(arr, got) { // linear (cmp.Equal is exponential on deep nesting)
			t.Fatalf("%q (alias %v): %s", b, alias, cmp.Diff(arr, got))
		}
	}
}

func TestDecodeDisclosureMatchesDecode(t *testing.T) {
	for _, s := range disclosureSeeds {
		for _, lim := range disclosureLimits {
			checkDisclosure(t, []byte(s), lim)
		}
	}
}

// FuzzDecodeDisclosure is the differential fuzz target of DecodeDisclosure
// against Decode, under several limits.
func FuzzDecodeDisclosure(f *testing.F) {
	for _, s := range disclosureSeeds {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, l uint8) {
		checkDisclosure(t, b, disclosureLimits[int(l)%len(disclosureLimits)])
	})
}
