package oid4vci

import (
	"errors"
	"net/url"
	"testing"
)

func TestTokenRequestSpecExamples(t *testing.T) {
	// §6.1 authorization code example
	form, _ := url.ParseQuery("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" +
		"&redirect_uri=https%3A%2F%2Fwallet.example.org%2Fcb&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJSU...")
	r, err := Parser{}.TokenRequest(form)
	if err != nil || r.Code != "SplxlOBeZQQYbYS6WxSbIA" || r.RedirectURI != "https://wallet.example.org/cb" || r.ClientAssertion != "eyJhbGciOiJSU..." {
		t.Fatalf("%+v %v", r, err)
	}
	// §6.1.1 pre-authorized code example with authorization_details
	form, _ = url.ParseQuery("grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536" +
		"&authorization_details=%5B%7B%22type%22%3A%20%22openid_credential%22%2C%20%22credential_configuration_id%22%3A%20%22UniversityDegreeCredential%22%7D%5D")
	r, err = Parser{}.TokenRequest(form)
	if err != nil || r.TransactionCode() != "493536" || r.AuthorizationDetails[0].CredentialConfigurationID != "UniversityDegreeCredential" {
		t.Fatalf("%+v %v", r, err)
	}
	// encode and decode again
	f2, err := r.Form()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Parser{}.TokenRequest(f2)
	if err != nil || r2.PreAuthorizedCode != r.PreAuthorizedCode || r2.TxCode != r.TxCode || len(r2.AuthorizationDetails) != 1 {
		t.Fatalf("%+v %v", r2, err)
	}
	// drafts ≤12 user_pin under the legacy profile; unknown under 1.0
	form = url.Values{"grant_type": {GrantTypePreAuthorizedCode}, "pre-authorized_code": {"c"}, "user_pin": {"1234"}}
	if r, err := (Parser{Profile: ProfileLegacy}).TokenRequest(form); err != nil || r.TransactionCode() != "1234" {
		t.Fatalf("legacy user_pin: %+v %v", r, err)
	}
	if r, err := (Parser{}).TokenRequest(form); err != nil || r.TransactionCode() != "" || r.Extra.Get("user_pin") != "1234" {
		t.Fatalf("1.0 user_pin: %+v %v", r, err)
	}
}

func TestTokenRequestBad(t *testing.T) {
	for _, tc := range []struct {
		name string
		form url.Values
		want error
		code ErrorCode
	}{
		{"no grant_type", url.Values{"code": {"c"}}, ErrMissing, CodeInvalidRequest},
		{"no code", url.Values{"grant_type": {"authorization_code"}}, ErrMissing, CodeInvalidRequest},
		{"no pre-authorized_code", url.Values{"grant_type": {GrantTypePreAuthorizedCode}, "tx_code": {"1"}}, ErrMissing, CodeInvalidRequest},
		{"tx_code with authorization code", url.Values{"grant_type": {"authorization_code"}, "code": {"c"}, "tx_code": {"1"}}, ErrInvalidValue, CodeInvalidRequest},
		{"repeated parameter", url.Values{"grant_type": {GrantTypePreAuthorizedCode}, "pre-authorized_code": {"a", "b"}}, ErrDuplicate, CodeInvalidRequest},
		{"bad authorization_details", url.Values{"grant_type": {GrantTypePreAuthorizedCode}, "pre-authorized_code": {"a"}, "authorization_details": {`{"type":"openid_credential"}`}}, ErrMalformed, CodeInvalidAuthorizationDetails},
		{"authorization_details without configuration", url.Values{"grant_type": {GrantTypePreAuthorizedCode}, "pre-authorized_code": {"a"}, "authorization_details": {`[{"type":"openid_credential"}]`}}, ErrMissing, CodeInvalidAuthorizationDetails},
		{"empty authorization_details", url.Values{"grant_type": {GrantTypePreAuthorizedCode}, "pre-authorized_code": {"a"}, "authorization_details": {`[]`}}, ErrEmpty, CodeInvalidAuthorizationDetails},
		{"too large", url.Values{"grant_type": {GrantTypePreAuthorizedCode}, "pre-authorized_code": {string(make([]byte, defaultSmall))}}, ErrTooLarge, CodeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parser{}.TokenRequest(tc.form)
			var fe *FieldError
			if !errors.Is(err, tc.want) || !errors.As(err, &fe) || fe.Code != tc.code {
				t.Fatalf("want %v/%s, got %v", tc.want, tc.code, err)
			}
		})
	}
}

func TestTokenResponseIdentifiers(t *testing.T) {
	r, err := Parser{}.TokenResponse([]byte(`{"access_token":"a","token_type":"DPoP","expires_in":60,"authorization_details":[{"type":"openid_credential","credential_configuration_id":"c","credential_identifiers":["c-1","c-2"]},{"type":"other","x":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if ids := r.CredentialIdentifiers("c"); len(ids) != 2 || !r.IsDPoP() || string(r.AuthorizationDetails[1].Extra["x"]) != "1" {
		t.Fatalf("%+v", r)
	}
}
