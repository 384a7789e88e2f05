package dcql_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
)

// TestVerifyWrapsFailures: the error of a vp_token that misses required
// credentials wraps every per-presentation failure, decoding and matching
// alike, and names them.
func TestVerifyWrapsFailures(t *testing.T) {
	ctx := context.Background()
	q, err := dcql.Parse([]byte(`{"credentials":[
	  {"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["` + vctPID + `"]}},
	  {"id":"mdl","format":"mso_mdoc","meta":{"doctype_value":"org.iso.18013.5.1.mDL"}}]}`))
	require.NoError(t, err)
	c, err := dcql.Compile(q)
	require.NoError(t, err)
	fail := map[string]error{"pid": presentation.ErrSignature, "mdl": presentation.ErrRevoked}
	dec := dcql.DecoderFunc(func(_ context.Context, _ vocab.Format, p any) (*presentation.Credential, error) {
		s, _ := p.(string)
		if e, ok := fail[s]; ok {
			return nil, fmt.Errorf("decoding %s: %w", s, e)
		}
		return nil, errors.New("unknown")
	})
	tok := dcql.VPToken{}
	for _, cq := range c.Query().Credentials {
		tok[cq.ID] = []any{cq.ID}
	}
	v, err := c.Verify(ctx, tok, dec)
	require.ErrorIs(t, err, dcql.ErrMissingCredential)
	require.ErrorIs(t, err, presentation.ErrSignature)
	require.ErrorIs(t, err, presentation.ErrRevoked)
	require.Len(t, v.Failures, len(tok))
	require.Contains(t, err.Error(), "pid[0]: decoding pid: "+presentation.ErrSignature.Error())
	require.Equal(t, dcql.CodeInvalidRequest, dcql.Code(err))
}
