package w3c_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

func v1Credential(issuer, subject string) *w3c.Credential {
	return &w3c.Credential{
		Context:        w3c.Many[any](w3c.ContextV1),
		ID:             "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
		Type:           w3c.Many("VerifiableCredential", "UniversityDegreeCredential"),
		Issuer:         &w3c.Issuer{ID: issuer},
		IssuanceDate:   "2026-01-01T00:00:00Z",
		ExpirationDate: "2027-01-01T00:00:00Z",
		CredentialSubject: w3c.One(map[string]any{
			"id":     subject,
			"degree": map[string]any{"type": "BachelorDegree", "name": "Bachelor of Science and Arts"},
		}),
	}
}

func newFixture(t testing.TB) (*w3ctest.Party, *w3ctest.Party) {
	t.Helper()
	ctx := context.Background()
	iss, err := w3ctest.NewParty(ctx, crypto.KeyTypeECP256)
	require.NoError(t, err)
	hol, err := w3ctest.NewParty(ctx, crypto.KeyTypeEd25519)
	require.NoError(t, err)
	return iss, hol
}

func verifyOpts() w3c.VerifyOptions {
	return w3c.VerifyOptions{
		Resolver: &w3c.IssuerKeys{DID: w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK)},
		Now:      clock,
	}
}

func TestCredentialJWTRoundTrip(t *testing.T) {
	ctx := context.Background()
	iss, hol := newFixture(t)
	c := v1Credential(iss.DID, hol.DID)
	tok, err := w3c.SignCredentialJWT(ctx, iss.Signer, c, w3c.SignOptions{Now: now, Header: iss.Header()})
	require.NoError(t, err)

	// Encoding side of VCDM 1.1 §6.3.1.
	j, err := jose.Parse(tok, jose.ParseOptions{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"JWT"}})
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(j.Payload, &claims))
	require.Equal(t, iss.DID, claims["iss"])
	require.Equal(t, hol.DID, claims["sub"])
	require.Equal(t, c.ID, claims["jti"])
	require.EqualValues(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), claims["nbf"])
	require.EqualValues(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), claims["exp"])
	require.EqualValues(t, now.Unix(), claims["iat"])
	require.Equal(t, "JWT", j.Header.Typ)
	require.Equal(t, iss.KID(), j.Header.Kid)

	got, err := w3c.VerifyCredentialJWT(ctx, tok, verifyOpts())
	require.NoError(t, err)
	require.True(t, got.Verified())
	require.Equal(t, iss.DID, got.Credential.IssuerID())
	require.Equal(t, hol.DID, got.Credential.SubjectID())
	require.True(t, got.Credential.HasType("UniversityDegreeCredential"))
}

// The decoding side of §6.3.1: registered claims fill in the members the vc
// claim leaves out.
func TestCredentialJWTDecodingRules(t *testing.T) {
	ctx := context.Background()
	iss, hol := newFixture(t)
	vc := map[string]any{
		"@context":          []any{w3c.ContextV1},
		"type":              []any{"VerifiableCredential"},
		"credentialSubject": map[string]any{"degree": "BSc"},
	}
	claims := map[string]any{
		"iss": iss.DID, "sub": hol.DID, "jti": "urn:uuid:1", "nbf": now.Add(-time.Hour).Unix(),
		"exp": now.Add(time.Hour).Unix(), "vc": vc,
	}
	tok, err := jose.SignJWT(ctx, iss.Signer, map[string]any{"typ": "JWT", "kid": iss.KID()}, claims)
	require.NoError(t, err)
	got, err := w3c.VerifyCredentialJWT(ctx, tok, verifyOpts())
	require.NoError(t, err)
	c := got.Credential
	require.Equal(t, iss.DID, c.IssuerID())
	require.Equal(t, hol.DID, c.SubjectID())
	require.Equal(t, "urn:uuid:1", c.ID)
	require.Equal(t, w3c.FormatDateTime(now.Add(-time.Hour)), c.IssuanceDate)
	require.Equal(t, w3c.FormatDateTime(now.Add(time.Hour)), c.ExpirationDate)
	require.Equal(t, "BSc", c.CredentialSubject.Items[0]["degree"])
}

func sign(t *testing.T, p *w3ctest.Party, header, claims map[string]any) string {
	t.Helper()
	tok, err := jose.SignJWT(context.Background(), p.Signer, header, claims)
	require.NoError(t, err)
	return tok
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestCredentialJWTBadInputs(t *testing.T) {
	ctx := context.Background()
	iss, hol := newFixture(t)
	attacker, _ := newFixture(t)
	good := v1Credential(iss.DID, hol.DID)
	vc := good.Map()
	base := func() map[string]any {
		return map[string]any{"iss": iss.DID, "sub": hol.DID, "jti": good.ID, "iat": now.Unix(), "vc": vc}
	}
	hdr := map[string]any{"typ": "JWT", "kid": iss.KID()}
	goodTok := sign(t, iss, hdr, base())
	parts := strings.Split(goodTok, ".")

	hs := func() string {
		h := b64([]byte(`{"alg":"HS256","typ":"JWT","kid":"` + iss.KID() + `"}`))
		in := h + "." + parts[1]
		jwk, _ := crypto.PublicJWK(iss.Signer.Public())
		kb, _ := json.Marshal(jwk)
		m := hmac.New(sha256.New, kb)
		m.Write([]byte(in))
		return in + "." + b64(m.Sum(nil))
	}

	cases := []struct {
		name  string
		token string
		opts  func(o *w3c.VerifyOptions)
		want  error
	}{
		{"row1_alg_none", b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".", nil, jose.ErrMalformed},
		{"row1_empty_signature", parts[0] + "." + parts[1] + ".", nil, jose.ErrMalformed},
		{"row2_hs256_over_public_key", hs(), nil, jose.ErrAlgorithmNotAllowed},
		{"row2_alg_outside_allow_list", goodTok, func(o *w3c.VerifyOptions) { o.Algorithms = []crypto.Algorithm{crypto.EdDSA} }, jose.ErrAlgorithmNotAllowed},
		{"row3_embedded_jwk_not_trusted", sign(t, attacker, map[string]any{"typ": "JWT", "jwk": attacker.JWK()}, base()), nil, jose.ErrSignature},
		{"row3_kid_of_other_did", sign(t, attacker, map[string]any{"typ": "JWT", "kid": attacker.KID()}, base()), nil, w3c.ErrKeyResolution},
		{"row3_private_jwk_header", b64([]byte(`{"alg":"ES256","typ":"JWT","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}}`)) + "." + parts[1] + "." + parts[2], nil, jose.ErrPrivateKeyInHeader},
		{"row4_dots", strings.Repeat(".", 300000), nil, jose.ErrTooLarge},
		{"row11_duplicate_claims", func() string {
			p := b64([]byte(`{"iss":"` + iss.DID + `","iss":"did:example:evil","vc":{}}`))
			in := parts[0] + "." + p
			sig, err := iss.Signer.SignMessage(ctx, []byte(in))
			require.NoError(t, err)
			return in + "." + b64(sig)
		}(), nil, jose.ErrMalformed},
		{"row13_deep_claims", sign(t, iss, hdr, map[string]any{"iss": iss.DID, "vc": vc, "x": deep(200)}), nil, jose.ErrMalformed},
		{"row14_noncanonical_b64", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + flipLast(parts[2]), nil, jose.ErrMalformed},
		{"row15_kb_jwt_typ", sign(t, iss, map[string]any{"typ": "kb+jwt", "kid": iss.KID()}, base()), nil, jose.ErrTyp},
		{"row15_statuslist_typ", sign(t, iss, map[string]any{"typ": "statuslist+jwt", "kid": iss.KID()}, base()), nil, jose.ErrTyp},
		{"row15_vp_as_vc", sign(t, iss, hdr, map[string]any{"iss": iss.DID, "vp": map[string]any{}}), nil, w3c.ErrJWTClaims},
		{"iss_differs_from_vc_issuer", sign(t, iss, hdr, func() map[string]any {
			m := base()
			m["vc"] = v1Credential("did:example:other", hol.DID).Map()
			return m
		}()), nil, w3c.ErrJWTClaims},
		{"sub_differs_from_subject", sign(t, iss, hdr, func() map[string]any { m := base(); m["sub"] = "did:example:mallory"; return m }()), nil, w3c.ErrJWTClaims},
		{"jti_differs_from_id", sign(t, iss, hdr, func() map[string]any { m := base(); m["jti"] = "urn:uuid:other"; return m }()), nil, w3c.ErrJWTClaims},
		{"vc_not_object", sign(t, iss, hdr, map[string]any{"iss": iss.DID, "vc": "x"}), nil, w3c.ErrJWTClaims},
		{"vc_not_object_no_iss", sign(t, iss, hdr, map[string]any{"vc": "x"}), nil, w3c.ErrMalformed},
		{"vc_invalid_model", sign(t, iss, hdr, map[string]any{"iss": iss.DID, "vc": map[string]any{"@context": []any{w3c.ContextV1}, "type": "X"}}), nil, w3c.ErrInvalid},
		{"private_cnf_jwk", sign(t, iss, hdr, func() map[string]any {
			m := base()
			m["cnf"] = map[string]any{"jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}}
			return m
		}()), nil, w3c.ErrJWTClaims},
		{"expired_exp", sign(t, iss, hdr, func() map[string]any { m := base(); m["exp"] = now.Add(-time.Minute).Unix(); return m }()), nil, jose.ErrExpired},
		{"expired_expiration_date", goodTok, func(o *w3c.VerifyOptions) { o.Now = func() time.Time { return now.AddDate(2, 0, 0) } }, jose.ErrExpired},
		{"not_yet_valid_issuance_date", sign(t, iss, hdr, func() map[string]any { m := base(); delete(m, "iat"); return m }()), func(o *w3c.VerifyOptions) { o.Now = func() time.Time { return now.AddDate(-1, 0, 0) } }, jose.ErrNotYetValid},
		{"no_key_source", goodTok, func(o *w3c.VerifyOptions) { o.Resolver = nil }, jose.ErrNoKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := verifyOpts()
			if tc.opts != nil {
				tc.opts(&o)
			}
			_, err := w3c.VerifyCredentialJWT(ctx, tc.token, o)
			require.ErrorIs(t, err, tc.want)
		})
	}
	// Sanity: the unmodified token verifies with the same options.
	_, err := w3c.VerifyCredentialJWT(ctx, goodTok, verifyOpts())
	require.NoError(t, err)
}

func flipLast(s string) string {
	// The last character of an unpadded base64url string of a 64-byte
	// value carries 4 unused bits; changing them keeps the decoded bytes.
	c := s[len(s)-1]
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alpha, c)
	return string(alpha[(i&^3)|((i+1)&3)])
}

func deep(n int) any {
	var v any = 1
	for i := 0; i < n; i++ {
		v = []any{v}
	}
	return v
}

func TestPresentationJWT(t *testing.T) {
	ctx := context.Background()
	iss, hol := newFixture(t)
	_, other := newFixture(t)
	vcTok, err := w3c.SignCredentialJWT(ctx, iss.Signer, v1Credential(iss.DID, hol.DID), w3c.SignOptions{Now: now, Header: iss.Header()})
	require.NoError(t, err)
	vp := &w3c.Presentation{
		Context:              w3c.Many[any](w3c.ContextV1),
		Type:                 w3c.One("VerifiablePresentation"),
		Holder:               &w3c.Issuer{ID: hol.DID},
		VerifiableCredential: w3c.Many[any](vcTok),
	}
	const nonce, aud = "n-0S6_WzA2Mj", "x509_san_dns:verifier.example.org"
	tok, err := w3c.SignPresentationJWT(ctx, hol.Signer, vp, w3c.PresentationSignOptions{Nonce: nonce, Audience: aud, Now: now, Header: hol.Header()})
	require.NoError(t, err)
	opts := w3c.PresentationVerifyOptions{
		VerifyOptions: w3c.VerifyOptions{Resolver: &w3c.IssuerKeys{DID: w3c.DIDResolverFunc(w3ctest.ResolveDIDJWK), Relationship: w3c.Authentication}, Now: clock},
		Nonce:         nonce, Audience: aud,
	}
	got, err := w3c.VerifyPresentationJWT(ctx, tok, opts)
	require.NoError(t, err)
	require.Equal(t, hol.DID, got.Holder)
	require.Equal(t, []any{vcTok}, got.Presentation.VerifiableCredential.Items)

	signWith := func(claims map[string]any) string {
		return sign(t, hol, map[string]any{"typ": "JWT", "kid": hol.KID()}, claims)
	}
	base := func() map[string]any {
		return map[string]any{"iss": hol.DID, "aud": aud, "nonce": nonce, "iat": now.Unix(), "vp": vp.Map()}
	}
	bad := []struct {
		name  string
		token string
		opts  func(o *w3c.PresentationVerifyOptions)
		want  error
	}{
		{"wrong_nonce", tok, func(o *w3c.PresentationVerifyOptions) { o.Nonce = "other" }, w3c.ErrNonce},
		{"missing_nonce", signWith(func() map[string]any { m := base(); delete(m, "nonce"); return m }()), nil, w3c.ErrNonce},
		{"row12_aud_bare_host", signWith(func() map[string]any { m := base(); m["aud"] = "verifier.example.org"; return m }()), nil, w3c.ErrAudience},
		{"row12_aud_array_extra", signWith(func() map[string]any { m := base(); m["aud"] = []any{aud, "https://evil.example"}; return m }()), nil, w3c.ErrAudience},
		{"row12_aud_empty", signWith(func() map[string]any { m := base(); m["aud"] = ""; return m }()), nil, w3c.ErrAudience},
		{"row12_aud_missing", signWith(func() map[string]any { m := base(); delete(m, "aud"); return m }()), nil, w3c.ErrAudience},
		{"iat_missing", signWith(func() map[string]any { m := base(); delete(m, "iat"); return m }()), nil, jose.ErrClaim},
		{"iat_too_old", signWith(func() map[string]any { m := base(); m["iat"] = now.Add(-time.Hour).Unix(); return m }()), func(o *w3c.PresentationVerifyOptions) { o.MaxAge = 5 * time.Minute }, jose.ErrExpired},
		{"holder_mismatch", sign(t, iss, map[string]any{"typ": "JWT", "kid": iss.KID()}, func() map[string]any { m := base(); m["iss"] = iss.DID; return m }()), nil, w3c.ErrJWTClaims},
		{"signed_by_other_key", sign(t, other, map[string]any{"typ": "JWT", "kid": hol.KID()}, base()), nil, jose.ErrSignature},
		{"row15_vc_as_vp", vcTok, nil, w3c.ErrJWTClaims},
		{"options_without_nonce", tok, func(o *w3c.PresentationVerifyOptions) { o.Nonce = "" }, jose.ErrOptions},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			if tc.opts != nil {
				tc.opts(&o)
			}
			_, err := w3c.VerifyPresentationJWT(ctx, tc.token, o)
			require.ErrorIs(t, err, tc.want)
		})
	}
	// aud as a one-element array is not the string the request asks for.
	_, err = w3c.VerifyPresentationJWT(ctx, signWith(func() map[string]any { m := base(); m["aud"] = []any{aud}; return m }()), opts)
	require.ErrorIs(t, err, w3c.ErrAudience)
}

func TestJWKSKeys(t *testing.T) {
	ctx := context.Background()
	iss, hol := newFixture(t)
	const issuer = "https://issuer.example.com"
	jwk := iss.JWK()
	jwk["kid"] = "k1"
	keys := w3c.StaticJWKS{issuer: {jwk}}
	c := v1Credential(issuer, hol.DID)
	tok, err := w3c.SignCredentialJWT(ctx, iss.Signer, c, w3c.SignOptions{Now: now, Header: map[string]any{"kid": "k1"}})
	require.NoError(t, err)
	o := w3c.VerifyOptions{Resolver: &w3c.IssuerKeys{JWKS: keys}, Now: clock}
	_, err = w3c.VerifyCredentialJWT(ctx, tok, o)
	require.NoError(t, err)

	tok2, err := w3c.SignCredentialJWT(ctx, iss.Signer, c, w3c.SignOptions{Now: now, Header: map[string]any{"kid": "k2"}})
	require.NoError(t, err)
	_, err = w3c.VerifyCredentialJWT(ctx, tok2, o)
	require.ErrorIs(t, err, w3c.ErrKeyResolution)

	c.Issuer.ID = "http://issuer.example.com"
	tok3, err := w3c.SignCredentialJWT(ctx, iss.Signer, c, w3c.SignOptions{Now: now, Header: map[string]any{"kid": "k1"}})
	require.NoError(t, err)
	_, err = w3c.VerifyCredentialJWT(ctx, tok3, o)
	require.ErrorIs(t, err, w3c.ErrKeyResolution)
}

func TestVerificationMethodFor(t *testing.T) {
	cases := []struct{ did, kid, want string }{
		{"did:example:123", "", "did:example:123"},
		{"did:jwk:eyJ4IjoiMSJ9", "", "did:jwk:eyJ4IjoiMSJ9#0"},
		{"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
		{"did:example:123", "#key-1", "did:example:123#key-1"},
		{"did:example:123", "did:example:123#key-1", "did:example:123#key-1"},
		{"did:example:123", "key-1", "did:example:123#key-1"},
	}
	for _, c := range cases {
		got, err := w3c.VerificationMethodFor(c.did, c.kid)
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
	for _, c := range [][2]string{{"did:example:123", "did:example:456#key-1"}, {"did:example:123", "did:example:1234#k"}, {"did:example:123#x", ""}, {"did:example:123", "https://x/#k"}} {
		_, err := w3c.VerificationMethodFor(c[0], c[1])
		require.ErrorIs(t, err, w3c.ErrKeyResolution, c)
	}
}

func TestParseThenVerifySignature(t *testing.T) {
	ctx := context.Background()
	iss, hol := newFixture(t)
	tok, err := w3c.SignCredentialJWT(ctx, iss.Signer, v1Credential(iss.DID, hol.DID), w3c.SignOptions{Now: now, Header: iss.Header()})
	require.NoError(t, err)
	jc, err := w3c.ParseCredentialJWT(tok, w3c.ParseOptions{})
	require.NoError(t, err)
	require.False(t, jc.Verified())
	require.ErrorIs(t, jc.VerifySignature(ctx, w3c.VerifyOptions{}), jose.ErrNoKey)
	require.ErrorIs(t, jc.VerifySignature(ctx, w3c.VerifyOptions{Key: hol.Signer.Public()}), jose.ErrAlgorithmNotAllowed)
	other, _ := newFixture(t)
	require.ErrorIs(t, jc.VerifySignature(ctx, w3c.VerifyOptions{Key: other.Signer.Public()}), jose.ErrSignature)
	require.False(t, jc.Verified())
	require.NoError(t, jc.VerifySignature(ctx, verifyOpts()))
	require.True(t, jc.Verified())
	require.NotNil(t, jc.JWS())
}
