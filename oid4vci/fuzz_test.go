package oid4vci

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func seedFiles(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", pattern))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
}

// reparse checks that an accepted message re-encodes to JSON that parses
// again to the same encoding (no panic, no accepted-then-rejected value).
func reparse[T any](t *testing.T, v T, parse func([]byte) (T, error)) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("accepted value does not encode: %v", err)
	}
	w, err := parse(b)
	if err != nil {
		t.Fatalf("re-encoded value rejected: %v\n%s", err, b)
	}
	b2, err := json.Marshal(w)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("encoding not stable:\n%s\n%s", b, b2)
	}
}

func FuzzOfferLink(f *testing.F) {
	for _, p := range []string{"testdata/v1/offer_links.txt", "testdata/draft11/seed_offer_link.txt"} {
		b, _ := os.ReadFile(p)
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f.Add(strings.TrimPrefix(l, "GET "), false)
			f.Add(l, true)
		}
	}
	f.Fuzz(func(t *testing.T, link string, legacy bool) {
		p := Parser{}
		if legacy {
			p.Profile = ProfileLegacy
		}
		l, err := p.OfferLink(link)
		if err != nil {
			return
		}
		if (l.Offer == nil) == (l.OfferURI == "") {
			t.Fatalf("exactly one of offer and offer URI expected: %+v", l)
		}
		s, err := l.Build()
		if err != nil {
			t.Fatalf("accepted link does not rebuild: %v", err)
		}
		if _, err := p.OfferLink(s); err != nil {
			t.Fatalf("rebuilt link rejected: %v\n%s", err, s)
		}
	})
}

func FuzzCredentialOffer(f *testing.F) {
	seedFiles(f, "offer_*.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []Parser{{}, {Profile: ProfileLegacy}} {
			o, err := p.CredentialOffer(b)
			if err == nil {
				reparse(t, o, p.CredentialOffer)
			}
		}
	})
}

func FuzzIssuerMetadata(f *testing.F) {
	seedFiles(f, "metadata_*.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []Parser{{}, {Profile: ProfileLegacy}} {
			md, err := p.IssuerMetadata(b)
			if err == nil {
				reparse(t, md, p.IssuerMetadata)
			}
		}
	})
}

func FuzzCredentialRequest(f *testing.F) {
	seedFiles(f, "credential_request_*.json")
	seedFiles(f, "batch_request.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []Parser{{}, {Profile: ProfileLegacy}} {
			r, err := p.CredentialRequest(b)
			if err == nil {
				reparse(t, r, p.CredentialRequest)
			}
			_, _ = p.BatchCredentialRequest(b)
			_, _ = p.DeferredCredentialRequest(b)
			_, _ = p.NotificationRequest(b)
		}
	})
}

func FuzzResponses(f *testing.F) {
	seedFiles(f, "credential_response_*.json")
	seedFiles(f, "token_response.json")
	seedFiles(f, "error_*.json")
	seedFiles(f, "batch_response*.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range []Parser{{}, {Profile: ProfileLegacy}} {
			if r, err := p.CredentialResponse(0, b); err == nil {
				reparse(t, r, func(b []byte) (*CredentialResponse, error) { return p.CredentialResponse(0, b) })
			}
			if r, err := p.TokenResponse(b); err == nil {
				reparse(t, r, p.TokenResponse)
			}
			_, _ = p.NonceResponse(b)
			_, _ = p.ErrorResponse(400, b)
			_, _ = p.BatchCredentialResponse(b)
			_, _ = p.AuthorizationDetails(b)
		}
	})
}

func FuzzProofJWT(f *testing.F) {
	var ps Proofs
	b, _ := os.ReadFile("testdata/v1/proofs_jwt.json")
	_ = json.Unmarshal(b, &ps)
	for _, j := range ps.JWT {
		f.Add(j)
	}
	f.Add(jwtOf(map[string]any{"typ": ProofJWTType, "alg": "ES256", "kid": "did:example:1#k"}, map[string]any{"aud": "https://i.example", "iat": 1}))
	f.Fuzz(func(t *testing.T, tok string) {
		for _, p := range []Parser{{}, {Profile: ProfileLegacy}} {
			pj, err := p.ProofJWT(tok)
			if err != nil {
				continue
			}
			if !IsAsymmetricJWSAlg(pj.Header.Alg) || pj.Claims.Aud == "" || pj.Claims.Iat <= 0 {
				t.Fatalf("accepted an invalid proof: %+v", pj)
			}
		}
	})
}

func FuzzSignedIssuerMetadata(f *testing.F) {
	b, _ := os.ReadFile("testdata/v1/signed_metadata_sd_jwt.jwt")
	f.Add(b)
	f.Fuzz(func(t *testing.T, tok []byte) {
		// the verifier accepts everything: this fuzzes the parsing around it
		s, err := Parser{}.SignedIssuerMetadata(tok, func(*JOSEHeader, string, []byte) error { return nil })
		if err == nil && s.Sub != s.Metadata.CredentialIssuer {
			t.Fatalf("sub %q accepted for issuer %q", s.Sub, s.Metadata.CredentialIssuer)
		}
	})
}

func FuzzTokenRequest(f *testing.F) {
	f.Add("grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536&authorization_details=%5B%7B%22type%22%3A%22openid_credential%22%2C%22credential_configuration_id%22%3A%22U%22%7D%5D")
	f.Add("grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fw.example%2Fcb&resource=https%3A%2F%2Fi.example")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		for _, p := range []Parser{{}, {Profile: ProfileLegacy}} {
			r, err := p.TokenRequest(form)
			if err != nil {
				continue
			}
			f2, err := r.Form()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.TokenRequest(f2); err != nil {
				t.Fatalf("re-encoded request rejected: %v", err)
			}
		}
	})
}

func FuzzWWWAuthenticate(f *testing.F) {
	f.Add(`Bearer realm="example", error="invalid_token", error_description="The access token expired"`)
	f.Add(`DPoP error="use_dpop_nonce", algs="ES256 PS256", Bearer realm="x"`)
	f.Fuzz(func(t *testing.T, v string) {
		cs, err := ParseWWWAuthenticate(v)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Scheme == "" {
				t.Fatalf("empty scheme from %q", v)
			}
			if e := c.Error(); e != nil {
				// what we write back parses again
				e.Scheme = SchemeBearer
				if _, err := ParseWWWAuthenticate(e.WWWAuthenticate()); err != nil {
					t.Fatalf("written challenge rejected: %v: %s", err, e.WWWAuthenticate())
				}
			}
		}
	})
}
