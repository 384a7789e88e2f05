package ldp_test

import (
	"context"
	"testing"

	"github.com/ocmw/wstack/vocab"
)

// BenchmarkVerifyLDPVC measures Validator.Verify of an eddsa-rdfc-2022
// ldp_vc (JSON-LD expansion with the bundled contexts, RDFC-1.0, Ed25519,
// window, trust; no status entry).
func BenchmarkVerifyLDPVC(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	signed := e.sign(b, e.credential(e.holder.DID), e.issuer, e.issuer.KID())
	v := e.validator(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, vocab.FormatLDPVC, signed); err != nil {
			b.Fatal(err)
		}
	}
}
