package wellknown

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/ocmw/wstack/crypto/did"
)

// Well-known names (RFC 8615 registry entries) and the JWKS route.
const (
	// NameCredentialIssuer is OpenID4VCI 1.0 §12.2.2 (inserted before the
	// identifier's path).
	NameCredentialIssuer = "openid-credential-issuer"
	// NameAuthorizationServer is RFC 8414 §3 (inserted before the path).
	NameAuthorizationServer = "oauth-authorization-server"
	// NameJWTVCIssuer is SD-JWT VC draft -18 §5 JWT VC Issuer Metadata
	// (inserted before the path).
	NameJWTVCIssuer = "jwt-vc-issuer"
	// NameOpenIDConfiguration is OpenID Connect Discovery 1.0 §4 (appended
	// after the issuer's path).
	NameOpenIDConfiguration = "openid-configuration"
	// NameDIDConfiguration is DIF Well Known DID Configuration v1.0 (at the
	// origin root only).
	NameDIDConfiguration = "did-configuration.json"
	// PathJWKS is the W-Stack's JWKS route, kept for compatibility. A JWKS
	// is not a registered well-known document: it is served wherever the
	// metadata's jwks_uri points.
	PathJWKS = "/.well-known/jwks.json"
)

// parseIdentifier checks an https issuer identifier (no query, fragment or
// user information) and returns it parsed.
func parseIdentifier(id string) (*url.URL, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: empty", ErrIdentifier)
	}
	u, err := url.Parse(id)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %.128q: %v", ErrIdentifier, id, err)
	case u.Scheme != "https":
		return nil, fmt.Errorf("%w: %.128q: scheme must be https", ErrIdentifier, id)
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%w: %.128q: no host", ErrIdentifier, id)
	case u.User != nil:
		return nil, fmt.Errorf("%w: %.128q: user information", ErrIdentifier, id)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("%w: %.128q: query", ErrIdentifier, id)
	case u.Fragment != "" || strings.Contains(id, "#"):
		return nil, fmt.Errorf("%w: %.128q: fragment", ErrIdentifier, id)
	}
	return u, nil
}

// InsertedURL returns the well-known URL of identifier with
// "/.well-known/<name>" inserted between the host and the path (RFC 8414
// §3.1; OpenID4VCI 1.0 §12.2.2; SD-JWT VC -18 §5.1): a trailing "/" of the
// path is removed first, so https://h/tenant-a and https://h/tenant-a/ both
// give https://h/.well-known/<name>/tenant-a.
func InsertedURL(identifier, name string) (string, error) {
	u, err := parseIdentifier(identifier)
	if err != nil {
		return "", err
	}
	return u.Scheme + "://" + u.Host + "/.well-known/" + name + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// AppendedURL returns the well-known URL of identifier with
// "/.well-known/<name>" appended after the path (OpenID Connect Discovery
// 1.0 §4.1): https://h/tenant-a → https://h/tenant-a/.well-known/<name>.
func AppendedURL(identifier, name string) (string, error) {
	u, err := parseIdentifier(identifier)
	if err != nil {
		return "", err
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/") + "/.well-known/" + name, nil
}

// urlPath returns the (decoded) path of a well-known URL built above.
func urlPath(raw string) string {
	u, _ := url.Parse(raw)
	return u.Path
}

// DIDDocumentPath returns the URL path where the DID document of a did:web
// is served (did:web method specification, "Read"): did:web:h →
// /.well-known/did.json, did:web:h:p:q → /p/q/did.json (no .well-known).
// Loopback hosts are accepted so that tests can serve them.
func DIDDocumentPath(didWeb string) (string, error) {
	d, err := did.Parse(didWeb)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrIdentifier, err)
	}
	if d.Method != "web" {
		return "", fmt.Errorf("%w: %.128q is not a did:web", ErrIdentifier, didWeb)
	}
	segs := strings.Split(d.ID, ":")
	// NewWebDID validates host, port and every segment (no percent
	// encoding, no dot segments).
	host := strings.Replace(segs[0], "%3A", ":", 1)
	if _, err := did.NewWebDID(host, segs[1:]...); err != nil {
		return "", fmt.Errorf("%w: %w", ErrIdentifier, err)
	}
	if len(segs) == 1 {
		return "/.well-known/did.json", nil
	}
	return "/" + strings.Join(segs[1:], "/") + "/did.json", nil
}

// DIDConfigurationURL returns https://<origin host>/.well-known/did-configuration.json
// for an origin (scheme and host, no path: DIF Well Known DID Configuration
// v1.0 §"DID Configuration Resource Location").
func DIDConfigurationURL(origin string) (string, error) {
	o, err := canonicalOrigin(origin)
	if err != nil {
		return "", err
	}
	return o + "/.well-known/" + NameDIDConfiguration, nil
}

// canonicalOrigin checks that origin is an https origin (scheme://host[:port],
// an optional trailing "/" and nothing else) and returns it without the slash.
func canonicalOrigin(origin string) (string, error) {
	u, err := parseIdentifier(origin)
	if err != nil {
		return "", err
	}
	if u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("%w: origin %.128q has a path", ErrIdentifier, origin)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}
