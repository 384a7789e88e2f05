package wallet_test

import (
	"context"
	"testing"

	"github.com/ocmw/wstack/oid4vci/issuer"
)

// BenchmarkAcceptOffer: one full retrieval of an SD-JWT VC (metadata,
// token, nonce, proof, credential, verification, store, notification)
// against an in-process issuer over loopback TLS. Metadata is cached by
// the wellknown client after the first iteration, as in a long-running
// wallet.
func BenchmarkAcceptOffer(b *testing.B) {
	e := newEnv(b)
	w := e.wallet(walletOpts{})
	links := make([]string, b.N)
	for i := range links {
		links[i], _ = e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := w.AcceptOffer(context.Background(), links[i]); err != nil {
			b.Fatal(err)
		}
	}
}
