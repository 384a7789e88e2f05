package crypto

import (
	"encoding/binary"
	"math/big"
	"math/bits"
)

// This file checks that a P-256 point (FIPS 186-5 / SEC 1) given by its
// affine coordinates lies on the curve, without allocating: the holder-key
// check of every SD-JWT issuance. It works on public data only, so it is
// not constant-time. Elements of GF(p) are four little-endian 64-bit limbs
// in Montgomery form (R = 2^256); p ≡ -1 mod 2^64 makes the Montgomery
// factor -p⁻¹ mod 2^64 equal to 1. TestP256OnCurveMatchesECDH and
// FuzzP256OnCurve compare it with crypto/ecdh.

type p256Element [4]uint64

// p256P is the field prime 2^256 - 2^224 + 2^192 + 2^96 - 1.
var p256P = p256Element{0xffffffffffffffff, 0x00000000ffffffff, 0x0000000000000000, 0xffffffff00000001}

// p256RR (R² mod p) and p256BR (b·R mod p) are computed once from the
// curve's b; neither is written afterwards.
var p256RR, p256BR = func() (rr, br p256Element) {
	p := new(big.Int).SetBytes(p256Bytes(p256P))
	b, _ := new(big.Int).SetString("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16)
	r := new(big.Int).Lsh(big.NewInt(1), 256)
	rrInt := new(big.Int).Mod(new(big.Int).Mul(r, r), p)
	brInt := new(big.Int).Mod(new(big.Int).Mul(b, r), p)
	var buf [32]byte
	rr = p256FromBytes(rrInt.FillBytes(buf[:]))
	br = p256FromBytes(brInt.FillBytes(buf[:]))
	return
}()

func p256Bytes(e p256Element) []byte {
	out := make([]byte, 32)
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint64(out[24-8*i:], e[i])
	}
	return out
}

// p256FromBytes reads a 32-byte big-endian integer (not reduced).
func p256FromBytes(b []byte) p256Element {
	_ = b[31]
	return p256Element{
		binary.BigEndian.Uint64(b[24:]), binary.BigEndian.Uint64(b[16:]),
		binary.BigEndian.Uint64(b[8:]), binary.BigEndian.Uint64(b[0:]),
	}
}

// p256Less reports a < b.
func p256Less(a, b *p256Element) bool {
	_, borrow := bits.Sub64(a[0], b[0], 0)
	_, borrow = bits.Sub64(a[1], b[1], borrow)
	_, borrow = bits.Sub64(a[2], b[2], borrow)
	_, borrow = bits.Sub64(a[3], b[3], borrow)
	return borrow == 1
}

// p256ReduceOnce returns t - p when t (with carry bit c above it) is at
// least p, t otherwise; t + c·2^256 must be below 2p.
func p256ReduceOnce(t p256Element, c uint64) p256Element {
	var d p256Element
	var borrow uint64
	d[0], borrow = bits.Sub64(t[0], p256P[0], 0)
	d[1], borrow = bits.Sub64(t[1], p256P[1], borrow)
	d[2], borrow = bits.Sub64(t[2], p256P[2], borrow)
	d[3], borrow = bits.Sub64(t[3], p256P[3], borrow)
	_, borrow = bits.Sub64(c, 0, borrow)
	if borrow == 1 {
		return t
	}
	return d
}

// p256Mul returns a·b·R⁻¹ mod p for a, b < p.
func p256Mul(a, b *p256Element) p256Element {
	var t [6]uint64
	for i := 0; i < 4; i++ {
		// t += a·b[i]
		var c, cc uint64
		for j := 0; j < 4; j++ {
			hi, lo := bits.Mul64(a[j], b[i])
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j], c = lo, hi
		}
		t[4], cc = bits.Add64(t[4], c, 0)
		t[5] = cc
		// t = (t + m·p) / 2^64 with m = t[0] (the factor -p⁻¹ mod 2^64 is 1).
		m := t[0]
		hi, lo := bits.Mul64(m, p256P[0])
		_, cc = bits.Add64(lo, t[0], 0)
		c = hi + cc
		for j := 1; j < 4; j++ {
			hi, lo := bits.Mul64(m, p256P[j])
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j-1], c = lo, hi
		}
		t[3], cc = bits.Add64(t[4], c, 0)
		t[4] = t[5] + cc
	}
	return p256ReduceOnce(p256Element{t[0], t[1], t[2], t[3]}, t[4])
}

// p256Add returns a + b mod p for a, b < p.
func p256Add(a, b *p256Element) p256Element {
	var s p256Element
	var c uint64
	s[0], c = bits.Add64(a[0], b[0], 0)
	s[1], c = bits.Add64(a[1], b[1], c)
	s[2], c = bits.Add64(a[2], b[2], c)
	s[3], c = bits.Add64(a[3], b[3], c)
	return p256ReduceOnce(s, c)
}

// p256Sub returns a - b mod p for a, b < p.
func p256Sub(a, b *p256Element) p256Element {
	var d p256Element
	var borrow uint64
	d[0], borrow = bits.Sub64(a[0], b[0], 0)
	d[1], borrow = bits.Sub64(a[1], b[1], borrow)
	d[2], borrow = bits.Sub64(a[2], b[2], borrow)
	d[3], borrow = bits.Sub64(a[3], b[3], borrow)
	if borrow == 1 {
		var c uint64
		d[0], c = bits.Add64(d[0], p256P[0], 0)
		d[1], c = bits.Add64(d[1], p256P[1], c)
		d[2], c = bits.Add64(d[2], p256P[2], c)
		d[3], _ = bits.Add64(d[3], p256P[3], c)
	}
	return d
}

// p256OnCurve reports whether the 32-byte big-endian coordinates x and y
// are both below p and satisfy y² = x³ - 3x + b (mod p). The point at
// infinity has no affine coordinates, so every point that passes is a
// valid public key (P-256 has cofactor 1).
func p256OnCurve(xb, yb []byte) bool {
	if len(xb) != 32 || len(yb) != 32 {
		return false
	}
	x, y := p256FromBytes(xb), p256FromBytes(yb)
	if !p256Less(&x, &p256P) || !p256Less(&y, &p256P) {
		return false
	}
	xm := p256Mul(&x, &p256RR) // x·R
	ym := p256Mul(&y, &p256RR) // y·R
	lhs := p256Mul(&ym, &ym)   // y²·R
	x2 := p256Mul(&xm, &xm)
	rhs := p256Mul(&x2, &xm) // x³·R
	x3 := p256Add(&xm, &xm)
	x3 = p256Add(&x3, &xm) // 3x·R
	rhs = p256Sub(&rhs, &x3)
	rhs = p256Add(&rhs, &p256BR)
	return lhs == rhs
}
