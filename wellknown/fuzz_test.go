package wellknown_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
)

func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"x"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","kid":"a"},{"kty":"EC","kid":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := wellknown.ParseJWKS(data)
		if err != nil {
			return
		}
		if err := s.Check(); err != nil {
			t.Fatalf("parsed set fails Check: %v", err)
		}
		for _, k := range s.Keys {
			if _, ok := k["d"]; ok {
				t.Fatal("private member accepted")
			}
			if kid, ok := k["kid"].(string); ok {
				s.Key(kid)
			}
		}
	})
}

func FuzzParseASMetadata(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://h.example/a","token_endpoint":"https://h.example/a/token","x":1}`))
	f.Add([]byte(`{"issuer":"http://h.example"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := wellknown.ParseASMetadata(data)
		if err != nil {
			return
		}
		if _, err := wellknown.InsertedURL(m.Issuer, wellknown.NameAuthorizationServer); err != nil {
			t.Fatalf("accepted issuer %q: %v", m.Issuer, err)
		}
	})
}

func FuzzParseJWTVCIssuerMetadata(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://h.example","jwks_uri":"https://h.example/jwks"}`))
	f.Add([]byte(`{"issuer":"https://h.example","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := wellknown.ParseJWTVCIssuerMetadata(data)
		if err != nil {
			return
		}
		if (len(m.JWKS) == 0) == (m.JWKSURI == "") {
			t.Fatal("both or neither of jwks and jwks_uri accepted")
		}
	})
}

func FuzzVerifyDIDConfiguration(f *testing.F) {
	f.Add([]byte(`{"@context":"https://identity.foundation/.well-known/did-configuration/v1","linked_dids":["eyJhbGciOiJFZERTQSJ9.e30.AA"]}`))
	f.Add([]byte(`{"@context":["https://identity.foundation/.well-known/did-configuration/v1"],"linked_dids":[{"type":["VerifiableCredential"]}]}`))
	o := wellknown.DomainLinkageOptions{Origin: "https://h.example", Resolver: did.NewDefaultRegistry(nil, did.WebOptions{})}
	f.Fuzz(func(t *testing.T, data []byte) {
		links, _ := wellknown.VerifyDIDConfiguration(context.Background(), data, o)
		if len(links) > 0 {
			t.Fatalf("unsigned input verified: %+v", links)
		}
	})
}

func FuzzRegisterIssuer(f *testing.F) {
	f.Add([]byte(pluginIssuer))
	f.Add([]byte(`{"credential_configurations_supported":{"x":{"format":"dc+sd-jwt","vct":"v"}}}`))
	f.Add([]byte(`{"credential_configurations_supported":{"x":{"format":"mso_mdoc"}}}`))
	base := wellknown.StaticMetadata{"t": issuerMetadata("https://issuer.example/t", map[string]*oid4vci.CredentialConfiguration{"b": sdJWTConfig("v")})}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := wellknown.NewAggregator(wellknown.AggregatorConfig{Registry: wellknown.NewMemoryRegistry(), Base: base, Now: func() time.Time { return time.Unix(1e9, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		err = a.RegisterIssuer(context.Background(), "t", "p", data)
		if err != nil && !errors.Is(err, wellknown.ErrRegistration) && !errors.Is(err, wellknown.ErrTooLarge) && !errors.Is(err, wellknown.ErrConflict) {
			t.Fatalf("untyped error %v", err)
		}
		md, err := a.IssuerMetadata(context.Background(), "t")
		if err != nil {
			t.Fatal(err)
		}
		// Whatever was accepted must still make valid metadata.
		if err := md.Validate(oid4vci.ProfileFinal); err != nil {
			t.Fatalf("accepted registration breaks the document: %v", err)
		}
	})
}
