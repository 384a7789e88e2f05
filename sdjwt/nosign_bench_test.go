package sdjwt_test

import (
	"context"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/sdjwt"
)

// nopSigner returns a fixed 64-byte signature: what Issue costs apart
// from the signature.
type nopSigner struct{}

func (nopSigner) Algorithm() crypto.Algorithm { return crypto.ES256 }
func (nopSigner) KID() string                 { return "k" }
func (nopSigner) SignMessage(context.Context, []byte) ([]byte, error) {
	return make([]byte, 64), nil
}

// BenchmarkIssueNoSign is BenchmarkIssue with the signature left out.
func BenchmarkIssueNoSign(b *testing.B) {
	env := newBenchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sdjwt.Issue(context.Background(), nopSigner{}, env.claims, sdjwt.IssueOptions{Typ: "dc+sd-jwt", Disclosable: env.paths, HolderJWK: env.holderJWK}); err != nil {
			b.Fatal(err)
		}
	}
}
