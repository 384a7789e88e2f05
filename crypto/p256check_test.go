package crypto

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"
)

func ecdhAccepts(x, y []byte) bool {
	raw := append(append([]byte{4}, x...), y...)
	_, err := ecdh.P256().NewPublicKey(raw)
	return err == nil
}

func fill32(v *big.Int) []byte { return v.FillBytes(make([]byte, 32)) }

// TestP256OnCurveMatchesECDH: p256OnCurve accepts exactly the coordinates
// crypto/ecdh accepts: valid points, their negations, and near misses
// (one bit flipped, y ± 1, coordinates at and above p, zero, all ones).
func TestP256OnCurveMatchesECDH(t *testing.T) {
	p := elliptic.P256().Params().P
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	check := func(name string, x, y []byte) {
		t.Helper()
		if got, want := p256OnCurve(x, y), ecdhAccepts(x, y); got != want {
			t.Fatalf("%s: x=%x y=%x: got %v, crypto/ecdh %v", name, x, y, got, want)
		}
	}
	accepted := 0
	for i := 0; i < 500; i++ {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		x, y := fill32(k.X), fill32(k.Y)
		check("valid", x, y)
		if p256OnCurve(x, y) {
			accepted++
		}
		check("negated", x, fill32(new(big.Int).Sub(p, k.Y)))
		check("swapped", y, x)
		for _, d := range []int64{1, -1, 2} {
			check("y+d", x, fill32(new(big.Int).Mod(new(big.Int).Add(k.Y, big.NewInt(d)), p)))
			check("x+d", fill32(new(big.Int).Mod(new(big.Int).Add(k.X, big.NewInt(d)), p)), y)
		}
		bit := i % 256
		y2 := bytes.Clone(y)
		y2[31-bit/8] ^= 1 << (bit % 8)
		check("y bit", x, y2)
		if xp := new(big.Int).Add(k.X, p); xp.BitLen() <= 256 {
			check("x+p", fill32(xp), y)
		}
		if yp := new(big.Int).Add(k.Y, p); yp.BitLen() <= 256 {
			check("y+p", x, fill32(yp))
		}
		r := make([]byte, 64)
		rand.Read(r)
		check("random", r[:32], r[32:])
	}
	if accepted != 500 {
		t.Fatalf("accepted %d of 500 valid points", accepted)
	}
	ones := bytes.Repeat([]byte{0xff}, 32)
	zero := make([]byte, 32)
	gx, gy := fill32(elliptic.P256().Params().Gx), fill32(elliptic.P256().Params().Gy)
	for _, c := range []struct {
		name string
		x, y []byte
	}{
		{"G", gx, gy}, {"zero", zero, zero}, {"ones", ones, ones}, {"p,p", fill32(p), fill32(p)},
		{"p-1,p-1", fill32(pm1), fill32(pm1)}, {"Gx,p", gx, fill32(p)}, {"p,Gy", fill32(p), gy},
		{"Gx,0", gx, zero}, {"0,Gy", zero, gy},
	} {
		check(c.name, c.x, c.y)
	}
	if !p256OnCurve(gx, gy) {
		t.Fatal("generator rejected")
	}
	if p256OnCurve(gx[:31], gy) || p256OnCurve(gx, append(gy, 0)) {
		t.Fatal("wrong length accepted")
	}
}

func FuzzP256OnCurve(f *testing.F) {
	gx, gy := fill32(elliptic.P256().Params().Gx), fill32(elliptic.P256().Params().Gy)
	f.Add(append(gx, gy...))
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != 64 {
			return
		}
		if got, want := p256OnCurve(b[:32], b[32:]), ecdhAccepts(b[:32], b[32:]); got != want {
			t.Fatalf("x=%x y=%x: got %v, crypto/ecdh %v", b[:32], b[32:], got, want)
		}
	})
}

func BenchmarkP256OnCurve(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	x, y := fill32(k.X), fill32(k.Y)
	b.Run("wstack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !p256OnCurve(x, y) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("ecdh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ecdhAccepts(x, y) {
				b.Fatal("rejected")
			}
		}
	})
}
