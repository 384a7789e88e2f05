package signersvc_test

import (
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/signersvc"
)

// BenchmarkSignES256 compares an ES256 signature through the signer over
// loopback HTTP (JSON, bearer token, keep-alive) with the same signature
// from a local engine.
func BenchmarkSignES256(b *testing.B) {
	msg := make([]byte, 512)
	r := kref("acme", "issuer", "bench")
	run := func(b *testing.B, e crypto.Engine) {
		if _, err := e.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.Sign(bg, r, crypto.ES256, msg); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("local", func(b *testing.B) {
		e, err := local.New(local.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		run(b, e)
	})
	b.Run("remote", func(b *testing.B) {
		run(b, newClient(b, signersvc.Config{}))
	})
}
