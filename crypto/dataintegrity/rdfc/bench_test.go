package rdfc

import (
	"context"
	"os"
	"testing"
)

// BenchmarkCanonicalize measures RDFC-1.0 alone (no JSON-LD) on W3C test
// inputs: a small dataset with unique hashes (test059), one that needs
// N-degree hashing (test044 "evil (1)"), and the poison clique failing at
// the default work cap (test074).
func BenchmarkCanonicalize(b *testing.B) {
	for _, n := range []string{"059", "044", "074"} {
		in, err := os.ReadFile("testdata/rdfc10/test" + n + "-in.nq")
		if err != nil {
			b.Fatal(err)
		}
		q, err := ParseNQuads(in, ParseOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("test"+n, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_, err := Canonicalize(context.Background(), q, Options{})
				if err != nil && n != "074" {
					b.Fatal(err)
				}
			}
		})
	}
}
