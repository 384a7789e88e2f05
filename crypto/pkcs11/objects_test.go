package pkcs11

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/testkeys"
)

func TestLabelRoundTrip(t *testing.T) {
	for _, ref := range []crypto.KeyRef{
		{Context: crypto.Context{Namespace: "tenant-a", Group: "issuer"}, ID: "signing"},
		{Context: crypto.Context{Namespace: "did:web:example.com", Group: ""}, ID: "k@1.2_3-4"},
		{Context: crypto.Context{Namespace: strings.Repeat("n", 128), Group: strings.Repeat("g", 128)}, ID: strings.Repeat("i", 128)},
	} {
		got, err := parseLabel(keyLabel(ref))
		if err != nil || got != ref {
			t.Fatalf("round trip of %s: %v %v", ref, got, err)
		}
	}
}

func TestParseLabelRejects(t *testing.T) {
	cases := map[string]string{
		"foreign_label":                "my-rsa-key",
		"prefix_only":                  "wstack/",
		"two_parts":                    "wstack/ns/id",
		"four_parts":                   "wstack/ns/g/id/x",
		"empty_namespace":              "wstack//g/id",
		"empty_id":                     "wstack/ns/g/",
		"row16_path_traversal":         "wstack/../g/id",
		"row16_sql_injection":          "wstack/ns/g/' UNION SELECT 1--",
		"row16_url":                    "wstack/ns/g/https://evil.example/k",
		"row16_nul":                    "wstack/ns/g/a\x00b",
		"over_length":                  "wstack/" + strings.Repeat("a", 128) + "/" + strings.Repeat("b", 128) + "/" + strings.Repeat("c", 129),
		"name_over_128":                "wstack/ns/g/" + strings.Repeat("c", 129),
		"non_ascii":                    "wstack/ns/g/ключ",
		"row16_encoded_slash_is_plain": "wstack/ns/g/a%2Fb",
	}
	for name, label := range cases {
		t.Run(name, func(t *testing.T) {
			if ref, err := parseLabel([]byte(label)); !errors.Is(err, errObject) {
				t.Fatalf("parseLabel(%q) = %v, %v; want errObject", label, ref, err)
			}
		})
	}
}

func TestIDRoundTrip(t *testing.T) {
	for _, m := range []objectMeta{
		{Version: 1, Created: time.Date(2026, 11, 23, 16, 0, 0, 123456789, time.UTC)},
		{Version: 7, Created: time.Unix(0, 0).UTC(), Name: "issuer-key"},
		{Version: 1 << 30, Created: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), Name: strings.Repeat("~", 256)},
	} {
		got, err := parseID(encodeID(m))
		if err != nil || got.Version != m.Version || !got.Created.Equal(m.Created) || got.Name != m.Name {
			t.Fatalf("round trip of %+v: %+v %v", m, got, err)
		}
	}
}

func TestParseIDRejects(t *testing.T) {
	good := encodeID(objectMeta{Version: 2, Created: time.Now(), Name: "k"})
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := map[string][]byte{
		"empty":           nil,
		"foreign_id":      {0x01, 0x02, 0x03},
		"wrong_magic":     mut(func(b []byte) []byte { b[0] = 'x'; return b }),
		"truncated":       good[:len(good)-1],
		"trailing_byte":   append(bytes.Clone(good), 'x'),
		"version_zero":    mut(func(b []byte) []byte { copy(b[4:8], []byte{0, 0, 0, 0}); return b }),
		"version_huge":    mut(func(b []byte) []byte { copy(b[4:8], []byte{0xff, 0xff, 0xff, 0xff}); return b }),
		"name_length_lie": mut(func(b []byte) []byte { b[17] = 200; return b }),
		"name_with_space": encodeID(objectMeta{Version: 1, Name: "a b"}),
		"name_over_256":   encodeID(objectMeta{Version: 1, Name: strings.Repeat("a", 257)}),
		"over_length":     append(bytes.Clone(good), make([]byte, maxIDLen)...),
	}
	for name, id := range cases {
		t.Run(name, func(t *testing.T) {
			if m, err := parseID(id); !errors.Is(err, errObject) {
				t.Fatalf("parseID = %+v, %v; want errObject", m, err)
			}
		})
	}
}

// derSig encodes r and s as an ECDSA-Sig-Value.
func derSig(t testing.TB, r, s *big.Int) []byte {
	b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDERToRaw(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for i := 0; i < 200; i++ {
		digest := make([]byte, 32)
		rand.Read(digest)
		der, err := ecdsa.SignASN1(rand.Reader, key, digest)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := derToRaw(der, 32)
		if err != nil || len(raw) != 64 {
			t.Fatalf("derToRaw: %d bytes, %v", len(raw), err)
		}
		r, s := new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])
		if !ecdsa.Verify(&key.PublicKey, digest, r, s) {
			t.Fatal("converted signature does not verify")
		}
	}
	// A short r is left-padded to the fixed size.
	raw, err := derToRaw(derSig(t, big.NewInt(1), big.NewInt(0x0102)), 32)
	if err != nil || len(raw) != 64 || raw[31] != 1 || raw[62] != 1 || raw[63] != 2 || !bytes.Equal(raw[:31], make([]byte, 31)) {
		t.Fatalf("padding: %x %v", raw, err)
	}
}

// TestDERToRawRejects covers security.md row 61 (a signer that returns DER
// where r‖s is expected, or garbage) for what crypto11 hands back.
func TestDERToRawRejects(t *testing.T) {
	big32 := new(big.Int).Lsh(big.NewInt(1), 256) // needs 33 bytes
	good := derSig(t, big.NewInt(5), big.NewInt(7))
	cases := map[string][]byte{
		"row61_raw_instead_of_der": make([]byte, 64),
		"row61_empty":              nil,
		"row61_trailing_data":      append(bytes.Clone(good), 0),
		"row61_too_long":           make([]byte, maxSigDER+1),
		"row61_r_too_large":        derSig(t, big32, big.NewInt(1)),
		"row61_negative_r":         derSig(t, big.NewInt(-1), big.NewInt(1)),
		"row61_zero_s":             derSig(t, big.NewInt(1), big.NewInt(0)),
		"row61_non_minimal":        {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01},
		"row61_wrong_tag":          {0x30, 0x06, 0x04, 0x01, 0x01, 0x02, 0x01, 0x01},
		"row61_truncated":          good[:len(good)-1],
	}
	for name, der := range cases {
		t.Run(name, func(t *testing.T) {
			if raw, err := derToRaw(der, 32); !errors.Is(err, ErrToken) {
				t.Fatalf("derToRaw = %x, %v; want ErrToken", raw, err)
			}
		})
	}
}

func TestParsePublicKeys(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	point, _ := key.PublicKey.Bytes()
	wrapped, _ := asn1.Marshal(point)
	for name, p := range map[string][]byte{"der_octet_string": wrapped, "bare_point": point} {
		pub, typ, err := parseECPublic(oidP384, p)
		if err != nil || typ != crypto.KeyTypeECP384 || !pub.Equal(&key.PublicKey) {
			t.Fatalf("%s: %v %v", name, typ, err)
		}
	}
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edWrapped, _ := asn1.Marshal([]byte(edPub))
	for _, params := range [][]byte{oidEd25519, nameEd25519} {
		got, err := parseEd25519Public(params, edWrapped)
		if err != nil || !got.Equal(edPub) {
			t.Fatalf("ed25519: %v", err)
		}
	}
	offCurve := bytes.Clone(point)
	offCurve[len(offCurve)-1] ^= 1
	offWrapped, _ := asn1.Marshal(offCurve)
	bad := []struct {
		name          string
		params, point []byte
		ed            bool
	}{
		{"off_curve_point", oidP384, offWrapped, false},
		{"curve_mismatch", oidP256, wrapped, false},
		{"unknown_curve", mustOID(asn1.ObjectIdentifier{1, 3, 132, 0, 35}), wrapped, false},
		{"compressed_point", oidP384, append([]byte{0x02}, point[1:49]...), false},
		{"oversized_point", oidP384, make([]byte, maxPointLen+1), false},
		{"ed_wrong_params", oidP256, edWrapped, true},
		{"ed_short_point", oidEd25519, edWrapped[:20], true},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.ed {
				_, err = parseEd25519Public(c.params, c.point)
			} else {
				_, _, err = parseECPublic(c.params, c.point)
			}
			if !errors.Is(err, errObject) {
				t.Fatalf("got %v, want errObject", err)
			}
		})
	}
}

// TestCallBoundary covers security.md row 61 for the token boundary: a
// panicking wrapper becomes ErrToken, a hanging call returns at the deadline.
func TestCallBoundary(t *testing.T) {
	e := &Engine{}
	t.Run("row61_panic_recovered", func(t *testing.T) {
		err := e.call(context.Background(), "encrypt", func() error { panic("C_Encrypt: CKR_DEVICE_ERROR") })
		if !errors.Is(err, ErrToken) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("row61_panic_recovered_with_deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		e.ops.Add(1) // as an engine operation would hold
		defer e.ops.Done()
		err := e.call(ctx, "encrypt", func() error { panic("boom") })
		if !errors.Is(err, ErrToken) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("row61_hang_deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		release := make(chan struct{})
		e.ops.Add(1)
		start := time.Now()
		err := e.call(ctx, "sign", func() error { <-release; return nil })
		e.ops.Done()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrToken) {
			t.Fatalf("got %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("returned after %v", d)
		}
		close(release)
		e.ops.Wait() // the abandoned call is still accounted for until it returns
	})
	t.Run("canceled_before_start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		err := e.call(ctx, "sign", func() error { ran = true; return nil })
		if !errors.Is(err, context.Canceled) || ran {
			t.Fatalf("got %v, ran %v", err, ran)
		}
	})
}

func FuzzParseLabel(f *testing.F) {
	f.Add([]byte("wstack/ns/g/id"))
	f.Add([]byte("wstack/ns//id"))
	f.Add([]byte("wstack/../g/id"))
	f.Add([]byte("other"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ref, err := parseLabel(b)
		if err != nil {
			return
		}
		if ref.Validate() != nil || !bytes.Equal(keyLabel(ref), b) {
			t.Fatalf("accepted %q as %v, which does not round-trip", b, ref)
		}
	})
}

func FuzzParseID(f *testing.F) {
	f.Add(encodeID(objectMeta{Version: 1, Created: time.Unix(1, 2)}))
	f.Add(encodeID(objectMeta{Version: 3, Created: time.Unix(1, 2), Name: "kid"}))
	f.Add([]byte("wsk\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseID(b)
		if err != nil {
			return
		}
		if m.Version < 1 || len(m.Name) > maxKIDLen || !bytes.Equal(encodeID(m), b) {
			t.Fatalf("accepted %x as %+v, which does not round-trip", b, m)
		}
	})
}

func FuzzDERToRaw(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := ecdsa.SignASN1(rand.Reader, key, make([]byte, 32))
	f.Add(der)
	f.Add(make([]byte, 64))
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, size := range []int{32, 48} {
			raw, err := derToRaw(b, size)
			if err == nil && len(raw) != 2*size {
				t.Fatalf("output of %d bytes for size %d", len(raw), size)
			}
			if err != nil && !errors.Is(err, ErrToken) {
				t.Fatalf("untyped error %v", err)
			}
		}
	})
}

func FuzzParseECPoint(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	point, _ := key.PublicKey.Bytes()
	wrapped, _ := asn1.Marshal(point)
	f.Add(oidP256, wrapped)
	f.Add(oidEd25519, append([]byte{0x04, 0x20}, make([]byte, 32)...))
	f.Fuzz(func(t *testing.T, params, point []byte) {
		if pub, _, err := parseECPublic(params, point); err == nil {
			if _, err := pub.ECDH(); err != nil {
				t.Fatalf("accepted an invalid point: %v", err)
			}
		}
		if pub, err := parseEd25519Public(params, point); err == nil && len(pub) != ed25519.PublicKeySize {
			t.Fatal("accepted an Ed25519 key of the wrong size")
		}
	})
}

// Issue #10 item 3: an Edwards public key object on the token holding a
// small-order or non-canonical point (imported by another application) is
// not a usable key: errObject + crypto.ErrWeakKey, so build skips it.
func TestParseEd25519PublicSmallOrder(t *testing.T) {
	for _, k := range testkeys.SmallOrderEd25519 {
		t.Run(k.Name, func(t *testing.T) {
			wrapped, _ := asn1.Marshal([]byte(k.Key))
			for _, point := range [][]byte{wrapped, k.Key} {
				pub, err := parseEd25519Public(oidEd25519, point)
				if !errors.Is(err, errObject) || !errors.Is(err, crypto.ErrWeakKey) {
					t.Fatalf("parseEd25519Public = %x, %v; want errObject and crypto.ErrWeakKey", []byte(pub), err)
				}
			}
		})
	}
}
