package statuslist

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"fmt"
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

// The Benchmark…Floor functions measure the work a codec cannot avoid, on
// the same bytes and with the same sub-benchmark names as the benchmark they
// bound, so that one run gives the ratio:
//
//	go test -run XXX -bench 'Encode|Decode|Lookup' -benchmem -count 5 ./statuslist/ > out.txt
//
// then compare BenchmarkEncode/X with BenchmarkEncodeFloor/X (benchstat
// prints both).

// BenchmarkEncode: EncodeLst / EncodeBitstring at DefaultLevel, and at
// BestLevel ("best/…") for publishers that follow draft-20's
// recommendation.
func BenchmarkEncode(b *testing.B) {
	for _, s := range benchShapes {
		ietf := benchList(b, s.n, s.bits, LSBFirst)
		w3c := benchList(b, s.n, s.bits, MSBFirst)
		for _, lv := range []struct {
			prefix string
			level  int
		}{{"", 0}, {"best/", BestLevel}} {
			b.Run(lv.prefix+"IETF/"+s.name, func(b *testing.B) {
				b.SetBytes(int64(len(ietf.Bytes())))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := EncodeLstLevel(ietf, lv.level); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(lv.prefix+"W3C/"+s.name, func(b *testing.B) {
				b.SetBytes(int64(len(w3c.Bytes())))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := EncodeBitstringLevel(w3c, lv.level); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkEncodeFloor: the compressor alone (zlib for IETF, gzip for W3C)
// at the same level, one writer reused with Reset and one output buffer —
// no base64, no allocation.
func BenchmarkEncodeFloor(b *testing.B) {
	for _, s := range benchShapes {
		ietf := benchList(b, s.n, s.bits, LSBFirst)
		w3c := benchList(b, s.n, s.bits, MSBFirst)
		for _, lv := range []struct {
			prefix string
			level  int
		}{{"", DefaultLevel}, {"best/", BestLevel}} {
			for _, f := range []struct {
				name string
				data []byte
				mk   func(io.Writer, int) (resetWriteCloser, error)
			}{
				{"IETF/", ietf.Bytes(), func(w io.Writer, l int) (resetWriteCloser, error) { return zlib.NewWriterLevel(w, l) }},
				{"W3C/", w3c.Bytes(), func(w io.Writer, l int) (resetWriteCloser, error) { return gzip.NewWriterLevel(w, l) }},
			} {
				b.Run(lv.prefix+f.name+s.name, func(b *testing.B) {
					b.SetBytes(int64(len(f.data)))
					b.ReportAllocs()
					var buf bytes.Buffer
					w, _ := f.mk(&buf, lv.level)
					for b.Loop() {
						buf.Reset()
						w.Reset(&buf)
						w.Write(f.data)
						w.Close()
					}
				})
			}
		}
	}
}

// BenchmarkEncodeLevels reports the encoded size of each shape at every
// level, the measurement behind DefaultLevel.
func BenchmarkEncodeLevels(b *testing.B) {
	for _, s := range benchShapes {
		ietf := benchList(b, s.n, s.bits, LSBFirst)
		for _, level := range []int{1, 4, 5, 6, 7, 9} {
			b.Run(fmt.Sprintf("IETF/%s/level%d", s.name, level), func(b *testing.B) {
				var lst string
				for b.Loop() {
					lst, _ = EncodeLstLevel(ietf, level)
				}
				b.ReportMetric(float64(len(lst)), "lst-bytes")
			})
		}
	}
}

// BenchmarkDecode: DecodeLst / DecodeBitstring with the default limits.
func BenchmarkDecode(b *testing.B) {
	for _, s := range benchShapes {
		ietf := benchList(b, s.n, s.bits, LSBFirst)
		w3c := benchList(b, s.n, s.bits, MSBFirst)
		lst, _ := EncodeLst(ietf)
		enc, _ := EncodeBitstring(w3c)
		b.Run("IETF/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(ietf.Bytes())))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeLst(lst, s.bits, DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("W3C/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(w3c.Bytes())))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeBitstring(enc, s.bits, DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeFloor: base64url decoding plus gunzip (W3C) or zlib
// inflation (IETF) alone — one reader reused with Reset, io.ReadAll for the
// output, no limits and no checks.
func BenchmarkDecodeFloor(b *testing.B) {
	for _, s := range benchShapes {
		ietf := benchList(b, s.n, s.bits, LSBFirst)
		w3c := benchList(b, s.n, s.bits, MSBFirst)
		lst, _ := EncodeLst(ietf)
		enc, _ := EncodeBitstring(w3c)
		b.Run("IETF/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(ietf.Bytes())))
			b.ReportAllocs()
			raw, _ := base64.RawURLEncoding.DecodeString(lst)
			r, _ := zlib.NewReader(bytes.NewReader(raw))
			for b.Loop() {
				raw, _ := base64.RawURLEncoding.DecodeString(lst)
				r.(zlib.Resetter).Reset(bytes.NewReader(raw), nil)
				io.ReadAll(r)
			}
		})
		b.Run("W3C/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(w3c.Bytes())))
			b.ReportAllocs()
			raw, _ := base64.RawURLEncoding.DecodeString(enc[1:])
			r, _ := gzip.NewReader(bytes.NewReader(raw))
			for b.Loop() {
				raw, _ := base64.RawURLEncoding.DecodeString(enc[1:])
				r.Reset(bytes.NewReader(raw))
				io.ReadAll(r)
			}
		})
	}
}

// lookups is the number of lookups per benchmark iteration; the index
// strides through the list by a prime, wrapping without a division.
const lookups = 1_000_000

func stride(l *List) (step, n uint64) { return 104729 % l.Len(), l.Len() }

// BenchmarkLookup: 1,000,000 List.At calls (index checked once, as a
// verifier does after parsing the reference) and, under Get/, 1,000,000
// List.Get calls.
func BenchmarkLookup(b *testing.B) {
	for _, s := range benchShapes {
		for _, o := range []BitOrder{LSBFirst, MSBFirst} {
			l := benchList(b, s.n, s.bits, o)
			name := o.String() + "/"
			b.Run(name+s.name, func(b *testing.B) {
				b.ReportAllocs()
				step, n := stride(l)
				var sink Status
				for b.Loop() {
					i := uint64(0)
					for range lookups {
						if i += step; i >= n {
							i -= n
						}
						sink ^= l.At(i)
					}
				}
				benchSink = sink
			})
			b.Run("Get/"+name+s.name, func(b *testing.B) {
				b.ReportAllocs()
				step, n := stride(l)
				var sink Status
				for b.Loop() {
					i := uint64(0)
					for range lookups {
						if i += step; i >= n {
							i -= n
						}
						v, err := l.Get(i)
						if err != nil {
							b.Fatal(err)
						}
						sink ^= v
					}
				}
				benchSink = sink
			})
		}
	}
}

var benchSink Status

// BenchmarkLookupFloor: the same 1,000,000 indexes read with a hand-written
// shift and mask on the packed bytes (bits per entry a run-time value, as
// for a decoded list).
func BenchmarkLookupFloor(b *testing.B) {
	for _, s := range benchShapes {
		for _, o := range []BitOrder{LSBFirst, MSBFirst} {
			l := benchList(b, s.n, s.bits, o)
			name := o.String() + "/"
			data, bits, mask := l.Bytes(), uint64(l.Bits()), uint8(1<<l.Bits()-1)
			b.Run(name+s.name, func(b *testing.B) {
				b.ReportAllocs()
				step, n := stride(l)
				var sink Status
				for b.Loop() {
					i := uint64(0)
					for range lookups {
						if i += step; i >= n {
							i -= n
						}
						p := i * bits
						if o == LSBFirst {
							sink ^= Status(data[p>>3] >> (p & 7) & mask)
						} else {
							sink ^= Status(data[p>>3] >> (8 - bits - p&7) & mask)
						}
					}
				}
				benchSink = sink
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
