package oid4vci

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"testing"
)

func TestCredentialRequestCheckMetadata(t *testing.T) {
	b, err := os.ReadFile("testdata/v1/metadata_sd_jwt_long.json")
	if err != nil {
		t.Fatal(err)
	}
	md, err := Parser{}.IssuerMetadata(b)
	if err != nil {
		t.Fatal(err)
	}
	cfg := md.CredentialConfigurations["SD_JWT_VC_example_in_OpenID4VCI"]
	jwk := `{"kty":"EC","crv":"P-256","x":"x","y":"y","alg":"ECDH-ES"}`
	enc := `,"credential_response_encryption":{"jwk":` + jwk + `,"enc":"A128GCM","zip":"DEF"}`
	for _, tc := range []struct {
		name string
		req  string
		want error
		code ErrorCode
	}{
		{"ok", `{"credential_configuration_id":"SD_JWT_VC_example_in_OpenID4VCI","proofs":{"jwt":["a.b.c","d.e.f"]}` + enc + `}`, nil, ""},
		{"no proofs", `{"credential_configuration_id":"SD_JWT_VC_example_in_OpenID4VCI"` + enc + `}`, ErrMissing, CodeInvalidProof},
		{"unsupported proof type", `{"credential_configuration_id":"SD_JWT_VC_example_in_OpenID4VCI","proofs":{"attestation":["a.b.c"]}` + enc + `}`, ErrUnsupportedProofType, CodeInvalidProof},
		{"more than batch_size", `{"credential_configuration_id":"SD_JWT_VC_example_in_OpenID4VCI","proofs":{"jwt":["1","2","3","4","5","6","7","8","9","10","11"]}` + enc + `}`, ErrInvalidValue, CodeInvalidCredentialRequest},
		{"encryption required", `{"credential_configuration_id":"SD_JWT_VC_example_in_OpenID4VCI","proofs":{"jwt":["a.b.c"]}}`, ErrMissing, CodeInvalidEncryptionParameters},
		{"unsupported enc", `{"credential_configuration_id":"SD_JWT_VC_example_in_OpenID4VCI","proofs":{"jwt":["a.b.c"]},"credential_response_encryption":{"jwk":` + jwk + `,"enc":"A256GCM"}}`, ErrInvalidValue, CodeInvalidEncryptionParameters},
		{"unsupported alg", `{"credential_configuration_id":"SD_JWT_VC_example_in_OpenID4VCI","proofs":{"jwt":["a.b.c"]},"credential_response_encryption":{"jwk":{"kty":"RSA","alg":"RSA-OAEP-256"},"enc":"A128GCM"}}`, ErrInvalidValue, CodeInvalidEncryptionParameters},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parser{}.CredentialRequest([]byte(tc.req))
			if err != nil {
				t.Fatal(err)
			}
			err = r.CheckMetadata(md, cfg)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
			var fe *FieldError
			if tc.code != "" && (!errors.As(err, &fe) || fe.Code != tc.code) {
				t.Fatalf("code: %v", err)
			}
		})
	}
	md.BatchCredentialIssuance = nil
	r, _ := Parser{}.CredentialRequest([]byte(`{"credential_configuration_id":"c","proofs":{"jwt":["a.b.c","d.e.f"]}` + enc + `}`))
	if err := r.CheckMetadata(md, cfg); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("two proofs without batch issuance: %v", err)
	}
}

func TestKeyAttestation(t *testing.T) {
	claims := map[string]any{"iss": "https://wallet-provider.example.com", "iat": 1516247022, "exp": 1541493724,
		"key_storage": []string{ISO18045Moderate}, "user_authentication": []string{ISO18045Moderate},
		"attested_keys": []any{map[string]any{"kty": "EC", "crv": "P-256", "x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc", "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"}}}
	header := map[string]any{"typ": KeyAttestationJWTType, "alg": "ES256", "x5c": []string{"MIIDQjCCA..."}}
	ka, err := Parser{}.KeyAttestation(jwtOf(header, claims))
	if err != nil || len(ka.Claims.AttestedKeys) != 1 || ka.Claims.KeyStorage[0] != ISO18045Moderate {
		t.Fatalf("%+v %v", ka, err)
	}
	noExp := map[string]any{}
	for k, v := range claims {
		if k != "exp" {
			noExp[k] = v
		}
	}
	// in a jwt proof's key_attestation header, exp is required
	proofH := map[string]any{"typ": ProofJWTType, "alg": "ES256", "kid": "0", "key_attestation": jwtOf(header, noExp)}
	proofC := map[string]any{"iss": "s6BhdRkqt3", "aud": "https://server.example.com", "iat": 1659145924, "nonce": "tZignsnFbp"}
	if _, err := (Parser{}).ProofJWT(jwtOf(proofH, proofC)); !errors.Is(err, ErrMissing) {
		t.Fatalf("key attestation without exp: %v", err)
	}
	proofH["key_attestation"] = jwtOf(header, claims)
	pj, err := Parser{}.ProofJWT(jwtOf(proofH, proofC))
	if err != nil || pj.KeyAttestation == nil {
		t.Fatalf("%v", err)
	}
	for name, tok := range map[string]string{
		"wrong typ":          jwtOf(map[string]any{"typ": "JWT", "alg": "ES256"}, claims),
		"no attested keys":   jwtOf(header, map[string]any{"iat": 1}),
		"private key":        jwtOf(header, map[string]any{"iat": 1, "attested_keys": []any{map[string]any{"kty": "EC", "d": "s"}}}),
		"empty key_storage":  jwtOf(header, map[string]any{"iat": 1, "attested_keys": []any{map[string]any{"kty": "EC"}}, "key_storage": []string{}}),
		"not base64":         "a.b!.c",
		"signature not b64u": jwtOf(header, claims) + base64.StdEncoding.EncodeToString([]byte{0xfb, 0xff}),
	} {
		if _, err := (Parser{}).KeyAttestation(tok); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestErrorURIOnlyWhereDefined(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, &Error{Code: CodeInvalidProof, URI: "https://issuer.example.com/e"})
	if rec.Body.String() != `{"error":"invalid_proof"}` {
		t.Fatalf("credential error with error_uri: %s", rec.Body)
	}
	rec = httptest.NewRecorder()
	WriteError(rec, &Error{Code: CodeInvalidGrant, URI: "https://as.example.com/e"})
	if rec.Body.String() != `{"error":"invalid_grant","error_uri":"https://as.example.com/e"}` {
		t.Fatalf("token error without error_uri: %s", rec.Body)
	}
}

func TestLimitsOverride(t *testing.T) {
	body := []byte(`{"credential_configuration_id":"a","proofs":{"jwt":["a.b.c"]}}`)
	if _, err := (Parser{Limits: Limits{MaxBytes: len(body) - 1}}).CredentialRequest(body); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("MaxBytes: %v", err)
	}
	if _, err := (Parser{Limits: Limits{MaxDepth: 2}}).CredentialRequest(body); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("MaxDepth: %v", err)
	}
	if _, err := (Parser{Limits: Limits{MaxDepth: 3}}).CredentialRequest(body); err != nil {
		t.Fatalf("depth 3: %v", err)
	}
}

func TestWriteErrorCapsEchoedNames(t *testing.T) {
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'x'
	}
	_, err := Parser{}.CredentialRequest([]byte(`{"credential_configuration_id":"a","proofs":{"` + string(long) + `":["p"]}}`))
	rec := httptest.NewRecorder()
	WriteError(rec, err)
	if rec.Code != 400 || rec.Body.Len() > 400 {
		t.Fatalf("status %d, %d-byte body", rec.Code, rec.Body.Len())
	}
}

// TestBuildMetadata is the issuer side: metadata built in Go validates and
// encodes to what a wallet parses back.
func TestBuildMetadata(t *testing.T) {
	md := &IssuerMetadata{
		CredentialIssuer:   "https://issuer.example.com/tenants/acme",
		CredentialEndpoint: "https://issuer.example.com/tenants/acme/credential",
		NonceEndpoint:      "https://issuer.example.com/tenants/acme/nonce",
		CredentialResponseEncryption: &ResponseEncryptionMetadata{
			AlgValuesSupported: []string{"ECDH-ES"}, EncValuesSupported: []string{"A128GCM"}, EncryptionRequired: false,
		},
		BatchCredentialIssuance: &BatchCredentialIssuance{BatchSize: 5},
		CredentialConfigurations: map[string]*CredentialConfiguration{
			"mdl": {Format: FormatMsoMdoc, Doctype: "org.iso.18013.5.1.mDL",
				CredentialSigningAlgValuesSupported:  []SigningAlg{COSEAlg(-7), Alg("ES256")},
				CryptographicBindingMethodsSupported: []string{BindingCOSEKey},
				ProofTypesSupported:                  map[string]*ProofTypeMetadata{ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256"}}},
				CredentialMetadata: &CredentialMetadata{Claims: []ClaimDescription{
					{Path: ClaimPath{"org.iso.18013.5.1", "given_name"}},
					{Path: ClaimPath{"org.iso.18013.5.1", "driving_privileges", nil, "vehicle_category_code"}},
				}},
			},
		},
	}
	if err := md.Validate(ProfileFinal); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parser{}.IssuerMetadata(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if err := back.CheckIssuer("https://issuer.example.com/tenants/acme"); err != nil {
		t.Fatal(err)
	}
	if err := back.CheckIssuer("https://issuer.example.com/tenants/acme/"); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("CheckIssuer normalised: %v", err)
	}
	algs := back.CredentialConfigurations["mdl"].CredentialSigningAlgValuesSupported
	if algs[0].String() != "-7" || !algs[0].IsCOSE || algs[1].String() != "ES256" {
		t.Fatalf("algs %v", algs)
	}
	c := StringCredential("eyJ.x.y~")
	if s, ok := c.String(); !ok || s != "eyJ.x.y~" {
		t.Fatal("StringCredential")
	}
	if _, ok := (IssuedCredential{Credential: json.RawMessage(`{"a":1}`)}).String(); ok {
		t.Fatal("object credential reported as string")
	}
}
