package wellknown

import (
	"context"
	gocrypto "crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
)

// Cache bounds of Client: a response's max-age is clamped to this range.
const (
	MinCacheTTL = time.Minute
	MaxCacheTTL = time.Hour
)

// Fetcher is what Client needs from wstack/fetch (*fetch.Fetcher).
type Fetcher interface {
	Get(ctx context.Context, url string, c fetch.Call) (*fetch.Response, error)
}

// ClientOptions configure a Client. The zero value (plus a Fetcher) is the
// secure default.
type ClientOptions struct {
	// Algorithms is the JWS allow-list for signed metadata and domain
	// linkage credentials (default ES256, ES384, EdDSA, PS256, RS256);
	// none and MAC algorithms are never accepted.
	Algorithms []crypto.Algorithm
	// MetadataRoots verifies an x5c chain in signed issuer metadata; the
	// leaf must name the issuer's host (dNSName) or the issuer URL (URI) in
	// its subjectAltName.
	MetadataRoots *x509.CertPool
	// MetadataKeys resolves the key of signed metadata without x5c (e.g. a
	// configured key per issuer). Without MetadataRoots and MetadataKeys
	// signed metadata cannot be verified.
	MetadataKeys jose.KeyResolver
	// DIDResolver resolves linked DIDs of DID configurations (default:
	// did:key, did:jwk and did:web through the Fetcher).
	DIDResolver did.Resolver
	// InsecureAllowLoopbackDID lets did:web name loopback hosts (tests
	// against httptest servers only).
	InsecureAllowLoopbackDID bool
	// Profile validates issuer metadata (default 1.0 Final).
	Profile oid4vci.Profile
	// MaxMetadataBytes bounds issuer metadata (default 1 MiB).
	MaxMetadataBytes int64
	// CacheEntries bounds the document cache (default 256).
	CacheEntries int
	// Now and Leeway check iat / exp / nbf (defaults time.Now, 1 minute).
	Now    func() time.Time
	Leeway time.Duration
}

// Client fetches well-known documents through the guarded fetcher, checks
// them as their specifications require, and caches the checked documents
// for the response's max-age clamped to [MinCacheTTL, MaxCacheTTL], one
// fetch per URL at a time (single-flight). Returned documents are shared:
// treat them as read-only. Safe for concurrent use.
type Client struct {
	f   Fetcher
	o   ClientOptions
	web *did.WebMethod
	sf  singleflight.Group

	mu      sync.Mutex
	cache   map[string]clientEntry
	refetch map[string]time.Time // jwks_uri → last refetch for an unknown kid
}

// MinJWKSRefetchInterval rate-limits the refetch JWKSKey does for an
// unknown kid.
const MinJWKSRefetchInterval = 10 * time.Second

type clientEntry struct {
	v       any
	expires time.Time
}

// NewClient returns a Client fetching through f.
func NewClient(f Fetcher, o ClientOptions) (*Client, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: Client needs a Fetcher", ErrConfig)
	}
	if len(o.Algorithms) == 0 {
		o.Algorithms = defaultAlgorithms
	}
	if o.MaxMetadataBytes <= 0 {
		o.MaxMetadataBytes = 1 << 20
	}
	if o.CacheEntries <= 0 {
		o.CacheEntries = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Leeway <= 0 {
		o.Leeway = time.Minute
	}
	c := &Client{f: f, o: o, cache: map[string]clientEntry{}, refetch: map[string]time.Time{}}
	c.web = did.NewWebMethod(f, did.WebOptions{InsecureAllowLoopback: o.InsecureAllowLoopbackDID})
	if c.o.DIDResolver == nil {
		reg, err := did.NewRegistry(did.KeyMethod{}, did.JWKMethod{}, c.web)
		if err != nil {
			return nil, err
		}
		c.o.DIDResolver = reg
	}
	return c, nil
}

// ttlFrom clamps the response's Cache-Control max-age.
func ttlFrom(cc string) time.Duration {
	ttl := time.Duration(0)
	for _, d := range strings.Split(cc, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(strings.ToLower(d)), "=")
		switch k {
		case "no-store", "no-cache":
			return MinCacheTTL
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64); err == nil && n >= 0 {
				if n > int64(MaxCacheTTL/time.Second) {
					n = int64(MaxCacheTTL / time.Second)
				}
				ttl = time.Duration(n) * time.Second
			}
		}
	}
	return min(max(ttl, MinCacheTTL), MaxCacheTTL)
}

func (c *Client) lookup(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[key]
	if !ok {
		return nil, false
	}
	if !c.o.Now().Before(e.expires) {
		delete(c.cache, key)
		return nil, false
	}
	return e.v, true
}

func (c *Client) put(key string, v any, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.o.Now()
	if len(c.cache) >= c.o.CacheEntries {
		for k, e := range c.cache {
			if !now.Before(e.expires) {
				delete(c.cache, k)
			}
		}
		for len(c.cache) >= c.o.CacheEntries {
			var victim string
			var first time.Time
			for k, e := range c.cache {
				if victim == "" || e.expires.Before(first) {
					victim, first = k, e.expires
				}
			}
			delete(c.cache, victim)
		}
	}
	c.cache[key] = clientEntry{v: v, expires: now.Add(ttl)}
}

// Invalidate drops every cached document (e.g. after a signature failed
// with a key the issuer may have rotated).
func (c *Client) Invalidate() {
	c.mu.Lock()
	clear(c.cache)
	c.mu.Unlock()
}

// cached returns the cached value for key or runs load once for all
// concurrent callers. load returns the checked value and the response's
// Cache-Control.
func (c *Client) cached(ctx context.Context, key string, load func(ctx context.Context) (any, string, error)) (any, error) {
	if v, ok := c.lookup(key); ok {
		return v, nil
	}
	ch := c.sf.DoChan(key, func() (any, error) {
		// Another caller's flight may have finished between our lookup
		// and this flight starting: check again.
		if v, ok := c.lookup(key); ok {
			return v, nil
		}
		v, cc, err := load(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.put(key, v, ttlFrom(cc))
		return v, nil
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", fetch.ErrFetch, ctx.Err())
	case r := <-ch:
		return r.Val, r.Err
	}
}

func (c *Client) get(ctx context.Context, u, accept string, maxBytes int64) (*fetch.Response, error) {
	if maxBytes <= 0 {
		maxBytes = MaxDocumentBytes
	}
	return c.f.Get(ctx, u, fetch.Call{Accept: accept, MaxBytes: maxBytes})
}

// IssuerMetadata fetches the Credential Issuer Metadata of issuer
// (application/json at the §12.2.2 URL), validates it and checks that
// credential_issuer equals issuer (ErrIssuerMismatch otherwise: the
// document must not be used).
func (c *Client) IssuerMetadata(ctx context.Context, issuer string) (*oid4vci.IssuerMetadata, error) {
	u, err := InsertedURL(issuer, NameCredentialIssuer)
	if err != nil {
		return nil, err
	}
	v, err := c.cached(ctx, "md\x00"+u+"\x00"+issuer, func(ctx context.Context) (any, string, error) {
		resp, err := c.get(ctx, u, MediaTypeJSON, c.o.MaxMetadataBytes)
		if err != nil {
			return nil, "", err
		}
		md, err := oid4vci.Parser{Profile: c.o.Profile, Limits: oid4vci.Limits{MaxBytes: int(c.o.MaxMetadataBytes)}}.IssuerMetadata(resp.Body)
		if err != nil {
			return nil, "", fmt.Errorf("%w: issuer metadata: %w", ErrMalformed, err)
		}
		if err := md.CheckIssuer(issuer); err != nil {
			return nil, "", fmt.Errorf("%w: credential_issuer %.128q fetched for %.128q", ErrIssuerMismatch, md.CredentialIssuer, issuer)
		}
		return md, resp.Header.Get("Cache-Control"), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*oid4vci.IssuerMetadata), nil
}

// SignedIssuerMetadata fetches signed Credential Issuer Metadata
// (Accept: application/jwt, §12.2.3) and verifies it: typ
// openidvci-issuer-metadata+jwt, an allow-listed asymmetric alg, the
// signature by an x5c chain to MetadataRoots (leaf naming the issuer) or a
// key from MetadataKeys, sub = credential_issuer = issuer, iat present and
// not in the future, exp (if any) not passed. A server that answers with
// unsigned JSON yields ErrSignature.
func (c *Client) SignedIssuerMetadata(ctx context.Context, issuer string) (*oid4vci.SignedIssuerMetadata, error) {
	u, err := InsertedURL(issuer, NameCredentialIssuer)
	if err != nil {
		return nil, err
	}
	if c.o.MetadataRoots == nil && c.o.MetadataKeys == nil {
		return nil, fmt.Errorf("%w: signed metadata needs MetadataRoots or MetadataKeys", ErrConfig)
	}
	v, err := c.cached(ctx, "smd\x00"+u+"\x00"+issuer, func(ctx context.Context) (any, string, error) {
		resp, err := c.get(ctx, u, MediaTypeJWT, c.o.MaxMetadataBytes)
		if err != nil {
			return nil, "", err
		}
		if resp.ContentType != MediaTypeJWT {
			return nil, "", fmt.Errorf("%w: server answered %q, not signed metadata", ErrSignature, resp.ContentType)
		}
		s, err := c.VerifySignedIssuerMetadata(ctx, resp.Body, issuer)
		if err != nil {
			return nil, "", err
		}
		return s, resp.Header.Get("Cache-Control"), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*oid4vci.SignedIssuerMetadata), nil
}

// VerifySignedIssuerMetadata verifies a signed metadata JWT obtained for
// issuer (see SignedIssuerMetadata).
func (c *Client) VerifySignedIssuerMetadata(ctx context.Context, token []byte, issuer string) (*oid4vci.SignedIssuerMetadata, error) {
	j, err := jose.Parse(strings.TrimSpace(string(token)), jose.ParseOptions{
		Algorithms: c.o.Algorithms, Typ: []string{oid4vci.SignedMetadataType}, MaxSize: int(c.o.MaxMetadataBytes),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	pub, err := c.metadataKey(ctx, j, issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	verify := func(h *oid4vci.JOSEHeader, input string, sig []byte) error {
		if input != j.SigningInput || crypto.Algorithm(h.Alg) != j.Header.Alg {
			return errors.New("token changed between parses")
		}
		return crypto.VerifySignature(pub, j.Header.Alg, []byte(input), sig)
	}
	s, err := oid4vci.Parser{Profile: c.o.Profile, Limits: oid4vci.Limits{MaxBytes: int(c.o.MaxMetadataBytes)}}.SignedIssuerMetadata(token, verify)
	if err != nil {
		if errors.Is(err, oid4vci.ErrSignature) {
			return nil, fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return nil, fmt.Errorf("%w: signed issuer metadata: %w", ErrMalformed, err)
	}
	if s.Sub != issuer || s.Metadata.CredentialIssuer != issuer {
		return nil, fmt.Errorf("%w: signed metadata sub %.128q fetched for %.128q", ErrIssuerMismatch, s.Sub, issuer)
	}
	now := c.o.Now()
	if time.Unix(s.Iat, 0).After(now.Add(c.o.Leeway)) {
		return nil, fmt.Errorf("%w: iat in the future", ErrExpired)
	}
	if s.Exp != 0 && !now.Add(-c.o.Leeway).Before(time.Unix(s.Exp, 0)) {
		return nil, fmt.Errorf("%w: signed metadata expired", ErrExpired)
	}
	return s, nil
}

func (c *Client) metadataKey(ctx context.Context, j *jose.JWS, issuer string) (gocrypto.PublicKey, error) {
	if len(j.Header.X5C) > 0 {
		if c.o.MetadataRoots == nil {
			return nil, errors.New("x5c given but no MetadataRoots configured")
		}
		return verifyX5C(j.Header.X5C, c.o.MetadataRoots, issuer, c.o.Now())
	}
	if c.o.MetadataKeys == nil {
		return nil, errors.New("no x5c and no MetadataKeys configured")
	}
	return c.o.MetadataKeys.ResolveKey(ctx, j)
}

func verifyX5C(chain []string, roots *x509.CertPool, issuer string, now time.Time) (gocrypto.PublicKey, error) {
	if len(chain) > 10 {
		return nil, errors.New("x5c chain too long")
	}
	certs := make([]*x509.Certificate, len(chain))
	for i, s := range chain {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("x5c[%d]: %v", i, err)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("x5c[%d]: %v", i, err)
		}
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	leaf := certs[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("x5c: %v", err)
	}
	u, _ := url.Parse(issuer)
	ok := slices.ContainsFunc(leaf.URIs, func(x *url.URL) bool { return x.String() == issuer }) ||
		slices.ContainsFunc(leaf.DNSNames, func(d string) bool { return strings.EqualFold(d, u.Hostname()) }) ||
		slices.ContainsFunc(leaf.IPAddresses, func(ip net.IP) bool { return ip.String() == u.Hostname() })
	if !ok {
		return nil, fmt.Errorf("x5c leaf does not name %.128q", issuer)
	}
	return leaf.PublicKey, nil
}

// asMetadata fetches AS metadata at u and checks issuer.
func (c *Client) asMetadata(ctx context.Context, u, issuer string) (*ASMetadata, error) {
	v, err := c.cached(ctx, "as\x00"+u+"\x00"+issuer, func(ctx context.Context) (any, string, error) {
		resp, err := c.get(ctx, u, MediaTypeJSON, 0)
		if err != nil {
			return nil, "", err
		}
		m, err := ParseASMetadata(resp.Body)
		if err != nil {
			return nil, "", err
		}
		if m.Issuer != issuer {
			return nil, "", fmt.Errorf("%w: issuer %.128q fetched for %.128q", ErrIssuerMismatch, m.Issuer, issuer)
		}
		return m, resp.Header.Get("Cache-Control"), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*ASMetadata), nil
}

// AuthorizationServerMetadata fetches RFC 8414 metadata
// (/.well-known/oauth-authorization-server inserted before the path) and
// checks that issuer equals the identifier (§3.3).
func (c *Client) AuthorizationServerMetadata(ctx context.Context, issuer string) (*ASMetadata, error) {
	u, err := InsertedURL(issuer, NameAuthorizationServer)
	if err != nil {
		return nil, err
	}
	return c.asMetadata(ctx, u, issuer)
}

// OpenIDConfiguration fetches OpenID Connect Discovery metadata
// (<issuer>/.well-known/openid-configuration) and checks that issuer
// equals the identifier (Discovery §4.3).
func (c *Client) OpenIDConfiguration(ctx context.Context, issuer string) (*ASMetadata, error) {
	u, err := AppendedURL(issuer, NameOpenIDConfiguration)
	if err != nil {
		return nil, err
	}
	return c.asMetadata(ctx, u, issuer)
}

// JWTVCIssuerMetadata fetches SD-JWT VC issuer metadata
// (/.well-known/jwt-vc-issuer inserted before the path) and checks it:
// issuer equal to the identifier, exactly one of jwks and jwks_uri, an
// embedded jwks without private members or duplicate kids.
func (c *Client) JWTVCIssuerMetadata(ctx context.Context, issuer string) (*JWTVCIssuerMetadata, error) {
	u, err := InsertedURL(issuer, NameJWTVCIssuer)
	if err != nil {
		return nil, err
	}
	v, err := c.cached(ctx, "jvi\x00"+u+"\x00"+issuer, func(ctx context.Context) (any, string, error) {
		resp, err := c.get(ctx, u, MediaTypeJSON, 0)
		if err != nil {
			return nil, "", err
		}
		m, err := ParseJWTVCIssuerMetadata(resp.Body)
		if err != nil {
			return nil, "", err
		}
		if m.Issuer != issuer {
			return nil, "", fmt.Errorf("%w: issuer %.128q fetched for %.128q", ErrIssuerMismatch, m.Issuer, issuer)
		}
		return m, resp.Header.Get("Cache-Control"), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*JWTVCIssuerMetadata), nil
}

// JWKS fetches a JWK Set (jwks_uri) and checks it (ParseJWKS: no private
// members, no duplicate kids).
func (c *Client) JWKS(ctx context.Context, jwksURI string) (*JWKS, error) {
	if _, err := parseURL(jwksURI); err != nil {
		return nil, err
	}
	v, err := c.cached(ctx, "jwks\x00"+jwksURI, func(ctx context.Context) (any, string, error) {
		resp, err := c.get(ctx, jwksURI, MediaTypeJWKSet+", "+MediaTypeJSON+";q=0.9", 0)
		if err != nil {
			return nil, "", err
		}
		s, err := ParseJWKS(resp.Body)
		if err != nil {
			return nil, "", err
		}
		return s, resp.Header.Get("Cache-Control"), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*JWKS), nil
}

// JWKSKey returns the public key with kid from the JWK Set at jwksURI.
// When the cached set has no such kid (the issuer rotated its key), the
// set is fetched again, at most once per MinJWKSRefetchInterval per URL.
func (c *Client) JWKSKey(ctx context.Context, jwksURI, kid string) (gocrypto.PublicKey, error) {
	s, err := c.JWKS(ctx, jwksURI)
	if err != nil {
		return nil, err
	}
	k, err := s.Key(kid)
	if err == nil || !errors.Is(err, crypto.ErrKeyNotFound) {
		return k, err
	}
	now := c.o.Now()
	c.mu.Lock()
	last, seen := c.refetch[jwksURI]
	allowed := !seen || now.Sub(last) >= MinJWKSRefetchInterval
	if allowed {
		c.refetch[jwksURI] = now
		delete(c.cache, "jwks\x00"+jwksURI)
		if len(c.refetch) > c.o.CacheEntries {
			clear(c.refetch)
		}
	}
	c.mu.Unlock()
	if !allowed {
		return nil, err
	}
	if s, err = c.JWKS(ctx, jwksURI); err != nil {
		return nil, err
	}
	return s.Key(kid)
}

// capture records the response a did:web resolution fetched.
type capture struct {
	f    Fetcher
	resp *fetch.Response
}

func (c *capture) Get(ctx context.Context, u string, call fetch.Call) (*fetch.Response, error) {
	r, err := c.f.Get(ctx, u, call)
	c.resp = r
	return r, err
}

// DIDDocument fetches and checks the did.json of a did:web (crypto/did:
// the did:web URL rules, size and depth limits, id equal to the DID).
func (c *Client) DIDDocument(ctx context.Context, didWeb string) (*did.Document, error) {
	if _, err := DIDDocumentPath(didWeb); err != nil {
		return nil, err
	}
	v, err := c.cached(ctx, "did\x00"+didWeb, func(ctx context.Context) (any, string, error) {
		cp := &capture{f: c.f}
		doc, err := did.NewWebMethod(cp, did.WebOptions{InsecureAllowLoopback: c.o.InsecureAllowLoopbackDID}).Resolve(ctx, didWeb)
		if err != nil {
			if errors.Is(err, did.ErrInvalidDocument) && strings.Contains(err.Error(), "does not equal the DID") {
				return nil, "", fmt.Errorf("%w: %w", ErrIssuerMismatch, err)
			}
			return nil, "", err
		}
		return doc, cp.resp.Header.Get("Cache-Control"), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*did.Document), nil
}

type didConfigResult struct {
	links []LinkedDID
	err   error
}

// DIDConfiguration fetches the origin's did-configuration.json and
// verifies its Domain Linkage Credentials (VerifyDIDConfiguration): the
// verified links and, joined, the errors of the entries that failed.
func (c *Client) DIDConfiguration(ctx context.Context, origin string) ([]LinkedDID, error) {
	u, err := DIDConfigurationURL(origin)
	if err != nil {
		return nil, err
	}
	v, err := c.cached(ctx, "didcfg\x00"+u, func(ctx context.Context) (any, string, error) {
		resp, err := c.get(ctx, u, MediaTypeJSON, 0)
		if err != nil {
			return nil, "", err
		}
		links, verr := VerifyDIDConfiguration(ctx, resp.Body, DomainLinkageOptions{
			Origin: origin, Resolver: c.o.DIDResolver, Algorithms: c.o.Algorithms, Now: c.o.Now, Leeway: c.o.Leeway,
		})
		if len(links) == 0 {
			if verr == nil {
				verr = fmt.Errorf("%w: no linked DID verified", ErrSignature)
			}
			return nil, "", verr
		}
		return &didConfigResult{links: links, err: verr}, resp.Header.Get("Cache-Control"), nil
	})
	if err != nil {
		return nil, err
	}
	r := v.(*didConfigResult)
	return r.links, r.err
}

// VerifyDomainLinkage reports nil when origin's DID configuration holds a
// valid Domain Linkage Credential for subjectDID.
func (c *Client) VerifyDomainLinkage(ctx context.Context, origin, subjectDID string) error {
	links, err := c.DIDConfiguration(ctx, origin)
	for _, l := range links {
		if l.DID == subjectDID {
			return nil
		}
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %.128q is not linked to %s", ErrIssuerMismatch, subjectDID, origin)
}
