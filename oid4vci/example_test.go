package oid4vci_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/ocmw/wstack/oid4vci"
)

// An issuer builds a pre-authorized offer link for a QR code; the wallet
// parses it.
func ExampleOfferLink() {
	offer := &oid4vci.CredentialOffer{
		CredentialIssuer:           "https://issuer.example.com",
		CredentialConfigurationIDs: []string{"pid_sd_jwt"},
		Grants: &oid4vci.Grants{PreAuthorizedCode: &oid4vci.PreAuthorizedCodeGrant{
			PreAuthorizedCode: "oaKazRN8I0IbtZ0C7JuMn5",
			TxCode:            &oid4vci.TxCode{InputMode: oid4vci.InputModeNumeric, Length: 6},
		}},
	}
	link, err := (&oid4vci.OfferLink{Offer: offer}).Build()
	if err != nil {
		panic(err)
	}
	fmt.Println(link)

	var p oid4vci.Parser // 1.0 Final, default limits
	got, err := p.OfferLink(link)
	if err != nil {
		panic(err)
	}
	pa := got.Offer.Grants.PreAuthorizedCode
	fmt.Println(got.Offer.CredentialConfigurationIDs, pa.TxCodeRequired(), pa.TxCode.Length)
	// Output:
	// openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fissuer.example.com%22%2C%22credential_configuration_ids%22%3A%5B%22pid_sd_jwt%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22oaKazRN8I0IbtZ0C7JuMn5%22%2C%22tx_code%22%3A%7B%22input_mode%22%3A%22numeric%22%2C%22length%22%3A6%7D%7D%7D%7D
	// [pid_sd_jwt] true 6
}

// A W-Stack (draft ≤12) offer parses under the legacy profile.
func ExampleParser_legacy() {
	link := "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fcloud-wallet.xfsc.dev%22%2C%22credentials%22%3A%5B%22DeveloperCredential%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22VpKXRRzgTi23cCC9UUf2%22%2C%22user_pin_required%22%3Atrue%7D%7D%7D"
	l, err := oid4vci.Parser{Profile: oid4vci.ProfileLegacy}.OfferLink(link)
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Offer.ConfigurationIDs(), l.Offer.Grants.PreAuthorizedCode.TxCodeRequired())
	_, err = oid4vci.Parser{}.OfferLink(link)
	fmt.Println(err)
	// Output:
	// [DeveloperCredential] true
	// oid4vci: required member missing: credential_offer.credential_configuration_ids
}

// A credential endpoint validates the request and answers a failure with
// the code the validation attached.
func ExampleParser_CredentialRequest() {
	body := []byte(`{"credential_identifier":"CivilEngineeringDegree-2023","credential_configuration_id":"UniversityDegree"}`)
	_, err := oid4vci.Parser{}.CredentialRequest(body)
	rec := httptest.NewRecorder()
	oid4vci.WriteError(rec, err)
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// 400 {"error":"invalid_credential_request","error_description":"oid4vci: mutually exclusive members present: credential_configuration_id: credential_identifier and credential_configuration_id both present"}
}

// An access-token failure at the credential endpoint is a DPoP challenge,
// not a JSON body.
func ExampleWriteError_dpop() {
	rec := httptest.NewRecorder()
	oid4vci.WriteError(rec, &oid4vci.Error{
		Code: oid4vci.CodeUseDPoPNonce, Description: "Resource server requires nonce in DPoP proof",
		Scheme: oid4vci.SchemeDPoP, Algs: []string{"ES256"}, DPoPNonce: "eyJ7S_zG.eyJH0-Z.HX4w-7v",
	})
	fmt.Println(rec.Code)
	fmt.Println(rec.Header().Get("WWW-Authenticate"))
	fmt.Println(rec.Header().Get("DPoP-Nonce"), rec.Body.Len())
	// Output:
	// 401
	// DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256"
	// eyJ7S_zG.eyJH0-Z.HX4w-7v 0
}
