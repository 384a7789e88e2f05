package dataintegrity

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/piprate/json-gold/ld"
	"github.com/stretchr/testify/require"
)

// TestProcessedContextCache checks that expansion from a cached processed
// context gives exactly json-gold's own expansion, and that the shared
// cache is safe under concurrent use (run with -race).
func TestProcessedContextCache(t *testing.T) {
	docs := []map[string]any{credential10()}
	for _, p := range []string{
		"testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json",
		"testdata/vc-di-eddsa/Ed25519Signature2020-signedEdSig.json",
		"testdata/vc-di-ecdsa/ecdsa-rdfc-2019-signedECDSAP384.json",
	} {
		docs = append(docs, readJSON(t, p))
	}
	var vp map[string]any
	require.NoError(t, json.Unmarshal([]byte(presV2), &vp))
	docs = append(docs, vp)
	c, err := NewCanonicalizer(testLoader(t), rdfcDefaults())
	require.NoError(t, err)
	for _, d := range docs {
		want, err := ld.NewJsonLdProcessor().Expand(deepCopyJSON(d), c.options(context.Background()))
		require.NoError(t, err)
		for i := 0; i < 2; i++ { // cold, then from the cache
			got, err := c.expand(deepCopyJSON(d), c.options(context.Background()))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(want, got))
		}
	}
	var wg sync.WaitGroup
	results := make([]string, 16)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.Canonicalize(context.Background(), deepCopyJSON(docs[i%len(docs)]))
			if err == nil {
				results[i] = out
			}
		}()
	}
	wg.Wait()
	for i, r := range results {
		require.NotEmpty(t, r, i)
		if i >= len(docs) {
			require.Equal(t, results[i%len(docs)], r)
		}
	}
}
