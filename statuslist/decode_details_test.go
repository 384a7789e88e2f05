package statuslist

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// Issue #10 item 7: encoding/base64 skips CR and LF even in Strict mode;
// lst, encodedList (both W3C forms) and the CWT lst bytes must not. Before
// the fix every row with a line break decoded.
func TestBase64LineBreaksRejected(t *testing.T) {
	ietf := mustList(NewIETFList(4096, 2))
	lst, err := EncodeLst(ietf)
	if err != nil {
		t.Fatal(err)
	}
	w3c := mustList(NewBitstringList(MinBitstringEntries, 1))
	enc, err := EncodeBitstring(w3c)
	if err != nil {
		t.Fatal(err)
	}
	sl2021url := enc[1:]
	gz, _ := base64.RawURLEncoding.DecodeString(sl2021url)
	sl2021std := base64.StdEncoding.EncodeToString(gz)
	if !strings.ContainsAny(sl2021std, "+/") {
		sl2021std = "" // the standard alphabet is only chosen when + or / occurs
	}
	decoders := map[string]struct {
		valid  string
		decode func(string) error
	}{
		"lst": {lst, func(s string) error { _, err := DecodeLst(s, 2, DecodeOptions{}); return err }},
		"encodedList": {enc, func(s string) error {
			_, err := DecodeBitstring(s, 1, DecodeOptions{})
			return err
		}},
		"statuslist2021_url": {sl2021url, func(s string) error { _, err := DecodeStatusList2021(s, DecodeOptions{}); return err }},
		"cwt_lst":            {lst, func(s string) error { _, err := base64Raw(s); return err }},
	}
	if sl2021std != "" {
		decoders["statuslist2021_std"] = struct {
			valid  string
			decode func(string) error
		}{sl2021std, func(s string) error { _, err := DecodeStatusList2021(s, DecodeOptions{}); return err }}
	}
	for name, d := range decoders {
		t.Run(name, func(t *testing.T) {
			if err := d.decode(d.valid); err != nil {
				t.Fatalf("valid input: %v", err)
			}
			mid := len(d.valid) / 2
			for _, c := range []struct{ name, in string }{
				{"lf_middle", d.valid[:mid] + "\n" + d.valid[mid:]},
				{"crlf_middle", d.valid[:mid] + "\r\n" + d.valid[mid:]},
				{"cr_middle", d.valid[:mid] + "\r" + d.valid[mid:]},
				{"lf_end", d.valid + "\n"},
				{"lf_after_prefix", d.valid[:2] + "\n" + d.valid[2:]},
				{"space", d.valid[:mid] + " " + d.valid[mid:]},
				{"tab", d.valid[:mid] + "\t" + d.valid[mid:]},
			} {
				if err := d.decode(c.in); !errors.Is(err, ErrEncoding) {
					t.Errorf("%s: %v, want ErrEncoding", c.name, err)
				}
			}
		})
	}
}

// Issue #10 item 7: a decompression bomb costs about MaxDecodedBytes of
// allocation, whatever the cap (before the fix the buffer doubled up to the
// cap and was then copied into cap+1 to detect one more byte: about 3× at a
// power-of-two cap, up to 4× just above one). Output of exactly the cap
// still decodes, at under 2× the cap; one byte more is ErrTooLarge.
func TestDecompressionBombAllocation(t *testing.T) {
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	for _, c := range []struct {
		name     string
		compress func([]byte) []byte
		inflate  func([]byte, int64) ([]byte, error)
	}{
		{"zlib", Deflate, Inflate},
		{"gzip", Gzip, Gunzip},
	} {
		for _, max := range []int64{4 << 20, 2<<20 + 1, 3 << 20, 100_000} {
			t.Run(fmt.Sprintf("%s_cap_%d", c.name, max), func(t *testing.T) {
				exact := c.compress(make([]byte, max))
				over := c.compress(make([]byte, max+1))
				bomb := c.compress(make([]byte, 16*max))
				var out []byte
				var err error
				exactAlloc := allocated(func() { out, err = c.inflate(exact, max) })
				if err != nil || int64(len(out)) != max {
					t.Fatalf("exactly the cap: %d bytes, %v", len(out), err)
				}
				if _, err := c.inflate(over, max); !errors.Is(err, ErrTooLarge) {
					t.Fatalf("cap + 1: %v", err)
				}
				bombAlloc := allocated(func() { _, err = c.inflate(bomb, max) })
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("bomb: %v", err)
				}
				t.Logf("cap %d: bomb (%d compressed bytes, %d inflated) allocates %.2f× the cap, a list of exactly the cap %.2f×",
					max, len(bomb), 16*max, float64(bombAlloc)/float64(max), float64(exactAlloc)/float64(max))
				// Slack for the decompressor's own state (window, tables).
				const slack = 96 << 10
				if bombAlloc > uint64(max)+slack {
					t.Errorf("bomb: %d bytes allocated, more than the cap %d", bombAlloc, max)
				}
				if exactAlloc > uint64(2*max)+slack {
					t.Errorf("list of the cap: %d bytes allocated, more than 2× the cap %d", exactAlloc, max)
				}
			})
		}
	}
}

// Issue #10 item 7: DecodeBitstring treats statusSize 0 (absent) as 1, as
// documented; before the fix it was ErrBadBits.
func TestDecodeBitstringAbsentStatusSize(t *testing.T) {
	l := mustList(NewBitstringList(MinBitstringEntries, 1))
	if err := l.Set(7, 1); err != nil {
		t.Fatal(err)
	}
	enc, _ := EncodeBitstring(l)
	got, err := DecodeBitstring(enc, 0, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Bits() != 1 || got.Len() != l.Len() || !bytes.Equal(got.Bytes(), l.Bytes()) {
		t.Fatalf("bits %d len %d", got.Bits(), got.Len())
	}
}

// Issue #10 item 7: List.Len is the same before and after an encode/decode
// round trip (before the fix NewIETFList(2053, 1) had 2,053 entries and its
// decoded copy 2,056). Len is at least the requested count, and the last
// entry is usable.
func TestLenSurvivesRoundTrip(t *testing.T) {
	for _, n := range []uint64{1, 7, 9, 2053, 100_001} {
		for _, bits := range []int{1, 2, 4, 8} {
			l := mustList(NewIETFList(n, bits))
			if l.Len() < n || l.Len() >= n+8 {
				t.Fatalf("n=%d bits=%d: Len %d", n, bits, l.Len())
			}
			if err := l.Set(l.Len()-1, 1); err != nil {
				t.Fatalf("n=%d bits=%d: last entry: %v", n, bits, err)
			}
			if err := l.Set(l.Len(), 1); !errors.Is(err, ErrIndexOutOfRange) {
				t.Fatalf("n=%d bits=%d: entry Len(): %v", n, bits, err)
			}
			lst, _ := EncodeLst(l)
			d, err := DecodeLst(lst, bits, DecodeOptions{})
			if err != nil || d.Len() != l.Len() {
				t.Fatalf("IETF n=%d bits=%d: Len %d, decoded %d (%v)", n, bits, l.Len(), d.Len(), err)
			}
		}
		for _, size := range []int{1, 2, 3, 5, 8} {
			l := mustList(NewBitstringList(n+MinBitstringEntries, size))
			enc, _ := EncodeBitstring(l)
			d, err := DecodeBitstring(enc, size, DecodeOptions{})
			if err != nil || d.Len() != l.Len() {
				t.Fatalf("W3C n=%d size=%d: Len %d, decoded %d (%v)", n+MinBitstringEntries, size, l.Len(), d.Len(), err)
			}
		}
	}
}
