package vc

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/internal/lru"
)

// Issue #10 item 5: parsed type metadata is kept within MaxCacheBytes
// (documents sized by lru.SizeOf) with least-recently-used eviction.
func TestTypeMetadataParseCacheBudget(t *testing.T) {
	doc := func(name string) []byte {
		return fmt.Appendf(nil, `{"vct":"https://types.example/%s","name":%q}`, name, strings.Repeat("n", 32<<10))
	}
	docs := map[string][]byte{"a": doc("a"), "b": doc("b"), "c": doc("c")}
	md, err := ParseTypeMetadata(docs["a"])
	require.NoError(t, err)
	entry := lru.SizeOf(md) + lru.EntryOverhead
	budget := 2*entry + entry/2
	r := &TypeMetadataResolver{MaxCacheBytes: budget}
	for _, n := range []string{"a", "b", "a", "c"} {
		got, err := r.parse(docs[n])
		require.NoError(t, err)
		require.Equal(t, "https://types.example/"+n, got.VCT)
		require.LessOrEqual(t, r.parsed.Bytes(), budget)
	}
	key := func(n string) [32]byte { return sha256.Sum256(docs[n]) }
	require.Equal(t, [][32]byte{key("c"), key("a")}, r.parsed.Keys(), "b evicted as least recently used")
	// The zero value works with the default budget.
	var z TypeMetadataResolver
	_, err = z.parse(docs["b"])
	require.NoError(t, err)
	require.Equal(t, lru.DefaultMaxBytes, z.parsed.MaxBytes())
}
