package match

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"testing"

	pjsonpath "github.com/PaesslerAG/jsonpath"
)

var fuzzDoc = map[string]any{
	"vc": map[string]any{
		"type":              []any{"VerifiableCredential", "X"},
		"credentialSubject": map[string]any{"id": "did:ex:1", "account": []any{map[string]any{"id": "a0"}, map[string]any{"id": "a1"}}},
	},
	"iss":      "did:ex:issuer",
	"@context": []any{"c0"},
	"n":        []any{[]any{1.0, 2.0}, []any{3.0}},
}

// FuzzJSONPath: an expression above the length cap is refused before any
// parsing; an accepted one evaluates within the result cap and selects the
// same values as PaesslerAG/jsonpath, at locations that lead to them.
func FuzzJSONPath(f *testing.F) {
	for _, s := range []string{"$.vc.type", "$.vc.credentialSubject.account[*].id", "$['@context'][0]", "$..id", "$.n[*][0]", "$[\"iss\"]",
		"$..a..a..a", "$[(@.length-1)]", "$[?(@.a)]", "$.a[-1]", "$.*", "$..*", "$.vc['type','credentialSubject']",
		"$.vc.credentialSubject.account[?(@.id=='a1')].id", "$.n[?(@[0]>1)][0]", "$.vc.type[?(@!='X')]", "$[?(@.id<='did:ex:2')]",
		"$.vc[?(@.account[1].id==\"a1\")]", "$.n[*][?@>=2]", "$[?(@==null)]", "$.vc.credentialSubject[?(@ != false)]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := CompileJSONPath(s)
		if len(s) > MaxJSONPathLen {
			if !errors.Is(err, ErrJSONPathLimit) {
				t.Fatalf("over-long expression not refused by the limit: %v", err)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, ErrJSONPath) && !errors.Is(err, ErrJSONPathUnsupported) && !errors.Is(err, ErrJSONPathLimit) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var ours []string
		var firstLoc []any
		n := 0
		err = p.Eval(fuzzDoc, func(v any, loc []any) bool {
			if n == 0 {
				firstLoc = slices.Clone(loc)
			}
			n++
			got := follow(fuzzDoc, loc)
			if mustJSON(got) != mustJSON(v) {
				t.Fatalf("location %v does not lead to the value", loc)
			}
			ours = append(ours, mustJSON(v))
			return true
		})
		if n > MaxResults {
			t.Fatalf("%d results > cap", n)
		}
		if err != nil {
			return
		}
		fv, floc, fok, ferr := p.First(fuzzDoc)
		if ferr != nil || fok != (len(ours) > 0) {
			t.Fatalf("First disagrees with Eval: ok=%v err=%v, %d results", fok, ferr, len(ours))
		}
		if fok && mustJSON(follow(fuzzDoc, floc)) != mustJSON(fv) {
			t.Fatalf("First location %v does not lead to its value", floc)
		}
		if fok && mustJSON(floc) != mustJSON(firstLoc) {
			t.Fatalf("First found %v, Eval's first result is at %v", floc, firstLoc)
		}
		if hasFilter(p) {
			// PaesslerAG's filter semantics differ from RFC 9535 (missing
			// members, mixed types): check instead that a final filter
			// holds for every result.
			if last := p.segs[len(p.segs)-1]; last.kind == segFilter {
				_ = p.Eval(fuzzDoc, func(v any, _ []any) bool {
					if !last.filter.holds(v) {
						t.Fatalf("%q selected %s, which fails the filter", s, mustJSON(v))
					}
					return true
				})
			}
			return
		}
		theirs, gerr := pjsonpath.Get(p.canonical(), fuzzDoc)
		if gerr != nil {
			if len(ours) != 0 {
				t.Fatalf("PaesslerAG: %v, ours selected %d", gerr, len(ours))
			}
			return
		}
		var tv []string
		if arr, ok := theirs.([]any); ok && !singular(p) {
			for _, v := range arr {
				tv = append(tv, mustJSON(v))
			}
		} else {
			tv = []string{mustJSON(theirs)}
		}
		slices.Sort(ours)
		slices.Sort(tv)
		if !slices.Equal(ours, tv) {
			t.Fatalf("%q: ours %v, PaesslerAG %v", s, ours, tv)
		}
	})
}

func hasFilter(p *JSONPath) bool {
	for _, s := range p.segs {
		if s.kind == segFilter {
			return true
		}
	}
	return false
}

func singular(p *JSONPath) bool {
	for _, s := range p.segs {
		if s.kind != segChild || len(s.sels) != 1 {
			return false
		}
	}
	return true
}

func follow(doc any, loc []any) any {
	cur := doc
	for _, c := range loc {
		switch k := c.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			a, _ := asArray(cur)
			cur = a[k]
		}
	}
	return cur
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzSchemaFilter: compiling any filter never reaches the loader (the stub
// fails the test), and matching never panics.
func FuzzSchemaFilter(f *testing.F) {
	for _, s := range []string{
		`{"type":"string","pattern":"^did:"}`, `{"$ref":"file:///etc/passwd"}`, `{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`,
		`{"contains":{"const":"X"},"minItems":1}`, `{"anyOf":[{"type":"number","minimum":3},{"enum":["a"]}]}`,
		`{"formatMaximum":"2020-01-01"}`, `{"$id":"http://x/","$ref":"y"}`, `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[true]}`,
		`{"properties":{"a":{"$ref":"#"}}}`, `{"allOf":[{"$ref":"#/definitions/x"}],"definitions":{"x":{"not":{}}}}`,
		`{"type":"integer","minimum":0.1}`, `{"enum":[0.1,2.5,[1],{"a":{"a":1}}]}`, `{"type":["string","null"],"maxLength":1}`,
		`{"contains":{"type":"object","properties":{"id":{"pattern":"accounts$"}},"required":["id"]},"minItems":1}`,
		`{"format":"date-time"}`, `{"exclusiveMaximum":4,"exclusiveMinimum":-3}`, `{"not":{"type":"number"},"anyOf":[true,false]}`,
		`{"const":1e21}`, `{"maximum":0.30000000000000004}`, `{"minimum":9.313225746154785e-10}`,
	} {
		f.Add(s)
	}
	values := []any{"did:ex:1", 4.0, 0.1, 2.5, -3.0, 1e21, "", "ä", []any{"X", 1.0}, []any{}, map[string]any{"a": map[string]any{"a": 1.0}},
		map[string]any{"id": "x", "n": 2.0}, nil, true, false, "2019-05-01", "2019-05-01T10:00:00Z", []any{map[string]any{"id": "https://bank-standards.example.com#accounts"}}}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := compileFilter(json.RawMessage(s), func(u string) (io.ReadCloser, error) {
			t.Fatalf("loader reached for %q", u)
			return nil, nil
		})
		if err != nil {
			if !errors.Is(err, ErrFilter) && !errors.Is(err, ErrExternalRef) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, v := range values {
			got := flt.Match(v)
			if flt.fast != nil {
				want := flt.s.Validate(v) == nil
				if got != want {
					t.Fatalf("fast path says %v, validator %v, for %s on %s", got, want, s, mustJSON(v))
				}
			}
		}
	})
}
