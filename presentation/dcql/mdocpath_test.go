package dcql_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation/dcql"
)

// TestMdocPathProcessingError: OpenID4VP 1.0 §7.2 step 1 makes an mdoc
// claims path pointer that is not [namespace, element] (three components,
// or a non-string component) a processing error: the query is valid (§7
// only requires strings, nulls and non-negative integers), the claim does
// not match, and another claim set still can.
func TestMdocPathProcessingError(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		path string
	}{
		{"three_components", `["org.iso.18013.5.1","given_name","x"]`},
		{"index_component", `["org.iso.18013.5.1",0]`},
		{"null_component", `["org.iso.18013.5.1",null]`},
		{"one_component", `["org.iso.18013.5.1"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A value that a JSON pointer would find: the element is an
			// object here, so ["ns","given_name","x"] would select "y"
			// if the mdoc rule were ignored.
			cred := mdl()
			cred.Claims["org.iso.18013.5.1"].(map[string]any)["given_name"] = map[string]any{"x": "y"}

			alone, err := dcql.Parse([]byte(`{"credentials":[{"id":"m","format":"mso_mdoc","meta":{"doctype_value":"org.iso.18013.5.1.mDL"},
				"claims":[{"path":` + tc.path + `}]}]}`))
			require.NoError(t, err, "the query stays valid")
			c, err := dcql.Compile(alone)
			require.NoError(t, err)
			_, err = c.Evaluate(ctx, seq(cred))
			require.ErrorIs(t, err, dcql.ErrUnsatisfiable)
			_, err = c.MatchCredential(ctx, "m", cred)
			require.ErrorIs(t, err, dcql.ErrClaimMissing)

			sets, err := dcql.Parse([]byte(`{"credentials":[{"id":"m","format":"mso_mdoc","meta":{"doctype_value":"org.iso.18013.5.1.mDL"},
				"claims":[{"id":"bad","path":` + tc.path + `},{"id":"good","path":["org.iso.18013.5.1","family_name"]}],
				"claim_sets":[["bad","good"],["good"]]}]}`))
			require.NoError(t, err)
			c, err = dcql.Compile(sets)
			require.NoError(t, err)
			res, err := c.Evaluate(ctx, seq(cred))
			require.NoError(t, err)
			m := res.Selection["m"][0]
			require.Equal(t, 1, m.ClaimSet)
			require.Equal(t, [][]any{{"org.iso.18013.5.1", "family_name"}}, m.Paths)
		})
	}
}
