package dcql_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
)

// benchWallet builds n credentials: a quarter are PIDs that match, the rest
// are SD-JWT VCs of another type, mdocs and W3C credentials.
func benchWallet(n int) []*presentation.Credential {
	out := make([]*presentation.Credential, n)
	for i := range out {
		var c *presentation.Credential
		switch i % 4 {
		case 0:
			c = pid()
		case 1:
			c = sdCred("", vctRewards, map[string]any{"rewards_number": "1"}, cp("rewards_number"))
		case 2:
			c = mdl()
		default:
			c = jwtVC()
		}
		c.ID = fmt.Sprintf("c%d", i)
		out[i] = c
	}
	return out
}

func BenchmarkEvaluate(b *testing.B) {
	base := load(b, "claims_alternatives.json")
	ctx := context.Background()
	for _, par := range []int{1, 2} {
		// The 100,000-credential wallet spends more than DefaultBudget
		// (about 14 units per credential).
		c, err := dcql.Compile(base.Query(), dcql.WithParallelism(par), dcql.WithBudget(1<<24))
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

func BenchmarkVerify(b *testing.B) {
	c := load(b, "claims_alternatives.json")
	ctx := context.Background()
	dec := fakeDecoder{"pid-1": pid()}
	tok := map[string][]any{"pid": {`dc+sd-jwt|pid-1|[["last_name"],["locality"],["region"],["date_of_birth"]]`}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Verify(ctx, tok, dec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCompile(b *testing.B) {
	raw, err := os.ReadFile("testdata/spec/credentials_alternatives.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		q, err := dcql.Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dcql.Compile(q); err != nil {
			b.Fatal(err)
		}
	}
}
