package w3c

import (
	"bytes"
	"context"
	gocrypto "crypto"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
)

// Verification relationships (DID Core §5.3).
const (
	AssertionMethod = "assertionMethod" // credentials
	Authentication  = "authentication"  // presentations
)

// DIDResolver resolves a verification method of a DID document. It is the
// consumer-side view of crypto/did: vm is an absolute DID URL
// ("did:example:123#key-1") or a bare DID whose document has exactly one
// suitable key (did:key, did:jwk); the key must be authorised for
// relationship, otherwise the resolver fails.
type DIDResolver interface {
	ResolveVerificationMethod(ctx context.Context, vm, relationship string) (gocrypto.PublicKey, error)
}

// DIDResolverFunc adapts a function to DIDResolver.
type DIDResolverFunc func(ctx context.Context, vm, relationship string) (gocrypto.PublicKey, error)

// ResolveVerificationMethod calls f.
func (f DIDResolverFunc) ResolveVerificationMethod(ctx context.Context, vm, relationship string) (gocrypto.PublicKey, error) {
	return f(ctx, vm, relationship)
}

// JWKSSource returns the JSON Web Key Set an issuer identified by an HTTPS
// URL publishes, from trusted configuration or a fetch through the guarded
// fetcher (the caller's choice).
type JWKSSource interface {
	IssuerJWKS(ctx context.Context, issuer string) ([]map[string]any, error)
}

// StaticJWKS is a JWKSSource from configuration: issuer URL → keys.
type StaticJWKS map[string][]map[string]any

// IssuerJWKS returns the configured keys.
func (s StaticJWKS) IssuerJWKS(_ context.Context, issuer string) ([]map[string]any, error) {
	keys, ok := s[issuer]
	if !ok {
		return nil, fmt.Errorf("%w: no keys configured for %q", ErrKeyResolution, issuer)
	}
	return keys, nil
}

// IssuerKeys resolves the key that must have signed a VC-JWT or VP-JWT from
// the signer's identifier in the claims — iss, else vc.issuer / vp.holder —
// never from an embedded jwk, x5c or jku header (security row 3). For a
// DID the header kid selects the verification method and must belong to
// that DID ("#frag" is taken relative to it); without kid the DID itself is
// resolved. For an HTTPS issuer the kid selects a key of its JWKS (or the
// only key when there is no kid). It implements jose.KeyResolver.
type IssuerKeys struct {
	DID  DIDResolver
	JWKS JWKSSource
	// Relationship is the verification relationship the key must have
	// (default AssertionMethod; use Authentication for presentations).
	Relationship string
}

// ResolveKey implements jose.KeyResolver.
func (k *IssuerKeys) ResolveKey(ctx context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
	signer, err := SignerID(j.Payload)
	if err != nil {
		return nil, err
	}
	rel := k.Relationship
	if rel == "" {
		rel = AssertionMethod
	}
	kid := j.Header.Kid
	if strings.HasPrefix(signer, "did:") {
		if k.DID == nil {
			return nil, fmt.Errorf("%w: no DID resolver for %q", ErrKeyResolution, signer)
		}
		vm, err := VerificationMethodFor(signer, kid)
		if err != nil {
			return nil, err
		}
		pub, err := k.DID.ResolveVerificationMethod(ctx, vm, rel)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeyResolution, err)
		}
		return pub, nil
	}
	if !strings.HasPrefix(signer, "https://") {
		return nil, fmt.Errorf("%w: signer %q is neither a DID nor an https URL", ErrKeyResolution, signer)
	}
	if k.JWKS == nil {
		return nil, fmt.Errorf("%w: no JWKS source for %q", ErrKeyResolution, signer)
	}
	keys, err := k.JWKS.IssuerJWKS(ctx, signer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyResolution, err)
	}
	return SelectJWK(keys, kid)
}

// SelectJWK picks the key with the given kid from a key set, or the only key
// when kid is empty, and decodes it (public keys only).
func SelectJWK(keys []map[string]any, kid string) (gocrypto.PublicKey, error) {
	var pick map[string]any
	if kid == "" {
		if len(keys) != 1 {
			return nil, fmt.Errorf("%w: no kid and %d keys", ErrKeyResolution, len(keys))
		}
		pick = keys[0]
	} else {
		for _, k := range keys {
			if id, _ := k["kid"].(string); id == kid {
				if pick != nil {
					return nil, fmt.Errorf("%w: kid %q not unique", ErrKeyResolution, kid)
				}
				pick = k
			}
		}
		if pick == nil {
			return nil, fmt.Errorf("%w: kid %q not in key set", ErrKeyResolution, kid)
		}
	}
	if use, ok := pick["use"].(string); ok && use != "sig" {
		return nil, fmt.Errorf("%w: key use %q", ErrKeyResolution, use)
	}
	pub, err := crypto.PublicKeyFromJWK(pick)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyResolution, err)
	}
	return pub, nil
}

// VerificationMethodFor builds the DID URL of the verification method from
// the signer DID and a kid: an absolute kid must name a method of that DID,
// a "#fragment" (or a bare fragment) is relative to it, and an empty kid
// means the only method of a did:jwk / did:key, or the DID itself.
func VerificationMethodFor(did, kid string) (string, error) {
	if strings.ContainsAny(did, "#?") || strings.Count(did, ":") < 2 {
		return "", fmt.Errorf("%w: signer %q is not a DID", ErrKeyResolution, did)
	}
	switch {
	case kid == "":
		// did:jwk and did:key have exactly one verification method, whose
		// id is known without resolution (did:jwk "#0", did:key "#" + the
		// method-specific id); other DIDs are resolved as a whole.
		if strings.HasPrefix(did, "did:jwk:") {
			return did + "#0", nil
		}
		if msid, ok := strings.CutPrefix(did, "did:key:"); ok && !strings.Contains(msid, ":") {
			return did + "#" + msid, nil
		}
		return did, nil
	case strings.HasPrefix(kid, "#"):
		return did + kid, nil
	case strings.HasPrefix(kid, "did:"):
		base := kid
		if i := strings.IndexByte(kid, '#'); i >= 0 {
			base = kid[:i]
		}
		if base != did {
			return "", fmt.Errorf("%w: kid %q is not a method of %q", ErrKeyResolution, kid, did)
		}
		return kid, nil
	}
	// A bare fragment without '#' (some issuers send "key-1").
	if strings.ContainsAny(kid, ":/?#") {
		return "", fmt.Errorf("%w: kid %q", ErrKeyResolution, kid)
	}
	return did + "#" + kid, nil
}

// SignerID reads the signer identifier from a VC-JWT or VP-JWT payload:
// iss, else vc.issuer (or its id), else vp.holder.
func SignerID(payload []byte) (string, error) {
	var c struct {
		Iss *string         `json:"iss"`
		VC  json.RawMessage `json:"vc"`
		VP  json.RawMessage `json:"vp"`
	}
	d := json.NewDecoder(bytes.NewReader(payload))
	if err := d.Decode(&c); err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if c.Iss != nil {
		if *c.Iss == "" {
			return "", fmt.Errorf("%w: empty iss", ErrKeyResolution)
		}
		return *c.Iss, nil
	}
	var doc struct {
		Issuer json.RawMessage `json:"issuer"`
		Holder json.RawMessage `json:"holder"`
	}
	var raw json.RawMessage
	switch {
	case len(c.VC) > 0:
		if err := json.Unmarshal(c.VC, &doc); err != nil {
			return "", fmt.Errorf("%w: vc: %v", ErrMalformed, err)
		}
		raw = doc.Issuer
	case len(c.VP) > 0:
		if err := json.Unmarshal(c.VP, &doc); err != nil {
			return "", fmt.Errorf("%w: vp: %v", ErrMalformed, err)
		}
		raw = doc.Holder
	}
	if len(raw) > 0 {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s, nil
		}
		var o struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &o) == nil && o.ID != "" {
			return o.ID, nil
		}
	}
	return "", fmt.Errorf("%w: no iss, issuer or holder", ErrKeyResolution)
}

// CachingDIDResolver caches resolved keys of another DIDResolver for TTL,
// so that warm verifications parse no DID document and decode no key.
// Failures are not cached. It is safe for concurrent use.
type CachingDIDResolver struct {
	next DIDResolver
	ttl  time.Duration
	now  func() time.Time
	max  int

	mu      sync.Mutex
	entries map[[2]string]cacheEntry
}

type cacheEntry struct {
	key gocrypto.PublicKey
	exp time.Time
}

// NewCachingDIDResolver wraps next. ttl ≤ 0 means 10 minutes; now may be nil
// (time.Now); at most maxEntries keys are held (default 10,000; when full
// the cache is cleared).
func NewCachingDIDResolver(next DIDResolver, ttl time.Duration, now func() time.Time, maxEntries int) *CachingDIDResolver {
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	if now == nil {
		now = time.Now
	}
	if maxEntries <= 0 {
		maxEntries = 10000
	}
	return &CachingDIDResolver{next: next, ttl: ttl, now: now, max: maxEntries, entries: map[[2]string]cacheEntry{}}
}

// ResolveVerificationMethod returns the cached key or asks the wrapped
// resolver.
func (c *CachingDIDResolver) ResolveVerificationMethod(ctx context.Context, vm, relationship string) (gocrypto.PublicKey, error) {
	k := [2]string{vm, relationship}
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.key, nil
	}
	pub, err := c.next.ResolveVerificationMethod(ctx, vm, relationship)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[k] = cacheEntry{key: pub, exp: now.Add(c.ttl)}
	c.mu.Unlock()
	return pub, nil
}
