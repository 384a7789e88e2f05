package oid4vp_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"

	"github.com/ocmw/wstack/oid4vp"
)

// A wallet parses the link it was invoked with and checks the reference
// before fetching the Request Object.
func ExampleParseLink() {
	link := "openid4vp://?client_id=x509_san_dns%3Aclient.example.org" +
		"&request_uri=https%3A%2F%2Fclient.example.org%2Frequest%2Fvapof4ql2i7m41m68uep&request_uri_method=post"
	l, err := oid4vp.ParseLink(link, oid4vp.LinkOptions{Schemes: []string{oid4vp.SchemeHAIP}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := l.Request.ValidateReference(oid4vp.ValidateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	cid, _ := l.Request.ParsedClientID(oid4vp.ProfileFinal)
	fmt.Println(cid.Prefix, cid.Identifier)
	fmt.Println(l.Request.RequestURIMethod, l.Request.RequestURI)
	// Output:
	// x509_san_dns client.example.org
	// post https://client.example.org/request/vapof4ql2i7m41m68uep
}

// A verifier builds the same-device or QR link that passes its signed
// Request Object by reference.
func ExampleAuthorizationRequest_Link() {
	r := &oid4vp.AuthorizationRequest{
		ClientID:         "x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk",
		RequestURI:       "https://verifier.example.com/request/abc",
		RequestURIMethod: oid4vp.RequestURIMethodPost,
	}
	link, err := r.Link("haip-vp://")
	fmt.Println(link, err)
	// Output:
	// haip-vp://?client_id=x509_hash%3AUvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk&request_uri=https%3A%2F%2Fverifier.example.com%2Frequest%2Fabc&request_uri_method=post <nil>
}

// A wallet checks the claims of a Request Object whose signature it has
// verified (typ, client_id against the link, wallet_nonce, then every
// parameter rule).
func ExampleCheckRequestObject() {
	claims, err := oid4vp.DecodeRequest([]byte(`{
	  "client_id": "x509_san_dns:client.example.org",
	  "response_uri": "https://client.example.org/post",
	  "response_type": "vp_token",
	  "response_mode": "direct_post",
	  "dcql_query": {"credentials": [{"id": "pid", "format": "dc+sd-jwt",
	    "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]}}]},
	  "nonce": "n-0S6_WzA2Mj",
	  "wallet_nonce": "qPmxiNFCR3QTm19POc8u",
	  "state": "eyJhb6-sVA"
	}`), oid4vp.ProfileFinal)
	if err != nil {
		fmt.Println(err)
		return
	}
	outer := &oid4vp.AuthorizationRequest{ClientID: "x509_san_dns:client.example.org", RequestURI: "https://client.example.org/request/1"}
	err = oid4vp.CheckRequestObject(oid4vp.TypRequestObject, claims, outer, oid4vp.RequestObjectOptions{WalletNonce: "qPmxiNFCR3QTm19POc8u"})
	fmt.Println(err)
	err = oid4vp.CheckRequestObject("JWT", claims, outer, oid4vp.RequestObjectOptions{WalletNonce: "qPmxiNFCR3QTm19POc8u"})
	fmt.Println(oid4vp.CodeOf(err))
	// Output:
	// <nil>
	// invalid_request
}

// A verifier parses what the wallet posted to its response_uri and checks
// it against the request before verifying the presentations.
func ExampleParseResponse() {
	req, _ := oid4vp.DecodeRequest([]byte(`{"response_type":"vp_token","response_mode":"direct_post",
	  "client_id":"x509_san_dns:client.example.org","response_uri":"https://client.example.org/post",
	  "nonce":"n-0S6_WzA2Mj","state":"st-1",
	  "dcql_query":{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["urn:pid"]}}]}}`), oid4vp.ProfileFinal)
	form := url.Values{"vp_token": {`{"pid":["eyJhbGci...QMA~"]}`}, "state": {"st-1"}}
	resp, err := oid4vp.ParseResponse(form, oid4vp.ProfileFinal)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.CheckResponse(req), len(resp.VPToken["pid"]))
	// Output: <nil> 1
}

// A wallet computes transaction_data_hashes for its KB-JWT.
func ExampleTransactionDataHashes() {
	td := &oid4vp.TransactionData{Type: "example_type", CredentialIDs: []string{"id_card_credential"}}
	enc, _ := oid4vp.EncodeTransactionData(td)
	hashes, _ := oid4vp.TransactionDataHashes([]string{enc}, oid4vp.HashSHA256)
	fmt.Println(enc)
	fmt.Println(hashes[0])
	// Output:
	// eyJ0eXBlIjoiZXhhbXBsZV90eXBlIiwiY3JlZGVudGlhbF9pZHMiOlsiaWRfY2FyZF9jcmVkZW50aWFsIl19
	// lTp84kYtj5cZfVVmkrjZg-TZnQSfDoGWfNN9YKZo14M
}

// Servers answer failures with the spec's error body only.
func ExampleWriteError() {
	w := httptest.NewRecorder()
	oid4vp.WriteError(w, oid4vp.NewError(oid4vp.CodeInvalidRequestURIMethod, "request_uri_method must be get or post"))
	fmt.Println(w.Code, w.Body.String())
	// Output: 400 {"error":"invalid_request_uri_method","error_description":"request_uri_method must be get or post"}
}

// The legacy profile reads what drafts ≤ 25 verifiers send, such as the
// W-Stack's request objects with client_id_scheme.
func ExampleParseLegacyClientID() {
	c, _ := oid4vp.ParseLegacyClientID("did:web:verifier.example", "did")
	fmt.Println(c.Prefix, c.String())
	c, _ = oid4vp.ParseClientID("decentralized_identifier:did:web:verifier.example")
	fmt.Println(c.Prefix, c.String())
	b, _ := json.Marshal(oid4vp.Audience{c.String()})
	fmt.Println(string(b))
	// Output:
	// decentralized_identifier did:web:verifier.example
	// decentralized_identifier decentralized_identifier:did:web:verifier.example
	// "decentralized_identifier:did:web:verifier.example"
}
