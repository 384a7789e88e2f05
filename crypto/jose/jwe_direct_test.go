package jose

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwe"
	jwxkey "github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/ocmw/wstack/crypto"
)

var b64u = base64.RawURLEncoding

// rfc7518C are the keys of RFC 7518 Appendix C: Alice's ephemeral key
// (the epk) and Bob's static key, apu "Alice", apv "Bob", enc A128GCM;
// the derived key is VqqN6vgjbSBcIijNcacQGg.
var rfc7518C = struct{ aliceX, aliceY, bobX, bobY, bobD, derived string }{
	"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0", "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps",
	"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ", "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
	"VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw", "VqqN6vgjbSBcIijNcacQGg",
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := b64u.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConcatKDFRFC7518AppendixC(t *testing.T) {
	c := rfc7518C
	bob, err := ecdh.P256().NewPrivateKey(mustB64(t, c.bobD))
	if err != nil {
		t.Fatal(err)
	}
	if got := bob.PublicKey().Bytes(); !bytes.Equal(got, append(append([]byte{4}, mustB64(t, c.bobX)...), mustB64(t, c.bobY)...)) {
		t.Fatal("Bob's public key does not match the RFC")
	}
	alice, err := ecdh.P256().NewPublicKey(append(append([]byte{4}, mustB64(t, c.aliceX)...), mustB64(t, c.aliceY)...))
	if err != nil {
		t.Fatal(err)
	}
	z, err := bob.ECDH(alice)
	if err != nil {
		t.Fatal(err)
	}
	if got := b64u.EncodeToString(concatKDF(z, "A128GCM", []byte("Alice"), []byte("Bob"), 16)); got != c.derived {
		t.Fatalf("derived key %s, RFC 7518 Appendix C has %s", got, c.derived)
	}

	// The whole path: a JWE sealed under the RFC's derived key (with
	// crypto/cipher, not through concatKDF) opens with Bob's key.
	hdr := map[string]any{"alg": "ECDH-ES", "enc": "A128GCM", "apu": "QWxpY2U", "apv": "Qm9i",
		"epk": map[string]any{"kty": "EC", "crv": "P-256", "x": c.aliceX, "y": c.aliceY}}
	tok := sealWithCEK(t, hdr, mustB64(t, c.derived), []byte(`{"vp_token":"rfc7518"}`))
	bobECDSA, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), mustB64(t, c.bobD))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []any{bob, bobECDSA} {
		pt, h, err := Decrypt(tok, key, DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM"}})
		if err != nil || string(pt) != `{"vp_token":"rfc7518"}` || h.Alg != "ECDH-ES" {
			t.Fatalf("%T: %q %v", key, pt, err)
		}
	}
	// A different apu derives a different key: the tag fails.
	hdr["apu"] = b64u.EncodeToString([]byte("Alicf"))
	if _, _, err := Decrypt(sealWithCEK(t, hdr, mustB64(t, c.derived), []byte("x")), bob, DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM"}}); !errors.Is(err, ErrJWEDecrypt) {
		t.Fatalf("apu changed: %v", err)
	}
}

// sealWithCEK builds a compact direct-agreement JWE with header hdr whose
// content is sealed under cek.
func sealWithCEK(t testing.TB, hdr map[string]any, cek, pt []byte) string {
	t.Helper()
	hb, _ := json.Marshal(hdr)
	h64 := b64u.EncodeToString(hb)
	block, err := aes.NewCipher(cek)
	if err != nil {
		t.Fatal(err)
	}
	gcm, _ := cipher.NewGCM(block)
	iv := make([]byte, 12)
	_, _ = rand.Read(iv)
	sealed := gcm.Seal(nil, iv, pt, []byte(h64))
	ct, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
	return h64 + ".." + b64u.EncodeToString(iv) + "." + b64u.EncodeToString(ct) + "." + b64u.EncodeToString(tag)
}

// jwxDecrypt is the path Decrypt takes for everything but direct ECDH-ES
// with AES-GCM.
func jwxDecrypt(tok string, key *ecdsa.PrivateKey) ([]byte, error) {
	return jwe.Decrypt([]byte(tok), jwe.WithKey(jwa.ECDH_ES, key))
}

// directTokens: JWEs for every curve and content encryption of the
// native path, from jwx itself and from Encrypt (the native path), and
// sealed with apu/apv.
func directTokens(t testing.TB) (map[string]*ecdsa.PrivateKey, []string) {
	keys := map[string]*ecdsa.PrivateKey{}
	var toks []string
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		priv, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		jwk, err := crypto.PublicJWK(&priv.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{"A128GCM", "A256GCM"} {
			for _, hdr := range []map[string]any{nil, {"typ": "oauth-authz-req+jwt"}} {
				tok, err := Encrypt([]byte(`{"vp_token":{"q":["`+enc+`"]}}`), jwk, EncryptOptions{Alg: "ECDH-ES", Enc: enc, Header: hdr})
				if err != nil {
					t.Fatal(err)
				}
				keys[tok] = priv
				toks = append(toks, tok)
			}
			jk, err := jwxkey.FromRaw(&priv.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			jt, err := jwe.Encrypt([]byte(`{"from":"jwx"}`), jwe.WithKey(jwa.ECDH_ES, jk), jwe.WithContentEncryption(jwa.ContentEncryptionAlgorithm(enc)), jwe.WithCompact())
			if err != nil {
				t.Fatal(err)
			}
			keys[string(jt)] = priv
			toks = append(toks, string(jt))
			// apu and apv, sealed natively and checked against jwx below.
			epk, _ := ecdsa.GenerateKey(c, rand.Reader)
			epkJWK, _ := crypto.PublicJWK(&epk.PublicKey)
			a, _ := epk.ECDH()
			b, _ := priv.PublicKey.ECDH()
			z, _ := a.ECDH(b)
			n := directEnc(enc)
			hdr := map[string]any{"alg": "ECDH-ES", "enc": enc, "epk": epkJWK, "apu": b64u.EncodeToString([]byte("verifier nonce")), "apv": b64u.EncodeToString([]byte{0, 1, 2, 255})}
			tok := sealWithCEK(t, hdr, concatKDF(z, enc, []byte("verifier nonce"), []byte{0, 1, 2, 255}, n), []byte(`{"apu":true}`))
			keys[tok] = priv
			toks = append(toks, tok)
		}
	}
	return keys, toks
}

func TestDirectDecryptMatchesJWX(t *testing.T) {
	keys, toks := directTokens(t)
	o := DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM", "A256GCM"}}
	for _, tok := range toks {
		want, err := jwxDecrypt(tok, keys[tok])
		if err != nil {
			t.Fatalf("jwx: %v", err)
		}
		got, _, err := Decrypt(tok, keys[tok], o)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("native %q %v, jwx %q", got, err, want)
		}
		// Each part tampered with: both refuse.
		parts := strings.Split(tok, ".")
		for i := range parts {
			if parts[i] == "" {
				continue
			}
			mut := append([]string{}, parts...)
			mut[i] = flipLast(mut[i])
			bad := strings.Join(mut, ".")
			if _, err := jwxDecrypt(bad, keys[tok]); err == nil {
				continue // the flip did not change the decoded bytes
			}
			if pt, _, err := Decrypt(bad, keys[tok], o); err == nil {
				t.Fatalf("part %d tampered, native decrypted %q", i, pt)
			}
		}
		// A wrong key of the same curve fails authentication.
		other, _ := ecdsa.GenerateKey(keys[tok].Curve, rand.Reader)
		if _, _, err := Decrypt(tok, other, o); !errors.Is(err, ErrJWEDecrypt) {
			t.Fatalf("wrong key: %v", err)
		}
	}
}

func TestDirectDecryptRefusals(t *testing.T) {
	keys, toks := directTokens(t)
	tok := toks[0]
	key := keys[tok]
	o := DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM", "A256GCM"}}
	parts := strings.Split(tok, ".")
	hb, _ := b64u.DecodeString(parts[0])
	var hdr map[string]any
	_ = json.Unmarshal(hb, &hdr)
	withHeader := func(mut func(map[string]any)) string {
		m := map[string]any{}
		for k, v := range hdr {
			m[k] = v
		}
		mut(m)
		nb, _ := json.Marshal(m)
		return b64u.EncodeToString(nb) + "." + strings.Join(parts[1:], ".")
	}
	for _, c := range []struct {
		name  string
		token string
		want  error
	}{
		{"short_iv", strings.Join([]string{parts[0], "", b64u.EncodeToString(make([]byte, 8)), parts[3], parts[4]}, "."), ErrJWEDecrypt},
		{"short_tag", strings.Join([]string{parts[0], "", parts[2], parts[3], b64u.EncodeToString(make([]byte, 8))}, "."), ErrJWEDecrypt},
		{"apu_not_string", withHeader(func(m map[string]any) { m["apu"] = 1 }), ErrJWEMalformed},
		{"apv_not_base64url", withHeader(func(m map[string]any) { m["apv"] = "a+b/" }), ErrJWEMalformed},
		{"header_changed_aad", withHeader(func(m map[string]any) { m["kid"] = "other" }), ErrJWEDecrypt},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := Decrypt(c.token, key, o); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func flipLast(s string) string {
	b := []byte(s)
	if b[len(b)-1] == 'A' {
		b[len(b)-1] = 'E'
	} else {
		b[len(b)-1] = 'A'
	}
	return string(b)
}

// FuzzJWEDecrypt (security.md §fuzz 2) mutates direct ECDH-ES tokens and
// header variants (zip, PBES2 with a huge p2c, key wrapping): whatever
// Decrypt accepts went through the policy (ECDH-ES from the allow-list,
// no zip, so no output larger than the token), and the native path never
// accepts what jwx refuses nor returns other bytes than jwx.
func FuzzJWEDecrypt(f *testing.F) {
	keys, toks := directTokens(f)
	byCurve := map[string]*ecdsa.PrivateKey{}
	for _, tok := range toks {
		f.Add(tok)
		byCurve[keys[tok].Curve.Params().Name] = keys[tok]
	}
	parts := strings.Split(toks[0], ".")
	hb, _ := b64u.DecodeString(parts[0])
	for _, extra := range []string{`,"zip":"DEF"`, `,"alg":"PBES2-HS256+A128KW","p2c":2000000000`, `,"alg":"ECDH-ES+A128KW"`, `,"crit":["exp"]`} {
		h := append(append([]byte{}, hb[:len(hb)-1]...), extra+"}"...)
		f.Add(b64u.EncodeToString(h) + "." + strings.Join(parts[1:], "."))
	}
	o := DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM", "A256GCM"}}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, key := range byCurve {
			got, h, err := Decrypt(tok, key, o)
			if err != nil {
				continue
			}
			if h.Alg != "ECDH-ES" || h.Raw["zip"] != nil || len(got) > len(tok) {
				t.Fatalf("accepted alg %q zip %v, %d bytes out of %d", h.Alg, h.Raw["zip"], len(got), len(tok))
			}
			want, jerr := jwxDecrypt(tok, key)
			if jerr != nil || !bytes.Equal(got, want) {
				t.Fatalf("native %q, jwx %q %v", got, want, jerr)
			}
		}
	})
}

func BenchmarkDecryptDirect(b *testing.B) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk, _ := crypto.PublicJWK(&priv.PublicKey)
	tok, err := Encrypt(bytes.Repeat([]byte("x"), 2048), jwk, EncryptOptions{})
	if err != nil {
		b.Fatal(err)
	}
	o := DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM"}}
	b.Run("Decrypt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Decrypt(tok, priv, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jwx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jwxDecrypt(tok, priv); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The floor: the key agreement and AES-GCM alone.
	b.Run("floor", func(b *testing.B) {
		parts := strings.Split(tok, ".")
		hb, _ := b64u.DecodeString(parts[0])
		var hdr struct {
			EPK map[string]any `json:"epk"`
		}
		_ = json.Unmarshal(hb, &hdr)
		epk, _ := crypto.PublicKeyFromJWK(hdr.EPK)
		pub, _ := epk.(*ecdsa.PublicKey).ECDH()
		kp, _ := priv.ECDH()
		iv, ct, tag := mustB64(b, parts[2]), mustB64(b, parts[3]), mustB64(b, parts[4])
		b.ReportAllocs()
		for b.Loop() {
			z, _ := kp.ECDH(pub)
			block, _ := aes.NewCipher(concatKDF(z, "A128GCM", nil, nil, 16))
			gcm, _ := cipher.NewGCM(block)
			if _, err := gcm.Open(nil, iv, append(append([]byte{}, ct...), tag...), []byte(parts[0])); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestEncryptDirect: Encrypt's native path produces JWEs that jwx and
// Decrypt open, with the caller's header members, the recipient's kid, a
// fresh ephemeral key and IV each time; a header naming a member the
// native path does not implement goes through jwx and still opens.
func TestEncryptDirect(t *testing.T) {
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		priv, _ := ecdsa.GenerateKey(c, rand.Reader)
		jwk, _ := crypto.PublicJWK(&priv.PublicKey)
		jwk["kid"] = "enc-1"
		for _, enc := range []string{"A128GCM", "A256GCM"} {
			o := EncryptOptions{Alg: "ECDH-ES", Enc: enc, Header: map[string]any{"typ": "example+jwe", "kid": "overridden"}}
			a, err := Encrypt([]byte("payload"), jwk, o)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Encrypt([]byte("payload"), jwk, o)
			pa, pb := strings.Split(a, "."), strings.Split(b, ".")
			if len(pa) != 5 || pa[1] != "" || pa[0] == pb[0] || pa[2] == pb[2] {
				t.Fatalf("%s: not a fresh direct-agreement JWE: %q", enc, a)
			}
			hb, _ := b64u.DecodeString(pa[0])
			var h map[string]any
			if err := json.Unmarshal(hb, &h); err != nil {
				t.Fatal(err)
			}
			epk, _ := h["epk"].(map[string]any)
			if h["alg"] != "ECDH-ES" || h["enc"] != enc || h["typ"] != "example+jwe" || h["kid"] != "enc-1" || epk["crv"] != c.Params().Name || epk["d"] != nil {
				t.Fatalf("header %s", hb)
			}
			if pt, err := jwxDecrypt(a, priv); err != nil || string(pt) != "payload" {
				t.Fatalf("jwx: %q %v", pt, err)
			}
			pt, dh, err := Decrypt(a, priv, DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{enc}})
			if err != nil || string(pt) != "payload" || dh.Typ != "example+jwe" {
				t.Fatalf("Decrypt: %q %v", pt, err)
			}
		}
		// apu and apv (RFC 7518 §4.6.1.2/3) enter the key derivation, as
		// base64url strings or as bytes; the recipient's Decrypt and jwx
		// derive the same key from the header.
		for _, hdr := range []map[string]any{
			{"apu": []byte("verifier"), "apv": []byte{0, 1, 2}},
			{"apu": b64u.EncodeToString([]byte("Alice")), "apv": b64u.EncodeToString([]byte("Bob"))},
		} {
			tok, err := Encrypt([]byte("payload"), jwk, EncryptOptions{Alg: "ECDH-ES", Header: hdr})
			if err != nil {
				t.Fatal(err)
			}
			if pt, _, err := Decrypt(tok, priv, DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM"}}); err != nil || string(pt) != "payload" {
				t.Fatalf("apu/apv %v: %q %v", hdr, pt, err)
			}
			if pt, err := jwxDecrypt(tok, priv); err != nil || string(pt) != "payload" {
				t.Fatalf("apu/apv %v, jwx: %q %v", hdr, pt, err)
			}
		}
		for _, bad := range []map[string]any{{"apu": "a+b/"}, {"apv": 7}, {"apu": nil}} {
			if _, err := Encrypt([]byte("payload"), jwk, EncryptOptions{Alg: "ECDH-ES", Header: bad}); !errors.Is(err, ErrJWEMalformed) {
				t.Fatalf("%v: %v", bad, err)
			}
		}
	}
}

func BenchmarkEncrypt(b *testing.B) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk, _ := crypto.PublicJWK(&priv.PublicKey)
	jwk["kid"] = "enc-1"
	payload := bytes.Repeat([]byte("x"), 2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encrypt(payload, jwk, EncryptOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
