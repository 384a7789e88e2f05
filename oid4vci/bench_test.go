package oid4vci

import (
	"os"
	"strings"
	"testing"
)

func BenchmarkParseOfferLink(b *testing.B) {
	raw, err := os.ReadFile("testdata/v1/offer_links.txt")
	if err != nil {
		b.Fatal(err)
	}
	link := strings.Split(strings.TrimSpace(string(raw)), "\n")[1] // by value, custom scheme
	b.ReportAllocs()
	b.SetBytes(int64(len(link)))
	for b.Loop() {
		if _, err := (Parser{}).OfferLink(link); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCredentialRequest(b *testing.B) {
	body, err := os.ReadFile("testdata/v1/credential_request_sd_jwt_two_proofs.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := (Parser{}).CredentialRequest(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseProofJWT(b *testing.B) {
	tok := jwtOf(map[string]any{"typ": ProofJWTType, "alg": "ES256", "jwk": map[string]any{"kty": "EC", "crv": "P-256", "x": "nUWAoAv3XZith8E7i19OdaxOLYFOwM-Z2EuM02TirT4", "y": "HskHU8BjUi1U9Xqi7Swmj8gwAK_0xkcDjEW_71SosEY"}},
		map[string]any{"aud": "https://credential-issuer.example.com", "iat": 1701960444, "nonce": "LarRGSbmUPYtRYO6BQ4yn8"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Parser{}).ProofJWT(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseIssuerMetadata(b *testing.B) {
	body, err := os.ReadFile("testdata/v1/metadata_sd_jwt_long.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := (Parser{}).IssuerMetadata(body); err != nil {
			b.Fatal(err)
		}
	}
}
