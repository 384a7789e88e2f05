package crypto_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"testing"

	"github.com/ocmw/wstack/crypto"
)

func TestThumbprintRFC7638(t *testing.T) {
	raw, err := os.ReadFile("testdata/rfc7638-3.1.json")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := crypto.ParsePublicJWK(raw)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := crypto.Thumbprint(pub)
	if err != nil || tp != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("thumbprint %q %v", tp, err)
	}
}

func TestParsePublicJWK(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good, _ := crypto.PublicJWK(&k.PublicKey)
	mod := func(f func(m map[string]any)) []byte {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		f(m)
		out, _ := json.Marshal(m)
		return out
	}
	zero := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaN := base64.RawURLEncoding.EncodeToString(rk.N.Bytes())
	ep, _, _ := ed25519.GenerateKey(rand.Reader)
	edX := base64.RawURLEncoding.EncodeToString(ep)
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"ok", mod(func(m map[string]any) {}), nil},
		{"row3_private_d", mod(func(m map[string]any) { m["d"] = zero }), crypto.ErrInvalidJWK},
		{"row3_symmetric_k", []byte(`{"kty":"oct","k":"AAAA"}`), crypto.ErrInvalidJWK},
		{"off_curve", mod(func(m map[string]any) { m["y"] = zero }), crypto.ErrInvalidJWK},
		{"zero_point", mod(func(m map[string]any) { m["x"], m["y"] = zero, zero }), crypto.ErrInvalidJWK},
		// x = p + x0 encodes the same residue as a valid x0 only if reduced: it must be rejected.
		{"x_not_reduced", mod(func(m map[string]any) {
			x, _ := base64.RawURLEncoding.DecodeString(m["x"].(string))
			p := elliptic.P256().Params().P
			xp := new(big.Int).Add(new(big.Int).SetBytes(x), p)
			if xp.BitLen() > 256 {
				xp.Sub(xp, p).Sub(xp, p) // keep 32 bytes: any value >= p works
				xp.Add(p, big.NewInt(1))
			}
			m["x"] = base64.RawURLEncoding.EncodeToString(xp.FillBytes(make([]byte, 32)))
		}), crypto.ErrInvalidJWK},
		{"p384_point_as_p256", mod(func(m map[string]any) { m["crv"] = "P-384" }), crypto.ErrInvalidJWK},
		{"short_coordinate", mod(func(m map[string]any) { m["x"] = "AAAA" }), crypto.ErrInvalidJWK},
		{"row14_noncanonical_b64", mod(func(m map[string]any) { m["x"] = m["x"].(string) + "=" }), crypto.ErrInvalidJWK},
		// encoding/base64 skips CR and LF even in Strict mode: one key, one encoding.
		{"row14_line_break_in_x", mod(func(m map[string]any) { x := m["x"].(string); m["x"] = x[:20] + "\n" + x[20:] }), crypto.ErrInvalidJWK},
		{"row14_line_break_in_rsa_n", []byte(`{"kty":"RSA","n":"` + rsaN[:100] + `\r\n` + rsaN[100:] + `","e":"AQAB"}`), crypto.ErrInvalidJWK},
		{"row14_line_break_in_okp_x", []byte(`{"kty":"OKP","crv":"Ed25519","x":"` + edX[:10] + `\n` + edX[10:] + `"}`), crypto.ErrInvalidJWK},
		{"rsa_ok", []byte(`{"kty":"RSA","n":"` + rsaN + `","e":"AQAB"}`), nil},
		{"okp_ok", []byte(`{"kty":"OKP","crv":"Ed25519","x":"` + edX + `"}`), nil},
		{"unknown_curve", mod(func(m map[string]any) { m["crv"] = "secp256k1" }), crypto.ErrUnsupportedKeyType},
		{"unknown_kty", []byte(`{"kty":"XYZ"}`), crypto.ErrUnsupportedKeyType},
		{"okp_x25519", []byte(`{"kty":"OKP","crv":"X25519","x":"` + zero + `"}`), crypto.ErrUnsupportedKeyType},
		{"rsa_too_small", []byte(`{"kty":"RSA","n":"` + base64.RawURLEncoding.EncodeToString(append([]byte{0xc1}, make([]byte, 127)...)) + `","e":"AQAB"}`), crypto.ErrInvalidJWK},
		{"not_json", []byte(`{`), crypto.ErrInvalidJWK},
		// Issue #10 item 3: small-order, non-canonical and off-curve Ed25519 keys.
		{"ed25519_identity", []byte(`{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), crypto.ErrWeakKey},
		{"ed25519_order8", []byte(`{"kty":"OKP","crv":"Ed25519","x":"JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_AU"}`), crypto.ErrWeakKey},
		{"ed25519_y_not_reduced", []byte(`{"kty":"OKP","crv":"Ed25519","x":"7v_______________________________________38"}`), crypto.ErrWeakKey},
		{"ed25519_short", []byte(`{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), crypto.ErrInvalidJWK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := crypto.ParsePublicJWK(c.in)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v want %v", err, c.want)
			}
		})
	}
}

func TestVerifySignatureRejectsMismatch(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sig := ed25519.Sign(priv, []byte("m"))
	if err := crypto.VerifySignature(pub, crypto.EdDSA, []byte("m"), sig); err != nil {
		t.Fatal(err)
	}
	if err := crypto.VerifySignature(pub, crypto.ES256, []byte("m"), sig); !errors.Is(err, crypto.ErrUnsupportedAlgorithm) {
		t.Fatalf("alg/key mismatch: %v", err)
	}
	if err := crypto.VerifySignature(pub, "none", []byte("m"), nil); !errors.Is(err, crypto.ErrUnsupportedAlgorithm) {
		t.Fatalf("none: %v", err)
	}
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err := crypto.VerifySignature(&ek.PublicKey, crypto.ES256, []byte("m"), make([]byte, 64)); !errors.Is(err, crypto.ErrUnsupportedAlgorithm) {
		t.Fatalf("ES256 with P-384 key: %v", err)
	}
	ek2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err := crypto.VerifySignature(&ek2.PublicKey, crypto.ES256, []byte("m"), make([]byte, 70)); !errors.Is(err, crypto.ErrInvalidSignature) {
		t.Fatalf("DER-length signature: %v", err)
	}
}

func FuzzParsePublicJWK(f *testing.F) {
	raw, _ := os.ReadFile("testdata/rfc7638-3.1.json")
	f.Add(raw)
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}`))
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := crypto.ParsePublicJWK(data)
		if err != nil {
			return
		}
		if k, ok := pub.(ed25519.PublicKey); ok && crypto.CheckEd25519PublicKey(k) != nil {
			t.Fatalf("weak Ed25519 key %x parsed", []byte(k))
		}
		m, err := crypto.PublicJWK(pub)
		if err != nil {
			t.Fatalf("parsed key does not re-encode: %v", err)
		}
		out, _ := json.Marshal(m)
		pub2, err := crypto.ParsePublicJWK(out)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		a, _ := crypto.Thumbprint(pub)
		b, _ := crypto.Thumbprint(pub2)
		if a != b {
			t.Fatal("thumbprint changed on round trip")
		}
	})
}
