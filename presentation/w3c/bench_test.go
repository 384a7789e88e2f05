package w3c_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
)

// BenchmarkVerifyCredentialJWT measures jwt_vc_json verification (ES256)
// with cold key resolution (a fresh cache: the did:jwk is decoded and the
// point checked every time) and warm (the parsed key is cached).
func BenchmarkVerifyCredentialJWT(b *testing.B) {
	ctx := context.Background()
	iss, hol := newFixture(b)
	tok, err := w3c.SignCredentialJWT(ctx, iss.Signer, v1Credential(iss.DID, hol.DID), w3c.SignOptions{Now: now, Header: iss.Header()})
	if err != nil {
		b.Fatal(err)
	}
	base := w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)
	algs := w3c.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := &w3c.IssuerKeys{DID: w3c.NewCachingDIDResolver(base, time.Minute, clock, 0)}
			if _, err := w3c.VerifyCredentialJWT(ctx, tok, w3c.VerifyOptions{ParseOptions: algs, Resolver: r, Now: clock}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		r := &w3c.IssuerKeys{DID: w3c.NewCachingDIDResolver(base, time.Minute, clock, 0)}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w3c.VerifyCredentialJWT(ctx, tok, w3c.VerifyOptions{ParseOptions: algs, Resolver: r, Now: clock}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSignCredentialJWT(b *testing.B) {
	ctx := context.Background()
	iss, hol := newFixture(b)
	c := v1Credential(iss.DID, hol.DID)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w3c.SignCredentialJWT(ctx, iss.Signer, c, w3c.SignOptions{Now: now, Header: iss.Header()}); err != nil {
			b.Fatal(err)
		}
	}
}
