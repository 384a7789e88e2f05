package match

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFastPathCoversPEFilters(t *testing.T) {
	values := []any{"did:example:123", "1999-05-16", 2500000.0, 3.0, true, []any{"VerifiableCredential", "DriversLicense"},
		[]any{map[string]any{"id": "https://bank-standards.example.com#accounts"}, map[string]any{"id": "https://bank-standards.example.com#investments"}}}
	for _, tc := range []struct {
		filter string
		fast   bool
	}{
		{`{"type":"string","pattern":"did:example:123|did:example:456"}`, true},
		{`{"type":"string","const":"https://eu.com/claims/DriversLicense.json"}`, true},
		{`{"type":"string","format":"date"}`, true},
		{`{"type":"string","format":"date","formatMaximum":"1999-06-15"}`, true},
		{`{"type":"number","minimum":1000000}`, true},
		{`{"type":"array","contains":{"const":"DriversLicense"}}`, true},
		{`{"allOf":[{"type":"array","contains":{"type":"object","properties":{"id":{"type":"string","pattern":"#accounts"}},"required":["id"]}}]}`, true},
		{`{"type":"boolean","pattern":"true"}`, true},
		{`{"enum":["a",1,true,null]}`, true},
		{`{"type":"string","forrmatMaximum":"1999-05-16"}`, false}, // unknown keyword: validator decides
		{`{"$ref":"#/definitions/a","definitions":{"a":{}}}`, false},
		{`{"maximum":0.1}`, false}, // not the shortest decimal of its float64? it is: stays fast
	} {
		f, err := CompileFilter(json.RawMessage(tc.filter))
		require.NoError(t, err, tc.filter)
		if tc.filter == `{"maximum":0.1}` {
			require.NotNil(t, f.fast, "0.1 is the shortest decimal of its float64")
		} else {
			require.Equal(t, tc.fast, f.fast != nil, tc.filter)
		}
		for _, v := range values {
			if f.fast != nil {
				got, decided := f.fast.match(v)
				require.True(t, decided)
				require.Equal(t, f.s.Validate(v) == nil, got, "%s on %v", tc.filter, v)
			}
		}
	}
	f, err := CompileFilter(json.RawMessage(`{"minimum":0.30000000000000000001}`))
	require.NoError(t, err)
	require.Nil(t, f.fast, "a bound that is not the shortest decimal of a float64 goes to the validator")
	require.True(t, f.Match(0.31))
	require.False(t, f.Match(0.3))
}
