package oid4vp

import (
	"net/url"
	"testing"
)

// BenchmarkParseLinkAndRequestObject: what a wallet pays per invocation
// without I/O and signature checks — the link, the Request Object claims
// (with a DCQL query) and their checks.
func BenchmarkParseLinkAndRequestObject(b *testing.B) {
	link := "openid4vp://?client_id=x509_san_dns%3Aclient.example.org&request_uri=https%3A%2F%2Fclient.example.org%2Frequest%2Fvapof4ql2i7m41m68uep&request_uri_method=post"
	claims := readFile(b, "spec/request_object_request_uri_post_5_10_1.json")
	b.ReportAllocs()
	for b.Loop() {
		l, err := ParseLink(link, LinkOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Request.ValidateReference(ValidateOptions{}); err != nil {
			b.Fatal(err)
		}
		r, err := DecodeRequest(claims, ProfileFinal)
		if err != nil {
			b.Fatal(err)
		}
		if err := CheckRequestObject(TypRequestObject, r, l.Request, RequestObjectOptions{WalletNonce: "qPmxiNFCR3QTm19POc8u"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseResponse: what a verifier pays per direct_post before
// verifying presentations.
func BenchmarkParseResponse(b *testing.B) {
	req, err := DecodeRequest(readFile(b, "spec/request_object_direct_post_8_2.json"), ProfileFinal)
	if err != nil {
		b.Fatal(err)
	}
	form := url.Values{"vp_token": {`{"my_credential":["eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9.eyJ2Y3QiOiJ1cm46cGlkIn0.c2ln~WyJzYWx0IiwibGFzdF9uYW1lIiwiRG9lIl0~eyJhbGciOiJFUzI1NiIsInR5cCI6ImtiK2p3dCJ9.e30.c2ln"]}`}, "state": {"eyJhb...6-sVA"}}
	b.ReportAllocs()
	for b.Loop() {
		r, err := ParseResponse(form, ProfileFinal)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.CheckResponse(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSeedLinkLegacy: the W-Stack's authorization link.
func BenchmarkParseSeedLinkLegacy(b *testing.B) {
	raw := string(readFile(b, "legacy/xfsc_seed_authorization_link.txt"))
	b.ReportAllocs()
	for b.Loop() {
		l, err := ParseLink(raw, LinkOptions{Profile: ProfileLegacy})
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Request.ValidateReference(ValidateOptions{Profile: ProfileLegacy}); err != nil {
			b.Fatal(err)
		}
	}
}
