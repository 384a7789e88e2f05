package pex_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation/internal/match"
	"github.com/ocmw/wstack/presentation/pex"
)

// Rows 51–55 of security.md at the definition level: every bad path or
// filter is a typed compile error, never a crash or a fetch.
func TestSecurityRows(t *testing.T) {
	field := func(path, filter string) string {
		p, _ := json.Marshal(path)
		f := ""
		if filter != "" {
			f = `,"filter":` + filter
		}
		return oneField(`{"path":[` + string(p) + `]` + f + `}`)
	}
	tests := []struct {
		name string
		def  string
		want []error
	}{
		{"row51_nested_parens_6MB", field("$["+strings.Repeat("(", 3_000_000)+"]", ""), []error{pex.ErrInvalidDefinition, pex.ErrLimit}},
		{"row51_nested_parens_short", field("$["+strings.Repeat("(", 200)+"]", ""), []error{pex.ErrInvalidPath, match.ErrJSONPathUnsupported}},
		{"row51_long_path", field("$"+strings.Repeat(".a", 400), ""), []error{pex.ErrInvalidPath, match.ErrJSONPathLimit}},
		{"row52_many_descendants", field("$..a..a..a..a..a", ""), []error{pex.ErrInvalidPath, match.ErrJSONPathLimit}},
		{"row53_script", field("$[(@.length-1)]", ""), []error{pex.ErrInvalidPath, match.ErrJSONPathUnsupported}},
		{"row53_filter_expression", field("$.a[?(@.b=='x' || @.c)]", ""), []error{pex.ErrInvalidPath, match.ErrJSONPathUnsupported}},
		{"row54_file_ref", field("$.a", `{"$ref":"file:///etc/passwd"}`), []error{pex.ErrInvalidFilter, match.ErrExternalRef}},
		{"row54_private_ip_ref", field("$.a", `{"$ref":"https://10.0.0.1/"}`), []error{pex.ErrInvalidFilter, match.ErrExternalRef}},
		{"row54_remote_schema", field("$.a", `{"$schema":"https://evil.example/s","type":"string"}`), []error{pex.ErrInvalidFilter, match.ErrExternalRef}},
		{"row54_billion_laughs", field("$.a", billionLaughs(20)), []error{pex.ErrInvalidFilter, match.ErrFilter}},
		{"deep_definition", `{"id":"d","frame":` + strings.Repeat(`{"a":`, 60) + `1` + strings.Repeat(`}`, 60) + `,"input_descriptors":[{"id":"a","constraints":{}}]}`, []error{pex.ErrLimit, jsonx.ErrTooDeep}},
		{"duplicate_member", `{"id":"d","id":"e","input_descriptors":[{"id":"a","constraints":{}}]}`, []error{pex.ErrSchema, jsonx.ErrDuplicateMember}},
		{"not_json", `{"id":`, []error{pex.ErrInvalidDefinition}},
		{"missing_constraints", `{"id":"d","input_descriptors":[{"id":"a"}]}`, []error{pex.ErrSchema}},
		{"limit_disclosure_bool", `{"id":"d","input_descriptors":[{"id":"a","constraints":{"limit_disclosure":true}}]}`, []error{pex.ErrSchema}},
		{"predicate_without_filter", oneField(`{"path":["$.a"],"predicate":"required"}`), []error{pex.ErrSchema}},
		{"count_zero", `{"id":"d","submission_requirements":[{"rule":"pick","count":0,"from":"A"}],"input_descriptors":[{"id":"a","group":["A"],"constraints":{}}]}`, []error{pex.ErrSchema}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := pex.ParseDefinition([]byte(tc.def))
			if err == nil {
				_, err = pex.Compile(d)
			}
			require.Error(t, err)
			require.ErrorIs(t, err, pex.ErrInvalidDefinition)
			for _, w := range tc.want {
				require.ErrorIs(t, err, w)
			}
		})
	}
}

func billionLaughs(n int) string {
	var b strings.Builder
	b.WriteString(`{"definitions":{"l0":{"type":"string"}`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `,"l%d":{"allOf":[{"$ref":"#/definitions/l%d"},{"$ref":"#/definitions/l%d"}]}`, i, i-1, i-1)
	}
	fmt.Fprintf(&b, `},"$ref":"#/definitions/l%d"}`, n)
	return b.String()
}

func TestRow52DeepCredentialIsBounded(t *testing.T) {
	c := parseCompile(t, oneField(`{"path":["$..a..a"],"filter":{"const":"never"}}`))
	var v any = "leaf"
	for range 40 {
		v = map[string]any{"a": v, "b": []any{v}}
	}
	cred := bank1()
	cred.Claims = map[string]any{"x": v}
	start := time.Now()
	_, err := c.MatchDescriptor(context.Background(), "a", cred)
	require.ErrorIs(t, err, pex.ErrFieldNotMatched)
	require.Less(t, time.Since(start), 15*time.Second)
}

func TestRow55Regexp(t *testing.T) {
	c := parseCompile(t, oneField(`{"path":["$.iss"],"filter":{"type":"string","pattern":"^(a+)+$"}}`))
	cred := bank1()
	cred.Claims["iss"] = strings.Repeat("a", 200000) + "!"
	start := time.Now()
	_, err := c.MatchDescriptor(context.Background(), "a", cred)
	require.ErrorIs(t, err, pex.ErrFieldNotMatched)
	// A backtracking engine would not finish on this input in years; RE2
	// takes milliseconds. The bound is generous so that a loaded CI machine
	// under -race does not make it flaky.
	require.Less(t, time.Since(start), 30*time.Second)
}
