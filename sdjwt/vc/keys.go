package vc

import (
	"context"
	gocrypto "crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/internal/jsonx"
)

// Fetcher is the guarded GET the resolvers need; *fetch.Fetcher implements
// it.
type Fetcher interface {
	Get(ctx context.Context, url string, c fetch.Call) (*fetch.Response, error)
}

// Limits for remote documents.
const (
	maxMetadataBytes = 256 << 10
	maxJWKSKeys      = 64
)

// IssuerKeyResolver validates the issuer's signing key as SD-JWT VC -18
// §"Issuer Signing Key Validation" describes. It implements jose.KeyResolver
// for sdjwt.Config.KeyResolver. Mechanisms are tried in this order and only
// when configured:
//
//  0. Trusted: keys configured for the iss value (jose.TrustedKeys: a JWKS
//     or single keys per issuer, parsed once with crypto.ParsePublicJWK /
//     crypto.PublicKeyFromJWK); when the issuer is configured there, no
//     other mechanism is tried for it;
//  1. x5c header: the chain must verify to X5CRoots and iss must be a DNS
//     name or URI in the leaf certificate's subjectAltName;
//  2. kid that is a DID URL: its DID must equal iss and DIDs resolves it
//     (crypto/did.KeyResolver, assertionMethod);
//  3. iss an https URL: JWT VC Issuer Metadata fetched through Fetcher.
//
// When none applies or validates, the key is rejected.
type IssuerKeyResolver struct {
	// Trusted holds statically configured issuer keys (optional).
	Trusted *jose.TrustedKeys
	// Fetcher fetches issuer metadata and jwks_uri (required for 3).
	Fetcher Fetcher
	// MetadataTTL caches metadata responses (default 10 minutes).
	MetadataTTL time.Duration
	// DIDs resolves DID URL kids (e.g. *did.KeyResolver).
	DIDs jose.KeyResolver
	// X5CRoots are the trust anchors for x5c chains; Intermediates
	// optional. Nil disables x5c.
	X5CRoots      *x509.CertPool
	Intermediates *x509.CertPool
	// Now is the clock for certificate validity (default time.Now).
	Now func() time.Time
}

// ResolveKey returns the validated issuer key for j.
func (r *IssuerKeyResolver) ResolveKey(ctx context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
	var iss string
	err := jsonx.StringMembers(j.Payload, jsonx.DocumentLimits(j.Payload), []string{"iss"}, []*string{&iss})
	if err != nil {
		return nil, fmt.Errorf("%w: iss: %v", ErrIssuerKey, err)
	}
	if r.Trusted != nil && iss != "" && r.Trusted.Has(iss) {
		k, err := r.Trusted.ResolveIssuerKey(iss, j)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIssuerKey, err)
		}
		return k, nil
	}
	switch {
	case len(j.Header.X5C) > 0 && r.X5CRoots != nil:
		return r.x5c(j, iss)
	case strings.HasPrefix(j.Header.Kid, "did:") && r.DIDs != nil:
		did, _, _ := strings.Cut(j.Header.Kid, "#")
		if iss != "" && iss != did {
			return nil, fmt.Errorf("%w: kid DID %q is not iss", ErrIssuerKey, did)
		}
		k, err := r.DIDs.ResolveKey(ctx, j)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIssuerKey, err)
		}
		return k, nil
	case strings.HasPrefix(iss, "https://") && r.Fetcher != nil:
		return r.metadataKey(ctx, iss, j.Header.Kid)
	}
	return nil, fmt.Errorf("%w: no configured mechanism applies", ErrIssuerKey)
}

func (r *IssuerKeyResolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *IssuerKeyResolver) x5c(j *jose.JWS, iss string) (gocrypto.PublicKey, error) {
	if len(j.Header.X5C) > 10 {
		return nil, fmt.Errorf("%w: x5c chain too long", ErrIssuerKey)
	}
	certs := make([]*x509.Certificate, len(j.Header.X5C))
	for i, s := range j.Header.X5C {
		der, err := base64.StdEncoding.DecodeString(s) // x5c is standard base64 (RFC 7515 §4.1.6)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c[%d]: %v", ErrIssuerKey, i, err)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("%w: x5c[%d]: %v", ErrIssuerKey, i, err)
		}
	}
	inter := x509.NewCertPool()
	if r.Intermediates != nil {
		inter = r.Intermediates.Clone()
	}
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	leaf := certs[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: r.X5CRoots, Intermediates: inter, CurrentTime: r.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("%w: x5c: %v", ErrIssuerKey, err)
	}
	if !sanMatches(leaf, iss) {
		return nil, fmt.Errorf("%w: iss %q not in the leaf certificate's subjectAltName", ErrIssuerKey, iss)
	}
	return leaf.PublicKey, nil
}

func sanMatches(c *x509.Certificate, iss string) bool {
	if iss == "" {
		return false
	}
	for _, u := range c.URIs {
		if u.String() == iss {
			return true
		}
	}
	host := iss
	if u, err := url.Parse(iss); err == nil && u.Scheme == "https" {
		host = u.Hostname()
	}
	for _, d := range c.DNSNames {
		if strings.EqualFold(d, host) {
			return true
		}
	}
	return false
}

// MetadataURL returns the JWT VC Issuer Metadata URL for iss: the
// well-known suffix /.well-known/jwt-vc-issuer inserted between the host and
// the path (RFC 8615 style). iss must be an https URL without query or
// fragment.
func MetadataURL(iss string) (string, error) {
	u, err := url.Parse(iss)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("%w: iss %q is not an https URL without query and fragment", ErrMetadata, iss)
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	return "https://" + u.Host + "/.well-known/jwt-vc-issuer" + path, nil
}

// IssuerMetadata is the JWT VC Issuer Metadata document.
type IssuerMetadata struct {
	Issuer  string `json:"issuer"`
	JWKS    *JWKS  `json:"jwks,omitempty"`
	JWKSURI string `json:"jwks_uri,omitempty"`
}

// JWKS is a JWK Set.
type JWKS struct {
	Keys []map[string]any `json:"keys"`
}

func (r *IssuerKeyResolver) get(ctx context.Context, u string) ([]byte, error) {
	ttl := r.MetadataTTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	resp, err := r.Fetcher.Get(ctx, u, fetch.Call{Accept: "application/json", MaxBytes: maxMetadataBytes, CacheTTL: ttl})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if err := jsonx.Validate(resp.Body, jsonx.Limits{MaxBytes: maxMetadataBytes, MaxDepth: 16}); err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// FetchIssuerMetadata fetches and checks the JWT VC Issuer Metadata of iss:
// issuer must equal iss and exactly one of jwks and jwks_uri (https) must be
// present. The key set is returned.
func (r *IssuerKeyResolver) FetchIssuerMetadata(ctx context.Context, iss string) (*IssuerMetadata, error) {
	mu, err := MetadataURL(iss)
	if err != nil {
		return nil, err
	}
	body, err := r.get(ctx, mu)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	var md IssuerMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadata, err)
	}
	if md.Issuer != iss {
		return nil, fmt.Errorf("%w: issuer %q does not equal iss %q", ErrMetadata, md.Issuer, iss)
	}
	if (md.JWKS == nil) == (md.JWKSURI == "") {
		return nil, fmt.Errorf("%w: exactly one of jwks and jwks_uri is required", ErrMetadata)
	}
	if md.JWKSURI != "" {
		if !strings.HasPrefix(md.JWKSURI, "https://") {
			return nil, fmt.Errorf("%w: jwks_uri is not https", ErrMetadata)
		}
		b, err := r.get(ctx, md.JWKSURI)
		if err != nil {
			return nil, fmt.Errorf("%w: jwks_uri: %w", ErrMetadata, err)
		}
		var set JWKS
		if err := json.Unmarshal(b, &set); err != nil {
			return nil, fmt.Errorf("%w: jwks_uri: %v", ErrMetadata, err)
		}
		md.JWKS = &set
	}
	if len(md.JWKS.Keys) == 0 || len(md.JWKS.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("%w: key set must hold 1..%d keys", ErrMetadata, maxJWKSKeys)
	}
	return &md, nil
}

func (r *IssuerKeyResolver) metadataKey(ctx context.Context, iss, kid string) (gocrypto.PublicKey, error) {
	md, err := r.FetchIssuerMetadata(ctx, iss)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIssuerKey, err)
	}
	var match map[string]any
	for _, k := range md.JWKS.Keys {
		if kid != "" {
			if k["kid"] == kid {
				match = k
				break
			}
			continue
		}
		if match != nil {
			return nil, fmt.Errorf("%w: no kid and several keys in the issuer's key set", ErrIssuerKey)
		}
		match = k
	}
	if match == nil {
		return nil, fmt.Errorf("%w: kid %q not in the issuer's key set", ErrIssuerKey, kid)
	}
	pub, err := crypto.PublicKeyFromJWK(match)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIssuerKey, err)
	}
	return pub, nil
}
