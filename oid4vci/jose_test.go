package oid4vci

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
)

// verifyES256JWK verifies an ES256 signature with a P-256 JWK.
func verifyES256JWK(jwk json.RawMessage, signingInput string, sig []byte) error {
	var k struct{ Kty, Crv, X, Y string }
	if err := json.Unmarshal(jwk, &k); err != nil {
		return err
	}
	x, err1 := base64.RawURLEncoding.DecodeString(k.X)
	y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
	if err1 != nil || err2 != nil || k.Crv != "P-256" {
		return errors.New("bad jwk")
	}
	if len(x) != 32 || len(y) != 32 {
		return errors.New("bad jwk")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return err
	}
	return verifyES256(pub, signingInput, sig)
}

func verifyES256(pub *ecdsa.PublicKey, signingInput string, sig []byte) error {
	if len(sig) != 64 {
		return errors.New("bad signature length")
	}
	h := sha256.Sum256([]byte(signingInput))
	if !ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("signature does not verify")
	}
	return nil
}

// TestProofJWTSpecExample parses the jwt proof of §F.1 and verifies its
// ES256 signature with the header's jwk: the example is a real signature.
func TestProofJWTSpecExample(t *testing.T) {
	var ps Proofs
	b, err := os.ReadFile("testdata/v1/proofs_jwt.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	pj, err := Parser{}.ProofJWT(ps.JWT[0])
	if err != nil {
		t.Fatal(err)
	}
	c := pj.Claims
	if pj.Header.Alg != "ES256" || c.Aud != "https://credential-issuer.example.com" || c.Iat != 1701960444 || c.Nonce != "LarRGSbmUPYtRYO6BQ4yn8" {
		t.Fatalf("header %+v claims %+v", pj.Header, c)
	}
	if err := verifyES256JWK(pj.Header.JWK, pj.SigningInput, pj.Signature); err != nil {
		t.Fatalf("spec example signature: %v", err)
	}
	// the draft 13 singular proof carries the same JWT
	var pr Proof
	b, _ = os.ReadFile("testdata/draft13/proof_jwt.json")
	if err := json.Unmarshal(b, &pr); err != nil || pr.JWT != ps.JWT[0] {
		t.Fatalf("draft 13 proof differs: %v", err)
	}
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func jwtOf(h, c any) string {
	return b64(h) + "." + b64(c) + "." + base64.RawURLEncoding.EncodeToString([]byte("sig"))
}

func TestProofJWTBad(t *testing.T) {
	jwk := map[string]any{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}
	okH := map[string]any{"typ": ProofJWTType, "alg": "ES256", "jwk": jwk}
	okC := map[string]any{"aud": "https://issuer.example.com", "iat": 1700000000, "nonce": "n"}
	with := func(m map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for a, b := range m {
			c[a] = b
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	for _, tc := range []struct {
		name    string
		profile Profile
		token   string
		want    error
	}{
		{"two parts", 0, "a.b", ErrMalformed},
		{"four parts", 0, "a.b.c.d", ErrMalformed},
		{"padded base64", 0, b64(okH) + "=." + b64(okC) + ".c2ln", ErrMalformed},
		{"header not JSON", 0, base64.RawURLEncoding.EncodeToString([]byte("{")) + "." + b64(okC) + ".c2ln", ErrMalformed},
		{"duplicate header member", 0, base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"openid4vci-proof+jwt","alg":"ES256","alg":"none","kid":"k"}`)) + "." + b64(okC) + ".c2ln", ErrMalformed},
		{"missing typ", 0, jwtOf(with(okH, "typ", nil), okC), ErrMissing},
		{"wrong typ", 0, jwtOf(with(okH, "typ", "JWT"), okC), ErrInvalidValue},
		{"alg none", 0, jwtOf(with(okH, "alg", "none"), okC), ErrInvalidValue},
		{"alg HS256", 0, jwtOf(with(okH, "alg", "HS256"), okC), ErrInvalidValue},
		{"row10 crit extension", 0, jwtOf(with(okH, "crit", []any{"x-ext"}), okC), ErrInvalidValue},
		{"row10 crit empty", 0, jwtOf(with(okH, "crit", []any{}), okC), ErrInvalidValue},
		{"no key", 0, jwtOf(with(okH, "jwk", nil), okC), ErrMissing},
		{"kid and jwk", 0, jwtOf(with(okH, "kid", "k"), okC), ErrConflict},
		{"jwk and x5c", 0, jwtOf(with(okH, "x5c", []string{"MII"}), okC), ErrConflict},
		{"private jwk", 0, jwtOf(with(okH, "jwk", with(jwk, "d", "secret")), okC), ErrInvalidValue},
		{"trust_chain without kid", 0, jwtOf(with(okH, "trust_chain", []string{"a.b.c"}), okC), ErrMissing},
		{"missing aud", 0, jwtOf(okH, with(okC, "aud", nil)), ErrMissing},
		{"aud array", 0, jwtOf(okH, with(okC, "aud", []string{"https://issuer.example.com"})), ErrMalformed},
		{"missing iat", 0, jwtOf(okH, with(okC, "iat", nil)), ErrMissing},
		{"iat string", 0, jwtOf(okH, with(okC, "iat", "2018-09-14T21:19:10Z")), ErrMalformed},
		{"nonce number", 0, jwtOf(okH, with(okC, "nonce", 5)), ErrMalformed},
		{"too large", 0, strings.Repeat("a", defaultSmall+1), ErrTooLarge},
		{"legacy: kid and jwk", ProfileLegacy, jwtOf(with(okH, "kid", "k"), okC), ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parser{Profile: tc.profile}.ProofJWT(tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Code != CodeInvalidProof {
				t.Fatalf("want code invalid_proof, got %v", err)
			}
		})
	}
	// draft 13 allows x5c next to jwk (key attestation in the certificate)
	if _, err := (Parser{Profile: ProfileLegacy}).ProofJWT(jwtOf(with(okH, "x5c", []string{"MII"}), okC)); err != nil {
		t.Fatalf("legacy jwk+x5c: %v", err)
	}
	if _, err := (Parser{}).ProofJWT(jwtOf(with(okH, "typ", "application/openid4vci-proof+jwt"), okC)); err != nil {
		t.Fatalf("typ with application/ prefix: %v", err)
	}
}

// TestSignedMetadataSpecExample parses the signed metadata example of
// Appendix I.1 and verifies its signature with the x5c certificate.
func TestSignedMetadataSpecExample(t *testing.T) {
	tok, err := os.ReadFile("testdata/v1/signed_metadata_sd_jwt.jwt")
	if err != nil {
		t.Fatal(err)
	}
	var sawCert bool
	verify := func(h *JOSEHeader, in string, sig []byte) error {
		der, err := base64.StdEncoding.DecodeString(h.X5C[0])
		if err != nil {
			return err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		sawCert = true
		pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
		if !ok || h.Alg != "ES256" {
			return errors.New("not ES256")
		}
		return verifyES256(pub, in, sig)
	}
	s, err := Parser{}.SignedIssuerMetadata(tok, verify)
	if err != nil {
		t.Fatal(err)
	}
	if !sawCert || s.Sub != "https://credential-issuer.example.com" || s.Iat != 1516239022 || s.Metadata.CredentialConfigurations["SD_JWT_VC_example_in_OpenID4VCI"] == nil {
		t.Fatalf("%+v", s)
	}
	if s.Metadata.Extra != nil {
		t.Fatalf("JWT claims left in Extra: %v", s.Metadata.Extra)
	}
	// A verifier that fails makes the whole document unusable.
	if _, err := (Parser{}).SignedIssuerMetadata(tok, func(*JOSEHeader, string, []byte) error { return errors.New("untrusted") }); !errors.Is(err, ErrSignature) {
		t.Fatalf("want ErrSignature, got %v", err)
	}
	if _, err := (Parser{}).SignedIssuerMetadata(tok, nil); !errors.Is(err, ErrSignature) {
		t.Fatalf("nil verifier: %v", err)
	}
}

func TestSignedMetadataRoundTrip(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	md := &IssuerMetadata{CredentialIssuer: "https://issuer.example.com", CredentialEndpoint: "https://issuer.example.com/credential",
		CredentialConfigurations: map[string]*CredentialConfiguration{"pid": {Format: FormatSDJWTVC, VCT: "urn:eudi:pid:1"}}}
	payload, err := SignedMetadataPayload(md, "https://attester.example.com", 1700000000, 1800000000)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(header map[string]any, payload []byte) string {
		in := b64(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
		h := sha256.Sum256([]byte(in))
		r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return in + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	verify := func(h *JOSEHeader, in string, sig []byte) error { return verifyES256(&key.PublicKey, in, sig) }
	tok := sign(map[string]any{"alg": "ES256", "typ": SignedMetadataType}, payload)
	s, err := Parser{}.SignedIssuerMetadata([]byte(tok), verify)
	if err != nil {
		t.Fatal(err)
	}
	if s.Iss != "https://attester.example.com" || s.Exp != 1800000000 || s.Metadata.CredentialConfigurations["pid"].VCT != "urn:eudi:pid:1" {
		t.Fatalf("%+v", s)
	}
	mutate := func(k string, v any) []byte {
		var m map[string]any
		_ = json.Unmarshal(payload, &m)
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name   string
		header map[string]any
		pl     []byte
		want   error
	}{
		{"wrong typ", map[string]any{"alg": "ES256", "typ": "JWT"}, payload, ErrSignature},
		{"alg none", map[string]any{"alg": "none", "typ": SignedMetadataType}, payload, ErrInvalidValue},
		{"sub differs", map[string]any{"alg": "ES256", "typ": SignedMetadataType}, mutate("sub", "https://evil.example.com"), ErrInvalidValue},
		{"no sub", map[string]any{"alg": "ES256", "typ": SignedMetadataType}, mutate("sub", nil), ErrMissing},
		{"no iat", map[string]any{"alg": "ES256", "typ": SignedMetadataType}, mutate("iat", nil), ErrMissing},
		{"exp before iat", map[string]any{"alg": "ES256", "typ": SignedMetadataType}, mutate("exp", 1), ErrInvalidValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parser{}.SignedIssuerMetadata([]byte(sign(tc.header, tc.pl)), verify)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
		})
	}
	// tampering with the payload breaks the signature
	parts := strings.Split(tok, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString(mutate("credential_endpoint", "https://evil.example.com/c"))
	if _, err := (Parser{}).SignedIssuerMetadata([]byte(strings.Join(parts, ".")), verify); !errors.Is(err, ErrSignature) {
		t.Fatalf("tampered payload: %v", err)
	}
}
