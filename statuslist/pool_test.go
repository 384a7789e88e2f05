package statuslist

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
)

// freshCompress is the reference: a new writer per call (deflate output is
// deterministic, so a pooled writer must produce the same bytes).
func freshCompress(t testing.TB, data []byte, level int, gz bool) []byte {
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	var err error
	if gz {
		w, err = gzip.NewWriterLevel(&buf, level)
	} else {
		w, err = zlib.NewWriterLevel(&buf, level)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

func randomList(seed uint64, n uint64, bits int, order BitOrder) *List {
	var l *List
	if order == LSBFirst {
		l = mustList(NewIETFList(n, bits))
	} else {
		l = mustList(NewBitstringList(n, bits))
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for range n / 50 {
		l.Set(r.Uint64N(l.Len()), Status(r.IntN(1<<bits)))
	}
	return l
}

// TestPooledCodecsConcurrent: encodes and decodes of different lists at
// different levels run concurrently, interleaved with inputs that fail
// (corrupt, trailing bytes, a second gzip member, over the cap). Every
// encoding must equal a fresh writer's output byte for byte and every
// decode the original bytes: pooled readers and writers share no state
// between calls, and a failed call does not poison the pool (in particular
// a reused gzip reader still rejects concatenated members, which
// gzip.Reader.Reset would re-enable). Run with -race -count=20.
func TestPooledCodecsConcurrent(t *testing.T) {
	type item struct {
		l     *List
		level int
		lst   []byte // reference compressed bytes
	}
	var items []item
	levels := []int{0, 1, 6, 9, -2}
	for i := range 10 {
		order := LSBFirst
		if i%2 == 1 {
			order = MSBFirst
		}
		n := uint64(4096 + 977*i)
		l := randomList(uint64(i), n, []int{1, 2, 4, 8}[i%4], order)
		lv := levels[i%len(levels)]
		eff, _ := validLevel(lv)
		items = append(items, item{l, lv, freshCompress(t, l.Bytes(), eff, order == MSBFirst)})
	}
	w3c := items[1].l
	member := Gzip(w3c.Bytes())
	twoMembers := append(append([]byte(nil), member...), member...)
	corrupt := append([]byte(nil), member...)
	corrupt[len(corrupt)/2] ^= 0xff
	zcorrupt := Deflate(items[0].l.Bytes())
	zcorrupt[len(zcorrupt)/2] ^= 0xff
	trailing := append(Deflate(items[0].l.Bytes()), 0)

	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 10 {
				it := items[(g*3+k)%len(items)]
				var enc string
				var err error
				if it.l.Order() == LSBFirst {
					enc, err = EncodeLstLevel(it.l, it.level)
				} else {
					enc, err = EncodeBitstringLevel(it.l, it.level)
				}
				if err != nil {
					errc <- err
					return
				}
				want := base64.RawURLEncoding.EncodeToString(it.lst)
				if it.l.Order() == MSBFirst {
					want = "u" + want
				}
				if enc != want {
					errc <- fmt.Errorf("goroutine %d: level %d encoding differs from a fresh writer's", g, it.level)
					return
				}
				var d *List
				if it.l.Order() == LSBFirst {
					d, err = DecodeLst(enc, it.l.Bits(), DecodeOptions{})
				} else {
					d, err = DecodeBitstring(enc, it.l.Bits(), DecodeOptions{InsecureAllowShortBitstring: true})
				}
				if err != nil || !bytes.Equal(d.Bytes(), it.l.Bytes()) {
					errc <- fmt.Errorf("goroutine %d: decode: %v", g, err)
					return
				}
				for _, bad := range []struct {
					name string
					f    func() error
					want error
				}{
					{"two members", func() error { _, err := Gunzip(twoMembers, DefaultMaxDecodedBytes); return err }, ErrCompression},
					{"corrupt gzip", func() error { _, err := Gunzip(corrupt, DefaultMaxDecodedBytes); return err }, ErrCompression},
					{"corrupt zlib", func() error { _, err := Inflate(zcorrupt, DefaultMaxDecodedBytes); return err }, ErrCompression},
					{"trailing", func() error { _, err := Inflate(trailing, DefaultMaxDecodedBytes); return err }, ErrCompression},
					{"over cap", func() error { _, err := Gunzip(member, int64(len(w3c.Bytes())-1)); return err }, ErrTooLarge},
				} {
					if err := bad.f(); !errors.Is(err, bad.want) {
						errc <- fmt.Errorf("goroutine %d: %s: %v, want %v", g, bad.name, err, bad.want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// TestDefaultLevel: EncodeLst and EncodeBitstring use DefaultLevel (6)
// unless told otherwise, and BestLevel is still available. Before #18
// level 0 meant the best level (9).
func TestDefaultLevel(t *testing.T) {
	l := randomList(1, MinBitstringEntries, 1, LSBFirst)
	w := randomList(2, MinBitstringEntries, 1, MSBFirst)
	lst, _ := EncodeLst(l)
	if want := base64.RawURLEncoding.EncodeToString(freshCompress(t, l.Bytes(), 6, false)); lst != want {
		t.Fatal("EncodeLst is not at level 6")
	}
	enc, _ := EncodeBitstring(w)
	if want := "u" + base64.RawURLEncoding.EncodeToString(freshCompress(t, w.Bytes(), 6, true)); enc != want {
		t.Fatal("EncodeBitstring is not at level 6")
	}
	best, _ := EncodeLstLevel(l, BestLevel)
	if want := base64.RawURLEncoding.EncodeToString(freshCompress(t, l.Bytes(), 9, false)); best != want {
		t.Fatal("BestLevel is not level 9")
	}
	if !bytes.Equal(Deflate(l.Bytes()), freshCompress(t, l.Bytes(), 6, false)) || !bytes.Equal(Gzip(w.Bytes()), freshCompress(t, w.Bytes(), 6, true)) {
		t.Fatal("Deflate/Gzip are not at DefaultLevel")
	}
}

// TestCodecAllocation: after warm-up, encoding a 131,072-entry list
// allocates about its output (pooled compressors; a new zlib/gzip writer is
// ~800 KB), and decoding it about the list plus its compressed bytes (a new
// reader is ~40 KB and io.ReadAll-style growth more).
func TestCodecAllocation(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts are not meaningful under -race or -short")
	}
	// A GC empties sync.Pools: collect first, refill the pools with one
	// call, and keep the collector off while measuring, so that what is
	// measured is the steady state a busy publisher or checker sees.
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
		f()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	l := randomList(3, MinBitstringEntries, 1, LSBFirst)
	w := randomList(4, MinBitstringEntries, 1, MSBFirst)
	lst, _ := EncodeLst(l)
	enc, _ := EncodeBitstring(w)
	const runs = 20
	size := uint64(len(l.Bytes())) // 16 KiB
	for _, c := range []struct {
		name  string
		f     func()
		limit uint64
	}{
		{"EncodeLst", func() { EncodeLst(l) }, uint64(len(lst)) + 8<<10},
		{"EncodeBitstring", func() { EncodeBitstring(w) }, uint64(len(enc)) + 8<<10},
		// zlib has no size field: the first chunk is 64 KiB.
		{"DecodeLst", func() { DecodeLst(lst, 1, DecodeOptions{}) }, 64<<10 + uint64(len(lst)) + 8<<10},
		// gzip's ISIZE sizes the output exactly.
		{"DecodeBitstring", func() { DecodeBitstring(enc, 1, DecodeOptions{}) }, size + uint64(len(enc)) + 8<<10},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.f() // warm the pools
			// sync.Pool may drop objects at a GC; take the best of a few runs.
			best := ^uint64(0)
			for range 5 {
				best = min(best, allocated(func() {
					for range runs {
						c.f()
					}
				})/runs)
			}
			t.Logf("%d bytes per call", best)
			if best > c.limit {
				t.Errorf("%d bytes allocated per call, want ≤ %d", best, c.limit)
			}
		})
	}
}

// TestAtMatchesGet: At returns what Get returns for every index of lists of
// every bit width and order, including MSB-first widths whose entries cross
// bytes.
func TestAtMatchesGet(t *testing.T) {
	for _, order := range []BitOrder{LSBFirst, MSBFirst} {
		for bits := 1; bits <= 8; bits++ {
			if order == LSBFirst && !ietfBits(bits) {
				continue
			}
			t.Run(fmt.Sprintf("%v/%d", order, bits), func(t *testing.T) {
				l := randomList(uint64(bits), 1001, bits, order)
				r := rand.New(rand.NewPCG(9, uint64(bits)))
				for range 200 {
					i := r.Uint64N(l.Len())
					l.Set(i, Status(r.IntN(1<<bits)))
				}
				// The last entry too, where a crossing window has no next byte.
				l.Set(l.Len()-1, Status(1<<bits-1))
				for i := range l.Len() {
					g, err := l.Get(i)
					if err != nil {
						t.Fatal(err)
					}
					if a := l.At(i); a != g {
						t.Fatalf("index %d: At %v, Get %v", i, a, g)
					}
				}
				if _, err := l.Get(l.Len()); !errors.Is(err, ErrIndexOutOfRange) {
					t.Fatalf("Get(Len): %v", err)
				}
				if testing.AllocsPerRun(100, func() { _ = l.At(l.Len() / 2) }) != 0 {
					t.Fatal("At allocates")
				}
			})
		}
	}
}
