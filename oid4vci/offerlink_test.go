package oid4vci

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// TestOfferLinkSpecExamples parses the three offer examples of §4.1.2 and
// §4.1.3: by value on a wallet's https endpoint (the spec gives only the
// request target, on Host server.example.com), by value with the custom
// scheme, and by reference.
func TestOfferLinkSpecExamples(t *testing.T) {
	links := readLines(t, "testdata/v1/offer_links.txt")
	if len(links) != 3 {
		t.Fatalf("want 3 links, got %d", len(links))
	}
	httpsLink := "https://server.example.com" + strings.TrimPrefix(links[0], "GET ")
	var p Parser

	l, err := p.OfferLink(httpsLink)
	if err != nil {
		t.Fatal(err)
	}
	if l.Endpoint != "https://server.example.com/credential_offer" || l.Offer == nil {
		t.Fatalf("endpoint %q offer %v", l.Endpoint, l.Offer)
	}
	if got := l.Offer.CredentialConfigurationIDs; len(got) != 2 || got[1] != "org.iso.18013.5.1.mDL" {
		t.Fatalf("ids %v", got)
	}
	pa := l.Offer.Grants.PreAuthorizedCode
	if pa.PreAuthorizedCode != "oaKazRN8I0IbtZ0C7JuMn5" || pa.TxCode == nil || !pa.TxCodeRequired() {
		t.Fatalf("grant %+v", pa)
	}

	l, err = p.OfferLink(links[1])
	if err != nil {
		t.Fatal(err)
	}
	tx := l.Offer.Grants.PreAuthorizedCode.TxCode
	if l.Endpoint != DefaultOfferEndpoint || tx.InputMode != InputModeText ||
		tx.Description != "Please enter the serial number of your physical drivers license" {
		t.Fatalf("endpoint %q tx_code %+v", l.Endpoint, tx)
	}

	l, err = p.OfferLink(links[2])
	if err != nil {
		t.Fatal(err)
	}
	if l.Offer != nil || l.OfferURI != "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM" {
		t.Fatalf("by reference: %+v", l)
	}
}

// TestOfferLinkSeedLegacy is the golden test of the W-Stack seed's example
// offering link: a draft ≤12 offer (credentials strings, user_pin_required,
// an empty issuer_state). It parses under ProfileLegacy only.
func TestOfferLinkSeedLegacy(t *testing.T) {
	link := readLines(t, "testdata/draft11/seed_offer_link.txt")[0]
	l, err := Parser{Profile: ProfileLegacy}.OfferLink(link)
	if err != nil {
		t.Fatal(err)
	}
	o := l.Offer
	if o.CredentialIssuer != "https://cloud-wallet.xfsc.dev" {
		t.Fatalf("issuer %q", o.CredentialIssuer)
	}
	if ids := o.ConfigurationIDs(); len(ids) != 1 || ids[0] != "DeveloperCredential" {
		t.Fatalf("ids %v", ids)
	}
	if o.Grants.AuthorizationCode == nil || o.Grants.AuthorizationCode.IssuerState != "" {
		t.Fatalf("authorization_code grant %+v", o.Grants.AuthorizationCode)
	}
	pa := o.Grants.PreAuthorizedCode
	if pa.PreAuthorizedCode != "VpKXRRzgTi23cCC9UUf2" || pa.UserPinRequired == nil || *pa.UserPinRequired || pa.TxCodeRequired() {
		t.Fatalf("pre-authorized grant %+v", pa)
	}
	// Rebuilding the link and parsing it again yields the same offer.
	again, err := Parser{Profile: ProfileLegacy}.OfferLink(l.String())
	if err != nil {
		t.Fatal(err)
	}
	if again.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode != pa.PreAuthorizedCode || again.Offer.ConfigurationIDs()[0] != "DeveloperCredential" {
		t.Fatalf("rebuilt link differs: %+v", again.Offer)
	}
	// 1.0 Final requires credential_configuration_ids.
	if _, err := (Parser{}).OfferLink(link); !errors.Is(err, ErrMissing) {
		t.Fatalf("ProfileFinal: want ErrMissing, got %v", err)
	}
}

func TestOfferLinkBuild(t *testing.T) {
	offer := &CredentialOffer{
		CredentialIssuer:           "https://issuer.example.com/tenants/a",
		CredentialConfigurationIDs: []string{"pid+sd"},
		Grants: &Grants{PreAuthorizedCode: &PreAuthorizedCodeGrant{
			PreAuthorizedCode: "a+b/c=&d",
			TxCode:            &TxCode{InputMode: InputModeNumeric, Length: 6},
		}},
	}
	for _, ep := range []string{"", "https://wallet.example.org/offer", "https://wallet.example.org/offer?lang=de"} {
		link, err := (&OfferLink{Endpoint: ep, Offer: offer}).Build()
		if err != nil {
			t.Fatal(err)
		}
		l, err := Parser{}.OfferLink(link)
		if err != nil {
			t.Fatalf("%s: %v", link, err)
		}
		want := ep
		if want == "" {
			want = DefaultOfferEndpoint
		}
		if l.Endpoint != want {
			t.Errorf("endpoint %q, want %q", l.Endpoint, want)
		}
		if got := l.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode; got != "a+b/c=&d" {
			t.Errorf("code %q", got)
		}
	}
	link, err := (&OfferLink{OfferURI: "https://issuer.example.com/offers/1?x=y"}).Build()
	if err != nil || link != "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example.com%2Foffers%2F1%3Fx%3Dy" {
		t.Fatalf("%q %v", link, err)
	}
}

func TestOfferLinkBad(t *testing.T) {
	value := `credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fi.example%22%2C%22credential_configuration_ids%22%3A%5B%22a%22%5D%7D`
	uri := `credential_offer_uri=https%3A%2F%2Fi.example%2Fo`
	for _, tc := range []struct {
		name string
		link string
		want error
	}{
		{"both parameters", "openid-credential-offer://?" + value + "&" + uri, ErrConflict},
		{"neither parameter", "openid-credential-offer://?foo=bar", ErrMissing},
		{"repeated credential_offer", "openid-credential-offer://?" + value + "&" + value, ErrDuplicate},
		{"repeated credential_offer_uri", "openid-credential-offer://?" + uri + "&" + uri, ErrDuplicate},
		{"http offer uri", "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fi.example%2Fo", ErrInvalidValue},
		{"offer uri with fragment", "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%23f", ErrInvalidValue},
		{"plain http link", "http://wallet.example/?" + value, ErrInvalidValue},
		{"javascript scheme", "javascript://?" + value, ErrInvalidValue},
		{"https without host", "https:///offer?" + value, ErrInvalidValue},
		{"bad escape", "openid-credential-offer://?credential_offer=%7", ErrMalformed},
		{"not JSON", "openid-credential-offer://?credential_offer=%7Bnope", ErrMalformed},
		{"duplicate JSON member", "openid-credential-offer://?credential_offer=" + strings.ReplaceAll(`{"credential_issuer":"https://i.example","credential_issuer":"https://j.example","credential_configuration_ids":["a"]}`, `"`, "%22"), ErrMalformed},
		{"too long", "openid-credential-offer://?credential_offer=" + strings.Repeat("a", defaultSmall), ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parser{}.OfferLink(tc.link)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
		})
	}
	if _, err := (&OfferLink{}).Build(); !errors.Is(err, ErrMissing) {
		t.Errorf("Build without offer: %v", err)
	}
	if _, err := (&OfferLink{Offer: &CredentialOffer{}, OfferURI: "https://x.example"}).Build(); !errors.Is(err, ErrConflict) {
		t.Errorf("Build with both: %v", err)
	}
	if _, err := (&OfferLink{Endpoint: "http://wallet.example", OfferURI: "https://x.example"}).Build(); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("Build with http endpoint: %v", err)
	}
}
