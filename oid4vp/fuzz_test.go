package oid4vp

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func seedDir(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
}

// FuzzDecodeRequest: request objects' claims and DC API requests never
// panic, and what decodes re-encodes to something that decodes the same.
func FuzzDecodeRequest(f *testing.F) {
	seedDir(f, "spec")
	seedDir(f, "legacy")
	f.Add([]byte(`{"nonce":"a","nonce":"b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []Profile{ProfileFinal, ProfileLegacy} {
			r, err := DecodeRequest(data, p)
			if err != nil {
				continue
			}
			_ = r.Validate(ValidateOptions{Profile: p, Signed: true})
			_ = r.ValidateReference(ValidateOptions{Profile: p})
			_ = CheckRequestObject(TypRequestObject, r, r, RequestObjectOptions{ValidateOptions: ValidateOptions{Profile: p}})
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("decoded request does not encode: %v", err)
			}
			r2, err := DecodeRequest(b, p)
			if err != nil {
				t.Fatalf("re-encoded request does not decode: %v\n%s", err, b)
			}
			b2, _ := json.Marshal(r2)
			if string(b) != string(b2) {
				t.Fatalf("round trip unstable:\n%s\n%s", b, b2)
			}
		}
	})
}

// FuzzParseLink: links never panic; a parsed link re-encodes to a link
// that parses.
func FuzzParseLink(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "spec", "links.txt"))
	for _, line := range strings.Split(string(b), "\n") {
		if p := strings.SplitN(line, " ", 3); len(p) == 3 && !strings.HasPrefix(line, "#") {
			f.Add(p[2])
		}
	}
	seed, _ := os.ReadFile(filepath.Join("testdata", "legacy", "xfsc_seed_authorization_link.txt"))
	f.Add(strings.TrimSpace(string(seed)))
	f.Add("haip-vp://?client_id=a&request_uri=https%3A%2F%2Fv.example%2Fr&request_uri_method=post")
	f.Fuzz(func(t *testing.T, raw string) {
		for _, p := range []Profile{ProfileFinal, ProfileLegacy} {
			l, err := ParseLink(raw, LinkOptions{Profile: p, Schemes: []string{SchemeHAIP}})
			if err != nil {
				continue
			}
			_ = l.Request.ValidateReference(ValidateOptions{Profile: p})
			_ = l.Request.Validate(ValidateOptions{Profile: p})
			back, err := l.Request.Link(l.Endpoint)
			if err != nil {
				continue // an endpoint ParseLink accepts but Link refuses (e.g. opaque) is fine
			}
			if _, err := ParseLink(back, LinkOptions{Profile: p, Schemes: []string{SchemeHAIP}}); err != nil {
				t.Fatalf("re-encoded link does not parse: %v\n%s\n%s", err, raw, back)
			}
		}
	})
}

// FuzzParseResponse: form-encoded responses never panic and round-trip.
func FuzzParseResponse(f *testing.F) {
	f.Add(`{"my_credential":["eyJhbGci...QMA"]}`, "st", "", "")
	f.Add(`eyJhb.x.y`, "", "", `{"id":"s","definition_id":"d","descriptor_map":[{"id":"a","format":"jwt_vp_json","path":"$"}]}`)
	f.Add("", "", "eyJ..a.b.c", "")
	f.Fuzz(func(t *testing.T, vpToken, state, response, submission string) {
		form := url.Values{}
		for k, v := range map[string]string{"vp_token": vpToken, "state": state, "response": response, "presentation_submission": submission} {
			if v != "" {
				form.Set(k, v)
			}
		}
		for _, p := range []Profile{ProfileFinal, ProfileLegacy} {
			r, err := ParseResponse(form, p)
			if err != nil {
				continue
			}
			v, err := r.Values()
			if err != nil {
				t.Fatalf("decoded response does not encode: %v", err)
			}
			if _, err := ParseResponse(v, p); err != nil {
				t.Fatalf("re-encoded response does not parse: %v\n%v", err, v)
			}
		}
	})
}

// FuzzParseResponsePayload: decrypted payloads never panic.
func FuzzParseResponsePayload(f *testing.F) {
	seedDir(f, "spec")
	seedDir(f, "legacy")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []Profile{ProfileFinal, ProfileLegacy} {
			r, err := ParseResponsePayload(data, p)
			if err != nil {
				continue
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseResponsePayload(b, p); err != nil {
				t.Fatalf("re-encoded payload does not parse: %v\n%s", err, b)
			}
		}
	})
}

// FuzzParseMetadata: wallet and verifier metadata, request_uri POST
// bodies and error bodies never panic.
func FuzzParseMetadata(f *testing.F) {
	seedDir(f, "spec")
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := ParseWalletMetadata(data); err == nil {
			b, _ := json.Marshal(m)
			if _, err := ParseWalletMetadata(b); err != nil {
				t.Fatalf("wallet metadata round trip: %v", err)
			}
		}
		if m, err := ParseClientMetadata(data); err == nil {
			b, _ := json.Marshal(m)
			if _, err := ParseClientMetadata(b); err != nil {
				t.Fatalf("client metadata round trip: %v", err)
			}
		}
		_, _ = ParseRequestURIPost(url.Values{"wallet_metadata": {string(data)}, "wallet_nonce": {"n"}})
		_, _ = ParseError(data)
		_, _ = ParseDirectPostResult(data)
	})
}

// FuzzTransactionDataAndClientID: transaction_data entries and client ids
// never panic; decoded entries re-encode and decode.
func FuzzTransactionDataAndClientID(f *testing.F) {
	f.Add(tdExample)
	f.Add("x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk")
	f.Add("decentralized_identifier:did:example:123")
	f.Fuzz(func(t *testing.T, s string) {
		if td, err := DecodeTransactionData(s); err == nil {
			if _, err := td.HashAlgorithm(); err == nil {
				if _, err := TransactionDataHashes([]string{td.Encoded()}, ""); err != nil {
					t.Fatal(err)
				}
			}
			enc, err := EncodeTransactionData(td)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecodeTransactionData(enc); err != nil {
				t.Fatalf("re-encoded transaction data: %v", err)
			}
		}
		if c, err := ParseClientID(s); err == nil && c.String() != s {
			t.Fatalf("String() = %q, want %q", c.String(), s)
		}
		for _, scheme := range []string{"", "did", "redirect_uri"} {
			if c, err := ParseLegacyClientID(s, scheme); err == nil && c.String() != s {
				t.Fatalf("legacy String() = %q, want %q", c.String(), s)
			}
		}
	})
}
