package jose_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
)

func benchToken(b *testing.B) (*fixture, string) {
	f := newFixture(b, crypto.KeyTypeECP256)
	tok, err := jose.SignJWT(ctx, f.signer, map[string]any{"typ": "example+jwt"}, map[string]any{
		"iss": "https://issuer.example.com", "iat": 1683000000, "exp": 1883000000,
		"vct": "https://credentials.example.com/identity_credential",
		"_sd": []string{"CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI", "JzYjH4svliH0R3PyEMfeZu6Jt69u5qehZo7F7EPYlSE"},
	})
	if err != nil {
		b.Fatal(err)
	}
	return f, tok
}

// BenchmarkVerifyES256 is the whole gate plus signature check.
func BenchmarkVerifyES256(b *testing.B) {
	f, tok := benchToken(b)
	o := opts(f)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := jose.Verify(ctx, tok, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyES256Floor is the raw cost: SHA-256 and ecdsa.Verify only.
func BenchmarkVerifyES256Floor(b *testing.B) {
	f, tok := benchToken(b)
	pub := f.signer.Public().(*ecdsa.PublicKey)
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	in := []byte(tok[:i])
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		d := sha256.Sum256(in)
		if !ecdsa.Verify(pub, d[:], r, s) {
			b.Fatal("bad")
		}
	}
}

func BenchmarkParseGate(b *testing.B) {
	f, tok := benchToken(b)
	o := opts(f).ParseOptions
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := jose.Parse(tok, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignES256(b *testing.B) {
	f, _ := benchToken(b)
	payload := []byte(`{"iss":"https://issuer.example.com","iat":1683000000}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := jose.Sign(ctx, f.signer, map[string]any{"typ": "example+jwt"}, payload); err != nil {
			b.Fatal(err)
		}
	}
}
