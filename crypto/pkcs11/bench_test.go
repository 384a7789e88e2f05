package pkcs11_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/ocmw/wstack/crypto"
)

var benchMsg = []byte(`eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0`)

// BenchmarkSign compares signing through the engine (SoftHSM2 over
// PKCS#11) with the standard library holding the key in memory.
func BenchmarkSign(b *testing.B) {
	e := openEngine(b, newToken(b))
	for _, c := range []struct {
		kt  crypto.KeyType
		alg crypto.Algorithm
	}{{crypto.KeyTypeECP256, crypto.ES256}, {crypto.KeyTypeEd25519, crypto.EdDSA}, {crypto.KeyTypeRSA2048, crypto.PS256}} {
		r := kref("bench", "g", string(c.kt))
		if _, err := e.GenerateKey(bg, r, crypto.KeySpec{Type: c.kt}); err != nil {
			b.Fatal(err)
		}
		b.Run(string(c.alg)+"/engine", func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Sign(bg, r, c.alg, benchMsg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b.Run("ES256/crypto-ecdsa", func(b *testing.B) {
		for b.Loop() {
			d := sha256.Sum256(benchMsg)
			r, s, err := ecdsa.Sign(rand.Reader, ek, d[:])
			if err != nil {
				b.Fatal(err)
			}
			out := make([]byte, 64)
			r.FillBytes(out[:32])
			s.FillBytes(out[32:])
		}
	})
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	b.Run("EdDSA/crypto-ed25519", func(b *testing.B) {
		for b.Loop() {
			ed25519.Sign(edk, benchMsg)
		}
	})
}

// BenchmarkSignParallel measures throughput with concurrent signers (the
// crypto11 session pool and the engine's own pool).
func BenchmarkSignParallel(b *testing.B) {
	e := openEngine(b, newToken(b))
	r := kref("bench", "g", "p256")
	if _, err := e.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.Sign(bg, r, crypto.ES256, benchMsg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerify compares verification through the engine (software, over
// the cached public key) with crypto/ecdsa and crypto/ed25519 directly.
func BenchmarkVerify(b *testing.B) {
	e := openEngine(b, newToken(b))
	for _, c := range []struct {
		kt  crypto.KeyType
		alg crypto.Algorithm
	}{{crypto.KeyTypeECP256, crypto.ES256}, {crypto.KeyTypeEd25519, crypto.EdDSA}} {
		r := kref("bench", "g", string(c.kt))
		k, err := e.GenerateKey(bg, r, crypto.KeySpec{Type: c.kt})
		if err != nil {
			b.Fatal(err)
		}
		sig, err := e.Sign(bg, r, c.alg, benchMsg)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(c.alg)+"/engine", func(b *testing.B) {
			for b.Loop() {
				if err := e.Verify(bg, r, c.alg, benchMsg, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
		switch pub := k.Public.(type) {
		case *ecdsa.PublicKey:
			b.Run("ES256/crypto-ecdsa", func(b *testing.B) {
				for b.Loop() {
					d := sha256.Sum256(benchMsg)
					rr, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
					if !ecdsa.Verify(pub, d[:], rr, ss) {
						b.Fatal("invalid")
					}
				}
			})
		case ed25519.PublicKey:
			b.Run("EdDSA/crypto-ed25519", func(b *testing.B) {
				for b.Loop() {
					if !ed25519.Verify(pub, benchMsg, sig) {
						b.Fatal("invalid")
					}
				}
			})
		}
	}
}

// BenchmarkEncrypt measures AES-256-GCM through the token (1 KiB).
func BenchmarkEncrypt(b *testing.B) {
	e := openEngine(b, newToken(b))
	r := kref("bench", "g", "aes")
	if _, err := e.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeAES256GCM}); err != nil {
		b.Fatal(err)
	}
	pt := make([]byte, 1024)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := e.Encrypt(bg, r, pt, nil); err != nil {
			b.Fatal(err)
		}
	}
}
