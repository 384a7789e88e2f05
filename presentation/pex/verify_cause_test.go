package pex_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// causeWallet decodes like fakeWallet but fails the credentials named in
// fail with the given error, as a format package does for a wrong nonce,
// a bad signature or a revoked credential.
type causeWallet struct {
	fakeWallet
	fail map[string]error
}

func (w causeWallet) Credential(ctx context.Context, f vocab.Format, v any) (*presentation.Credential, error) {
	c, err := w.fakeWallet.Credential(ctx, f, v)
	if err != nil {
		return nil, err
	}
	if e, ok := w.fail[c.ID]; ok {
		return nil, fmt.Errorf("%w: %w", presentation.ErrHolderBinding, e)
	}
	return c, nil
}

// TestVerifyWrapsEntryFailures: when descriptors go unanswered because
// their entries failed, the returned error wraps every entry's failure.
func TestVerifyWrapsEntryFailures(t *testing.T) {
	ctx := context.Background()
	creds := []*presentation.Credential{passport(), euDL(), bank2(), employment(), bank1()}
	w := walletOf(creds...)
	c := compileDef(t, "multi_group_example.json")
	res, err := c.Evaluate(ctx, seq(creds...))
	require.NoError(t, err)
	tok, sub, err := res.Present(ctx, w, pex.PresentOptions{SubmissionID: "sub-1"})
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		fail map[string]error
		want []error
	}{
		{"nonce", map[string]error{"bank1": presentation.ErrNonce}, []error{presentation.ErrNonce}},
		{"audience", map[string]error{"bank1": presentation.ErrAudience}, []error{presentation.ErrAudience}},
		{"signature_and_revoked", map[string]error{"bank1": presentation.ErrSignature, "employment": presentation.ErrRevoked},
			[]error{presentation.ErrSignature, presentation.ErrRevoked}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Verify(ctx, sub, tok, causeWallet{w, tc.fail})
			require.ErrorIs(t, err, pex.ErrSubmissionRejected)
			require.ErrorIs(t, err, pex.ErrUnsatisfiable)
			require.ErrorIs(t, err, presentation.ErrHolderBinding)
			for _, want := range tc.want {
				require.ErrorIs(t, err, want)
				require.Contains(t, err.Error(), want.Error())
			}
		})
	}
}
