package sdjwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

var b64 = base64.RawURLEncoding

// disc encodes a raw disclosure array given as JSON text.
func disc(jsonText string) string { return b64.EncodeToString([]byte(jsonText)) }

func dg(raw string) string { return SHA256.Digest(raw) }

// craft signs an arbitrary payload (JSON text) with the test issuer key and
// appends the disclosures and a final "~".
func (env *testEnv) craft(t testing.TB, payload string, ds ...string) string {
	t.Helper()
	jwt, err := jose.Sign(context.Background(), env.issuer, map[string]any{"typ": "example+sd-jwt"}, []byte(payload))
	require.NoError(t, err)
	return jwt + "~" + strings.Join(append(ds, ""), "~")
}

func (env *testEnv) verifyNoKB(t testing.TB, pres string) (*Result, error) {
	t.Helper()
	return env.verifier(t, KeyBindingOptional).Verify(context.Background(), pres, Expect{})
}

// Rows 17–23, 27, 28 of the security catalogue: structure, digests and
// disclosures.
func TestSecurityRowsDisclosures(t *testing.T) {
	env := newEnv(t)
	dA := disc(`["salt-aaaaaaaaaaaaaaaaaa","a","x"]`)
	dB := disc(`["salt-bbbbbbbbbbbbbbbbbb","b","y"]`)
	dE := disc(`["salt-eeeeeeeeeeeeeeeeee","z"]`)
	cases := []struct {
		name string
		pres func() string
		want error
	}{
		{"row17_duplicate_disclosure", func() string { return env.craft(t, `{"_sd":["`+dg(dA)+`"]}`, dA, dA) }, ErrDuplicateDisclosure},
		{"row17_digest_in_two_sd_arrays", func() string {
			return env.craft(t, `{"_sd":["`+dg(dA)+`"],"o":{"_sd":["`+dg(dA)+`"]}}`, dA)
		}, ErrDuplicateDigest},
		{"row17_digest_in_sd_and_array", func() string {
			return env.craft(t, `{"_sd":["`+dg(dE)+`"],"arr":[{"...":"`+dg(dE)+`"}]}`, dE)
		}, ErrDuplicateDigest},
		{"row17_undisclosed_digest_twice", func() string {
			return env.craft(t, `{"_sd":["`+dg(dA)+`","`+dg(dA)+`"]}`)
		}, ErrDuplicateDigest},
		{"row18_unreferenced_disclosure", func() string { return env.craft(t, `{"_sd":["`+dg(dA)+`"]}`, dA, dB) }, ErrUnreferencedDisclosure},
		{"row18_disclosure_in_unreferenced_parent", func() string {
			inner := disc(`["salt-iiiiiiiiiiiiiiiiii","i",1]`)
			return env.craft(t, `{"_sd":[]}`, inner)
		}, ErrUnreferencedDisclosure},
		{"row19_disclosed_name_sd", func() string {
			d := disc(`["salt-aaaaaaaaaaaaaaaaaa","_sd",["x"]]`)
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrReservedName},
		{"row19_disclosed_name_ellipsis", func() string {
			d := disc(`["salt-aaaaaaaaaaaaaaaaaa","...","x"]`)
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrReservedName},
		{"row19_disclosed_name_sd_alg", func() string {
			d := disc(`["salt-aaaaaaaaaaaaaaaaaa","_sd_alg","sha-512"]`)
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrReservedName},
		{"row20_collision_with_plaintext", func() string { return env.craft(t, `{"a":"plain","_sd":["`+dg(dA)+`"]}`, dA) }, ErrClaimCollision},
		{"row20_collision_two_disclosures", func() string {
			d2 := disc(`["salt-cccccccccccccccccc","a","other"]`)
			return env.craft(t, `{"_sd":["`+dg(dA)+`","`+dg(d2)+`"]}`, dA, d2)
		}, ErrClaimCollision},
		{"row21_two_elements_under_sd", func() string { return env.craft(t, `{"_sd":["`+dg(dE)+`"]}`, dE) }, ErrDisclosure},
		{"row21_three_elements_under_ellipsis", func() string { return env.craft(t, `{"arr":[{"...":"`+dg(dA)+`"}]}`, dA) }, ErrDisclosure},
		{"row21_non_string_salt", func() string {
			d := disc(`[1,"a","x"]`)
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrDisclosure},
		{"row21_non_string_name", func() string {
			d := disc(`["salt-aaaaaaaaaaaaaaaaaa",7,"x"]`)
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrDisclosure},
		{"row21_not_an_array", func() string {
			d := disc(`{"salt":"s","a":"x"}`)
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrDisclosure},
		{"row21_four_elements", func() string {
			d := disc(`["s","a","x","y"]`)
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrDisclosure},
		{"row22_sd_not_array", func() string { return env.craft(t, `{"_sd":"`+dg(dA)+`"}`, dA) }, ErrInvalidDigests},
		{"row22_sd_entry_not_string", func() string { return env.craft(t, `{"_sd":[1]}`) }, ErrInvalidDigests},
		{"row22_ellipsis_with_extra_keys", func() string {
			return env.craft(t, `{"arr":[{"...":"`+dg(dE)+`","x":1}]}`, dE)
		}, ErrInvalidDigests},
		{"row22_ellipsis_not_string", func() string { return env.craft(t, `{"arr":[{"...":5}]}`) }, ErrInvalidDigests},
		{"row22_ellipsis_key_in_object", func() string { return env.craft(t, `{"o":{"...":"x"}}`) }, ErrReservedName},
		{"row22_unknown_sd_alg", func() string { return env.craft(t, `{"_sd_alg":"md5"}`) }, ErrHashAlgorithm},
		{"row22_sd_alg_uppercase", func() string { return env.craft(t, `{"_sd_alg":"SHA-256"}`) }, ErrHashAlgorithm},
		{"row22_sd_alg_truncated", func() string { return env.craft(t, `{"_sd_alg":"sha-256-32"}`) }, ErrHashAlgorithm},
		{"row22_sd_alg_not_string", func() string { return env.craft(t, `{"_sd_alg":256}`) }, ErrHashAlgorithm},
		{"row22_nested_sd_alg", func() string { return env.craft(t, `{"o":{"_sd_alg":"sha-256"}}`) }, ErrHashAlgorithm},
		{"row22_sd_alg_mismatch_with_digests", func() string {
			// sha-512 declared, sha-256 digests: the disclosure is unreferenced.
			return env.craft(t, `{"_sd_alg":"sha-512","_sd":["`+dg(dA)+`"]}`, dA)
		}, ErrUnreferencedDisclosure},
		{"row23_invalid_utf8_disclosure", func() string {
			d := b64.EncodeToString([]byte("[\"salt-aaaaaaaaaaaaaaaaaa\",\"a\",\"\xff\xfe\"]"))
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrDisclosure},
		{"row23_non_canonical_base64", func() string {
			d := disc(`["salt-aaaaaaaaaaaaaaaaaa","a","xy"]`) // ends in a char with unused bits
			bad := d[:len(d)-1] + string(flipLowBits(d[len(d)-1]))
			return env.craft(t, `{"_sd":["`+dg(bad)+`"]}`, bad)
		}, ErrDisclosure},
		{"row23_base64_with_padding", func() string {
			d := base64.URLEncoding.EncodeToString([]byte(`["salt-aaaaaaaaaaaaaaaaaa","a","x"]`))
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, ErrDisclosure},
		{"row23_duplicate_member_in_disclosure_value", func() string {
			d := disc(`["salt-aaaaaaaaaaaaaaaaaa","a",{"k":1,"k":2}]`)
			return env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d)
		}, jsonx.ErrDuplicateMember},
		{"row27_expired", func() string { return env.craft(t, `{"exp":1000}`) }, ErrValidity},
		{"row27_not_yet_valid", func() string { return env.craft(t, `{"nbf":4000000000}`) }, ErrValidity},
		{"row27_issued_in_future", func() string { return env.craft(t, `{"iat":4000000000}`) }, ErrValidity},
		{"row28_bare_jwt_is_not_sd_jwt", func() string { return strings.TrimSuffix(env.craft(t, `{}`), "~") }, ErrMalformed},
		{"row28_final_component_garbage", func() string { return env.craft(t, `{}`) + "garbage" }, ErrMalformed},
		{"row28_empty_disclosure", func() string { return env.craft(t, `{}`) + "~" }, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.verifyNoKB(t, c.pres())
			require.Error(t, err)
			require.ErrorIs(t, err, c.want)
		})
	}
}

func flipLowBits(c byte) byte {
	// 'Q'..: change a trailing character so that only unused bits differ.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return alphabet[i^1]
}

// row 27: a validity claim made disclosable and withheld is absent from the
// processed payload; RequireExp rejects that.
func TestSecurityRow27_WithheldExp(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	sd, err := Issue(ctx, env.issuer, map[string]any{"exp": float64(1_900_000_000), "a": 1}, IssueOptions{Typ: "example+sd-jwt", Disclosable: []vocab.ClaimPath{{"exp"}}})
	require.NoError(t, err)
	withheld := (&SDJWT{JWT: sd.JWT}).String()
	v, err := NewVerifier(Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"example+sd-jwt"}, Key: env.issuer.Public(),
		KeyBinding: KeyBindingOptional, RequireExp: true, Now: func() time.Time { return env.now }})
	require.NoError(t, err)
	_, err = v.Verify(ctx, withheld, Expect{})
	require.ErrorIs(t, err, ErrValidity)
	_, err = v.Verify(ctx, sd.String(), Expect{})
	require.NoError(t, err)
}

// Row 28: limits are enforced before recursion.
func TestSecurityRow28_Limits(t *testing.T) {
	env := newEnv(t)
	t.Run("row28_many_decoys", func(t *testing.T) {
		var sb strings.Builder
		sb.WriteString(`{"_sd":[`)
		for i := 0; i < DefaultMaxDigests+1; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(`"` + dg(string(rune('a'+i%26))+strings.Repeat("x", i)) + `"`)
		}
		sb.WriteString(`]}`)
		_, err := env.verifyNoKB(t, env.craft(t, sb.String()))
		require.ErrorIs(t, err, ErrTooLarge)
	})
	t.Run("row28_too_many_disclosures", func(t *testing.T) {
		ds := make([]string, DefaultMaxDisclosures+1)
		for i := range ds {
			ds[i] = disc(`["s` + strings.Repeat("x", i) + `","a",1]`)
		}
		_, err := env.verifyNoKB(t, env.craft(t, `{}`, ds...))
		require.ErrorIs(t, err, ErrTooLarge)
	})
	t.Run("row28_presentation_too_large", func(t *testing.T) {
		_, err := env.verifyNoKB(t, env.craft(t, `{}`)+strings.Repeat("~", DefaultMaxSize))
		require.ErrorIs(t, err, ErrTooLarge)
	})
	t.Run("row28_deep_disclosure", func(t *testing.T) {
		d := disc(`["s","a",` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `]`)
		_, err := env.verifyNoKB(t, env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d))
		require.ErrorIs(t, err, jsonx.ErrTooDeep)
	})
	t.Run("row28_recursive_chain_deeper_than_limit", func(t *testing.T) {
		// Each disclosure's value is an object holding the digest of the
		// next: every document is shallow, the chain is 40 deep.
		var ds []string
		inner := disc(`["s-last","leaf",1]`)
		ds = append(ds, inner)
		for i := 0; i < 40; i++ {
			d := disc(`["s-` + strings.Repeat("x", i) + `","n",{"_sd":["` + dg(inner) + `"]}]`)
			ds = append(ds, d)
			inner = d
		}
		_, err := env.verifyNoKB(t, env.craft(t, `{"_sd":["`+dg(inner)+`"]}`, ds...))
		require.ErrorIs(t, err, ErrTooLarge)
	})
}

// Rows 24–26: key binding.
func TestSecurityRowsKeyBinding(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	claims, frame := nestedClaims()
	sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, HolderJWK: env.holderJWK})
	require.NoError(t, err)
	sel, err := sd.Select(Limits{}, vocab.ClaimPath{"given_name"})
	require.NoError(t, err)
	good, err := sel.AddKeyBinding(ctx, *env.kb())
	require.NoError(t, err)
	v := env.verifier(t, KeyBindingRequired)
	_, err = v.Verify(ctx, good.String(), testExpect)
	require.NoError(t, err)

	attacker, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	signKB := func(hdr map[string]any, claims map[string]any, key *ecdsa.PrivateKey) string {
		hb, _ := json.Marshal(hdr)
		cb, _ := json.Marshal(claims)
		in := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
		h := sha256.Sum256([]byte(in))
		r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
		require.NoError(t, err)
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return in + "." + b64.EncodeToString(sig)
	}
	kbClaims := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"iat": env.now.Unix(), "aud": testExpect.Audience, "nonce": testExpect.Nonce, "sd_hash": SHA256.Digest(sel.SDJWTString())}
		if mod != nil {
			mod(m)
		}
		return m
	}
	withKB := func(kb string) string { return sel.SDJWTString() + kb }
	byHolder := func(mod func(m map[string]any), typ any) string {
		hdr := map[string]any{"alg": "ES256", "typ": typ}
		if typ == nil {
			delete(hdr, "typ")
		}
		k, err := jose.Sign(ctx, env.holder, hdr, mustJSON(kbClaims(mod)))
		require.NoError(t, err)
		return withKB(k)
	}
	cases := []struct {
		name string
		pres string
		exp  Expect
		want error
	}{
		{"row24_kb_stripped", sel.String(), testExpect, ErrKeyBindingRequired},
		{"row25_kb_signed_by_header_jwk", withKB(signKB(map[string]any{"alg": "ES256", "typ": "kb+jwt", "jwk": mustPubJWK(t, &attacker.PublicKey)}, kbClaims(nil), attacker)), testExpect, jose.ErrSignature},
		{"row25_kb_signed_by_other_key", withKB(signKB(map[string]any{"alg": "ES256", "typ": "kb+jwt"}, kbClaims(nil), attacker)), testExpect, ErrKeyBinding},
		{"row26_stale_iat", byHolder(func(m map[string]any) { m["iat"] = env.now.Add(-time.Hour).Unix() }, "kb+jwt"), testExpect, jose.ErrExpired},
		{"row26_future_iat", byHolder(func(m map[string]any) { m["iat"] = env.now.Add(time.Hour).Unix() }, "kb+jwt"), testExpect, jose.ErrIssuedInFuture},
		{"row26_missing_iat", byHolder(func(m map[string]any) { delete(m, "iat") }, "kb+jwt"), testExpect, ErrKeyBinding},
		{"row26_wrong_nonce", byHolder(func(m map[string]any) { m["nonce"] = "other" }, "kb+jwt"), testExpect, ErrKeyBinding},
		{"row26_wrong_aud", byHolder(func(m map[string]any) { m["aud"] = "https://evil.example" }, "kb+jwt"), testExpect, ErrKeyBinding},
		{"row12_aud_array", byHolder(func(m map[string]any) { m["aud"] = []string{testExpect.Audience} }, "kb+jwt"), testExpect, ErrKeyBinding},
		{"row26_sd_hash_over_other_disclosures", byHolder(func(m map[string]any) { m["sd_hash"] = SHA256.Digest(sd.SDJWTString()) }, "kb+jwt"), testExpect, ErrKeyBinding},
		{"row26_sd_hash_without_trailing_tilde", byHolder(func(m map[string]any) { m["sd_hash"] = SHA256.Digest(strings.TrimSuffix(sel.SDJWTString(), "~")) }, "kb+jwt"), testExpect, ErrKeyBinding},
		{"row26_sd_hash_missing", byHolder(func(m map[string]any) { delete(m, "sd_hash") }, "kb+jwt"), testExpect, ErrKeyBinding},
		{"row15_kb_without_typ", byHolder(nil, nil), testExpect, jose.ErrTyp},
		{"row15_kb_typ_jwt", byHolder(nil, "JWT"), testExpect, jose.ErrTyp},
		{"row15_kb_typ_sd_jwt", byHolder(nil, "example+sd-jwt"), testExpect, jose.ErrTyp},
		{"row26_transaction_data_mismatch", good.String(), Expect{Nonce: testExpect.Nonce, Audience: testExpect.Audience, TransactionDataHashes: []string{"x"}}, ErrKeyBinding},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(ctx, c.pres, c.exp)
			require.Error(t, err)
			require.ErrorIs(t, err, c.want)
		})
	}
	t.Run("row24_kb_to_holder", func(t *testing.T) {
		_, err := v.VerifyIssued(ctx, good.String())
		require.ErrorIs(t, err, ErrUnexpectedKeyBinding)
	})
	t.Run("row24_policy_not_from_token_shape", func(t *testing.T) {
		// Without expected nonce/aud a required-KB verifier refuses to run.
		_, err := v.Verify(ctx, good.String(), Expect{})
		require.ErrorIs(t, err, ErrOptions)
	})
	t.Run("row26_json_serialization_sd_hash_checked", func(t *testing.T) {
		bad := &SDJWT{JWT: sel.JWT, Disclosures: sd.Disclosures, KBJWT: good.KBJWT}
		b, err := bad.FlattenedJSON()
		require.NoError(t, err)
		_, err = v.Verify(ctx, string(b), testExpect)
		require.ErrorIs(t, err, ErrKeyBinding)
	})
	t.Run("row26_optional_policy_still_checks_present_kb", func(t *testing.T) {
		_, err := env.verifier(t, KeyBindingOptional).Verify(ctx, byHolder(func(m map[string]any) { m["sd_hash"] = "x" }, "kb+jwt"), Expect{})
		require.ErrorIs(t, err, ErrKeyBinding)
	})
	t.Run("no_cnf_no_kb_possible", func(t *testing.T) {
		sd2, err := Issue(ctx, env.issuer, map[string]any{"a": 1}, IssueOptions{Typ: "example+sd-jwt"})
		require.NoError(t, err)
		p, err := sd2.AddKeyBinding(ctx, *env.kb())
		require.NoError(t, err)
		_, err = v.Verify(ctx, p.String(), testExpect)
		require.ErrorIs(t, err, ErrNoHolderKey)
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func mustPubJWK(t testing.TB, k *ecdsa.PublicKey) map[string]any {
	m, err := crypto.PublicJWK(k)
	require.NoError(t, err)
	return m
}

// Rows 1–3, 11, 13–15 at the issuer-signed JWT.
func TestSecurityRowsIssuerJWT(t *testing.T) {
	env := newEnv(t)
	sd, err := Issue(context.Background(), env.issuer, map[string]any{"a": 1}, IssueOptions{Typ: "example+sd-jwt", Disclosable: []vocab.ClaimPath{{"a"}}})
	require.NoError(t, err)
	parts := strings.Split(sd.JWT, ".")
	rest := sd.String()[len(sd.JWT):]
	hdr := func(h string) string { return b64.EncodeToString([]byte(h)) }
	sig, _ := b64.DecodeString(parts[2])
	der, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := []struct {
		name string
		pres string
		want error
	}{
		{"row1_alg_none", hdr(`{"alg":"none","typ":"example+sd-jwt"}`) + "." + parts[1] + "." + rest, ErrIssuerSignature},
		{"row1_empty_signature", parts[0] + "." + parts[1] + "." + rest, ErrIssuerSignature},
		{"row2_hs256", hdr(`{"alg":"HS256","typ":"example+sd-jwt"}`) + "." + parts[1] + "." + parts[2] + rest, jose.ErrAlgorithmNotAllowed},
		{"row2_alg_outside_allowlist", hdr(`{"alg":"ES384","typ":"example+sd-jwt"}`) + "." + parts[1] + "." + parts[2] + rest, jose.ErrAlgorithmNotAllowed},
		{"row3_embedded_jwk_not_trusted", func() string {
			h := map[string]any{"alg": "ES256", "typ": "example+sd-jwt", "jwk": mustPubJWK(t, &other.PublicKey)}
			hb, _ := json.Marshal(h)
			in := b64.EncodeToString(hb) + "." + parts[1]
			d := sha256.Sum256([]byte(in))
			r, s, _ := ecdsa.Sign(rand.Reader, other, d[:])
			sg := make([]byte, 64)
			r.FillBytes(sg[:32])
			s.FillBytes(sg[32:])
			return in + "." + b64.EncodeToString(sg) + rest
		}(), jose.ErrSignature},
		{"row11_duplicate_header_member", hdr(`{"alg":"ES256","alg":"none","typ":"example+sd-jwt"}`) + "." + parts[1] + "." + parts[2] + rest, jose.ErrMalformed},
		{"row11_duplicate_payload_member", func() string {
			return env.craft(t, `{"iss":"a","iss":"b"}`)
		}(), jose.ErrMalformed},
		{"row13_deep_payload", env.craft(t, `{"a":`+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+`}`), jose.ErrMalformed},
		{"row14_non_canonical_signature", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + string(flipLowBits(parts[2][len(parts[2])-1])) + rest, jose.ErrMalformed},
		{"row15_typ_kb_jwt_as_issuer_jwt", hdr(`{"alg":"ES256","typ":"kb+jwt"}`) + "." + parts[1] + "." + parts[2] + rest, jose.ErrTyp},
		{"row61_der_signature", parts[0] + "." + parts[1] + "." + b64.EncodeToString(der) + rest, jose.ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.verifyNoKB(t, c.pres)
			require.Error(t, err)
			require.ErrorIs(t, err, c.want)
		})
	}
}

// Row 3 for cnf: a cnf.jwk carrying private members is never used.
func TestSecurityRow3_PrivateCnfJWK(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	jwk := map[string]any{}
	for k, v := range env.holderJWK {
		jwk[k] = v
	}
	jwk["d"] = "AAAA"
	cnf, _ := json.Marshal(map[string]any{"jwk": jwk})
	pres := env.craft(t, `{"cnf":`+string(cnf)+`}`)
	sd, err := Parse(pres, Limits{})
	require.NoError(t, err)
	withKB, err := sd.AddKeyBinding(ctx, *env.kb())
	require.NoError(t, err)
	_, err = env.verifier(t, KeyBindingRequired).Verify(ctx, withKB.String(), testExpect)
	require.ErrorIs(t, err, ErrNoHolderKey)
	require.ErrorIs(t, err, crypto.ErrInvalidJWK)
}

// Claim paths decoded from JSON carry float64 indices.
func TestFloatIndexPaths(t *testing.T) {
	env := newEnv(t)
	claims, _ := nestedClaims()
	sd, err := Issue(context.Background(), env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: []vocab.ClaimPath{{"nationalities", float64(1)}}})
	require.NoError(t, err)
	sel, err := sd.Select(Limits{}, vocab.ClaimPath{"nationalities", float64(1)})
	require.NoError(t, err)
	require.Len(t, sel.Disclosures, 1)
}
