package b64url

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"testing"
)

func TestMatchesStdlib(t *testing.T) {
	buf := make([]byte, 300)
	rand.Read(buf)
	for n := 0; n <= len(buf); n++ {
		want := base64.RawURLEncoding.AppendEncode([]byte("x"), buf[:n])
		if got := AppendEncode([]byte("x"), buf[:n]); !bytes.Equal(got, want) {
			t.Fatalf("n=%d: %s != %s", n, got, want)
		}
		dst := make([]byte, EncodedLen(n))
		if Encode(dst, buf[:n]); !bytes.Equal(dst, want[1:]) {
			t.Fatalf("Encode n=%d", n)
		}
	}
	all := make([]byte, 0, 3*256)
	for i := range 256 {
		all = append(all, byte(i), byte(255-i), byte(i*7))
	}
	if got, want := AppendEncode(nil, all), base64.RawURLEncoding.AppendEncode(nil, all); !bytes.Equal(got, want) {
		t.Fatal("all bytes")
	}
}

func FuzzMatchesStdlib(f *testing.F) {
	f.Add([]byte("hello, world"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := AppendEncode(nil, b), base64.RawURLEncoding.AppendEncode(nil, b); !bytes.Equal(got, want) {
			t.Fatalf("%x: %s != %s", b, got, want)
		}
	})
}

var sink []byte

func BenchmarkEncode(b *testing.B) {
	src := make([]byte, 1300)
	rand.Read(src)
	dst := make([]byte, 0, 2000)
	b.Run("b64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			sink = AppendEncode(dst[:0], src)
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			sink = base64.RawURLEncoding.AppendEncode(dst[:0], src)
		}
	})
	small := src[:70]
	b.Run("b64-70", func(b *testing.B) {
		for b.Loop() {
			sink = AppendEncode(dst[:0], small)
		}
	})
	b.Run("stdlib-70", func(b *testing.B) {
		for b.Loop() {
			sink = base64.RawURLEncoding.AppendEncode(dst[:0], small)
		}
	})
}
