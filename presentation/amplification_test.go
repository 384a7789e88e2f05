package presentation_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// integerVP signs a jwt_vp_json whose vp carries one array of n small
// integers ("1,1,1,…").
func integerVP(t testing.TB, w *world, n int) string {
	t.Helper()
	arr := make([]any, n)
	for i := range arr {
		arr[i] = 1
	}
	vc := w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{})
	p := &w3c.Presentation{
		Context: w3c.One[any](w3c.ContextV1), Type: w3c.One("VerifiablePresentation"),
		Holder: &w3c.Issuer{ID: w.holder.DID}, VerifiableCredential: w3c.One[any](vc),
		Extra: map[string]any{"padding": arr},
	}
	tok, err := w3c.SignPresentationJWT(context.Background(), w.holder.Signer, p, w3c.PresentationSignOptions{
		Audience: audience, Nonce: nonce, Now: now, Header: w.holder.Header(),
	})
	require.NoError(t, err)
	return tok
}

// Issue #10 item 5: a validly signed 989 KB jwt_vp_json whose vp holds
// 380,000 integers (under the 1 MiB size limit) used to be decoded twice
// into Go values, allocating 88 MB (runtime.MemStats.TotalAlloc around
// VerifyPresentation; 252 MB peak reported in the issue). The value-count
// gate of the JOSE parse rejects it before any Go value is built; the
// check allocates at most a few MB (asserted: under 8 MiB, which the old
// path exceeded tenfold).
func TestPresentationJSONAmplificationRejected(t *testing.T) {
	w := newWorld(t)
	tok := integerVP(t, w, 380_000)
	require.InDelta(t, 1_013_000, len(tok), 20_000, "the token of the issue's shape")
	v := w.validator()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := v.VerifyPresentation(context.Background(), vocab.FormatJWTVPJSON, tok, presentation.PresentationOptions{Nonce: nonce, Audience: audience})
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, presentation.ErrPresentation)
	require.ErrorIs(t, err, jose.ErrTooLarge)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("rejected %d-byte token after allocating %d bytes", len(tok), alloc)
	require.Less(t, alloc, uint64(8<<20))

	// The same shape within the value limit still verifies.
	ok := integerVP(t, w, 20_000)
	_, err = v.VerifyPresentation(context.Background(), vocab.FormatJWTVPJSON, ok, presentation.PresentationOptions{Nonce: nonce, Audience: audience})
	require.NoError(t, err)
}

func BenchmarkVerifyPresentationAmplified(b *testing.B) {
	w := newWorld(b)
	tok := integerVP(b, w, 380_000)
	v := w.validator()
	b.ReportAllocs()
	for b.Loop() {
		// Rejected (jose.ErrTooLarge) since the value-count gate.
		v.VerifyPresentation(context.Background(), vocab.FormatJWTVPJSON, tok, presentation.PresentationOptions{Nonce: nonce, Audience: audience})
	}
}
