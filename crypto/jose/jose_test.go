package jose_test

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
)

var ctx = context.Background()

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

type fixture struct {
	engine *local.Engine
	signer *jose.KeySigner
	ref    crypto.KeyRef
}

func newFixture(t testing.TB, kt crypto.KeyType) *fixture {
	t.Helper()
	e, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "t", Group: "g"}, ID: "issuer"}
	if _, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: kt}); err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewKeySigner(ctx, e, ref, "")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{engine: e, signer: s, ref: ref}
}

// signRaw builds a token with an arbitrary header JSON, signed by the fixture.
func (f *fixture) signRaw(t testing.TB, header, payload string) string {
	t.Helper()
	in := b64(header) + "." + b64(payload)
	sig, err := f.signer.SignMessage(ctx, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func opts(f *fixture) jose.VerifyOptions {
	return jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"example+jwt"}},
		Key:          f.signer.Public(),
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, kt := range []crypto.KeyType{crypto.KeyTypeECP256, crypto.KeyTypeECP384, crypto.KeyTypeEd25519, crypto.KeyTypeRSA2048} {
		t.Run(string(kt), func(t *testing.T) {
			f := newFixture(t, kt)
			tok, err := jose.SignJWT(ctx, f.signer, map[string]any{"typ": "example+jwt"}, map[string]any{"iss": "https://issuer.example", "n": 1})
			if err != nil {
				t.Fatal(err)
			}
			o := jose.VerifyOptions{ParseOptions: jose.ParseOptions{Algorithms: kt.Algorithms(), Typ: []string{"application/example+jwt"}}, Key: f.signer.Public()}
			j, err := jose.Verify(ctx, tok, o)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if j.Header.Kid != f.signer.KID() || j.Header.Alg != kt.Algorithms()[0] {
				t.Fatalf("header %+v", j.Header)
			}
			var claims map[string]any
			if err := j.Claims(&claims); err != nil || claims["iss"] != "https://issuer.example" {
				t.Fatalf("claims %v %v", claims, err)
			}
		})
	}
}

// TestJWXSignsThroughEngine proves the crypto.Signer adapter: jwx v2 signs
// with an engine key it never sees, and both jwx and wstack verify it.
func TestJWXSignsThroughEngine(t *testing.T) {
	for _, c := range []struct {
		kt  crypto.KeyType
		alg jwa.SignatureAlgorithm
	}{{crypto.KeyTypeECP256, jwa.ES256}, {crypto.KeyTypeECP384, jwa.ES384}, {crypto.KeyTypeEd25519, jwa.EdDSA}, {crypto.KeyTypeRSA2048, jwa.PS256}, {crypto.KeyTypeRSA2048, jwa.RS256}} {
		t.Run(string(c.alg), func(t *testing.T) {
			f := newFixture(t, c.kt)
			hdr := jws.NewHeaders()
			_ = hdr.Set("typ", "example+jwt")
			tok, err := jws.Sign([]byte(`{"sub":"x"}`), jws.WithKey(c.alg, f.signer.CryptoSigner(ctx), jws.WithProtectedHeaders(hdr)))
			if err != nil {
				t.Fatalf("jwx sign: %v", err)
			}
			if _, err := jws.Verify(tok, jws.WithKey(c.alg, f.signer.Public())); err != nil {
				t.Fatalf("jwx verify: %v", err)
			}
			o := jose.VerifyOptions{ParseOptions: jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.Algorithm(c.alg)}, Typ: []string{"example+jwt"}}, Key: f.signer.Public()}
			if _, err := jose.Verify(ctx, string(tok), o); err != nil {
				t.Fatalf("wstack verify of jwx token: %v", err)
			}
		})
	}
}

func TestBadInputs(t *testing.T) {
	f := newFixture(t, crypto.KeyTypeECP256)
	good := f.signRaw(t, `{"alg":"ES256","typ":"example+jwt"}`, `{"iss":"x"}`)
	if _, err := jose.Verify(ctx, good, opts(f)); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	parts := strings.Split(good, ".")
	pub := f.signer.Public().(*ecdsa.PublicKey)
	pubBytes, _ := pub.Bytes()
	mac := hmac.New(sha256.New, pubBytes)
	hsIn := b64(`{"alg":"HS256","typ":"example+jwt"}`) + "." + b64(`{"iss":"x"}`)
	mac.Write([]byte(hsIn))
	hs := hsIn + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dBytes, _ := priv.Bytes()
	privJWK := map[string]any{"kty": "EC", "crv": "P-256", "x": "x", "y": "y", "d": base64.RawURLEncoding.EncodeToString(dBytes)}
	pj, _ := json.Marshal(map[string]any{"alg": "ES256", "typ": "example+jwt", "jwk": privJWK})
	// DER-encoded ECDSA signature instead of r||s.
	r, s, _ := ecdsaSignDER(t, f, parts[0]+"."+parts[1])
	der := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(derSig(r, s))
	// Non-canonical base64url: flip the unused low bits of the last char.
	noncanon := parts[0] + "." + parts[1] + "." + flipTrailingBits(parts[2])

	cases := []struct {
		name  string
		token string
		o     func(jose.VerifyOptions) jose.VerifyOptions
		want  error
	}{
		{"row1_alg_none", b64(`{"alg":"none","typ":"example+jwt"}`) + "." + b64(`{"iss":"x"}`) + ".", nil, jose.ErrMalformed},
		{"row1_alg_none_with_sig", b64(`{"alg":"none","typ":"example+jwt"}`) + "." + b64(`{"iss":"x"}`) + "." + parts[2], nil, jose.ErrAlgorithmNotAllowed},
		{"row1_empty_signature", parts[0] + "." + parts[1] + ".", nil, jose.ErrMalformed},
		{"row2_hs256_with_public_key_bytes", hs, nil, jose.ErrAlgorithmNotAllowed},
		{"row2_hs256_even_if_listed", hs, func(o jose.VerifyOptions) jose.VerifyOptions {
			o.Algorithms = append(o.Algorithms, "HS256")
			return o
		}, jose.ErrAlgorithmNotAllowed},
		{"row2_alg_outside_allowlist", good, func(o jose.VerifyOptions) jose.VerifyOptions {
			o.Algorithms = []crypto.Algorithm{crypto.EdDSA}
			return o
		}, jose.ErrAlgorithmNotAllowed},
		{"row2_header_alg_does_not_fit_key", f.signRaw(t, `{"alg":"ES384","typ":"example+jwt"}`, `{}`), func(o jose.VerifyOptions) jose.VerifyOptions {
			o.Algorithms = []crypto.Algorithm{crypto.ES256, crypto.ES384}
			return o
		}, jose.ErrAlgorithmNotAllowed},
		{"row3_embedded_private_jwk", b64(string(pj)) + "." + parts[1] + "." + parts[2], nil, jose.ErrPrivateKeyInHeader},
		{"row3_embedded_key_not_trusted", good, func(o jose.VerifyOptions) jose.VerifyOptions {
			o.Key = nil
			return o
		}, jose.ErrNoKey},
		{"row4_megabytes_of_dots", strings.Repeat(".", 4<<20), nil, jose.ErrTooLarge},
		{"row4_many_dots_under_limit", strings.Repeat(".", 200000), func(o jose.VerifyOptions) jose.VerifyOptions {
			o.MaxSize = 1 << 20
			return o
		}, jose.ErrMalformed},
		{"row4_four_parts", good + ".x", nil, jose.ErrMalformed},
		{"row10_crit_unknown", f.signRaw(t, `{"alg":"ES256","typ":"example+jwt","crit":["exp"],"exp":1}`, `{}`), nil, jose.ErrCrit},
		{"row10_crit_empty", f.signRaw(t, `{"alg":"ES256","typ":"example+jwt","crit":[]}`, `{}`), nil, jose.ErrCrit},
		{"row10_crit_registered_name", f.signRaw(t, `{"alg":"ES256","typ":"example+jwt","crit":["alg"]}`, `{}`), nil, jose.ErrCrit},
		{"row10_crit_absent_param", f.signRaw(t, `{"alg":"ES256","typ":"example+jwt","crit":["foo"]}`, `{}`), func(o jose.VerifyOptions) jose.VerifyOptions {
			o.Crit = []string{"foo"}
			return o
		}, jose.ErrCrit},
		{"row10_b64_false", f.signRaw(t, `{"alg":"ES256","typ":"example+jwt","b64":false,"crit":["b64"]}`, `{}`), nil, jose.ErrCrit},
		{"row11_duplicate_alg_header", f.signRaw(t, `{"alg":"ES256","alg":"none","typ":"example+jwt"}`, `{}`), nil, jose.ErrMalformed},
		{"row11_duplicate_iss_payload", f.signRaw(t, `{"alg":"ES256","typ":"example+jwt"}`, `{"iss":"a","iss":"b"}`), nil, jose.ErrMalformed},
		{"row13_deep_payload", f.signRaw(t, `{"alg":"ES256","typ":"example+jwt"}`, `{"a":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`}`), nil, jose.ErrMalformed},
		{"row13_deep_header", f.signRaw(t, `{"alg":"ES256","typ":"example+jwt","x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`, `{}`), nil, jose.ErrMalformed},
		{"row14_noncanonical_base64", noncanon, nil, jose.ErrMalformed},
		{"row14_padding", parts[0] + "=." + parts[1] + "." + parts[2], nil, jose.ErrMalformed},
		{"row14_embedded_newline", parts[0] + "." + parts[1][:4] + "\n" + parts[1][4:] + "." + parts[2], nil, jose.ErrMalformed},
		{"row14_std_alphabet", parts[0] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[1]) + "+/." + parts[2], nil, jose.ErrMalformed},
		{"row15_wrong_typ", f.signRaw(t, `{"alg":"ES256","typ":"kb+jwt"}`, `{}`), nil, jose.ErrTyp},
		{"row15_missing_typ", f.signRaw(t, `{"alg":"ES256"}`, `{}`), nil, jose.ErrTyp},
		{"row61_der_signature", der, nil, jose.ErrSignature},
		{"tampered_payload", parts[0] + "." + b64(`{"iss":"y"}`) + "." + parts[2], nil, jose.ErrSignature},
		{"no_allowlist", good, func(o jose.VerifyOptions) jose.VerifyOptions {
			o.Algorithms = nil
			return o
		}, jose.ErrOptions},
		{"no_typ_expectation", good, func(o jose.VerifyOptions) jose.VerifyOptions {
			o.Typ = nil
			return o
		}, jose.ErrOptions},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts(f)
			if c.o != nil {
				o = c.o(o)
			}
			start := time.Now()
			_, err := jose.Verify(ctx, c.token, o)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Fatalf("took %v", d)
			}
		})
	}
}

func ecdsaSignDER(t *testing.T, f *fixture, in string) (*big.Int, *big.Int, error) {
	sig, err := f.signer.SignMessage(ctx, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	return new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]), nil
}

func derSig(r, s *big.Int) []byte {
	enc := func(b *big.Int) []byte {
		v := b.Bytes()
		if v[0]&0x80 != 0 {
			v = append([]byte{0}, v...)
		}
		return append([]byte{2, byte(len(v))}, v...)
	}
	body := append(enc(r), enc(s)...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

func flipTrailingBits(s string) string {
	// 64 bytes of signature → 86 chars, the last carries 2 unused bits.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[last^1])
}

func TestAudienceAndTimes(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name   string
		claims map[string]any
		aud    string
		want   error
	}{
		{"string_match", map[string]any{"aud": "x509_san_dns:verifier.example"}, "x509_san_dns:verifier.example", nil},
		{"array_match", map[string]any{"aud": []any{"a", "x509_san_dns:verifier.example"}}, "x509_san_dns:verifier.example", nil},
		{"row12_bare_host_vs_prefixed", map[string]any{"aud": "verifier.example"}, "x509_san_dns:verifier.example", jose.ErrClaim},
		{"row12_empty_array", map[string]any{"aud": []any{}}, "a", jose.ErrClaim},
		{"row12_missing", map[string]any{}, "a", jose.ErrClaim},
		{"row12_number", map[string]any{"aud": 1.0}, "a", jose.ErrClaim},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := jose.CheckAudience(c.claims, c.aud); !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
				t.Fatalf("got %v want %v", err, c.want)
			}
		})
	}
	tc := []struct {
		name   string
		claims map[string]any
		o      jose.TimeOptions
		want   error
	}{
		{"valid", map[string]any{"exp": 1_700_000_100.0, "nbf": 1_699_999_000.0, "iat": 1_699_999_000.0}, jose.TimeOptions{Now: now}, nil},
		{"expired", map[string]any{"exp": 1_699_999_999.0}, jose.TimeOptions{Now: now}, jose.ErrExpired},
		{"expired_exact_boundary", map[string]any{"exp": 1_700_000_000.0}, jose.TimeOptions{Now: now}, jose.ErrExpired},
		{"expired_within_leeway", map[string]any{"exp": 1_699_999_990.0}, jose.TimeOptions{Now: now, Leeway: time.Minute}, nil},
		{"not_yet_valid", map[string]any{"nbf": 1_700_000_100.0}, jose.TimeOptions{Now: now}, jose.ErrNotYetValid},
		{"iat_future", map[string]any{"iat": 1_700_000_100.0}, jose.TimeOptions{Now: now}, jose.ErrIssuedInFuture},
		{"iat_too_old", map[string]any{"iat": 1_699_990_000.0}, jose.TimeOptions{Now: now, MaxAge: time.Minute}, jose.ErrExpired},
		{"exp_required", map[string]any{}, jose.TimeOptions{Now: now, RequireExp: true}, jose.ErrClaim},
		{"exp_string", map[string]any{"exp": "1700000100"}, jose.TimeOptions{Now: now}, jose.ErrClaim},
		{"exp_milliseconds_out_of_range", map[string]any{"exp": 1_700_000_000_000.0}, jose.TimeOptions{Now: now}, jose.ErrClaim},
	}
	for _, c := range tc {
		t.Run(c.name, func(t *testing.T) {
			err := jose.ValidateTimes(c.claims, c.o)
			if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
				t.Fatalf("got %v want %v", err, c.want)
			}
		})
	}
}

func TestJSONSerialization(t *testing.T) {
	f := newFixture(t, crypto.KeyTypeECP256)
	tok := f.signRaw(t, `{"alg":"ES256","typ":"example+jwt"}`, `{"iss":"x"}`)
	p := strings.Split(tok, ".")
	flat := `{"protected":"` + p[0] + `","payload":"` + p[1] + `","signature":"` + p[2] + `","header":{"disclosures":[]}}`
	general := `{"payload":"` + p[1] + `","signatures":[{"protected":"` + p[0] + `","signature":"` + p[2] + `"}]}`
	o := opts(f).ParseOptions
	for _, in := range []string{flat, general} {
		sigs, err := jose.ParseJSON([]byte(in), o)
		if err != nil || len(sigs) != 1 {
			t.Fatalf("parse %s: %v", in, err)
		}
		if err := sigs[0].VerifySignature(f.signer.Public()); err != nil {
			t.Fatalf("verify: %v", err)
		}
	}
	bad := map[string]string{
		"row5_signature_without_protected": `{"payload":"` + p[1] + `","signature":"` + p[2] + `"}`,
		"row5_general_without_protected":   `{"payload":"` + p[1] + `","signatures":[{"header":{"alg":"ES256"},"signature":"` + p[2] + `"}]}`,
		"alg_in_unprotected":               `{"protected":"` + p[0] + `","payload":"` + p[1] + `","signature":"` + p[2] + `","header":{"alg":"none"}}`,
		"both_forms":                       `{"protected":"` + p[0] + `","payload":"` + p[1] + `","signature":"` + p[2] + `","signatures":[]}`,
		"no_payload":                       `{"protected":"` + p[0] + `","signature":"` + p[2] + `"}`,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := jose.ParseJSON([]byte(in), o); !errors.Is(err, jose.ErrMalformed) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestJWE(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubJWK, _ := crypto.PublicJWK(&priv.PublicKey)
	pubJWK["kid"] = "enc-1"
	do := jose.DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A128GCM", "A256GCM"}}
	tok, err := jose.Encrypt([]byte(`{"vp_token":{}}`), pubJWK, jose.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pt, h, err := jose.Decrypt(tok, priv, do)
	if err != nil || string(pt) != `{"vp_token":{}}` || h.Kid != "enc-1" || h.Alg != "ECDH-ES" {
		t.Fatalf("round trip: %s %+v %v", pt, h, err)
	}
	ecdhPriv, _ := priv.ECDH()
	if _, _, err := jose.Decrypt(tok, ecdhPriv, do); err != nil {
		t.Fatalf("ecdh key: %v", err)
	}
	parts := strings.Split(tok, ".")
	withHeader := func(mut func(map[string]any)) string {
		hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
		var m map[string]any
		_ = json.Unmarshal(hb, &m)
		mut(m)
		nb, _ := json.Marshal(m)
		return base64.RawURLEncoding.EncodeToString(nb) + "." + strings.Join(parts[1:], ".")
	}
	other, _ := ecdh.P384().GenerateKey(rand.Reader)
	cases := []struct {
		name  string
		token string
		o     jose.DecryptOptions
		want  error
	}{
		{"row6_zip_deflate", withHeader(func(m map[string]any) { m["zip"] = "DEF" }), do, jose.ErrJWECompression},
		{"row7_pbes2", withHeader(func(m map[string]any) { m["alg"] = "PBES2-HS256+A128KW"; m["p2c"] = 2000000000.0 }), do, jose.ErrJWEAlgorithm},
		{"row8_kw_empty_encrypted_key", withHeader(func(m map[string]any) { m["alg"] = "ECDH-ES+A128KW" }), jose.DecryptOptions{KeyAlgorithms: []string{"ECDH-ES+A128KW"}, ContentEncryption: []string{"A128GCM"}}, jose.ErrJWEEncryptedKeyLen},
		{"row9_epk_off_curve", withHeader(func(m map[string]any) {
			epk := m["epk"].(map[string]any)
			epk["y"] = base64.RawURLEncoding.EncodeToString(make([]byte, 32))
		}), do, jose.ErrJWEEphemeralKey},
		{"epk_other_curve", withHeader(func(m map[string]any) {
			pk, _ := crypto.PublicJWK(mustECDSA(other.PublicKey()))
			m["epk"] = pk
		}), do, jose.ErrJWEEphemeralKey},
		{"enc_not_allowed", tok, jose.DecryptOptions{KeyAlgorithms: []string{"ECDH-ES"}, ContentEncryption: []string{"A256GCM"}}, jose.ErrJWEAlgorithm},
		{"four_parts", strings.Join(parts[:4], "."), do, jose.ErrJWEMalformed},
		{"row6_too_large", strings.Repeat("A", 300<<10), do, jose.ErrTooLarge},
		{"tampered_tag", strings.Join(append(append([]string{}, parts[:4]...), swapFirst(parts[4])), "."), do, jose.ErrJWEDecrypt},
		{"tampered_ciphertext", strings.Join([]string{parts[0], parts[1], parts[2], swapFirst(parts[3]), parts[4]}, "."), do, jose.ErrJWEDecrypt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := jose.Decrypt(c.token, priv, c.o); !errors.Is(err, c.want) {
				t.Fatalf("got %v want %v", err, c.want)
			}
		})
	}
}

func swapFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func mustECDSA(k *ecdh.PublicKey) *ecdsa.PublicKey {
	p, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), k.Bytes())
	if err != nil {
		panic(err)
	}
	return p
}

func TestEd25519PublicJWKFromJWX(t *testing.T) {
	// Interop: a jwx-encoded public JWK parses through wstack's strict parser.
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	k, _ := jwk.FromRaw(pub)
	raw, _ := json.Marshal(k)
	got, err := crypto.ParsePublicJWK(raw)
	if err != nil || !got.(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("%v", err)
	}
}

func FuzzParseCompact(f *testing.F) {
	fx := newFixture(f, crypto.KeyTypeECP256)
	f.Add(fx.signRaw(f, `{"alg":"ES256","typ":"example+jwt"}`, `{"iss":"x"}`))
	f.Add(b64(`{"alg":"none"}`) + "." + b64(`{}`) + ".")
	f.Add("..")
	f.Add(b64(`{"alg":"ES256","crit":["x"],"x":1}`) + ".e30.AA")
	o := jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256, crypto.EdDSA}, AllowAnyTyp: true}
	f.Fuzz(func(t *testing.T, token string) {
		j, err := jose.Parse(token, o)
		if err != nil {
			return
		}
		if !j.Header.Alg.IsAsymmetricSignature() {
			t.Fatalf("accepted alg %q", j.Header.Alg)
		}
		if strings.Count(token, ".") != 2 || len(j.Signature) == 0 {
			t.Fatalf("accepted malformed token")
		}
		for _, p := range []string{"d", "p", "q", "k"} {
			if _, bad := j.Header.JWK[p]; bad {
				t.Fatalf("accepted private jwk")
			}
		}
		// Canonical base64url: re-encoding reproduces the input.
		parts := strings.Split(token, ".")
		if base64.RawURLEncoding.EncodeToString(j.Payload) != parts[1] || base64.RawURLEncoding.EncodeToString(j.Signature) != parts[2] {
			t.Fatalf("non-canonical encoding accepted")
		}
	})
}
