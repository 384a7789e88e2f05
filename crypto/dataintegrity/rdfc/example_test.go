package rdfc_test

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
)

// Example canonicalises a small dataset given as N-Quads: blank node labels
// are replaced by canonical ones and the lines are sorted.
func Example() {
	in := []byte(`_:x <http://example.org/vocab#next> _:y .
<http://example.org/vocab#test> <http://example.org/vocab#A> _:x .
`)
	quads, err := rdfc.ParseNQuads(in, rdfc.ParseOptions{})
	if err != nil {
		panic(err)
	}
	res, err := rdfc.Canonicalize(context.Background(), quads, rdfc.Options{MaxWork: 1000})
	if err != nil {
		panic(err)
	}
	fmt.Print(res.NQuads)
	// Output:
	// <http://example.org/vocab#test> <http://example.org/vocab#A> _:c14n1 .
	// _:c14n1 <http://example.org/vocab#next> _:c14n0 .
}
