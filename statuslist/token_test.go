package statuslist

import (
	"context"
	gocrypto "crypto"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
)

type tokenVectors struct {
	JWK map[string]any `json:"public_jwk"`
	Iat int64          `json:"iat"`
	Exp int64          `json:"exp"`
	TTL int64          `json:"ttl"`
	Sub string         `json:"sub"`
	JWT string         `json:"jwt"`
	CWT string         `json:"cwt_hex"`
}

func loadTokens(t testing.TB) (tokenVectors, gocrypto.PublicKey) {
	t.Helper()
	b, err := os.ReadFile("testdata/ietf_tokens.json")
	if err != nil {
		t.Fatal(err)
	}
	var v tokenVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	pub, err := crypto.PublicKeyFromJWK(v.JWK)
	if err != nil {
		t.Fatal(err)
	}
	return v, pub
}

func TestSpecJWTVerifies(t *testing.T) {
	v, pub := loadTokens(t)
	now := time.Unix(v.Iat+60, 0)
	vt, err := VerifyJWT(context.Background(), v.JWT, VerifyOptions{Keys: StaticKey(pub), Subject: v.Sub, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if vt.Claims.TTL != time.Duration(v.TTL)*time.Second || vt.Claims.ExpiresAt.Unix() != v.Exp || vt.Claims.Issuer != "https://example.com" {
		t.Fatalf("claims %+v", vt.Claims)
	}
	// The 1-bit example list of the "Status List" section.
	want := map[uint64]Status{0: 1, 3: 1, 4: 1, 5: 1, 7: 1, 8: 1, 9: 1, 13: 1, 15: 1}
	for i := uint64(0); i < 16; i++ {
		if got, _ := vt.List.Get(i); got != want[i] {
			t.Fatalf("status[%d]=%d", i, got)
		}
	}
	// row36: sub ≠ uri; expired.
	if _, err := VerifyJWT(context.Background(), v.JWT, VerifyOptions{Keys: StaticKey(pub), Subject: "https://example.com/statuslists/2", Now: now}); !errors.Is(err, ErrSubjectMismatch) {
		t.Fatalf("row36_sub_mismatch: %v", err)
	}
	if _, err := VerifyJWT(context.Background(), v.JWT, VerifyOptions{Keys: StaticKey(pub), Now: time.Unix(v.Exp, 0)}); !errors.Is(err, ErrExpired) {
		t.Fatalf("row36_expired: %v", err)
	}
	if _, err := VerifyJWT(context.Background(), v.JWT, VerifyOptions{Keys: StaticKey(pub), Now: time.Unix(v.Iat-3600, 0)}); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("iat in the future: %v", err)
	}
	// Not allowed algorithm.
	if _, err := VerifyJWT(context.Background(), v.JWT, VerifyOptions{Keys: StaticKey(pub), Now: now, Algorithms: []crypto.Algorithm{crypto.EdDSA}}); !errors.Is(err, ErrSignature) {
		t.Fatalf("alg allow-list: %v", err)
	}
	// Tampered payload.
	parts := strings.Split(v.JWT, ".")
	bad := parts[0] + "." + parts[1][:len(parts[1])-2] + "fQ." + parts[2]
	if _, err := VerifyJWT(context.Background(), bad, VerifyOptions{Keys: StaticKey(pub), Now: now}); err == nil {
		t.Fatal("tampered token verified")
	}
}

func TestSpecCWTVerifies(t *testing.T) {
	v, pub := loadTokens(t)
	raw, _ := hex.DecodeString(v.CWT)
	now := time.Unix(v.Iat+60, 0)
	vt, err := VerifyCWT(context.Background(), raw, VerifyOptions{Keys: StaticKey(pub), Subject: v.Sub, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if vt.Claims.TTL != 12*time.Hour || vt.Claims.ExpiresAt.Unix() != v.Exp || vt.Claims.IssuedAt.Unix() != v.Iat {
		t.Fatalf("claims %+v", vt.Claims)
	}
	if b := vt.List.Bytes(); len(b) != 2 || b[0] != 0xb9 || b[1] != 0xa3 {
		t.Fatalf("list %x", b)
	}
	// The same token inside the optional CWT tag 61 (RFC 8392) verifies.
	if _, err := VerifyCWT(context.Background(), append([]byte{0xd8, 0x3d}, raw...), VerifyOptions{Keys: StaticKey(pub), Subject: v.Sub, Now: now}); err != nil {
		t.Fatalf("tag 61: %v", err)
	}
	// A flipped signature bit fails.
	bad := append([]byte(nil), raw...)
	bad[len(bad)-1] ^= 1
	if _, err := VerifyCWT(context.Background(), bad, VerifyOptions{Keys: StaticKey(pub), Now: now}); !errors.Is(err, ErrSignature) {
		t.Fatalf("bad signature: %v", err)
	}
	if _, err := VerifyCWT(context.Background(), raw, VerifyOptions{Keys: StaticKey(pub), Subject: "x", Now: now}); !errors.Is(err, ErrSubjectMismatch) {
		t.Fatalf("row36_sub_mismatch: %v", err)
	}
}

func testSigner(t testing.TB, kt crypto.KeyType) *jose.KeySigner {
	t.Helper()
	ctx := context.Background()
	e, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "test", Group: "status"}, ID: "k1"}
	if _, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: kt}); err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewKeySigner(ctx, e, ref, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignVerifyRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, kt := range []crypto.KeyType{crypto.KeyTypeECP256, crypto.KeyTypeEd25519, crypto.KeyTypeECP384} {
		s := testSigner(t, kt)
		l, _ := NewIETFList(1<<16, 2)
		l.Set(4242, Suspended)
		sl, err := NewIETFStatusList(l, "https://example.com/agg")
		if err != nil {
			t.Fatal(err)
		}
		iat := time.Unix(1700000000, 0)
		c := TokenClaims{Issuer: "https://example.com", Subject: "https://example.com/sl/1", IssuedAt: iat, ExpiresAt: iat.Add(time.Hour), TTL: 5 * time.Minute, StatusList: sl}
		opts := VerifyOptions{Keys: StaticKey(s.Public()), Subject: c.Subject, Now: iat.Add(time.Minute)}
		jwt, err := SignJWT(ctx, s, c)
		if err != nil {
			t.Fatal(err)
		}
		vt, err := VerifyJWT(ctx, jwt, opts)
		if err != nil {
			t.Fatalf("%s jwt: %v", kt, err)
		}
		if got, _ := vt.List.Get(4242); got != Suspended || vt.Claims.StatusList.AggregationURI != c.StatusList.AggregationURI {
			t.Fatal("jwt list")
		}
		cwt, err := SignCWT(ctx, s, c)
		if err != nil {
			t.Fatal(err)
		}
		vc, err := VerifyCWT(ctx, cwt, opts)
		if err != nil {
			t.Fatalf("%s cwt: %v", kt, err)
		}
		if got, _ := vc.List.Get(4242); got != Suspended || vc.Claims.TTL != 5*time.Minute || vc.Claims.Issuer != c.Issuer {
			t.Fatal("cwt list")
		}
		// Cross-format confusion: a CWT handed to the JWT verifier and back.
		if _, err := VerifyJWT(ctx, string(cwt), opts); err == nil {
			t.Fatal("cwt accepted as jwt")
		}
		if _, err := VerifyCWT(ctx, []byte(jwt), opts); err == nil {
			t.Fatal("jwt accepted as cwt")
		}
	}
}

// Table of bad tokens (security.md rows 1, 4, 15, 33, 36).
func TestBadTokens(t *testing.T) {
	ctx := context.Background()
	s := testSigner(t, crypto.KeyTypeECP256)
	l, _ := NewIETFList(64, 1)
	sl, _ := NewIETFStatusList(l, "")
	iat := time.Unix(1700000000, 0)
	opts := VerifyOptions{Keys: StaticKey(s.Public()), Now: iat.Add(time.Minute)}
	sign := func(header map[string]any, claims map[string]any) string {
		tok, err := jose.SignJWT(ctx, s, header, claims)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	base := func() map[string]any {
		return map[string]any{"sub": "https://x/1", "iat": iat.Unix(), "status_list": map[string]any{"bits": 1, "lst": sl.Lst}}
	}
	with := func(k string, v any) map[string]any { m := base(); m[k] = v; return m }
	without := func(k string) map[string]any { m := base(); delete(m, k); return m }
	cases := []struct {
		name string
		tok  string
		want error
	}{
		{"row15_wrong_typ_jwt", sign(map[string]any{"typ": "JWT"}, base()), ErrTokenType},
		{"row15_kb_jwt_typ", sign(map[string]any{"typ": "kb+jwt"}, base()), ErrTokenType},
		{"row15_missing_typ", sign(map[string]any{}, base()), ErrTokenType},
		{"row1_alg_none_empty_sig", "eyJhbGciOiJub25lIiwidHlwIjoic3RhdHVzbGlzdCtqd3QifQ.e30.", ErrToken},
		{"row1_alg_none", "eyJhbGciOiJub25lIiwidHlwIjoic3RhdHVzbGlzdCtqd3QifQ.e30.AAAA", ErrSignature},
		{"row2_alg_hs256", "eyJhbGciOiJIUzI1NiIsInR5cCI6InN0YXR1c2xpc3Qrand0In0.e30.AAAA", ErrSignature},
		{"row4_many_dots", strings.Repeat(".", 1<<20), ErrToken},
		{"row33_bits_3", sign(map[string]any{"typ": TypJWT}, with("status_list", map[string]any{"bits": 3, "lst": sl.Lst})), ErrBadBits},
		{"row33_bits_string", sign(map[string]any{"typ": TypJWT}, with("status_list", map[string]any{"bits": "1", "lst": sl.Lst})), ErrToken},
		{"row33_bits_float", sign(map[string]any{"typ": TypJWT}, with("status_list", map[string]any{"bits": 1.5, "lst": sl.Lst})), ErrBadBits},
		{"missing_status_list", sign(map[string]any{"typ": TypJWT}, without("status_list")), ErrToken},
		{"missing_sub", sign(map[string]any{"typ": TypJWT}, without("sub")), ErrToken},
		{"missing_iat", sign(map[string]any{"typ": TypJWT}, without("iat")), ErrToken},
		{"row37_negative_ttl", sign(map[string]any{"typ": TypJWT}, with("ttl", -5)), ErrToken},
		{"row37_fractional_ttl", sign(map[string]any{"typ": TypJWT}, with("ttl", 1.5)), ErrToken},
		{"row36_expired", sign(map[string]any{"typ": TypJWT}, with("exp", iat.Unix())), ErrExpired},
		{"row30_bad_zlib", sign(map[string]any{"typ": TypJWT}, with("status_list", map[string]any{"bits": 1, "lst": "AAAA"})), ErrCompression},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vt, err := VerifyJWT(ctx, c.tok, opts)
			if !errors.Is(err, c.want) || vt != nil {
				t.Fatalf("want %v, got %v", c.want, err)
			}
		})
	}
	// The application/ prefix form of typ is accepted (RFC 7515 §4.1.9).
	if _, err := VerifyJWT(ctx, sign(map[string]any{"typ": MediaTypeJWT}, base()), opts); err != nil {
		t.Fatal(err)
	}
	// A duplicate claim is rejected by the strict JSON gate.
	dup := jwtFromParts(t, s, `{"typ":"statuslist+jwt","alg":"ES256"}`, `{"sub":"a","sub":"b","iat":1,"status_list":{"bits":1,"lst":"`+sl.Lst+`"}}`)
	if _, err := VerifyJWT(ctx, dup, opts); !errors.Is(err, ErrToken) {
		t.Fatalf("duplicate claim: %v", err)
	}
}

func jwtFromParts(t *testing.T, s *jose.KeySigner, header, payload string) string {
	t.Helper()
	enc := func(s string) string { return b64url([]byte(s)) }
	in := enc(header) + "." + enc(payload)
	sig, err := s.SignMessage(context.Background(), []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64url(sig)
}

func b64url(b []byte) string { return base64RawEncode(b) }

func TestBadCWT(t *testing.T) {
	ctx := context.Background()
	_, pub := loadTokens(t)
	opts := VerifyOptions{Keys: StaticKey(pub), Now: time.Unix(1686920170+60, 0)}
	mk := func(v any) []byte {
		b, err := cborEncode(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	prot := func(alg int64, typ string) []byte {
		m := &cborMap{}
		m.set(int64(1), alg)
		if typ != "" {
			m.set(int64(16), typ)
		}
		return mk(m)
	}
	payload := mk(&cborMap{})
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"not_cbor", []byte{0xff}, ErrToken},
		{"wrong_tag", mk(cborTag{num: 17, content: []any{}}), ErrTokenType},
		{"short_array", mk(cborTag{num: 18, content: []any{[]byte{}, &cborMap{}}}), ErrToken},
		{"untagged", mk([]any{prot(-7, MediaTypeCWT), &cborMap{}, payload, []byte{1}}), ErrTokenType},
		{"cwt_tag_around_mac0", mk(cborTag{num: 61, content: cborTag{num: 17, content: []any{}}}), ErrTokenType},
		{"detached_payload", mk(cborTag{num: 18, content: []any{prot(-7, MediaTypeCWT), &cborMap{}, nil, []byte{1}}}), ErrToken},
		{"row15_wrong_typ", mk(cborTag{num: 18, content: []any{prot(-7, "application/cwt"), &cborMap{}, payload, []byte{1}}}), ErrTokenType},
		{"row1_hmac_alg", mk(cborTag{num: 18, content: []any{prot(5, MediaTypeCWT), &cborMap{}, payload, []byte{1}}}), ErrSignature},
		{"no_status_list", mk(cborTag{num: 18, content: []any{prot(-7, MediaTypeCWT), &cborMap{}, payload, []byte{1}}}), ErrToken},
		{"deep_nesting", []byte(strings.Repeat("\x81", 100) + "\x00"), ErrToken},
		{"indefinite_length", []byte{0x9f, 0xff}, ErrToken},
		{"huge_length", []byte{0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ErrToken},
		{"trailing", append(mk([]any{}), 0), ErrToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := VerifyCWT(ctx, c.in, opts); !errors.Is(err, c.want) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
		})
	}
}

// The draft's referenced-token CWT example: its signature verifies with
// the example key and its status claim points at index 0 of
// https://example.com/statuslists/1.
func TestSpecReferencedTokenCWT(t *testing.T) {
	b, _ := os.ReadFile("testdata/ietf_tokens.json")
	var v struct {
		Hex string `json:"referenced_token_cwt_hex"`
	}
	json.Unmarshal(b, &v)
	_, pub := loadTokens(t)
	raw, err := hex.DecodeString(v.Hex)
	if err != nil {
		t.Fatal(err)
	}
	tv, err := cborDecode(raw)
	if err != nil {
		t.Fatal(err)
	}
	arr := tv.(cborTag).content.([]any)
	tbs, _ := sigStructure(arr[0].([]byte), arr[2].([]byte))
	if err := crypto.VerifySignature(pub, crypto.ES256, tbs, arr[3].([]byte)); err != nil {
		t.Fatalf("spec referenced token signature: %v", err)
	}
	ref, err := ReferenceFromCWTClaims(arr[2].([]byte))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Index != 0 || ref.URI != "https://example.com/statuslists/1" || ref.Type != "status_list" {
		t.Fatalf("%+v", ref)
	}
	// The status list token in the spec is the list this token references.
	var tv2 tokenVectors
	json.Unmarshal(b, &tv2)
	if ref.URI != tv2.Sub {
		t.Fatal("referenced uri differs from the status list token's sub")
	}
	for name, claims := range map[string]any{
		"no_status": &cborMap{},
		"negative_idx": func() any {
			m := &cborMap{}
			s := &cborMap{}
			l := &cborMap{}
			l.set("idx", int64(-1))
			l.set("uri", "x")
			s.set("status_list", l)
			m.set(int64(65535), s)
			return m
		}(),
		"idx_above_2^53": func() any {
			m := &cborMap{}
			s := &cborMap{}
			l := &cborMap{}
			l.set("idx", uint64(1<<54))
			l.set("uri", "x")
			s.set("status_list", l)
			m.set(int64(65535), s)
			return m
		}(),
	} {
		enc, _ := cborEncode(claims)
		if _, err := ReferenceFromCWTClaims(enc); err == nil {
			t.Fatalf("%s accepted", name)
		}
	}
}
