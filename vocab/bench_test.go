package vocab

import (
	"context"
	"testing"
)

// BenchmarkCheckStatus: the status decision every verifier makes per
// credential, through a checker that answers at once (valid, revoked).
func BenchmarkCheckStatus(b *testing.B) {
	ctx := context.Background()
	ref := StatusReference{Type: "status_list", URI: "https://issuer.example/status/1", Index: 4711}
	for _, c := range []struct {
		name  string
		value uint8
	}{{"valid", 0}, {"revoked", 1}} {
		checker := StatusCheckerFunc(func(context.Context, StatusReference) (StatusResult, error) {
			return StatusResult{Value: c.value}, nil
		})
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := CheckStatus(ctx, checker, ref)
				if (err == nil) != (c.value == 0) {
					b.Fatal(err)
				}
			}
		})
	}
}
