package did

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"math/big"
	"testing"

	"github.com/ocmw/wstack/crypto"
)

// Vectors of the IETF draft "The Base58 Encoding Scheme"
// (draft-msporny-base58-03 §5).
func TestBase58Vectors(t *testing.T) {
	for _, tc := range []struct {
		in  []byte
		out string
	}{
		{[]byte("Hello World!"), "2NEpo7TZRRrLZSi2U"},
		{[]byte("The quick brown fox jumps over the lazy dog."), "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"},
		{[]byte{0x00, 0x00, 0x28, 0x7f, 0xb4, 0xcd}, "11233QC4"},
		{[]byte{}, ""},
		{[]byte{0}, "1"},
		{[]byte{0, 0, 0}, "111"},
		{[]byte{57}, "z"},
		{[]byte{58}, "21"},
	} {
		if got := base58Encode(tc.in); got != tc.out {
			t.Errorf("encode(%x) = %q, want %q", tc.in, got, tc.out)
		}
		got, err := base58Decode(tc.out)
		if err != nil || !bytes.Equal(got, tc.in) {
			t.Errorf("decode(%q) = %x, %v; want %x", tc.out, got, err, tc.in)
		}
	}
}

func TestBase58RoundTripAndErrors(t *testing.T) {
	for n := 0; n < 80; n++ {
		b := make([]byte, n)
		rand.Read(b)
		if n > 2 {
			b[0], b[1] = 0, 0 // leading zeros
		}
		s := base58Encode(b)
		got, err := base58Decode(s)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x: %x, %v", b, got, err)
		}
	}
	for _, bad := range []string{"0", "O", "I", "l", "abc+", "z z", "\x00", "é"} {
		if _, err := base58Decode(bad); err == nil {
			t.Errorf("decode(%q) succeeded", bad)
		}
	}
	if _, err := base58Decode(string(bytes.Repeat([]byte{'z'}, maxBase58Input+1))); err == nil {
		t.Error("oversized input accepted")
	}
}

func TestUvarint(t *testing.T) {
	for _, tc := range []struct {
		v   uint64
		enc []byte
	}{
		{0xed, []byte{0xed, 0x01}},
		{0xec, []byte{0xec, 0x01}},
		{0x1200, []byte{0x80, 0x24}},
		{0x1201, []byte{0x81, 0x24}},
		{0x01, []byte{0x01}},
		{0x7f, []byte{0x7f}},
		{0x80, []byte{0x80, 0x01}},
		{1<<63 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
	} {
		if got := putUvarint(nil, tc.v); !bytes.Equal(got, tc.enc) {
			t.Errorf("put(%#x) = %x, want %x", tc.v, got, tc.enc)
		}
		v, n, err := readUvarint(append(tc.enc, 0xaa))
		if err != nil || v != tc.v || n != len(tc.enc) {
			t.Errorf("read(%x) = %#x, %d, %v", tc.enc, v, n, err)
		}
	}
	for name, tc := range map[string]struct {
		in  []byte
		err error
	}{
		"not_minimal":   {[]byte{0xed, 0x00}, errVarintNotMinimal},
		"not_minimal_2": {[]byte{0x80, 0x80, 0x00}, errVarintNotMinimal},
		"truncated":     {[]byte{0x80}, errVarintTruncated},
		"empty":         {nil, errVarintTruncated},
		"overlong":      {bytes.Repeat([]byte{0xff}, 10), errVarintOverlong},
	} {
		if _, _, err := readUvarint(tc.in); !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.err)
		}
	}
}

func TestDecompressMatchesOracle(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384()} {
		size := (curve.Params().BitSize + 7) / 8
		// Round trip of real keys.
		for i := 0; i < 20; i++ {
			k, err := ecdsa.GenerateKey(curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			_, c, err := rawPublicKey(&k.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decompress(curve, c)
			if err != nil || !got.Equal(&k.PublicKey) {
				t.Fatalf("%s round trip: %v", curve.Params().Name, err)
			}
		}
		// Random x: decompress succeeds exactly when an independent
		// square-root implementation finds a point, and finds the same
		// point. About half of all x have no point.
		ok := 0
		for i := 0; i < 200; i++ {
			c := make([]byte, 1+size)
			rand.Read(c[1:])
			c[0] = byte(2 + i%2)
			got, err := decompress(curve, c)
			x, y := decompressReference(curve, c)
			if (x != nil) != (err == nil) {
				t.Fatalf("%s %x: decompress err %v, oracle %v", curve.Params().Name, c, err, x != nil)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidPublicKey) {
					t.Fatalf("error %v does not match ErrInvalidPublicKey", err)
				}
				continue
			}
			ok++
			u, _ := got.Bytes()
			if new(big.Int).SetBytes(u[1:1+size]).Cmp(x) != 0 || new(big.Int).SetBytes(u[1+size:]).Cmp(y) != 0 {
				t.Fatalf("%s %x: point differs from oracle", curve.Params().Name, c)
			}
		}
		if ok < 40 || ok > 160 {
			t.Errorf("%s: %d of 200 random x decompressed; expected about half", curve.Params().Name, ok)
		}
		// x ≥ p and bad prefixes.
		c := make([]byte, 1+size)
		c[0] = 2
		curve.Params().P.FillBytes(c[1:])
		if _, err := decompress(curve, c); !errors.Is(err, ErrInvalidPublicKey) {
			t.Errorf("x = p accepted: %v", err)
		}
		for _, p := range []byte{0, 1, 4, 5, 0xff} {
			c[0] = p
			if _, err := decompress(curve, c); !errors.Is(err, ErrInvalidPublicKey) {
				t.Errorf("prefix %#x accepted: %v", p, err)
			}
		}
	}
}

func TestEd25519PointValidation(t *testing.T) {
	for i := 0; i < 20; i++ {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		if !validEd25519Point(pub) {
			t.Fatalf("generated key %x rejected", []byte(pub))
		}
	}
	identity := make([]byte, 32)
	identity[0] = 1 // y = 1, x = 0
	// The identity is on the curve but of small order: rejected.
	if err := crypto.CheckEd25519PublicKey(identity); !errors.Is(err, crypto.ErrWeakKey) {
		t.Errorf("identity: %v, want ErrWeakKey", err)
	}
	negZero := append([]byte(nil), identity...)
	negZero[31] |= 0x80 // x = 0 with sign bit set is not canonical
	if validEd25519Point(negZero) {
		t.Error("x=0 with sign bit accepted")
	}
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	nonCanonical[31] = 0x7f // y = 2^255 − 1 ≥ p
	if validEd25519Point(nonCanonical) {
		t.Error("y ≥ p accepted")
	}
	// About half of all y values are not on the curve.
	ok := 0
	for i := 0; i < 400; i++ {
		b := make([]byte, 32)
		rand.Read(b)
		b[31] &= 0x3f
		if validEd25519Point(b) {
			ok++
		}
		if validEd25519Point(b) != validEd25519Reference(b) {
			t.Fatalf("%x: fast and reference checks disagree", b)
		}
	}
	if ok < 120 || ok > 280 {
		t.Errorf("%d of 400 random encodings valid; expected about half", ok)
	}
	if _, err := parseRawKey(CodecEd25519, negZero); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("parseRawKey: %v", err)
	}
}

// decompressReference solves y² = x³ − 3x + b over GF(p) with p ≡ 3 (mod 4)
// by y = rhs^((p+1)/4), independently of crypto/elliptic.
func decompressReference(curve elliptic.Curve, c []byte) (*big.Int, *big.Int) {
	params := curve.Params()
	p := params.P
	x := new(big.Int).SetBytes(c[1:])
	if x.Cmp(p) >= 0 || (c[0] != 2 && c[0] != 3) {
		return nil, nil
	}
	rhs := new(big.Int).Exp(x, big.NewInt(3), p)
	rhs.Sub(rhs, new(big.Int).Mul(big.NewInt(3), x))
	rhs.Add(rhs, params.B)
	rhs.Mod(rhs, p)
	e := new(big.Int).Rsh(new(big.Int).Add(p, big.NewInt(1)), 2)
	y := new(big.Int).Exp(rhs, e, p)
	if new(big.Int).Exp(y, big.NewInt(2), p).Cmp(rhs) != 0 {
		return nil, nil
	}
	if y.Bit(0) != uint(c[0]&1) {
		y.Sub(p, y)
	}
	return x, y
}

// d25519 = −121665/121666 mod p (RFC 8032 §5.1).
var d25519 = func() *big.Int {
	num := new(big.Int).Neg(big.NewInt(121665))
	den := new(big.Int).ModInverse(big.NewInt(121666), p25519)
	num.Mul(num, den)
	return num.Mod(num, p25519)
}()

// validEd25519Point is the check every did parser applies to an Ed25519 key.
func validEd25519Point(enc []byte) bool { return crypto.CheckEd25519Point(enc) == nil }

// validEd25519Reference decides point validity with Euler's criterion on
// x² = (y² − 1)/(d·y² + 1), independently of validEd25519Point.
func validEd25519Reference(enc []byte) bool {
	y, sign := edY(enc)
	if y.Cmp(p25519) >= 0 {
		return false
	}
	y2 := new(big.Int).Exp(y, big.NewInt(2), p25519)
	num := new(big.Int).Sub(y2, big.NewInt(1))
	den := new(big.Int).Add(new(big.Int).Mul(d25519, y2), big.NewInt(1))
	x2 := new(big.Int).Mul(num, new(big.Int).ModInverse(den.Mod(den, p25519), p25519))
	x2.Mod(x2, p25519)
	if x2.Sign() == 0 {
		return sign == 0
	}
	e := new(big.Int).Rsh(new(big.Int).Sub(p25519, big.NewInt(1)), 1)
	return new(big.Int).Exp(x2, e, p25519).Cmp(big.NewInt(1)) == 0
}
