package wellknown_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
)

func benchServer(b *testing.B) (*wellknown.Server, *wellknown.Aggregator) {
	issuer := "https://issuer.example/tenant-a"
	configs := map[string]*oid4vci.CredentialConfiguration{}
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		configs[id] = sdJWTConfig("https://vct.example/" + id)
	}
	a, err := wellknown.NewAggregator(wellknown.AggregatorConfig{Registry: wellknown.NewMemoryRegistry(),
		Base: wellknown.StaticMetadata{"tenant-a": issuerMetadata(issuer, configs)}})
	if err != nil {
		b.Fatal(err)
	}
	a.RegisterConfiguration(context.Background(), "tenant-a", "plugin", "plugin-1", []byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/p"}`))
	srv, err := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{ID: "tenant-a", CredentialIssuer: issuer, Metadata: a}}})
	if err != nil {
		b.Fatal(err)
	}
	return srv, a
}

// BenchmarkServeIssuerMetadata: hot path, document already encoded
// (aggregated from a memory registry).
func BenchmarkServeIssuerMetadata(b *testing.B) {
	srv, _ := benchServer(b)
	h := srv.Handler()
	req := httptest.NewRequest(http.MethodGet, "/.well-known/openid-credential-issuer/tenant-a", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	etag := rec.Header().Get("ETag")
	b.Run("200", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatal(rec.Code)
			}
		}
	})
	b.Run("304", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, "/.well-known/openid-credential-issuer/tenant-a", nil)
		req.Header.Set("If-None-Match", etag)
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 304 {
				b.Fatal(rec.Code)
			}
		}
	})
}

// BenchmarkClientIssuerMetadataWarm: a fetch answered from the Client's
// cache (checked document, no HTTP).
func BenchmarkClientIssuerMetadataWarm(b *testing.B) {
	ts := newTestServer(b)
	issuer := ts.URL + "/t"
	srv, err := wellknown.New(wellknown.Config{Tenants: []wellknown.Tenant{{ID: "t", CredentialIssuer: issuer,
		Metadata: wellknown.StaticMetadata{"t": issuerMetadata(issuer, map[string]*oid4vci.CredentialConfiguration{"x": sdJWTConfig("v")})}}}})
	if err != nil {
		b.Fatal(err)
	}
	ts.set(srv.Handler())
	c, err := wellknown.NewClient(ts.fetcher(), wellknown.ClientOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.IssuerMetadata(ctx, issuer); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.IssuerMetadata(ctx, issuer); err != nil {
			b.Fatal(err)
		}
	}
}
