package statuslist

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// benchList returns a list with 1% of its entries set to non-zero values
// (deterministic), the shape of a real revocation list.
func benchList(b *testing.B, n uint64, bits int, order BitOrder) *List {
	b.Helper()
	var l *List
	var err error
	if order == LSBFirst {
		l, err = NewIETFList(n, bits)
	} else {
		l, err = NewBitstringList(n, bits)
	}
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := uint64(0); i < n/100; i++ {
		l.Set(r.Uint64N(n), Status(1+r.IntN(1<<bits-1)))
	}
	return l
}

var benchShapes = []struct {
	name string
	n    uint64
	bits int
}{
	{"131072x1bit", 131072, 1},
	{"1048576x2bit", 1 << 20, 2},
}

func BenchmarkEncode(b *testing.B) {
	for _, s := range benchShapes {
		ietf := benchList(b, s.n, s.bits, LSBFirst)
		w3c := benchList(b, s.n, s.bits, MSBFirst)
		b.Run("IETF/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(ietf.Bytes())))
			for b.Loop() {
				if _, err := EncodeLst(ietf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("W3C/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(w3c.Bytes())))
			for b.Loop() {
				if _, err := EncodeBitstring(w3c); err != nil {
					b.Fatal(err)
				}
			}
		})
		// Floor: the compressors alone on the same bytes, same level.
		b.Run("floor-zlib/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(ietf.Bytes())))
			for b.Loop() {
				var buf bytes.Buffer
				w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
				w.Write(ietf.Bytes())
				w.Close()
			}
		})
		b.Run("floor-gzip/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(w3c.Bytes())))
			for b.Loop() {
				var buf bytes.Buffer
				w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
				w.Write(w3c.Bytes())
				w.Close()
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, s := range benchShapes {
		ietf := benchList(b, s.n, s.bits, LSBFirst)
		w3c := benchList(b, s.n, s.bits, MSBFirst)
		lst, _ := EncodeLst(ietf)
		enc, _ := EncodeBitstring(w3c)
		zraw, gzraw := Deflate(ietf.Bytes()), Gzip(w3c.Bytes())
		b.Run("IETF/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(ietf.Bytes())))
			for b.Loop() {
				if _, err := DecodeLst(lst, s.bits, DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("W3C/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(w3c.Bytes())))
			for b.Loop() {
				if _, err := DecodeBitstring(enc, s.bits, DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("floor-zlib/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(ietf.Bytes())))
			for b.Loop() {
				r, _ := zlib.NewReader(bytes.NewReader(zraw))
				io.ReadAll(r)
			}
		})
		b.Run("floor-gzip/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(w3c.Bytes())))
			for b.Loop() {
				r, _ := gzip.NewReader(bytes.NewReader(gzraw))
				io.ReadAll(r)
			}
		})
	}
}

func BenchmarkLookup(b *testing.B) {
	for _, s := range benchShapes {
		for _, o := range []BitOrder{LSBFirst, MSBFirst} {
			l := benchList(b, s.n, s.bits, o)
			name := "IETF/"
			if o == MSBFirst {
				name = "W3C/"
			}
			b.Run(name+s.name, func(b *testing.B) {
				b.ReportAllocs()
				var sink Status
				i := uint64(0)
				for b.Loop() {
					i = (i + 104729) % l.Len() // stride through the list
					v, _ := l.Get(i)
					sink ^= v
				}
				_ = sink
			})
		}
	}
}

func BenchmarkTokenJWT(b *testing.B) {
	ctx := context.Background()
	s := testSigner(b, "ecdsa-p256")
	l := benchList(b, 1<<20, 2, LSBFirst)
	sl, _ := NewIETFStatusList(l, "")
	iat := time.Unix(1800000000, 0)
	c := TokenClaims{Subject: "https://s.example/1", IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), TTL: time.Minute, StatusList: sl}
	tok, err := SignJWT(ctx, s, c)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			SignJWT(ctx, s, c)
		}
	})
	b.Run("verify+decode", func(b *testing.B) {
		opts := VerifyOptions{Keys: StaticKey(s.Public()), Now: iat}
		for b.Loop() {
			if _, err := VerifyJWT(ctx, tok, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAllocateMemory(b *testing.B) {
	a := NewAllocator(NewMemory())
	cfg := ListConfig{Format: FormatIETF, Bits: 2}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Allocate(context.Background(), "t", "p", cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
