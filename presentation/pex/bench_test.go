package pex_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
)

// benchDefinition is a typical verifier request: one W3C credential type,
// an issuer pattern and a date bound.
const benchDefinition = `{"id":"bench","input_descriptors":[{"id":"dl","format":{"jwt_vc_json":{},"ldp_vc":{}},"constraints":{"fields":[
	{"path":["$.type","$.vc.type"],"filter":{"type":"array","contains":{"const":"DriversLicense"}}},
	{"path":["$.issuer","$.vc.issuer","$.iss"],"filter":{"type":"string","pattern":"^did:example:gov[0-9]$"}},
	{"path":["$.credentialSubject.dob","$.vc.credentialSubject.dob"],"filter":{"type":"string","format":"date","formatMaximum":"2005-01-01"}}]}}]}`

// benchWallet: a quarter match, the rest are other W3C credentials and
// SD-JWT VCs.
func benchWallet(n int) []*presentation.Credential {
	out := make([]*presentation.Credential, n)
	for i := range out {
		var c *presentation.Credential
		switch i % 4 {
		case 0:
			c = euDL()
		case 1:
			c = passport()
		case 2:
			c = bank2()
		default:
			c = bank1()
		}
		c.ID = fmt.Sprintf("c%d", i)
		out[i] = c
	}
	return out
}

func BenchmarkEvaluate(b *testing.B) {
	ctx := context.Background()
	d, err := pex.ParseDefinition([]byte(benchDefinition))
	if err != nil {
		b.Fatal(err)
	}
	for _, par := range []int{1, 2} {
		// The 100,000-credential wallet spends more than
		// DefaultEvaluationBudget (about 12 units per credential).
		c, err := pex.Compile(d, pex.WithParallelism(par), pex.WithEvaluationBudget(1<<24))
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range []int{10, 100, 1000, 100000} {
			wallet := benchWallet(n)
			b.Run(fmt.Sprintf("par=%d/N=%d", par, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.Evaluate(ctx, seq(wallet...)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/credential")
			})
		}
	}
}

func BenchmarkEvaluateMultiGroup(b *testing.B) {
	ctx := context.Background()
	c := compileDef(b, "multi_group_example.json")
	wallet := append(benchWallet(999), employment())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Evaluate(ctx, seq(wallet...)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/credential")
}

func BenchmarkParseCompile(b *testing.B) {
	raw, err := os.ReadFile("testdata/spec/multi_group_example.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d, err := pex.ParseDefinition(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pex.Compile(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	c := compileDef(b, "single_group_example.json")
	w := walletOf(passport())
	sub := &pex.Submission{ID: "s", DefinitionID: c.Definition().ID, DescriptorMap: []*pex.Descriptor{
		{ID: "citizenship_input_2", Format: "jwt_vp_json", Path: "$", PathNested: &pex.Descriptor{ID: "citizenship_input_2", Format: "jwt_vc_json", Path: "$.vp.verifiableCredential[0]"}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Verify(ctx, sub, "jwt_vp_json|passport#null", w); err != nil {
			b.Fatal(err)
		}
	}
}
