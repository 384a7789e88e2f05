package crypto_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/testkeys"
)

// A reference edwards25519 implementation in affine coordinates (RFC 8032
// §5.1), independent of the code under test.
var (
	refP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	refD = new(big.Int).Mod(new(big.Int).Mul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), refP)), refP)
)

type refPoint struct{ x, y *big.Int }

// refDecode decodes any encoding, canonical or not (y is reduced mod p),
// the way permissive implementations do; ok is false off the curve.
func refDecode(enc []byte) (refPoint, bool) {
	le := bytes.Clone(enc)
	sign := le[31] >> 7
	le[31] &= 0x7f
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		le[i], le[j] = le[j], le[i]
	}
	y := new(big.Int).Mod(new(big.Int).SetBytes(le), refP)
	y2 := new(big.Int).Mul(y, y)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	v := new(big.Int).Add(new(big.Int).Mul(refD, y2), big.NewInt(1))
	x2 := new(big.Int).Mul(u, new(big.Int).ModInverse(v.Mod(v, refP), refP))
	x2.Mod(x2, refP)
	x := new(big.Int).ModSqrt(x2, refP)
	if x == nil {
		return refPoint{}, false
	}
	if x.Bit(0) != uint(sign) {
		x.Mod(x.Neg(x), refP)
	}
	return refPoint{x, y}, true
}

// refAdd is the complete addition law of −x² + y² = 1 + d·x²·y².
func refAdd(a, b refPoint) refPoint {
	m := func(xs ...*big.Int) *big.Int {
		r := big.NewInt(1)
		for _, v := range xs {
			r.Mul(r, v)
		}
		return r.Mod(r, refP)
	}
	t := m(refD, a.x, b.x, a.y, b.y)
	xn := new(big.Int).Add(m(a.x, b.y), m(a.y, b.x))
	yn := new(big.Int).Add(m(a.y, b.y), m(a.x, b.x))
	xd := new(big.Int).Add(big.NewInt(1), t)
	yd := new(big.Int).Sub(big.NewInt(1), t)
	return refPoint{
		m(xn, new(big.Int).ModInverse(xd.Mod(xd, refP), refP)),
		m(yn, new(big.Int).ModInverse(yd.Mod(yd, refP), refP)),
	}
}

func refEncode(p refPoint) []byte {
	be := p.y.FillBytes(make([]byte, 32))
	le := make([]byte, 32)
	for i := range be {
		le[i] = be[31-i]
	}
	le[31] |= byte(p.x.Bit(0)) << 7
	return le
}

func refMul(k int, p refPoint) refPoint {
	r := refPoint{big.NewInt(0), big.NewInt(1)}
	for i := 0; i < k; i++ {
		r = refAdd(r, p)
	}
	return r
}

func isIdentity(p refPoint) bool { return p.x.Sign() == 0 && p.y.Cmp(big.NewInt(1)) == 0 }

// The canonical keys of testkeys.SmallOrderEd25519 are exactly the torsion
// subgroup: the multiples of a point of order 8. Every listed key, canonical
// or not, decodes to a point P with 8·P = identity, and is rejected with
// ErrWeakKey.
func TestEd25519TorsionPoints(t *testing.T) {
	listed := map[string]bool{}
	for _, k := range testkeys.SmallOrderEd25519 {
		if k.Canonical {
			listed[string(k.Key)] = true
		}
	}
	var gen refPoint
	for _, k := range testkeys.SmallOrderEd25519 {
		if k.Name == "order8_a" {
			gen, _ = refDecode(k.Key)
		}
	}
	if isIdentity(refMul(4, gen)) || !isIdentity(refMul(8, gen)) {
		t.Fatal("order8_a is not of order 8")
	}
	derived := map[string]bool{}
	for i := 0; i < 8; i++ {
		derived[string(refEncode(refMul(i, gen)))] = true
	}
	if len(derived) != 8 || len(listed) != 8 {
		t.Fatalf("%d derived, %d listed torsion points", len(derived), len(listed))
	}
	for enc := range derived {
		if !listed[enc] {
			t.Errorf("torsion point %x not listed", enc)
		}
	}
	for _, k := range testkeys.SmallOrderEd25519 {
		t.Run(k.Name, func(t *testing.T) {
			p, ok := refDecode(k.Key)
			if !ok || !isIdentity(refMul(8, p)) {
				t.Fatalf("%x does not decode to a small-order point", []byte(k.Key))
			}
			if canon := bytes.Equal(refEncode(p), k.Key); canon != k.Canonical {
				t.Fatalf("canonical = %v, listed as %v", canon, k.Canonical)
			}
			if err := crypto.CheckEd25519PublicKey(k.Key); !errors.Is(err, crypto.ErrWeakKey) {
				t.Fatalf("CheckEd25519PublicKey = %v, want ErrWeakKey", err)
			}
		})
	}
}

// forgeableMessage finds a message for which the forged signature
// R = identity, S = 0 verifies under key with Go's crypto/ed25519.
func forgeableMessage(t testing.TB, key ed25519.PublicKey) []byte {
	t.Helper()
	for i := 0; i < 400; i++ {
		msg := []byte(fmt.Sprintf("pay 1000 EUR to mallory #%d", i))
		if ed25519.Verify(key, msg, testkeys.ForgedEd25519Signature()) {
			return msg
		}
	}
	t.Fatalf("no forgeable message for %x", []byte(key))
	return nil
}

// Issue #10 item 3: a small-order key makes a forged signature verify in Go's
// crypto/ed25519. wstack rejects such keys when a JWK is parsed
// (ErrInvalidJWK + ErrWeakKey) and in VerifySignature for keys built
// elsewhere (ErrInvalidSignature + ErrWeakKey). Before the fix both
// accepted every key and VerifySignature returned nil.
func TestEd25519SmallOrderForgery(t *testing.T) {
	for _, k := range testkeys.SmallOrderEd25519 {
		t.Run(k.Name, func(t *testing.T) {
			msg := forgeableMessage(t, k.Key) // the standard library accepts the forgery
			err := crypto.VerifySignature(k.Key, crypto.EdDSA, msg, testkeys.ForgedEd25519Signature())
			if !errors.Is(err, crypto.ErrWeakKey) || !errors.Is(err, crypto.ErrInvalidSignature) {
				t.Fatalf("VerifySignature = %v, want ErrInvalidSignature and ErrWeakKey", err)
			}
			jwk := `{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(k.Key) + `"}`
			pub, err := crypto.ParsePublicJWK([]byte(jwk))
			if !errors.Is(err, crypto.ErrWeakKey) || !errors.Is(err, crypto.ErrInvalidJWK) {
				t.Fatalf("ParsePublicJWK = %v, %v; want ErrInvalidJWK and ErrWeakKey", pub, err)
			}
		})
	}
}

func TestCheckEd25519PublicKey(t *testing.T) {
	for i := 0; i < 50; i++ {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		if err := crypto.CheckEd25519PublicKey(pub); err != nil {
			t.Fatalf("generated key %x: %v", []byte(pub), err)
		}
	}
	offCurve := func() []byte { // y = 2 is not on the curve
		b := make([]byte, 32)
		b[0] = 2
		if _, ok := refDecode(b); ok {
			t.Fatal("y = 2 unexpectedly on the curve")
		}
		return b
	}()
	// y + p for the smallest y ≥ 2 on the curve: a non-canonical encoding
	// of a point that is not small order.
	var nonCanonical []byte
	for y := byte(2); y < 19 && nonCanonical == nil; y++ {
		b := make([]byte, 32)
		b[0] = y
		if p, ok := refDecode(b); ok && !isIdentity(refMul(8, p)) {
			nonCanonical = bytes.Repeat([]byte{0xff}, 32)
			nonCanonical[0], nonCanonical[31] = 0xed+y, 0x7f
		}
	}
	if nonCanonical == nil {
		t.Fatal("no y < 19 on the curve")
	}
	for _, c := range []struct {
		name string
		key  []byte
		want error
	}{
		{"empty", nil, crypto.ErrInvalidPublicKey},
		{"short", make([]byte, 31), crypto.ErrInvalidPublicKey},
		{"long", make([]byte, 33), crypto.ErrInvalidPublicKey},
		{"off_curve_point", offCurve, nil},
		{"noncanonical_large_order", nonCanonical, crypto.ErrWeakKey},
		{"y_all_ones", append(bytes.Repeat([]byte{0xff}, 31), 0x7f), crypto.ErrWeakKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := crypto.CheckEd25519PublicKey(c.key)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			// CheckEd25519Point adds the on-curve test.
			want := c.want
			if c.name == "off_curve_point" {
				want = crypto.ErrInvalidPublicKey
			}
			if err := crypto.CheckEd25519Point(c.key); !errors.Is(err, want) {
				t.Fatalf("point check: got %v, want %v", err, want)
			}
		})
	}
	// An off-curve key parses as a JWK but verifies nothing.
	if err := crypto.VerifySignature(ed25519.PublicKey(offCurve), crypto.EdDSA, []byte("m"), make([]byte, 64)); err == nil {
		t.Fatal("signature under an off-curve key verified")
	}
	// VerifySignature never panics on a key of the wrong length.
	if err := crypto.VerifySignature(ed25519.PublicKey(make([]byte, 31)), crypto.EdDSA, []byte("m"), make([]byte, 64)); !errors.Is(err, crypto.ErrInvalidPublicKey) {
		t.Fatalf("short key: %v", err)
	}
}

func BenchmarkCheckEd25519PublicKey(b *testing.B) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := crypto.CheckEd25519PublicKey(pub); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePublicJWKEd25519(b *testing.B) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	jwk := []byte(`{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := crypto.ParsePublicJWK(jwk); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySignatureEdDSA(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := []byte("header.payload")
	sig := ed25519.Sign(priv, msg)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := crypto.VerifySignature(pub, crypto.EdDSA, msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}
