package did_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto/did"
)

func requireTyped(t *testing.T, err error) {
	t.Helper()
	var e *did.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *did.Error", err)
	}
}

// FuzzDIDKeyDecode: did:key decoding never panics, every error carries a
// did:key error code, and whatever decodes re-encodes to the same
// multibase value (base58btc, minimal varints and compressed points are
// canonical).
func FuzzDIDKeyDecode(f *testing.F) {
	for _, s := range []string{
		"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
		"did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
		"did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9",
		"did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F",
		"did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
		"did:key:1:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
		"did:key:z", "did:key:z1", "did:key:z111111", "did:key:", "did:key:6Mk",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range []did.KeyMethod{{}, {Format: did.FormatJsonWebKey2020, EnableEncryptionKeyDerivation: true}} {
			doc, err := m.Resolve(context.Background(), s)
			if err != nil {
				requireTyped(t, err)
				continue
			}
			if doc.ID != s || len(doc.VerificationMethod) == 0 {
				t.Fatalf("document %+v", doc)
			}
			pub, err := doc.VerificationMethod[0].PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			mb := s[strings.LastIndexByte(s, ':')+1:]
			again, err := did.EncodeMultikey(pub)
			if err != nil || again != mb {
				t.Fatalf("re-encoding %q gave %q, %v", mb, again, err)
			}
			if _, err := json.Marshal(doc); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzDIDWebToURL (security.md fuzz target 10): output always https://,
// host never an IP literal or loopback, no userinfo, "..", "?" or "#";
// a port only when the DID had "%3A".
func FuzzDIDWebToURL(f *testing.F) {
	for _, s := range []string{
		"did:web:w3c-ccg.github.io", "did:web:w3c-ccg.github.io:user:alice", "did:web:example.com%3A3000:user:alice",
		"did:web:127.0.0.1", "did:web:localhost%3A6379", "did:web:a.com:..:x", "did:web:a.com:x%2Fy",
		"did:web:user@a.com", "did:web:a.com%3A443%3A1", "did:web:0x7f.0.0.1", "did:web:2130706433", "did:web:[::1]",
		"did:web:a.com%40b.com", "did:web:a.com%3A80@b.com", "did:web:xn--80ak6aa92e.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := did.WebURL(s)
		if err != nil {
			requireTyped(t, err)
			if !errors.Is(err, did.ErrInvalidDID) {
				t.Fatalf("error %v is not invalidDid", err)
			}
			return
		}
		if !strings.HasPrefix(out, "https://") || strings.Contains(out, "..") || strings.ContainsAny(out, "?#@\\%") {
			t.Fatalf("%q → %q", s, out)
		}
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("%q → unparsable %q: %v", s, out, err)
		}
		if u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("%q → %q", s, out)
		}
		host := u.Hostname()
		if _, err := netip.ParseAddr(host); err == nil {
			t.Fatalf("%q → IP literal host %q", s, host)
		}
		if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") || !strings.Contains(host, ".") {
			t.Fatalf("%q → host %q", s, host)
		}
		if (u.Port() != "") != strings.Contains(strings.ToUpper(s), "%3A") {
			t.Fatalf("%q → port %q", s, u.Port())
		}
		if !strings.HasSuffix(u.Path, "/did.json") || u.EscapedPath() != u.Path {
			t.Fatalf("%q → path %q", s, u.Path)
		}
	})
}

// FuzzParseDocument: untrusted did.json never panics, errors are typed, and
// an accepted document survives a marshal/parse round trip.
func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(`{"id":"did:web:example.com","verificationMethod":[{"id":"#k","type":"Multikey","controller":"did:web:example.com","publicKeyMultibase":"z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}],"assertionMethod":["#k",{"id":"#e","type":"JsonWebKey2020","publicKeyJwk":{"kty":"OKP","crv":"Ed25519","x":"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"}}]}`))
	f.Add([]byte(`{"id":"did:web:example.com","controller":["did:web:a.com"],"service":[{"id":"#s","type":"X","serviceEndpoint":"https://x"}]}`))
	f.Add([]byte(`{"id":"did:web:example.com","id":"did:web:example.com"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := did.ParseDocument(b)
		if err != nil {
			requireTyped(t, err)
			return
		}
		for i := range doc.VerificationMethod {
			vm := &doc.VerificationMethod[i]
			if _, err := vm.PublicKey(); err != nil {
				requireTyped(t, err)
			}
			if _, err := doc.MethodFor(vm.ID, did.AssertionMethod); err != nil {
				requireTyped(t, err)
			}
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		again, err := did.ParseDocument(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if string(out) != string(out2) {
			t.Fatalf("unstable round trip:\n%s\n%s", out, out2)
		}
	})
}

// FuzzDIDJWK: did:jwk decoding never panics and never accepts private
// members.
func FuzzDIDJWK(f *testing.F) {
	f.Add(`{"crv":"P-256","kty":"EC","x":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0","y":"_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE"}`)
	f.Add(`{"kty":"OKP","crv":"X25519","use":"enc","x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"}`)
	f.Add(`{"kty":"OKP","crv":"Ed25519","x":"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik","d":"x"}`)
	f.Fuzz(func(t *testing.T, jwk string) {
		doc, err := did.JWKMethod{}.Resolve(context.Background(), jwkDID(jwk))
		if err != nil {
			requireTyped(t, err)
			return
		}
		for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := doc.VerificationMethod[0].PublicKeyJwk[p]; ok {
				t.Fatalf("private member %q accepted", p)
			}
		}
		if _, err := doc.VerificationMethodByID("#0"); err != nil {
			t.Fatal(err)
		}
	})
}
