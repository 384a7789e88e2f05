package local_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
)

// The benchmarks compare the engine with calling crypto/ecdsa and
// crypto/ed25519 directly on the same message, so the engine's overhead
// (lookup, locking, JOSE encoding) can be read off.

var benchMsg = []byte("eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwidmN0IjoiaHR0cHM6Ly9jcmVkZW50aWFscy5leGFtcGxlL2lkIn0")

func benchEngine(b *testing.B, kt crypto.KeyType) (*local.Engine, crypto.KeyRef) {
	e, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "bench", Group: "g"}, ID: "k"}
	if _, err := e.GenerateKey(context.Background(), ref, crypto.KeySpec{Type: kt}); err != nil {
		b.Fatal(err)
	}
	// Other keys in the engine, so the lookup is not trivial.
	for i := 0; i < 100; i++ {
		r := ref
		r.ID = "other-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		_, _ = e.GenerateKey(context.Background(), r, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	}
	return e, ref
}

func BenchmarkSignES256Engine(b *testing.B) {
	e, ref := benchEngine(b, crypto.KeyTypeECP256)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := e.Sign(ctx, ref, crypto.ES256, benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignES256Direct(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d := sha256.Sum256(benchMsg)
		r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			b.Fatal(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
	}
}

func BenchmarkVerifyES256Engine(b *testing.B) {
	e, ref := benchEngine(b, crypto.KeyTypeECP256)
	ctx := context.Background()
	sig, _ := e.Sign(ctx, ref, crypto.ES256, benchMsg)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := e.Verify(ctx, ref, crypto.ES256, benchMsg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyES256Direct(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d := sha256.Sum256(benchMsg)
	r, s, _ := ecdsa.Sign(rand.Reader, k, d[:])
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d := sha256.Sum256(benchMsg)
		if !ecdsa.Verify(&k.PublicKey, d[:], r, s) {
			b.Fatal("bad")
		}
	}
}

func BenchmarkSignEdDSAEngine(b *testing.B) {
	e, ref := benchEngine(b, crypto.KeyTypeEd25519)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := e.Sign(ctx, ref, crypto.EdDSA, benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignEdDSADirect(b *testing.B) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = ed25519.Sign(k, benchMsg)
	}
}

func BenchmarkVerifyEdDSAEngine(b *testing.B) {
	e, ref := benchEngine(b, crypto.KeyTypeEd25519)
	ctx := context.Background()
	sig, _ := e.Sign(ctx, ref, crypto.EdDSA, benchMsg)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := e.Verify(ctx, ref, crypto.EdDSA, benchMsg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyEdDSADirect(b *testing.B) {
	pub, k, _ := ed25519.GenerateKey(rand.Reader)
	sig := ed25519.Sign(k, benchMsg)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !ed25519.Verify(pub, benchMsg, sig) {
			b.Fatal("bad")
		}
	}
}
