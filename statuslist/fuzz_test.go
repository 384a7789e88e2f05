package statuslist

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// oracle computes entry i by walking single bits: independent of List's
// shift-and-mask arithmetic.
func oracle(data []byte, bits int, order BitOrder, i uint64) Status {
	var v Status
	for k := 0; k < bits; k++ {
		p := i*uint64(bits) + uint64(k)
		var bit byte
		if order == LSBFirst {
			bit = data[p/8] >> (p % 8) & 1
			v |= Status(bit) << k
		} else {
			bit = data[p/8] >> (7 - p%8) & 1
			v |= Status(bit) << (bits - 1 - k)
		}
	}
	return v
}

func checkOracle(t *testing.T, l *List, data []byte, bits int, order BitOrder) {
	n := uint64(len(data)) * 8 / uint64(bits)
	if l.Len() != n {
		t.Fatalf("len %d want %d", l.Len(), n)
	}
	for i := uint64(0); i < n; i++ {
		got, err := l.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		if want := oracle(data, bits, order, i); got != want {
			t.Fatalf("bits %d order %v: [%d]=%d, oracle %d", bits, order, i, got, want)
		}
	}
	if _, err := l.Get(n); err == nil {
		t.Fatal("Get(len) succeeded")
	}
}

// FuzzIETFDecode: packed bytes → lst → decode must match the bit oracle;
// arbitrary lst text must never panic.
func FuzzIETFDecode(f *testing.F) {
	f.Add([]byte{0xb9, 0xa3}, uint8(0), "eNrbuRgAAhcBXQ")
	f.Add([]byte{0xc9, 0x44, 0xf9}, uint8(1), "eNo76fITAAPfAgc")
	f.Add([]byte{0xff, 0x00, 0x0f}, uint8(3), "")
	f.Fuzz(func(t *testing.T, data []byte, b uint8, lst string) {
		bits := []int{1, 2, 4, 8}[b%4]
		if len(data) > 0 && len(data) <= 4096 {
			l, err := ListFromBytes(append([]byte(nil), data...), bits, LSBFirst)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := EncodeLst(l)
			if err != nil {
				t.Fatal(err)
			}
			d, err := DecodeLst(enc, bits, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			checkOracle(t, d, data, bits, LSBFirst)
			// Set then Get agrees with the oracle on the mutated bytes.
			if d.Len() > 0 {
				i := uint64(len(data)) % d.Len()
				v := Status(len(lst)) & Status(1<<bits-1)
				if err := d.Set(i, v); err != nil {
					t.Fatal(err)
				}
				if got := oracle(d.Bytes(), bits, LSBFirst, i); got != v {
					t.Fatalf("set %d, oracle reads %d", v, got)
				}
			}
		}
		opts := DecodeOptions{MaxDecodedBytes: 1 << 16}
		if l, err := DecodeLst(lst, bits, opts); err == nil {
			raw, _ := base64.RawURLEncoding.DecodeString(lst)
			if data, err := Inflate(raw, 1<<16); err != nil || int64(len(data)) > opts.MaxDecodedBytes {
				t.Fatal("decoded what Inflate rejects")
			} else {
				checkOracle(t, l, data, bits, LSBFirst)
			}
		}
	})
}

// FuzzW3CDecode: packed bytes → encodedList → decode must match the MSB
// oracle for every statusSize; arbitrary text never panics.
func FuzzW3CDecode(f *testing.F) {
	f.Add([]byte{0x80, 0x01}, uint8(0), "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
	f.Add([]byte{0xb9, 0xa3, 0x12}, uint8(2), "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
	f.Add([]byte{0x01}, uint8(0), "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAA\r\nAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
	f.Fuzz(func(t *testing.T, data []byte, s uint8, text string) {
		size := int(s%8) + 1
		opts := DecodeOptions{InsecureAllowShortBitstring: true, MaxDecodedBytes: 1 << 18}
		if len(data)*8 >= size && len(data) <= 4096 {
			l, err := ListFromBytes(append([]byte(nil), data...), size, MSBFirst)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := EncodeBitstring(l)
			if err != nil {
				t.Fatal(err)
			}
			d, err := DecodeBitstring(enc, size, opts)
			if err != nil {
				t.Fatal(err)
			}
			checkOracle(t, d, data, size, MSBFirst)
			i := uint64(len(text)) % d.Len()
			v := Status(len(data)) & Status(1<<size-1)
			if err := d.Set(i, v); err != nil {
				t.Fatal(err)
			}
			if got := oracle(d.Bytes(), size, MSBFirst, i); got != v {
				t.Fatalf("set %d, oracle reads %d", v, got)
			}
		}
		if l, err := DecodeBitstring(text, size, opts); err == nil && (l.Len() == 0 || strings.ContainsAny(text, "\r\n")) {
			t.Fatalf("decoded %q (%d entries)", text, l.Len())
		}
		if _, err := DecodeStatusList2021(text, opts); err == nil && strings.ContainsAny(text, "\r\n") {
			t.Fatalf("StatusList2021 decoded %q with a line break", text)
		}
	})
}

// FuzzVerifyJWT: token parsing never panics and never returns a list
// without an error for tokens not signed by the key.
func FuzzVerifyJWT(f *testing.F) {
	v, pub := loadTokens(f)
	f.Add(v.JWT)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		vt, err := VerifyJWT(context.Background(), tok, VerifyOptions{Keys: StaticKey(pub), Now: time.Unix(v.Iat+1, 0), Decode: DecodeOptions{MaxDecodedBytes: 1 << 16}})
		if err == nil && (vt == nil || vt.List == nil) {
			t.Fatal("nil list without error")
		}
		if err != nil && vt != nil {
			t.Fatal("result with error")
		}
	})
}

// FuzzVerifyCWT: CBOR/COSE parsing never panics.
func FuzzVerifyCWT(f *testing.F) {
	v, pub := loadTokens(f)
	raw, _ := hex.DecodeString(v.CWT)
	f.Add(raw)
	f.Add([]byte{0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40})
	f.Fuzz(func(t *testing.T, in []byte) {
		vt, err := VerifyCWT(context.Background(), in, VerifyOptions{Keys: StaticKey(pub), Now: time.Unix(v.Iat+1, 0), Decode: DecodeOptions{MaxDecodedBytes: 1 << 16}})
		if err == nil && (vt == nil || vt.List == nil) {
			t.Fatal("nil list without error")
		}
		// Any decodable CBOR re-encodes and decodes to an equal encoding.
		if x, err := cborDecode(in); err == nil {
			a, err := cborEncode(x)
			if err != nil {
				return // e.g. duplicate keys after canonical sorting cannot occur; other types fine
			}
			y, err := cborDecode(a)
			if err != nil {
				t.Fatalf("re-encoded CBOR does not decode: %v", err)
			}
			b, _ := cborEncode(y)
			if string(a) != string(b) {
				t.Fatal("CBOR encoding not deterministic")
			}
		}
	})
}

// FuzzReferences: status claims from credentials never panic the parsers,
// and an accepted reference has a sane index and size.
func FuzzReferences(f *testing.F) {
	f.Add([]byte(`{"status_list":{"idx":1993,"uri":"https://x/1"}}`))
	f.Add([]byte(`{"type":"BitstringStatusListEntry","statusPurpose":"message","statusListIndex":"94567","statusListCredential":"https://x","statusSize":2,"statusMessage":[{"status":"0x0","message":"a"},{"status":"0x1","message":"b"},{"status":"0x2","message":"c"},{"status":"0x3","message":"d"}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var m map[string]any
		if json.Unmarshal(in, &m) != nil {
			return
		}
		if r, err := ReferenceFromIETF(m); err == nil && (r.Index > 1<<53 || r.URI == "") {
			t.Fatalf("accepted %+v", r)
		}
		if r, err := ReferenceFromW3C(m); err == nil && (r.Index >= MaxEntries || r.Size < 1 || r.Size > 8 || r.URI == "" || r.Purpose == "") {
			t.Fatalf("accepted %+v", r)
		}
	})
}
