package dataintegrity

import (
	"context"
	"strings"
	"testing"

	"github.com/piprate/json-gold/ld"
)

// vector15 is the W3C vc-di-eddsa credential without its proof plus ten
// claims, the 15-quad VC of issue #18 (checked by TestVector15Quads).
func vector15(t testing.TB) map[string]any {
	doc := readJSON(t, "testdata/vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json")
	delete(doc, "proof")
	cs := doc["credentialSubject"].(map[string]any)
	cs["degree"] = map[string]any{"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"}
	cs["alumniOf2"] = "Another School"
	cs["graduated"] = true
	cs["year"] = 2021.0
	doc["validUntil"] = "2033-01-01T00:00:00Z"
	return doc
}

func TestVector15Quads(t *testing.T) {
	c, err := NewCanonicalizer(testLoader(t), rdfcDefaults())
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Canonicalize(context.Background(), vector15(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 15 {
		t.Fatalf("%d quads, want 15:\n%s", n, out)
	}
	if _, ok := fastCanon(t, c, vector15(t)); !ok {
		t.Fatal("fast path does not cover the benchmark document")
	}
	if !checkSame(t, c, testLoader(t), "vector15", vector15(t), true) {
		t.Fatal("not compared")
	}
}

// BenchmarkCanonicalize is Canonicalizer.Canonicalize (fast path, RDFC-1.0
// with work cap) on the 15-quad VC, warm (one canonicalizer, contexts
// processed at the first call). Its floor-style reference is
// BenchmarkCanonicalizeJSONGold in this file: the ratio of the two from one
// run is the issue #18 figure (target ≤ 0.5).
func BenchmarkCanonicalize(b *testing.B) {
	doc := vector15(b)
	c, err := NewCanonicalizer(benchLoader(b), rdfcDefaults())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Canonicalize(ctx, doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalizeJSONGold is json-gold's Normalize (URDNA2015, N-Quads
// out) on the same document with the same loader.
func BenchmarkCanonicalizeJSONGold(b *testing.B) {
	doc := vector15(b)
	l := benchLoader(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		opts := ld.NewJsonLdOptions("")
		opts.DocumentLoader = l.DocumentLoader(ctx)
		opts.Algorithm = ld.AlgorithmURDNA2015
		opts.Format = "application/n-quads"
		if _, err := ld.NewJsonLdProcessor().Normalize(deepCopyJSON(doc), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalizeViaJSONGold is the pipeline without the fast path
// (json-gold expansion and toRdf, RDFC-1.0), the pre-fast-path figure.
func BenchmarkCanonicalizeViaJSONGold(b *testing.B) {
	doc := vector15(b)
	c, err := NewCanonicalizer(benchLoader(b), rdfcDefaults())
	if err != nil {
		b.Fatal(err)
	}
	c.noFast = true
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Canonicalize(ctx, doc); err != nil {
			b.Fatal(err)
		}
	}
}
