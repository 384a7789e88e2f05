package did_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/ocmw/wstack/crypto/did"
)

func BenchmarkResolveDIDKey(b *testing.B) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		pub  any
		m    did.KeyMethod
	}{
		{"Ed25519", edPub, did.KeyMethod{}},
		{"Ed25519+X25519", edPub, did.KeyMethod{EnableEncryptionKeyDerivation: true}},
		{"P-256", &p256.PublicKey, did.KeyMethod{}},
		{"P-256/JsonWebKey2020", &p256.PublicKey, did.KeyMethod{Format: did.FormatJsonWebKey2020}},
		{"P-384", &p384.PublicKey, did.KeyMethod{}},
	} {
		d, _, err := did.NewKeyDID(tc.pub)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.m.Resolve(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkResolveDIDJWK(b *testing.B) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ctx := context.Background()
	for name, pub := range map[string]any{"Ed25519": edPub, "P-256": &p256.PublicKey} {
		d, _, err := did.NewJWKDID(pub)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (did.JWKMethod{}).Resolve(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCachedResolve measures a cache hit, and a cache hit followed by
// dereferencing the key for assertionMethod (what a verifier pays per
// credential once the issuer's DID is cached).
func BenchmarkCachedResolve(b *testing.B) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d, kid, _ := did.NewKeyDID(&p256.PublicKey)
	reg := did.NewDefaultRegistry(nil, did.WebOptions{})
	c := did.NewCachingResolver(reg, did.CacheOptions{})
	ctx := context.Background()
	if _, err := c.Resolve(ctx, d); err != nil {
		b.Fatal(err)
	}
	b.Run("Resolve", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Resolve(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	kr := did.NewKeyResolver(c, did.KeyResolverOptions{})
	b.Run("ResolveVerificationMethod", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kr.ResolveVerificationMethod(ctx, kid, "assertionMethod"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Resolve(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func BenchmarkWebURL(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := did.WebURL("did:web:example.com%3A8443:users:alice"); err != nil {
			b.Fatal(err)
		}
	}
}
