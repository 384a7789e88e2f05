package b64url

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
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

// checkDecode: DecodeStrict accepts exactly what ValidChars and
// encoding/base64's strict decoder both accept, with the same bytes.
func checkDecode(t *testing.T, s string) {
	t.Helper()
	want, errWant := base64.RawURLEncoding.Strict().DecodeString(s)
	okWant := errWant == nil && ValidChars(s)
	dst := make([]byte, DecodedLen(len(s)))
	n, err := DecodeStrict(dst, s)
	if (err == nil) != okWant {
		t.Fatalf("%q: DecodeStrict err %v, stdlib err %v, ValidChars %v", s, err, errWant, ValidChars(s))
	}
	if err == nil && !bytes.Equal(dst[:n], want) {
		t.Fatalf("%q: %x != %x", s, dst[:n], want)
	}
	got, err2 := DecodeStringStrict(s)
	if (err2 == nil) != okWant || err2 == nil && !bytes.Equal(got, want) {
		t.Fatalf("%q: DecodeStringStrict %x, %v; want %x, ok %v", s, got, err2, want, okWant)
	}
	if okWant == (errWant == nil) {
		return
	}
	// The only strings the stdlib takes and DecodeStrict refuses hold a
	// line break, reported as ErrLineBreak.
	if !errors.Is(err2, ErrLineBreak) {
		t.Fatalf("%q: error %v, want ErrLineBreak", s, err2)
	}
}

var decodeSeeds = []string{"", "A", "AA", "AAA", "AAAA", "AB", "AQ", "AQI", "AQID", "-_-_", "a+b/", "YQ==", "YQ", "Y\nQ", "Y\rQ",
	"YW\nJj", "YWJj\n", "\r\n", "YW Jj", "YWJj\x00", "YWJ\xff", "aGVsbG8sIHdvcmxk", "aGVsbG8sIHdvcmxl"}

func TestDecodeStrict(t *testing.T) {
	for _, s := range decodeSeeds {
		checkDecode(t, s)
	}
	buf := make([]byte, 300)
	rand.Read(buf)
	for n := 0; n <= len(buf); n++ {
		checkDecode(t, base64.RawURLEncoding.EncodeToString(buf[:n]))
	}
}

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkDecode(t, s) })
}
