package did_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto/did"
)

// mbKey builds "z" + base58btc(header ‖ raw) through the package's own
// encoder by way of a valid key, then patches bytes: the table below needs
// malformed multikeys, so they are built from known-good ones.
func keyDIDFromBytes(t *testing.T, b []byte) string {
	t.Helper()
	return "did:key:z" + base58(b)
}

// base58 is an independent, slow reference encoder (big-number division)
// used to build test inputs.
func base58(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	num := append([]byte(nil), b...)
	var out []byte
	for {
		allZero := true
		rem := 0
		for i := range num {
			v := rem*256 + int(num[i])
			num[i] = byte(v / 58)
			rem = v % 58
			if num[i] != 0 {
				allZero = false
			}
		}
		out = append(out, alphabet[rem])
		if allZero {
			break
		}
	}
	// strip the digit produced for a zero value, add '1' per leading zero byte
	for len(out) > 0 && out[len(out)-1] == '1' {
		out = out[:len(out)-1]
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func TestBase58ReferenceAgrees(t *testing.T) {
	// The reference encoder must agree with the spec vector it is used
	// next to.
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d, _, err := did.NewKeyDID(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	mb := strings.TrimPrefix(d, "did:key:")
	raw := compressed(&k.PublicKey)
	if want := "z" + base58(append([]byte{0x80, 0x24}, raw...)); want != mb {
		t.Fatalf("reference %s, package %s", want, mb)
	}
	if base58([]byte{0, 0, 0x28, 0x7f, 0xb4, 0xcd}) != "11233QC4" {
		t.Fatal("reference encoder wrong")
	}
}

func compressed(k *ecdsa.PublicKey) []byte {
	u, _ := k.Bytes()
	size := (len(u) - 1) / 2
	return append([]byte{2 | u[len(u)-1]&1}, u[1:1+size]...)
}

// did:key errors (did:key v0.9 Document Creation, Signature Method Creation;
// specs.md §3 "did:key: missing z; bad length or point; unsupported codec").
func TestDIDKeyBadInput(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := compressed(&p256.PublicKey)
	// An x with no point on P-256: try x = 0, 1, 2, … until one fails.
	var offCurve []byte
	for x := byte(0); ; x++ {
		cand := append([]byte{0x80, 0x24, 0x02}, make([]byte, 32)...)
		cand[len(cand)-1] = x
		if _, err := did.DecodeKeyDID(keyDIDFromBytes(t, cand)); errors.Is(err, did.ErrInvalidPublicKey) {
			offCurve = cand
			break
		}
	}
	ed := make([]byte, 32)
	ed[0] = 1
	ed[31] = 0x80 // x = 0 with the sign bit: not a canonical point
	for _, tc := range []struct {
		name string
		did  string
		err  error
		code string
	}{
		{"missing_z", "did:key:6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidDID, "invalidDid"},
		{"base64_multibase", "did:key:mO2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik", did.ErrInvalidDID, "invalidDid"},
		{"only_z", "did:key:z", did.ErrInvalidDID, "invalidDid"},
		{"not_base58_0", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do0", did.ErrInvalidDID, "invalidDid"},
		{"not_base58_l", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2dol", did.ErrInvalidDID, "invalidDid"},
		{"wrong_method", "did:jwk:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidDID, "invalidDid"},
		{"no_scheme", "key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidDID, "invalidDid"},
		{"version_zero", "did:key:0:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidDID, "invalidDid"},
		{"version_leading_zero", "did:key:01:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidDID, "invalidDid"},
		{"version_not_number", "did:key:v1:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidDID, "invalidDid"},
		{"too_many_parts", "did:key:1:2:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", did.ErrInvalidDID, "invalidDid"},
		{"fragment_in_did", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#x", did.ErrInvalidDID, "invalidDid"},
		{"too_long", "did:key:z" + strings.Repeat("2", 1100), did.ErrInvalidDID, "invalidDid"},
		{"varint_not_minimal", keyDIDFromBytes(t, append([]byte{0xed, 0x81, 0x00}, make([]byte, 32)...)), did.ErrInvalidDID, "invalidDid"},
		{"varint_truncated", keyDIDFromBytes(t, []byte{0x80}), did.ErrInvalidDID, "invalidDid"},
		{"ed25519_short", keyDIDFromBytes(t, append([]byte{0xed, 0x01}, make([]byte, 31)...)), did.ErrInvalidPublicKeyLength, "invalidPublicKeyLength"},
		{"ed25519_long", keyDIDFromBytes(t, append([]byte{0xed, 0x01}, make([]byte, 33)...)), did.ErrInvalidPublicKeyLength, "invalidPublicKeyLength"},
		{"p256_uncompressed", keyDIDFromBytes(t, append([]byte{0x80, 0x24}, func() []byte { u, _ := p256.PublicKey.Bytes(); return u }()...)), did.ErrInvalidPublicKeyLength, "invalidPublicKeyLength"},
		{"p256_truncated", keyDIDFromBytes(t, append([]byte{0x80, 0x24}, c[:32]...)), did.ErrInvalidPublicKeyLength, "invalidPublicKeyLength"},
		{"p384_with_p256_point", keyDIDFromBytes(t, append([]byte{0x81, 0x24}, c...)), did.ErrInvalidPublicKeyLength, "invalidPublicKeyLength"},
		{"p256_bad_prefix", keyDIDFromBytes(t, append([]byte{0x80, 0x24, 0x04}, c[1:]...)), did.ErrInvalidPublicKey, "invalidPublicKey"},
		{"p256_off_curve", keyDIDFromBytes(t, offCurve), did.ErrInvalidPublicKey, "invalidPublicKey"},
		{"p256_x_not_reduced", keyDIDFromBytes(t, append([]byte{0x80, 0x24, 0x02}, bytesFF(32)...)), did.ErrInvalidPublicKey, "invalidPublicKey"},
		{"ed25519_bad_point", keyDIDFromBytes(t, append([]byte{0xed, 0x01}, ed...)), did.ErrInvalidPublicKey, "invalidPublicKey"},
		{"x25519_short", keyDIDFromBytes(t, append([]byte{0xec, 0x01}, make([]byte, 31)...)), did.ErrInvalidPublicKeyLength, "invalidPublicKeyLength"},
		{"secp256k1", keyDIDFromBytes(t, append([]byte{0xe7, 0x01}, c...)), did.ErrUnsupportedPublicKeyType, "unsupportedPublicKeyType"},
		{"rsa", keyDIDFromBytes(t, append([]byte{0x85, 0x24}, make([]byte, 270)...)), did.ErrUnsupportedPublicKeyType, "unsupportedPublicKeyType"},
		{"unknown_codec", keyDIDFromBytes(t, append([]byte{0x99, 0x01}, make([]byte, 32)...)), did.ErrUnsupportedPublicKeyType, "unsupportedPublicKeyType"},
		{"codec_zero", keyDIDFromBytes(t, append([]byte{0x00}, make([]byte, 32)...)), did.ErrUnsupportedPublicKeyType, "unsupportedPublicKeyType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := did.KeyMethod{}.Resolve(context.Background(), tc.did)
			if !errors.Is(err, tc.err) || did.ErrorCode(err) != tc.code {
				t.Fatalf("Resolve = %v, %v (code %q); want %v", doc, err, did.ErrorCode(err), tc.err)
			}
		})
	}
	// Unknown publicKeyFormat.
	_, err := did.KeyMethod{Format: "PGPKey"}.Resolve(context.Background(), "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
	if !errors.Is(err, did.ErrUnsupportedPublicKeyType) {
		t.Fatalf("format: %v", err)
	}
	// Ed25519VerificationKey2020 for a P-256 key.
	d, _, _ := did.NewKeyDID(&p256.PublicKey)
	if _, err := (did.KeyMethod{Format: did.FormatEd25519VerificationKey2020}).Resolve(context.Background(), d); !errors.Is(err, did.ErrUnsupportedPublicKeyType) {
		t.Fatalf("ed25519-2020 for P-256: %v", err)
	}
	// The version form is accepted.
	if _, err := (did.KeyMethod{}).Resolve(context.Background(), "did:key:1:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"); err != nil {
		t.Fatalf("version 1: %v", err)
	}
	// Creating a did:key from an unsupported key.
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	if _, _, err := did.NewKeyDID(&rk.PublicKey); !errors.Is(err, did.ErrUnsupportedPublicKeyType) {
		t.Fatalf("rsa: %v", err)
	}
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if _, _, err := did.NewKeyDID(&p521.PublicKey); !errors.Is(err, did.ErrUnsupportedPublicKeyType) {
		t.Fatalf("p521: %v", err)
	}
}

func bytesFF(n int) []byte { return []byte(strings.Repeat("\xff", n)) }

// nonCanonical encodes s in base64url with non-zero padding bits in the last
// character (RFC 4648 §3.5), which a strict decoder rejects.
func nonCanonical(s string) string {
	for len(s)%3 != 1 {
		s += " "
	}
	enc := []byte(base64.RawURLEncoding.EncodeToString([]byte(s)))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, enc[len(enc)-1])
	enc[len(enc)-1] = alphabet[last|1] // set a padding bit
	return "did:jwk:" + string(enc)
}

func jwkDID(s string) string { return "did:jwk:" + base64.RawURLEncoding.EncodeToString([]byte(s)) }

// did:jwk errors (specs.md §3 "did:jwk: private members"; did:jwk spec
// "a JWK for a private key … must be rejected").
func TestDIDJWKBadInput(t *testing.T) {
	const x = `"x":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0","y":"_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE"`
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallJWK := `{"kty":"RSA","n":"` + base64.RawURLEncoding.EncodeToString(small.N.Bytes()) + `","e":"AQAB"}`
	for _, tc := range []struct {
		name string
		did  string
		err  error
	}{
		{"private_d", jwkDID(`{"kty":"EC","crv":"P-256",` + x + `,"d":"gPh-VvVS8MbvKQ9LSVVmfnxnKjHn4Tqj0bmbpehRlpc"}`), did.ErrPrivateKeyMaterial},
		{"private_okp_d", jwkDID(`{"kty":"OKP","crv":"Ed25519","x":"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik","d":"AAAA"}`), did.ErrPrivateKeyMaterial},
		{"symmetric_k", jwkDID(`{"kty":"oct","k":"c2VjcmV0"}`), did.ErrPrivateKeyMaterial},
		{"rsa_private_p", jwkDID(`{"kty":"RSA","n":"AQAB","e":"AQAB","p":"AQ"}`), did.ErrPrivateKeyMaterial},
		{"padded_base64", "did:jwk:" + base64.URLEncoding.EncodeToString([]byte(`{"kty":"EC","crv":"P-256",`+x+`}x`)), did.ErrInvalidDID},
		{"std_base64_chars", "did:jwk:eyJrdHkiOi+FQyJ9", did.ErrInvalidDID},
		{"non_canonical_base64", nonCanonical(`{"kty":"EC","crv":"P-256",` + x + `}`), did.ErrInvalidDID},
		{"bad_base64_length", "did:jwk:eyJ", did.ErrInvalidDID},
		{"not_json", jwkDID(`kty=EC`), did.ErrInvalidDID},
		{"json_array", jwkDID(`[{"kty":"EC"}]`), did.ErrInvalidDID},
		{"json_null", jwkDID(`null`), did.ErrInvalidDID},
		{"duplicate_member", jwkDID(`{"kty":"EC","crv":"P-256",` + x + `,"x":"AAAA"}`), did.ErrInvalidDID},
		{"trailing_data", jwkDID(`{"kty":"EC","crv":"P-256",` + x + `}{}`), did.ErrInvalidDID},
		{"too_large", jwkDID(`{"kty":"EC","pad":"` + strings.Repeat("a", 5000) + `"}`), did.ErrInvalidDID},
		{"deep", jwkDID(`{"kty":"EC","a":` + strings.Repeat("[", 10) + strings.Repeat("]", 10) + `}`), did.ErrInvalidDID},
		{"off_curve", jwkDID(`{"kty":"EC","crv":"P-256","x":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0","y":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0"}`), did.ErrInvalidPublicKey},
		{"missing_y", jwkDID(`{"kty":"EC","crv":"P-256","x":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0"}`), did.ErrInvalidPublicKey},
		{"unknown_kty", jwkDID(`{"kty":"PGP","x":"AAAA"}`), did.ErrUnsupportedPublicKeyType},
		{"unknown_curve", jwkDID(`{"kty":"EC","crv":"secp256k1",` + x + `}`), did.ErrUnsupportedPublicKeyType},
		{"rsa_1024", jwkDID(smallJWK), did.ErrInvalidPublicKey},
		{"unknown_use", jwkDID(`{"kty":"EC","crv":"P-256",` + x + `,"use":"both"}`), did.ErrInvalidPublicKey},
		{"x25519_sig", jwkDID(`{"kty":"OKP","crv":"X25519","use":"sig","x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"}`), did.ErrInvalidPublicKey},
		{"x25519_short", jwkDID(`{"kty":"OKP","crv":"X25519","x":"3p7bfXt9wbTTW2HC7OQ1Nz"}`), did.ErrInvalidPublicKey},
		// encoding/base64 skips CR and LF even in Strict mode.
		{"x25519_line_break", jwkDID(`{"kty":"OKP","crv":"X25519","x":"3p7bfXt9wbTTW2HC7OQ1\nNz-DQ8hbeGdNrfx-FG-IK08"}`), did.ErrInvalidPublicKey},
		{"line_break_in_id", func() string { d := jwkDID(`{"kty":"EC","crv":"P-256",` + x + `}`); return d[:20] + "\n" + d[20:] }(), did.ErrInvalidDID},
		{"wrong_method", "did:key:" + jwkDID(`{}`)[8:], did.ErrInvalidDID},
		{"empty", "did:jwk:", did.ErrInvalidDID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := did.JWKMethod{}.Resolve(context.Background(), tc.did)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Resolve = %v, %v; want %v", doc, err, tc.err)
			}
			if did.ErrorCode(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
		})
	}
}

// security.md row 59 (DID URL part) and DID syntax.
func TestDIDURLBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		err  error
	}{
		{"row59_relative_fragment", "#key-1", did.ErrRelativeDIDURL},
		{"row59_relative_path", "/path#key-1", did.ErrRelativeDIDURL},
		{"row59_relative_query", "?versionId=1", did.ErrRelativeDIDURL},
		{"row59_relative_empty", "", did.ErrRelativeDIDURL},
		{"row59_relative_bare_word", "key-1", did.ErrRelativeDIDURL},
		{"row16_path_traversal", "../../dev/null", did.ErrRelativeDIDURL},
		{"row16_sql", "' UNION SELECT * FROM keys --", did.ErrRelativeDIDURL},
		{"row16_https_url", "https://evil.example/jwks.json", did.ErrInvalidDIDURL},
		{"no_method", "did::x#a", did.ErrInvalidDIDURL},
		{"uppercase_method", "did:KEY:z6Mk#a", did.ErrInvalidDIDURL},
		{"bad_pct", "did:web:a.com%4#a", did.ErrInvalidDIDURL},
		{"space_fragment", "did:web:a.com#a b", did.ErrInvalidDIDURL},
		{"hash_in_fragment", "did:web:a.com#a#b", did.ErrInvalidDIDURL},
		{"too_long", "did:web:a.com#" + strings.Repeat("a", did.MaxDIDLength), did.ErrInvalidDIDURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := did.ParseURL(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("ParseURL(%q) = %+v, %v; want %v", tc.in, u, err, tc.err)
			}
		})
	}
	u, err := did.ParseURL("did:web:example.com:u:alice/path/x?service=files&v=1#key-1")
	if err != nil {
		t.Fatal(err)
	}
	if u.DID.String() != "did:web:example.com:u:alice" || u.Path != "/path/x" || u.Query != "service=files&v=1" || u.Fragment != "key-1" {
		t.Fatalf("%+v", u)
	}
	if u.String() != "did:web:example.com:u:alice/path/x?service=files&v=1#key-1" {
		t.Fatal(u.String())
	}
}
