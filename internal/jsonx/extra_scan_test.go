package jsonx

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestScanExtraMatchesDecoding: the single-pass scan of unknown members
// gives what decoding into map[string]json.RawMessage gives, or defers.
func TestScanExtraMatchesDecoding(t *testing.T) {
	known := map[string]bool{"a": true, "b": true}
	for _, doc := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":1,"x":{"y":[1,2,{"z":null}]},"b":"s"}`,
		`{"x" : "v\"w" , "y":  [ ] ,"z":true}`, `{"x":1,"x":2}`, `{"é":"ü","a":-1.5e3}`,
		`{"\u0061":1,"x":2}`, `null`, `[1]`, "{\"x\":\"\xff\"}", `{"x":1e400}`,
	} {
		var all map[string]json.RawMessage
		want := map[string]json.RawMessage{}
		if err := json.Unmarshal([]byte(doc), &all); err == nil {
			for k, v := range all {
				if !known[k] {
					want[k] = v
				}
			}
		}
		got, ok := scanExtra([]byte(doc), known)
		if !ok {
			continue // encoding/json decides
		}
		if got == nil {
			got = map[string]json.RawMessage{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", doc, got, want)
		}
	}
	if _, ok := scanExtra([]byte(`{"\u0061":1}`), known); ok {
		t.Error("escaped member name not deferred")
	}
}
