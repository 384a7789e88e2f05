package vc

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// FuzzTypeMetadata: parsing and resolving untrusted type metadata never
// panics and fails only with package errors.
func FuzzTypeMetadata(f *testing.F) {
	f.Add([]byte(`{"vct":"urn:a","claims":[{"path":["a",0,null],"sd":"always","mandatory":true}]}`))
	f.Add([]byte(`{"vct":"urn:a","extends":"urn:a"}`))
	f.Add([]byte(`{"vct":"urn:a","claims":[{"path":[-1]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := ParseTypeMetadata(b)
		if err != nil {
			if !errors.Is(err, ErrTypeMetadata) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		r := &TypeMetadataResolver{Registry: map[string][]byte{md.VCT: b}}
		if _, err := r.Resolve(context.Background(), md.VCT, ""); err != nil && !errors.Is(err, ErrTypeMetadata) && !errors.Is(err, ErrIntegrity) {
			t.Fatalf("unexpected error %v", err)
		}
		_ = md.CheckClaims(map[string]any{"a": []any{[]any{1}}}, nil, true)
	})
}

// FuzzStatusReference: the status claim parser accepts only non-negative
// integer indices and string URIs.
func FuzzStatusReference(f *testing.F) {
	f.Add([]byte(`{"status":{"status_list":{"idx":0,"uri":"https://s"}}}`))
	f.Add([]byte(`{"status":{"status_list":{"idx":1e300,"uri":"https://s"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var claims map[string]any
		if json.Unmarshal(b, &claims) != nil {
			return
		}
		ref, err := StatusReference(claims)
		if err != nil {
			if !errors.Is(err, ErrStatus) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if ref != nil && (ref.URI == "" || ref.Index > 1<<53) {
			t.Fatalf("bad reference accepted: %+v", ref)
		}
	})
}

// FuzzMetadataURL: the well-known URL is always https on the iss host and
// never carries a query, fragment or userinfo.
func FuzzMetadataURL(f *testing.F) {
	f.Add("https://example.com/tenant/1")
	f.Add("https://u:p@example.com")
	f.Add("https://example.com/%2e%2e/x")
	f.Fuzz(func(t *testing.T, iss string) {
		u, err := MetadataURL(iss)
		if err != nil {
			if !errors.Is(err, ErrMetadata) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "https" || p.User != nil || p.RawQuery != "" || p.Fragment != "" ||
			!strings.HasPrefix(p.EscapedPath(), "/.well-known/jwt-vc-issuer") {
			t.Fatalf("bad metadata URL %q for %q", u, iss)
		}
		if in, _ := url.Parse(iss); in == nil || in.Host != p.Host {
			t.Fatalf("host changed: %q for %q", u, iss)
		}
	})
}
