package oid4vci

import (
	"errors"
	"strings"
	"testing"
)

type badCase struct {
	name    string
	profile Profile
	in      string
	want    error
	code    ErrorCode // expected FieldError.Code, if any
	field   string    // expected FieldError.Field prefix, if any
}

func runBad(t *testing.T, cases []badCase, parse func(Parser, []byte) error) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := parse(Parser{Profile: tc.profile}, []byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
			var fe *FieldError
			if tc.code != "" || tc.field != "" {
				if !errors.As(err, &fe) {
					t.Fatalf("want a *FieldError, got %T %v", err, err)
				}
				if tc.code != "" && fe.Code != tc.code {
					t.Errorf("code %q, want %q", fe.Code, tc.code)
				}
				if tc.field != "" && !strings.HasPrefix(fe.Field, tc.field) {
					t.Errorf("field %q, want prefix %q", fe.Field, tc.field)
				}
			}
		})
	}
}

const iss = `"credential_issuer":"https://issuer.example.com"`

func TestCredentialOfferBad(t *testing.T) {
	pre := func(g string) string {
		return `{` + iss + `,"credential_configuration_ids":["a"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":` + g + `}}`
	}
	runBad(t, []badCase{
		{name: "not an object", in: `[]`, want: ErrMalformed},
		{name: "trailing data", in: `{` + iss + `,"credential_configuration_ids":["a"]} x`, want: ErrMalformed},
		{name: "invalid UTF-8", in: "{" + iss + `,"credential_configuration_ids":["` + "\xff" + `"]}`, want: ErrMalformed},
		{name: "too deep", in: `{` + iss + `,"credential_configuration_ids":["a"],"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, want: ErrTooLarge},
		{name: "missing issuer", in: `{"credential_configuration_ids":["a"]}`, want: ErrMissing, field: "credential_issuer"},
		{name: "http issuer", in: `{"credential_issuer":"http://issuer.example.com","credential_configuration_ids":["a"]}`, want: ErrInvalidValue},
		{name: "issuer with query", in: `{"credential_issuer":"https://issuer.example.com?a=b","credential_configuration_ids":["a"]}`, want: ErrInvalidValue},
		{name: "issuer with fragment", in: `{"credential_issuer":"https://issuer.example.com#a","credential_configuration_ids":["a"]}`, want: ErrInvalidValue},
		{name: "missing configuration ids", in: `{` + iss + `}`, want: ErrMissing, field: "credential_configuration_ids"},
		{name: "empty configuration ids", in: `{` + iss + `,"credential_configuration_ids":[]}`, want: ErrEmpty},
		{name: "duplicate configuration ids", in: `{` + iss + `,"credential_configuration_ids":["a","b","a"]}`, want: ErrDuplicate, field: "credential_configuration_ids[2]"},
		{name: "empty configuration id", in: `{` + iss + `,"credential_configuration_ids":[""]}`, want: ErrMissing},
		{name: "configuration id not a string", in: `{` + iss + `,"credential_configuration_ids":[1]}`, want: ErrMalformed},
		{name: "missing pre-authorized_code", in: pre(`{"tx_code":{}}`), want: ErrMissing, field: "grants." + GrantTypePreAuthorizedCode + ".pre-authorized_code"},
		{name: "tx_code bad input_mode", in: pre(`{"pre-authorized_code":"c","tx_code":{"input_mode":"alpha"}}`), want: ErrInvalidValue, field: "grants." + GrantTypePreAuthorizedCode + ".tx_code.input_mode"},
		{name: "tx_code negative length", in: pre(`{"pre-authorized_code":"c","tx_code":{"length":-1}}`), want: ErrInvalidValue},
		{name: "tx_code length not integer", in: pre(`{"pre-authorized_code":"c","tx_code":{"length":4.5}}`), want: ErrMalformed},
		{name: "tx_code description over 300", in: pre(`{"pre-authorized_code":"c","tx_code":{"description":"` + strings.Repeat("é", 301) + `"}}`), want: ErrInvalidValue},
		{name: "tx_code not an object", in: pre(`{"pre-authorized_code":"c","tx_code":true}`), want: ErrMalformed},
		{name: "legacy: credentials and ids both", profile: ProfileLegacy, in: `{` + iss + `,"credential_configuration_ids":["a"],"credentials":["a"]}`, want: ErrConflict},
		{name: "legacy: empty credentials", profile: ProfileLegacy, in: `{` + iss + `,"credentials":[]}`, want: ErrEmpty},
		{name: "legacy: duplicate credentials", profile: ProfileLegacy, in: `{` + iss + `,"credentials":["a","a"]}`, want: ErrDuplicate},
		{name: "legacy: credentials object without format", profile: ProfileLegacy, in: `{` + iss + `,"credentials":[{"types":["X"]}]}`, want: ErrMissing},
		{name: "legacy: credentials entry number", profile: ProfileLegacy, in: `{` + iss + `,"credentials":[3]}`, want: ErrMalformed},
		{name: "legacy: tx_code and user_pin_required", profile: ProfileLegacy, in: pre(`{"pre-authorized_code":"c","tx_code":{},"user_pin_required":true}`), want: ErrConflict},
		{name: "legacy: negative interval", profile: ProfileLegacy, in: pre(`{"pre-authorized_code":"c","interval":-5}`), want: ErrInvalidValue},
	}, func(p Parser, b []byte) error { _, err := p.CredentialOffer(b); return err })
}

func TestCredentialOfferKeepsUnknown(t *testing.T) {
	o, err := Parser{}.CredentialOffer([]byte(`{` + iss + `,"credential_configuration_ids":["a"],"x-hint":{"k":[1,2]},"grants":{"urn:example:grant":{"z":1},"authorization_code":{"issuer_state":"s","ext":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(o.Extra["x-hint"]) != `{"k":[1,2]}` || string(o.Grants.Extra["urn:example:grant"]) != `{"z":1}` || string(o.Grants.AuthorizationCode.Extra["ext"]) != "true" {
		t.Fatalf("unknown members lost: %+v %+v", o.Extra, o.Grants)
	}
}

func TestCheckMetadata(t *testing.T) {
	md := &IssuerMetadata{
		CredentialIssuer: "https://issuer.example.com", CredentialEndpoint: "https://issuer.example.com/credential",
		AuthorizationServers:     []string{"https://as1.example.com", "https://as2.example.com"},
		CredentialConfigurations: map[string]*CredentialConfiguration{"a": {Format: FormatSDJWTVC, VCT: "urn:x"}},
	}
	offer := func(as string, ids ...string) *CredentialOffer {
		return &CredentialOffer{CredentialIssuer: "https://issuer.example.com", CredentialConfigurationIDs: ids,
			Grants: &Grants{PreAuthorizedCode: &PreAuthorizedCodeGrant{PreAuthorizedCode: "c", AuthorizationServer: as}}}
	}
	if err := offer("https://as2.example.com", "a").CheckMetadata(md); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]*CredentialOffer{
		"unknown configuration":        offer("", "b"),
		"unknown authorization server": offer("https://as3.example.com", "a"),
		"other issuer":                 {CredentialIssuer: "https://other.example.com", CredentialConfigurationIDs: []string{"a"}},
	} {
		if err := o.CheckMetadata(md); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%s: want ErrInvalidValue, got %v", name, err)
		}
	}
	md.AuthorizationServers = md.AuthorizationServers[:1]
	if err := offer("https://as1.example.com", "a").CheckMetadata(md); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("authorization_server with a single authorization server: %v", err)
	}
}

const mdBase = `"credential_issuer":"https://issuer.example.com","credential_endpoint":"https://issuer.example.com/credential"`

func TestIssuerMetadataBad(t *testing.T) {
	cfg := func(c string) string {
		return `{` + mdBase + `,"credential_configurations_supported":{"c":` + c + `}}`
	}
	runBad(t, []badCase{
		{name: "missing credential_endpoint", in: `{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{}}`, want: ErrMissing, field: "credential_endpoint"},
		{name: "http credential_endpoint", in: `{"credential_issuer":"https://issuer.example.com","credential_endpoint":"http://issuer.example.com/c","credential_configurations_supported":{}}`, want: ErrInvalidValue},
		{name: "missing configurations", in: `{` + mdBase + `}`, want: ErrMissing, field: "credential_configurations_supported"},
		{name: "http nonce endpoint", in: `{` + mdBase + `,"nonce_endpoint":"http://x.example/n","credential_configurations_supported":{}}`, want: ErrInvalidValue, field: "nonce_endpoint"},
		{name: "empty authorization_servers", in: `{` + mdBase + `,"authorization_servers":[],"credential_configurations_supported":{}}`, want: ErrEmpty},
		{name: "batch_size 1", in: `{` + mdBase + `,"batch_credential_issuance":{"batch_size":1},"credential_configurations_supported":{}}`, want: ErrInvalidValue},
		{name: "response encryption without encryption_required", in: `{` + mdBase + `,"credential_response_encryption":{"alg_values_supported":["ECDH-ES"],"enc_values_supported":["A128GCM"]},"credential_configurations_supported":{}}`, want: ErrMissing, field: "credential_response_encryption.encryption_required"},
		{name: "response encryption empty alg list", in: `{` + mdBase + `,"credential_response_encryption":{"alg_values_supported":[],"enc_values_supported":["A128GCM"],"encryption_required":false},"credential_configurations_supported":{}}`, want: ErrEmpty},
		{name: "request encryption jwks array", in: `{` + mdBase + `,"credential_request_encryption":{"jwks":[{"kty":"EC","kid":"a"}],"enc_values_supported":["A128GCM"],"encryption_required":true},"credential_configurations_supported":{}}`, want: ErrInvalidValue},
		{name: "request encryption key without kid", in: `{` + mdBase + `,"credential_request_encryption":{"jwks":{"keys":[{"kty":"EC"}]},"enc_values_supported":["A128GCM"],"encryption_required":true},"credential_configurations_supported":{}}`, want: ErrMissing},
		{name: "request encryption duplicate kid", in: `{` + mdBase + `,"credential_request_encryption":{"jwks":{"keys":[{"kty":"EC","kid":"a"},{"kty":"EC","kid":"a"}]},"enc_values_supported":["A128GCM"],"encryption_required":true},"credential_configurations_supported":{}}`, want: ErrDuplicate},
		{name: "request encryption private key", in: `{` + mdBase + `,"credential_request_encryption":{"jwks":{"keys":[{"kty":"EC","kid":"a","d":"x"}]},"enc_values_supported":["A128GCM"],"encryption_required":true},"credential_configurations_supported":{}}`, want: ErrInvalidValue},
		{name: "duplicate display locale", in: `{` + mdBase + `,"display":[{"name":"a","locale":"en"},{"name":"b","locale":"EN"}],"credential_configurations_supported":{}}`, want: ErrDuplicate},
		{name: "configuration without format", in: cfg(`{"vct":"x"}`), want: ErrMissing, field: "credential_configurations_supported.c.format"},
		{name: "dc+sd-jwt without vct", in: cfg(`{"format":"dc+sd-jwt"}`), want: ErrMissing, field: "credential_configurations_supported.c.vct"},
		{name: "mso_mdoc without doctype", in: cfg(`{"format":"mso_mdoc"}`), want: ErrMissing},
		{name: "jwt_vc_json without credential_definition", in: cfg(`{"format":"jwt_vc_json"}`), want: ErrMissing},
		{name: "ldp_vc without @context", in: cfg(`{"format":"ldp_vc","credential_definition":{"type":["VerifiableCredential"]}}`), want: ErrMissing},
		{name: "binding without proof types", in: cfg(`{"format":"dc+sd-jwt","vct":"x","cryptographic_binding_methods_supported":["jwk"]}`), want: ErrMissing, field: "credential_configurations_supported.c.proof_types_supported"},
		{name: "proof types without binding", in: cfg(`{"format":"dc+sd-jwt","vct":"x","proof_types_supported":{"jwt":{"proof_signing_alg_values_supported":["ES256"]}}}`), want: ErrInvalidValue},
		{name: "proof type without algs", in: cfg(`{"format":"dc+sd-jwt","vct":"x","cryptographic_binding_methods_supported":["jwk"],"proof_types_supported":{"jwt":{}}}`), want: ErrMissing},
		{name: "bad did binding", in: cfg(`{"format":"dc+sd-jwt","vct":"x","cryptographic_binding_methods_supported":["did:web:example.com"],"proof_types_supported":{"jwt":{"proof_signing_alg_values_supported":["ES256"]}}}`), want: ErrInvalidValue},
		{name: "empty key_storage", in: cfg(`{"format":"dc+sd-jwt","vct":"x","cryptographic_binding_methods_supported":["jwk"],"proof_types_supported":{"jwt":{"proof_signing_alg_values_supported":["ES256"],"key_attestations_required":{"key_storage":[]}}}}`), want: ErrEmpty},
		{name: "signing alg float", in: cfg(`{"format":"mso_mdoc","doctype":"d","credential_signing_alg_values_supported":[-7.5]}`), want: ErrMalformed},
		{name: "display without name", in: cfg(`{"format":"dc+sd-jwt","vct":"x","credential_metadata":{"display":[{"locale":"en"}]}}`), want: ErrMissing},
		{name: "claims path empty", in: cfg(`{"format":"dc+sd-jwt","vct":"x","credential_metadata":{"claims":[{"path":[]}]}}`), want: ErrEmpty},
		{name: "claims path negative index", in: cfg(`{"format":"dc+sd-jwt","vct":"x","credential_metadata":{"claims":[{"path":["a",-1]}]}}`), want: ErrInvalidValue},
		{name: "claims path object component", in: cfg(`{"format":"dc+sd-jwt","vct":"x","credential_metadata":{"claims":[{"path":["a",{}]}]}}`), want: ErrInvalidValue},
		{name: "claims duplicate", in: cfg(`{"format":"dc+sd-jwt","vct":"x","credential_metadata":{"claims":[{"path":["a","b"]},{"path":["a","b"]}]}}`), want: ErrDuplicate},
		{name: "claims null and index", in: cfg(`{"format":"dc+sd-jwt","vct":"x","credential_metadata":{"claims":[{"path":["a",null]},{"path":["a",0]}]}}`), want: ErrConflict},
		{name: "claims array and object", in: cfg(`{"format":"dc+sd-jwt","vct":"x","credential_metadata":{"claims":[{"path":["a",0]},{"path":["a","b"]}]}}`), want: ErrConflict},
		{name: "mdoc claim path of one", in: cfg(`{"format":"mso_mdoc","doctype":"d","credential_metadata":{"claims":[{"path":["org.iso.18013.5.1"]}]}}`), want: ErrInvalidValue},
		{name: "draft 13 display under Final", in: cfg(`{"format":"dc+sd-jwt","vct":"x","display":[{"name":"a"}]}`), want: ErrLegacy},
		{name: "vc+sd-jwt under Final", in: cfg(`{"format":"vc+sd-jwt","vct":"x"}`), want: ErrLegacy},
		{name: "batch endpoint under Final", in: `{` + mdBase + `,"batch_credential_endpoint":"https://issuer.example.com/batch","credential_configurations_supported":{}}`, want: ErrLegacy},
	}, func(p Parser, b []byte) error { _, err := p.IssuerMetadata(b); return err })
}

func TestMetadataURLs(t *testing.T) {
	for _, tc := range []struct{ issuer, v1, d13 string }{
		{"https://issuer.example.com/tenant", "https://issuer.example.com/.well-known/openid-credential-issuer/tenant", "https://issuer.example.com/tenant/.well-known/openid-credential-issuer"},
		{"https://tenant.issuer.example.com", "https://tenant.issuer.example.com/.well-known/openid-credential-issuer", "https://tenant.issuer.example.com/.well-known/openid-credential-issuer"},
		{"https://issuer.example.com:8443/a/b/", "https://issuer.example.com:8443/.well-known/openid-credential-issuer/a/b", "https://issuer.example.com:8443/a/b/.well-known/openid-credential-issuer"},
	} {
		if got, err := IssuerMetadataURL(tc.issuer); err != nil || got != tc.v1 {
			t.Errorf("IssuerMetadataURL(%s) = %s, %v", tc.issuer, got, err)
		}
		if got, err := LegacyIssuerMetadataURL(tc.issuer); err != nil || got != tc.d13 {
			t.Errorf("LegacyIssuerMetadataURL(%s) = %s, %v", tc.issuer, got, err)
		}
	}
	if _, err := IssuerMetadataURL("https://issuer.example.com?x=1"); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("query accepted: %v", err)
	}
}

func TestCredentialRequestBad(t *testing.T) {
	jwk := `{"kty":"EC","crv":"P-256","x":"x","y":"y","alg":"ECDH-ES"}`
	runBad(t, []badCase{
		{name: "identifier and configuration id", in: `{"credential_identifier":"a","credential_configuration_id":"b"}`, want: ErrConflict, code: CodeInvalidCredentialRequest},
		{name: "neither identifier", in: `{"proofs":{"jwt":["a.b.c"]}}`, want: ErrMissing, code: CodeInvalidCredentialRequest},
		{name: "format-based under Final", in: `{"format":"dc+sd-jwt","vct":"x"}`, want: ErrLegacy, code: CodeInvalidCredentialRequest},
		{name: "proof and proofs", in: `{"credential_identifier":"a","proof":{"proof_type":"jwt","jwt":"a.b.c"},"proofs":{"jwt":["a.b.c"]}}`, want: ErrConflict, code: CodeInvalidProof},
		{name: "singular proof under Final", in: `{"credential_identifier":"a","proof":{"proof_type":"jwt","jwt":"a.b.c"}}`, want: ErrLegacy, code: CodeInvalidProof},
		{name: "unknown proof type", in: `{"credential_identifier":"a","proofs":{"cwt":["x"]}}`, want: ErrUnsupportedProofType, code: CodeInvalidProof, field: "proofs.cwt"},
		{name: "two proof types", in: `{"credential_identifier":"a","proofs":{"jwt":["a.b.c"],"attestation":["a.b.c"]}}`, want: ErrConflict, code: CodeInvalidProof},
		{name: "empty proofs object", in: `{"credential_identifier":"a","proofs":{}}`, want: ErrMissing, code: CodeInvalidProof},
		{name: "empty jwt array", in: `{"credential_identifier":"a","proofs":{"jwt":[]}}`, want: ErrEmpty, code: CodeInvalidProof},
		{name: "empty jwt string", in: `{"credential_identifier":"a","proofs":{"jwt":[""]}}`, want: ErrMissing, code: CodeInvalidProof},
		{name: "jwt not a string", in: `{"credential_identifier":"a","proofs":{"jwt":[{}]}}`, want: ErrMalformed, code: CodeInvalidCredentialRequest},
		{name: "two attestations", in: `{"credential_identifier":"a","proofs":{"attestation":["a.b.c","d.e.f"]}}`, want: ErrInvalidValue, code: CodeInvalidProof},
		{name: "di_vp not an object", in: `{"credential_identifier":"a","proofs":{"di_vp":["vp"]}}`, want: ErrInvalidValue, code: CodeInvalidProof},
		{name: "encryption without jwk", in: `{"credential_identifier":"a","credential_response_encryption":{"enc":"A128GCM"}}`, want: ErrMissing, code: CodeInvalidEncryptionParameters},
		{name: "encryption without enc", in: `{"credential_identifier":"a","credential_response_encryption":{"jwk":` + jwk + `}}`, want: ErrMissing, code: CodeInvalidEncryptionParameters},
		{name: "encryption jwk without alg", in: `{"credential_identifier":"a","credential_response_encryption":{"jwk":{"kty":"EC"},"enc":"A128GCM"}}`, want: ErrMissing, code: CodeInvalidEncryptionParameters},
		{name: "encryption private jwk", in: `{"credential_identifier":"a","credential_response_encryption":{"jwk":{"kty":"EC","alg":"ECDH-ES","d":"s"},"enc":"A128GCM"}}`, want: ErrInvalidValue, code: CodeInvalidEncryptionParameters},
		{name: "draft 13 alg member under Final", in: `{"credential_identifier":"a","credential_response_encryption":{"jwk":` + jwk + `,"alg":"ECDH-ES","enc":"A128GCM"}}`, want: ErrLegacy, code: CodeInvalidEncryptionParameters},
		{name: "duplicate member", in: `{"credential_identifier":"a","credential_identifier":"b"}`, want: ErrMalformed, code: CodeInvalidCredentialRequest},
		{name: "legacy: format and identifier", profile: ProfileLegacy, in: `{"credential_identifier":"a","format":"vc+sd-jwt","vct":"x"}`, want: ErrConflict},
		{name: "legacy: vc+sd-jwt without vct", profile: ProfileLegacy, in: `{"format":"vc+sd-jwt"}`, want: ErrMissing, field: "vct"},
		{name: "legacy: jwt_vc_json without type", profile: ProfileLegacy, in: `{"format":"jwt_vc_json","credential_definition":{}}`, want: ErrMissing},
		{name: "legacy: format members without format", profile: ProfileLegacy, in: `{"credential_identifier":"a","vct":"x"}`, want: ErrConflict},
		{name: "legacy: proof without proof_type", profile: ProfileLegacy, in: `{"credential_identifier":"a","proof":{"jwt":"a.b.c"}}`, want: ErrMissing, code: CodeInvalidProof},
		{name: "legacy: proof_type mismatch", profile: ProfileLegacy, in: `{"credential_identifier":"a","proof":{"proof_type":"cwt","jwt":"a.b.c"}}`, want: ErrMissing, code: CodeInvalidProof},
		{name: "legacy: unknown proof_type", profile: ProfileLegacy, in: `{"credential_identifier":"a","proof":{"proof_type":"x"}}`, want: ErrUnsupportedProofType},
		{name: "legacy: encryption alg differs from jwk alg", profile: ProfileLegacy, in: `{"credential_identifier":"a","credential_response_encryption":{"jwk":` + jwk + `,"alg":"RSA-OAEP","enc":"A128GCM"}}`, want: ErrConflict},
	}, func(p Parser, b []byte) error { _, err := p.CredentialRequest(b); return err })

	// Extra proof types are accepted when the parser is told about them.
	p := Parser{ExtraProofTypes: []string{"x-proof"}}
	r, err := p.CredentialRequest([]byte(`{"credential_configuration_id":"a","proofs":{"x-proof":["p1","p2"]}}`))
	if err != nil || r.Proofs.Len() != 2 {
		t.Fatalf("extra proof type: %v", err)
	}
}

func TestCredentialResponseBad(t *testing.T) {
	runBad(t, []badCase{
		{name: "empty object", in: `{}`, want: ErrMissing},
		{name: "credentials and transaction_id", in: `{"credentials":[{"credential":"x"}],"transaction_id":"t","interval":5}`, want: ErrConflict},
		{name: "empty credentials", in: `{"credentials":[]}`, want: ErrEmpty},
		{name: "credential missing", in: `{"credentials":[{}]}`, want: ErrMissing},
		{name: "credential number", in: `{"credentials":[{"credential":5}]}`, want: ErrInvalidValue},
		{name: "transaction without interval", in: `{"transaction_id":"t"}`, want: ErrMissing, field: "interval"},
		{name: "notification_id with transaction", in: `{"transaction_id":"t","interval":5,"notification_id":"n"}`, want: ErrConflict},
		{name: "interval with credentials", in: `{"credentials":[{"credential":"x"}],"interval":5}`, want: ErrConflict},
		{name: "singular credential under Final", in: `{"credential":"x"}`, want: ErrLegacy},
		{name: "c_nonce under Final", in: `{"credentials":[{"credential":"x"}],"c_nonce":"n"}`, want: ErrLegacy},
		{name: "legacy: credential and credentials", profile: ProfileLegacy, in: `{"credential":"x","credentials":[{"credential":"y"}]}`, want: ErrConflict},
	}, func(p Parser, b []byte) error { _, err := p.CredentialResponse(0, b); return err })
	if _, err := (Parser{}).CredentialResponse(200, []byte(`{"transaction_id":"t","interval":5}`)); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("202 body with status 200: %v", err)
	}
	if _, err := (Parser{}).CredentialResponse(202, []byte(`{"credentials":[{"credential":"x"}]}`)); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("200 body with status 202: %v", err)
	}
}

func TestOtherMessagesBad(t *testing.T) {
	runBad(t, []badCase{
		{name: "deferred without transaction_id", in: `{}`, want: ErrMissing, code: CodeInvalidCredentialRequest},
		{name: "deferred bad encryption", in: `{"transaction_id":"t","credential_response_encryption":{"enc":"A128GCM"}}`, want: ErrMissing, code: CodeInvalidEncryptionParameters},
	}, func(p Parser, b []byte) error { _, err := p.DeferredCredentialRequest(b); return err })
	runBad(t, []badCase{
		{name: "missing notification_id", in: `{"event":"credential_accepted"}`, want: ErrMissing, code: CodeInvalidNotificationRequest},
		{name: "missing event", in: `{"notification_id":"n"}`, want: ErrMissing, code: CodeInvalidNotificationRequest},
		{name: "unknown event", in: `{"notification_id":"n","event":"credential_lost"}`, want: ErrInvalidValue, code: CodeInvalidNotificationRequest},
		{name: "event case", in: `{"notification_id":"n","event":"Credential_Accepted"}`, want: ErrInvalidValue},
		{name: "description with quote", in: `{"notification_id":"n","event":"credential_failure","event_description":"a\"b"}`, want: ErrInvalidValue},
		{name: "description non-ASCII", in: `{"notification_id":"n","event":"credential_failure","event_description":"späť"}`, want: ErrInvalidValue},
	}, func(p Parser, b []byte) error { _, err := p.NotificationRequest(b); return err })
	runBad(t, []badCase{
		{name: "missing access_token", in: `{"token_type":"Bearer"}`, want: ErrMissing},
		{name: "missing token_type", in: `{"access_token":"a"}`, want: ErrMissing},
		{name: "empty authorization_details", in: `{"access_token":"a","token_type":"Bearer","authorization_details":[]}`, want: ErrEmpty},
		{name: "no credential_identifiers", in: `{"access_token":"a","token_type":"Bearer","authorization_details":[{"type":"openid_credential","credential_configuration_id":"c"}]}`, want: ErrMissing, field: "authorization_details[0].credential_identifiers"},
		{name: "empty credential_identifiers", in: `{"access_token":"a","token_type":"Bearer","authorization_details":[{"type":"openid_credential","credential_configuration_id":"c","credential_identifiers":[]}]}`, want: ErrEmpty},
		{name: "detail without type", in: `{"access_token":"a","token_type":"Bearer","authorization_details":[{"credential_configuration_id":"c"}]}`, want: ErrMissing},
	}, func(p Parser, b []byte) error { _, err := p.TokenResponse(b); return err })
	runBad(t, []badCase{
		{name: "missing c_nonce", in: `{}`, want: ErrMissing},
		{name: "c_nonce number", in: `{"c_nonce":1}`, want: ErrMalformed},
	}, func(p Parser, b []byte) error { _, err := p.NonceResponse(b); return err })
	runBad(t, []badCase{
		{name: "batch under Final", in: `{"credential_requests":[{"format":"jwt_vc_json","credential_definition":{"type":["A"]}}]}`, want: ErrLegacy},
		{name: "legacy: empty batch", profile: ProfileLegacy, in: `{"credential_requests":[]}`, want: ErrEmpty},
		{name: "legacy: bad element", profile: ProfileLegacy, in: `{"credential_requests":[{"format":"mso_mdoc"}]}`, want: ErrMissing, field: "credential_requests[0].doctype"},
	}, func(p Parser, b []byte) error { _, err := p.BatchCredentialRequest(b); return err })
}

func TestErrorResponseBad(t *testing.T) {
	runBad(t, []badCase{
		{name: "missing error", in: `{"error_description":"x"}`, want: ErrMissing},
		{name: "error number", in: `{"error":1}`, want: ErrMalformed},
		{name: "not JSON", in: `<html>`, want: ErrMalformed},
	}, func(p Parser, b []byte) error { _, err := p.ErrorResponse(400, b); return err })
}
