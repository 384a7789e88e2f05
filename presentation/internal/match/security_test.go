package match

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	pjsonpath "github.com/PaesslerAG/jsonpath"
	"github.com/stretchr/testify/require"
)

func deepDoc(depth int) any {
	var v any = "leaf"
	for range depth {
		v = map[string]any{"a": v, "b": []any{v}}
	}
	return v
}

func TestRow51NestedParensRejectedBeforeParse(t *testing.T) {
	// ~6 MB of "(" crashes gval with a fatal stack overflow; the length
	// check must refuse it without parsing.
	huge := "$[" + strings.Repeat("(", 3_000_000) + "]"
	_, err := CompileJSONPath(huge)
	require.ErrorIs(t, err, ErrJSONPathLimit)
	// Within the length limit, nesting is refused by the flat grammar.
	_, err = CompileJSONPath("$[" + strings.Repeat("(", 400) + "]")
	require.ErrorIs(t, err, ErrJSONPathUnsupported)
	_, err = CompileJSONPath("$" + strings.Repeat("[0]", 200))
	require.ErrorIs(t, err, ErrJSONPathLimit)
}

func TestRow52DescendantBlowUpBounded(t *testing.T) {
	_, err := CompileJSONPath("$..a..a..a..a..a")
	require.ErrorIs(t, err, ErrJSONPathLimit)
	p, err := CompileJSONPath("$..a..a")
	require.NoError(t, err)
	doc := deepDoc(40)
	start := time.Now()
	n := 0
	err = p.Eval(doc, func(any, []any) bool { n++; return true })
	require.Less(t, time.Since(start), 15*time.Second)
	require.LessOrEqual(t, n, MaxResults)
	require.True(t, err == nil || errors.Is(err, ErrTooManyResults) || errors.Is(err, ErrTooMuchWork), "%v", err)
	require.Error(t, err, "a 40-deep doubling document exceeds the caps")
}

func TestRow53ScriptAndFilterExpressionsRefused(t *testing.T) {
	for _, s := range []string{
		"$[(@.length-1)]", "$..[?(@.a)]", "$.a[?(@.b=='x' && @.c==1)]", "$.a[?(@.b==@.c)]",
		"$[0:2]", "$.length()", "$.a[-1]", "$.a[(1+1)]", "$[?@.a]", "$[?(length(@.a)==1)]",
	} {
		_, err := CompileJSONPath(s)
		require.Error(t, err, s)
		require.True(t, errors.Is(err, ErrJSONPathUnsupported) || errors.Is(err, ErrJSONPath), "%s: %v", s, err)
	}
}

func TestRow54FilterNeverLoadsAnything(t *testing.T) {
	fatal := func(u string) (io.ReadCloser, error) {
		t.Fatalf("loader reached for %q", u)
		return nil, nil
	}
	for name, f := range map[string]string{
		"row54_file_ref":        `{"$ref":"file:///etc/passwd"}`,
		"row54_private_ip_ref":  `{"$ref":"https://10.0.0.1/schema.json"}`,
		"row54_relative_ref":    `{"$ref":"other.json"}`,
		"row54_nested_file_ref": `{"properties":{"a":{"$ref":"file:///etc/shadow#/x"}}}`,
		"row54_remote_schema":   `{"$schema":"https://evil.example/meta","type":"string"}`,
		"row54_id_rebase":       `{"$id":"file:///etc/","$ref":"passwd"}`,
		"row54_dynamic_ref":     `{"$dynamicRef":"https://evil.example/x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := compileFilter(json.RawMessage(f), fatal)
			require.ErrorIs(t, err, ErrExternalRef)
		})
	}
	t.Run("row54_billion_laughs_refs", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"definitions":{"l0":{"type":"string"}`)
		for i := 1; i <= 30; i++ {
			b.WriteString(`,"l` + itoa(i) + `":{"allOf":[{"$ref":"#/definitions/l` + itoa(i-1) + `"},{"$ref":"#/definitions/l` + itoa(i-1) + `"}]}`)
		}
		b.WriteString(`},"$ref":"#/definitions/l30"}`)
		_, err := compileFilter(json.RawMessage(b.String()), fatal)
		require.ErrorIs(t, err, ErrFilter)
	})
	t.Run("row54_deep_allOf", func(t *testing.T) {
		f := strings.Repeat(`{"allOf":[`, 100) + `{}` + strings.Repeat(`]}`, 100)
		_, err := compileFilter(json.RawMessage(f), fatal)
		require.ErrorIs(t, err, ErrFilter)
	})
	t.Run("row54_too_large", func(t *testing.T) {
		f := `{"enum":["` + strings.Repeat("x", MaxFilterBytes) + `"]}`
		_, err := compileFilter(json.RawMessage(f), fatal)
		require.ErrorIs(t, err, ErrFilter)
	})
	t.Run("local_refs_resolve", func(t *testing.T) {
		f, err := compileFilter(json.RawMessage(`{"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s"}`), fatal)
		require.NoError(t, err)
		require.True(t, f.Match("x"))
		require.False(t, f.Match(1.0))
	})
	t.Run("draft07_meta_ref_is_builtin", func(t *testing.T) {
		f, err := compileFilter(json.RawMessage(`{"$ref":"http://json-schema.org/draft-07/schema#"}`), fatal)
		require.NoError(t, err)
		require.True(t, f.Match(map[string]any{"type": "string"}))
	})
}

func TestRow55PatternIsLinear(t *testing.T) {
	f, err := CompileFilter(json.RawMessage(`{"type":"string","pattern":"^(a+)+$"}`))
	require.NoError(t, err)
	in := strings.Repeat("a", 100000) + "!"
	start := time.Now()
	require.False(t, f.Match(in))
	// A backtracking engine would not finish in years; the bound is
	// generous for loaded CI machines under -race.
	require.Less(t, time.Since(start), 30*time.Second, "RE2 is linear")
}

func TestFilterNonJSONValues(t *testing.T) {
	f, err := CompileFilter(json.RawMessage(`{"type":"array","contains":{"const":"X"}}`))
	require.NoError(t, err)
	require.True(t, f.Match([]string{"A", "X"}), "[]string converted, no panic")
	require.False(t, f.Match(struct{}{}), "no JSON form: no match, no panic")
	require.False(t, f.Match(map[string]any{"a": make(chan int)}))
	require.True(t, f.Match([]any{int64(1), "X"}))
}

func TestJSONPathAgreesWithPaesslerAG(t *testing.T) {
	doc := map[string]any{
		"a":    map[string]any{"b": []any{1.0, 2.0, map[string]any{"c": "x"}}},
		"@ctx": "y",
		"list": []any{map[string]any{"id": "i0"}, map[string]any{"id": "i1"}},
	}
	for _, s := range []string{"$.a.b[0]", "$.a.b[2].c", "$['@ctx']", "$.list[*].id", "$.list[1]['id']", "$..c", "$.a.b[0,1]"} {
		p, err := CompileJSONPath(s)
		require.NoError(t, err, s)
		var ours []any
		require.NoError(t, p.Eval(doc, func(v any, _ []any) bool { ours = append(ours, v); return true }))
		theirs, err := pjsonpath.Get(p.canonical(), doc)
		require.NoError(t, err, s)
		if arr, ok := theirs.([]any); ok && (len(ours) != 1 || !isSingle(s)) {
			require.ElementsMatch(t, arr, ours, s)
		} else {
			require.Equal(t, []any{theirs}, ours, s)
		}
	}
}

func isSingle(s string) bool {
	return !strings.Contains(s, "*") && !strings.Contains(s, "..") && !strings.Contains(s, ",")
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
