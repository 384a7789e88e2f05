package crypto

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"math/big"
	"testing"
)

// TestAppendDERSignature: the hand-built DER equals what encoding/asn1
// produces from the same integers (the encoding ecdsa.Verify builds).
func TestAppendDERSignature(t *testing.T) {
	vals := [][]byte{{}, {0}, {0, 0}, {1}, {0x7f}, {0x80}, {0, 0x80}, {0xff, 0xff}, bytes.Repeat([]byte{0xff}, 66),
		append([]byte{0}, bytes.Repeat([]byte{0x7f}, 65)...), bytes.Repeat([]byte{0x01}, 32)}
	for _, r := range vals {
		for _, s := range vals {
			want, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)})
			if err != nil {
				t.Fatal(err)
			}
			if got := appendDERSignature(nil, r, s); !bytes.Equal(got, want) {
				t.Fatalf("r=%x s=%x: got %x want %x", r, s, got, want)
			}
		}
	}
}

// TestVerifyDigestAgreesWithECDSAVerify: accept/reject agrees with
// ecdsa.Verify over big.Int for valid, mutated, zero and out-of-range r||s.
func TestVerifyDigestAgreesWithECDSAVerify(t *testing.T) {
	for _, c := range []struct {
		curve elliptic.Curve
		alg   Algorithm
	}{{elliptic.P256(), ES256}, {elliptic.P384(), ES384}, {elliptic.P521(), Algorithm("ES512")}} {
		k, _ := ecdsa.GenerateKey(c.curve, rand.Reader)
		size := (c.curve.Params().BitSize + 7) / 8
		digest := make([]byte, size)
		rand.Read(digest)
		r, s, _ := ecdsa.Sign(rand.Reader, k, digest)
		good := append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		n := c.curve.Params().N
		sigs := [][]byte{good, make([]byte, 2*size)}
		for i := 0; i < 2*size; i += 7 {
			m := bytes.Clone(good)
			m[i] ^= 0x01
			sigs = append(sigs, m)
		}
		for _, r2 := range []*big.Int{n, new(big.Int).Add(r, n), big.NewInt(0)} {
			if r2.BitLen() <= 8*size {
				sigs = append(sigs, append(r2.FillBytes(make([]byte, size)), good[size:]...))
			}
		}
		for _, sig := range sigs {
			if len(sig) != 2*size {
				continue
			}
			want := ecdsa.Verify(&k.PublicKey, digest, new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:]))
			got := VerifyDigest(&k.PublicKey, c.alg, digest, sig) == nil
			if got != want {
				t.Fatalf("%s %x: VerifyDigest %v, ecdsa.Verify %v", c.alg, sig, got, want)
			}
		}
	}
}
