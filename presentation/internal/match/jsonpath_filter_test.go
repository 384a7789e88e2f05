package match

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var filterDoc = map[string]any{
	"credentialSubject": map[string]any{
		"degrees": []any{
			map[string]any{"type": "BachelorDegree", "name": "BSc", "year": 2015.0, "honours": true, "meta": map[string]any{"level": 6.0}},
			map[string]any{"type": "MasterDegree", "name": "MSc", "year": json.Number("2018"), "honours": false, "advisor": nil},
			map[string]any{"type": "DoctoralDegree", "name": "PhD", "year": 2022.0, "tags": []any{"x", "y"}},
			"not an object",
		},
		"byName": map[string]any{"b": map[string]any{"v": 2.0}, "a": map[string]any{"v": 1.0}},
	},
}

func names(t *testing.T, expr string) []any {
	t.Helper()
	p, err := CompileJSONPath(expr)
	require.NoError(t, err, expr)
	var out []any
	require.NoError(t, p.Eval(filterDoc, func(v any, loc []any) bool {
		require.Equal(t, mustJSON(v), mustJSON(follow(filterDoc, loc)))
		out = append(out, v)
		return true
	}))
	// First agrees with Eval.
	fv, _, ok, err := p.First(filterDoc)
	require.NoError(t, err)
	require.Equal(t, len(out) > 0, ok)
	if ok {
		require.Equal(t, out[0], fv)
	}
	return out
}

func TestJSONPathFilters(t *testing.T) {
	d := "$.credentialSubject.degrees"
	for _, tc := range []struct {
		name string
		expr string
		want []any
	}{
		{"deployed_type_eq", d + "[?(@.type=='BachelorDegree')].name", []any{"BSc"}},
		{"double_quotes", d + `[?(@.type=="MasterDegree")].name`, []any{"MSc"}},
		{"bracket_member", d + "[?(@['type'] == 'DoctoralDegree')].name", []any{"PhD"}},
		{"no_parens_rfc9535", d + "[?@.type=='DoctoralDegree'].name", []any{"PhD"}},
		{"spaces", d + "[? ( @.type  ==  'BachelorDegree' ) ].name", []any{"BSc"}},
		{"ne_includes_missing_and_non_objects", d + "[?(@.type!='BachelorDegree')].name", []any{"MSc", "PhD"}},
		{"number_gt_mixed_representations", d + "[?(@.year>2016)].name", []any{"MSc", "PhD"}},
		{"number_ge", d + "[?(@.year>=2018)].name", []any{"MSc", "PhD"}},
		{"number_lt", d + "[?(@.year<2018)].name", []any{"BSc"}},
		{"number_le_json_number", d + "[?(@.year<=2018.0)].name", []any{"BSc", "MSc"}},
		{"number_eq_exponent", d + "[?(@.year==2.015e3)].name", []any{"BSc"}},
		{"bool_true", d + "[?(@.honours==true)].name", []any{"BSc"}},
		{"bool_false", d + "[?(@.honours == false)].name", []any{"MSc"}},
		{"null_eq", d + "[?(@.advisor==null)].name", []any{"MSc"}},
		{"null_le_is_eq", d + "[?(@.advisor<=null)].name", []any{"MSc"}},
		{"nested_member", d + "[?(@.meta.level==6)].name", []any{"BSc"}},
		{"nested_index", d + "[?(@.tags[1]=='y')].name", []any{"PhD"}},
		{"string_order", d + "[?(@.name<'N')].name", []any{"BSc", "MSc"}},
		{"string_vs_number_never_ordered", d + "[?(@.name>1)].name", nil},
		{"missing_member_never_eq", d + "[?(@.nope=='x')]", nil},
		{"object_vs_literal", d + "[?(@.meta==6)]", nil},
		{"current_node", d + "[?(@=='not an object')]", []any{"not an object"}},
		{"object_children_sorted", "$.credentialSubject.byName[?(@.v>0)].v", []any{1.0, 2.0}},
		{"filter_on_scalar_selects_nothing", "$.credentialSubject.degrees[0].name[?(@=='BSc')]", nil},
		{"two_filters_object_members", d + "[?(@.year>2016)][?(@=='PhD')]", []any{"PhD"}},
		{"filter_then_wildcard", d + "[?(@.type=='DoctoralDegree')].tags[*]", []any{"x", "y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, names(t, tc.expr))
		})
	}
}

func TestJSONPathFilterRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		expr string
		want error
	}{
		{"existence_test", "$.a[?(@.b)]", ErrJSONPathUnsupported},
		{"logical_and", "$.a[?(@.b=='x' && @.c==1)]", ErrJSONPathUnsupported},
		{"logical_or", "$.a[?(@.b=='x' || @.c==1)]", ErrJSONPathUnsupported},
		{"negation", "$.a[?(!@.b)]", ErrJSONPathUnsupported},
		{"literal_left", "$.a[?('x'==@.b)]", ErrJSONPathUnsupported},
		{"path_right", "$.a[?(@.b==@.c)]", ErrJSONPathUnsupported},
		{"root_ref", "$.a[?(@.b==$.c)]", ErrJSONPathUnsupported},
		{"function", "$.a[?(length(@.b)==1)]", ErrJSONPathUnsupported},
		{"regex_op", "$.a[?(@.b =~ /x/)]", ErrJSONPathUnsupported},
		{"single_eq", "$.a[?(@.b='x')]", ErrJSONPathUnsupported},
		{"nested_parens", "$.a[?((@.b=='x'))]", ErrJSONPathUnsupported},
		{"unclosed_paren", "$.a[?(@.b=='x']", ErrJSONPathUnsupported},
		{"unterminated", "$.a[?(@.b=='x'", ErrJSONPathUnsupported},
		{"unterminated_string", "$.a[?(@.b=='x)]", ErrJSONPath},
		{"bad_number", "$.a[?(@.b==01)]", ErrJSONPathUnsupported},
		{"bad_number_dot", "$.a[?(@.b==1.)]", ErrJSONPath},
		{"huge_number", "$.a[?(@.b==1e999)]", ErrJSONPath},
		{"keyword_prefix", "$.a[?(@.b==truex)]", ErrJSONPathUnsupported},
		{"in_union", "$.a[0,?(@.b==1)]", ErrJSONPathUnsupported},
		{"union_after", "$.a[?(@.b==1),0]", ErrJSONPathUnsupported},
		{"descendant_filter", "$..[?(@.b==1)]", ErrJSONPathUnsupported},
		{"wildcard_in_filter_path", "$.a[?(@.*==1)]", ErrJSONPathUnsupported},
		{"negative_index_in_filter_path", "$.a[?(@[-1]==1)]", ErrJSONPathUnsupported},
		{"slice_in_filter_path", "$.a[?(@[0:1]==1)]", ErrJSONPathUnsupported},
		{"script_in_filter_path", "$.a[?(@[(1)]==1)]", ErrJSONPathUnsupported},
		{"filter_path_too_long", "$.a[?(@" + strings.Repeat(".b", maxFilterPath+1) + "==1)]", ErrJSONPathLimit},
		{"too_many_filters", "$" + strings.Repeat("[?(@.b==1)]", MaxFilters+1), ErrJSONPathLimit},
		{"control_char", "$.a[?(@.b=='\x01')]", ErrJSONPath},
		{"bad_escape", `$.a[?(@.b=='\u0041')]`, ErrJSONPathUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompileJSONPath(tc.expr)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

// TestJSONPathFilterWorkBounded: a filter over a large array costs at
// least one unit per element tested, under both the per-expression step
// limit and the evaluation budget.
func TestJSONPathFilterWorkBounded(t *testing.T) {
	arr := make([]any, MaxSteps)
	for i := range arr {
		arr[i] = map[string]any{"a": map[string]any{"b": float64(i)}}
	}
	doc := map[string]any{"x": arr}
	p, err := CompileJSONPath("$.x[?(@.a.b==-1)]")
	require.NoError(t, err)
	err = p.Eval(doc, func(any, []any) bool { return true })
	require.ErrorIs(t, err, ErrTooMuchWork)
	_, _, _, err = p.First(doc)
	require.ErrorIs(t, err, ErrTooMuchWork)

	m := NewMeter(context.Background(), NewPool(1000))
	_, _, ok, err := p.FirstMeter(doc, m)
	require.False(t, ok)
	require.True(t, errors.Is(err, ErrBudget), "%v", err)
}
