package dataintegrity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
)

func testLoader(t testing.TB) *contexts.Loader {
	t.Helper()
	ex, err := os.ReadFile("testdata/contexts/credentials-examples-v2.jsonld")
	require.NoError(t, err)
	l, err := contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{
		"https://www.w3.org/ns/credentials/examples/v2": ex,
	}})
	require.NoError(t, err)
	return l
}

func readJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestCanonicalDocumentVector(t *testing.T) {
	c, err := NewCanonicalizer(testLoader(t), rdfcDefaults())
	require.NoError(t, err)
	doc := readJSON(t, "testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json")
	delete(doc, "proof")
	got, err := c.Canonicalize(context.Background(), doc)
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/vc-di-eddsa/canonDoc.txt")
	require.NoError(t, err)
	require.Equal(t, string(want), got)
	h := sha256.Sum256([]byte(got))
	require.Equal(t, "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017", hex.EncodeToString(h[:]))
}
