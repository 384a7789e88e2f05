package sdjwt

import (
	"encoding/base64"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ocmw/wstack/internal/jsonx"
)

// parseDisclosureGeneral is parseDisclosure's general path alone (Decode
// into []any, then the shape checks): the reference the fast path is
// compared with.
func parseDisclosureGeneral(raw string, lim Limits) (*Disclosure, error) {
	if len(raw) > lim.MaxSize {
		return nil, ErrTooLarge
	}
	b, err := strictB64.DecodeString(raw)
	if err != nil {
		return nil, err
	}
	v, err := jsonx.Decode(b, jsonx.Limits{MaxBytes: lim.MaxSize, MaxDepth: lim.MaxDepth})
	if err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) < 2 || len(arr) > 3 {
		return nil, ErrDisclosure
	}
	d := &Disclosure{Raw: raw, IsArrayElement: len(arr) == 2, Value: arr[len(arr)-1]}
	if d.Salt, ok = arr[0].(string); !ok {
		return nil, ErrDisclosure
	}
	if len(arr) == 3 {
		if d.Name, ok = arr[1].(string); !ok {
			return nil, ErrDisclosure
		}
	}
	return d, nil
}

var disclosureJSONSeeds = []string{
	`["s","n",1]`, ` [ "s" , "n" , {"a":[1,2]} ] `, `["s",1]`, `["s","v"]`, `["s","n"]`, `["s"]`, `[]`, `["s","n",1,2]`,
	`["s","n",]`, `["s" "n",1]`, `[1,"n",2]`, `["s",2,3]`, `["s","n",{"a":1,"a":2}]`, `["s","n",[[[[1]]]]]`,
	`["\u0073","\n",null]`, "[\"s\xff\",\"n\",1]", `["s","n",1]x`, `["s","n",{}]`, `["s",{"...":"x"}]`, `{"a":1}`,
	`["2GLC42sKQveCfGfryNRN9w","given_name","John"]`, `["lklxF5jMYlGTPUovMNIvCA","FR"]`, `["s","_sd",1]`, `["s","...",1]`,
}

func checkParseDisclosure(t *testing.T, js []byte, lim Limits) {
	t.Helper()
	raw := base64.RawURLEncoding.EncodeToString(js)
	got, err := ParseDisclosure(raw, lim)
	want, errW := parseDisclosureGeneral(raw, lim.norm())
	if (err == nil) != (errW == nil) {
		t.Fatalf("%q: ParseDisclosure err %v, general path err %v", js, err, errW)
	}
	if err == nil && !cmp.Equal(want, got) {
		t.Fatalf("%q: %s", js, cmp.Diff(want, got))
	}
}

// TestParseDisclosureFastPathMatchesGeneral: parseDisclosure's unboxed
// fast path accepts and decodes exactly what the general path does.
func TestParseDisclosureFastPathMatchesGeneral(t *testing.T) {
	for _, s := range disclosureJSONSeeds {
		for _, lim := range []Limits{{}, {MaxDepth: 1}, {MaxDepth: 2}, {MaxSize: 16}} {
			checkParseDisclosure(t, []byte(s), lim)
		}
	}
}

func FuzzParseDisclosureFastPath(f *testing.F) {
	for _, s := range disclosureJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		checkParseDisclosure(t, js, Limits{})
	})
}
