package w3c

import (
	"context"
	"fmt"
	"time"

	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/internal/jsonx"
)

// MaxJWKSBytes bounds a fetched JWK Set.
const MaxJWKSBytes = 64 << 10

// JWKSFetcher is a JWKSSource that fetches an issuer's JWK Set through the
// guarded fetcher (https only, no redirects, size limit, TTL cache with one
// upstream request per URL). URI maps the issuer identifier to the JWK Set
// URL from trusted configuration (issuer metadata jwks_uri, a pinned
// table); the issuer never chooses it through the credential.
type JWKSFetcher struct {
	Fetcher *fetch.Fetcher
	URI     func(issuer string) (string, error)
	// TTL caches a fetched set (default 5 minutes).
	TTL time.Duration
}

// IssuerJWKS fetches and decodes the issuer's key set.
func (f *JWKSFetcher) IssuerJWKS(ctx context.Context, issuer string) ([]map[string]any, error) {
	if f.Fetcher == nil || f.URI == nil {
		return nil, fmt.Errorf("%w: JWKSFetcher needs Fetcher and URI", ErrKeyResolution)
	}
	u, err := f.URI(issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyResolution, err)
	}
	ttl := f.TTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	resp, err := f.Fetcher.Get(ctx, u, fetch.Call{Accept: "application/jwk-set+json, application/json", MaxBytes: MaxJWKSBytes, CacheTTL: ttl})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyResolution, err)
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%w: JWK Set %s: HTTP %d", ErrKeyResolution, u, resp.StatusCode)
	}
	return ParseJWKS(resp.Body)
}

// ParseJWKS decodes a JWK Set (RFC 7517 §5) with strict JSON.
func ParseJWKS(b []byte) ([]map[string]any, error) {
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := jsonx.Unmarshal(b, &set, jsonx.Limits{MaxBytes: MaxJWKSBytes, MaxDepth: 8}); err != nil {
		return nil, fmt.Errorf("%w: JWK Set: %w", ErrKeyResolution, err)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("%w: empty JWK Set", ErrKeyResolution)
	}
	return set.Keys, nil
}
