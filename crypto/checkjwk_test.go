package crypto_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"math/big"
	"testing"

	"github.com/ocmw/wstack/crypto"
)

// TestCheckPublicJWKAgreesWithPublicKeyFromJWK: CheckPublicJWK accepts
// exactly the JWKs PublicKeyFromJWK accepts, with the same error class.
func TestCheckPublicJWKAgreesWithPublicKeyFromJWK(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	var cases []map[string]any
	for _, c := range []struct {
		crv   string
		curve elliptic.Curve
		size  int
	}{{"P-256", elliptic.P256(), 32}, {"P-384", elliptic.P384(), 48}, {"P-521", elliptic.P521(), 66}} {
		k, err := ecdsa.GenerateKey(c.curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		x, y := k.X.FillBytes(make([]byte, c.size)), k.Y.FillBytes(make([]byte, c.size))
		ok := map[string]any{"kty": "EC", "crv": c.crv, "x": enc(x), "y": enc(y)}
		cases = append(cases, ok)
		bad := func(mod func(m map[string]any)) {
			m := map[string]any{}
			for k, v := range ok {
				m[k] = v
			}
			mod(m)
			cases = append(cases, m)
		}
		y2 := append([]byte(nil), y...)
		y2[len(y2)-1] ^= 1
		bad(func(m map[string]any) { m["y"] = enc(y2) }) // off the curve
		p := c.curve.Params().P
		xp := new(big.Int).Add(k.X, p)
		if xp.BitLen() <= 8*c.size { // x + p: same point mod p, not canonical
			bad(func(m map[string]any) { m["x"] = enc(xp.FillBytes(make([]byte, c.size))) })
		}
		bad(func(m map[string]any) { m["x"] = enc(make([]byte, c.size)); m["y"] = enc(make([]byte, c.size)) })
		bad(func(m map[string]any) { m["x"] = enc(x[1:]) })
		bad(func(m map[string]any) { m["d"] = enc(x) })
		bad(func(m map[string]any) { m["x"] = enc(x) + "=" })
		bad(func(m map[string]any) { m["y"] = 7 })
		bad(func(m map[string]any) { m["y"] = "" })
		bad(func(m map[string]any) { m["x"] = enc(x)[:len(enc(x))-1] + "!" })
		bad(func(m map[string]any) { m["x"] = enc(append(x, 0)) })
		if s := enc(y); len(s)%4 != 0 { // non-canonical: nonzero trailing bits
			last := s[len(s)-1]
			mod := byte('A')
			if last == 'A' {
				mod = 'B'
			}
			bad(func(m map[string]any) { m["y"] = s[:len(s)-1] + string(mod) })
		}
		bad(func(m map[string]any) {
			m["crv"] = "P-256"
			m["x"] = enc(make([]byte, 32))
			m["y"] = enc(make([]byte, 32))
		})
		bad(func(m map[string]any) { m["crv"] = "P-192" })
		bad(func(m map[string]any) { delete(m, "kty") })
	}
	cases = append(cases,
		map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
		map[string]any{"kty": "OKP", "crv": "Ed25519", "x": enc(make([]byte, 32))},
		map[string]any{"kty": "oct", "k": "AAAA"})
	// Twice: the second pass meets the points the first one accepted in
	// CheckPublicJWK's cache of valid points.
	for pass := 0; pass < 2; pass++ {
		for i, m := range cases {
			_, want := crypto.PublicKeyFromJWK(m)
			got := crypto.CheckPublicJWK(m)
			if (got == nil) != (want == nil) || want != nil && !errors.Is(got, crypto.ErrInvalidJWK) && errors.Is(want, crypto.ErrInvalidJWK) {
				t.Errorf("pass %d case %d %v: CheckPublicJWK %v, PublicKeyFromJWK %v", pass, i, m, got, want)
			}
		}
	}
}
