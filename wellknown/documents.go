package wellknown

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Limits of document parsing (every fetched document is untrusted).
const (
	// MaxDocumentBytes bounds an AS metadata, JWT VC issuer metadata, JWKS
	// or DID configuration document.
	MaxDocumentBytes = 256 << 10
	// MaxDocumentDepth bounds JSON nesting.
	MaxDocumentDepth = 32
	// MaxJWKSKeys bounds the keys of a JWK Set.
	MaxJWKSKeys = 100
	// MaxLinkedDIDs bounds linked_dids of a DID configuration.
	MaxLinkedDIDs = 32
)

var docLimits = jsonx.Limits{MaxBytes: MaxDocumentBytes, MaxDepth: MaxDocumentDepth}

// ASMetadata is OAuth 2.0 Authorization Server Metadata (RFC 8414 §2),
// also served as OpenID Connect Discovery 1.0 openid-configuration, with
// the members OpenID4VCI 1.0 (§12.3), RFC 9126 (PAR) and RFC 9449 (DPoP)
// add. Unknown members are kept in Extra.
type ASMetadata struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                              string   `json:"token_endpoint,omitempty"`
	JWKSURI                                    string   `json:"jwks_uri,omitempty"`
	RegistrationEndpoint                       string   `json:"registration_endpoint,omitempty"`
	ScopesSupported                            []string `json:"scopes_supported,omitempty"`
	ResponseTypesSupported                     []string `json:"response_types_supported,omitempty"`
	ResponseModesSupported                     []string `json:"response_modes_supported,omitempty"`
	GrantTypesSupported                        []string `json:"grant_types_supported,omitempty"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	ServiceDocumentation                       string   `json:"service_documentation,omitempty"`
	RevocationEndpoint                         string   `json:"revocation_endpoint,omitempty"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint,omitempty"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported,omitempty"`
	PushedAuthorizationRequestEndpoint         string   `json:"pushed_authorization_request_endpoint,omitempty"`
	RequirePushedAuthorizationRequests         bool     `json:"require_pushed_authorization_requests,omitempty"`
	DPoPSigningAlgValuesSupported              []string `json:"dpop_signing_alg_values_supported,omitempty"`
	AuthorizationDetailsTypesSupported         []string `json:"authorization_details_types_supported,omitempty"`
	// PreAuthorizedGrantAnonymousAccessSupported is OpenID4VCI 1.0 §12.3.
	PreAuthorizedGrantAnonymousAccessSupported bool `json:"pre-authorized_grant_anonymous_access_supported,omitempty"`
	// Extra holds every other member (OIDC Discovery's userinfo_endpoint,
	// subject_types_supported, …).
	Extra map[string]json.RawMessage `json:"-"`
}

var asKeys = jsonx.KnownKeys(reflect.TypeFor[ASMetadata]())

// UnmarshalJSON keeps unknown members in Extra.
func (m *ASMetadata) UnmarshalJSON(b []byte) error {
	type plain ASMetadata
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, asKeys)
	if err != nil {
		return err
	}
	*m = ASMetadata(p)
	m.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (m ASMetadata) MarshalJSON() ([]byte, error) {
	type plain ASMetadata
	return jsonx.MarshalExtra(plain(m), m.Extra, asKeys)
}

// ParseASMetadata decodes authorization server metadata (strict JSON within
// MaxDocumentBytes / MaxDocumentDepth) and checks that issuer is an https
// identifier. The caller compares issuer with the identifier it used
// (Client does).
func ParseASMetadata(data []byte) (*ASMetadata, error) {
	var m ASMetadata
	if err := strictDecode(data, &m, "authorization server metadata"); err != nil {
		return nil, err
	}
	if _, err := parseIdentifier(m.Issuer); err != nil {
		return nil, fmt.Errorf("%w: issuer: %w", ErrMalformed, err)
	}
	return &m, nil
}

// JWTVCIssuerMetadata is SD-JWT VC draft -18 §5 JWT VC Issuer Metadata:
// the issuer identifier and exactly one of jwks (by value) or jwks_uri.
type JWTVCIssuerMetadata struct {
	Issuer  string                     `json:"issuer"`
	JWKS    json.RawMessage            `json:"jwks,omitempty"`
	JWKSURI string                     `json:"jwks_uri,omitempty"`
	Extra   map[string]json.RawMessage `json:"-"`
}

var jwtVCKeys = jsonx.KnownKeys(reflect.TypeFor[JWTVCIssuerMetadata]())

// UnmarshalJSON keeps unknown members in Extra.
func (m *JWTVCIssuerMetadata) UnmarshalJSON(b []byte) error {
	type plain JWTVCIssuerMetadata
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, jwtVCKeys)
	if err != nil {
		return err
	}
	*m = JWTVCIssuerMetadata(p)
	m.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (m JWTVCIssuerMetadata) MarshalJSON() ([]byte, error) {
	type plain JWTVCIssuerMetadata
	return jsonx.MarshalExtra(plain(m), m.Extra, jwtVCKeys)
}

// ParseJWTVCIssuerMetadata decodes JWT VC Issuer Metadata and checks it:
// issuer an https identifier, exactly one of jwks and jwks_uri, an embedded
// jwks a valid public JWK Set (ParseJWKS).
func ParseJWTVCIssuerMetadata(data []byte) (*JWTVCIssuerMetadata, error) {
	var m JWTVCIssuerMetadata
	if err := strictDecode(data, &m, "JWT VC issuer metadata"); err != nil {
		return nil, err
	}
	if _, err := parseIdentifier(m.Issuer); err != nil {
		return nil, fmt.Errorf("%w: issuer: %w", ErrMalformed, err)
	}
	if string(m.JWKS) == "null" {
		m.JWKS = nil
	}
	hasJWKS := len(m.JWKS) > 0
	if hasJWKS == (m.JWKSURI != "") {
		return nil, fmt.Errorf("%w: JWT VC issuer metadata needs exactly one of jwks and jwks_uri", ErrMalformed)
	}
	if hasJWKS {
		if _, err := ParseJWKS(m.JWKS); err != nil {
			return nil, err
		}
	} else if _, err := parseURL(m.JWKSURI); err != nil {
		return nil, fmt.Errorf("%w: jwks_uri: %w", ErrMalformed, err)
	}
	return &m, nil
}

// parseURL checks an https URL (a query is allowed, a fragment is not).
func parseURL(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("%w: empty URL", ErrIdentifier)
	}
	u, err := parseIdentifierAllowQuery(s)
	if err != nil {
		return "", err
	}
	return u, nil
}

func parseIdentifierAllowQuery(s string) (string, error) {
	// Reuse parseIdentifier on the URL without its query.
	base := s
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			base = s[:i]
			break
		}
	}
	if _, err := parseIdentifier(base); err != nil {
		return "", err
	}
	if len(base) < len(s) && containsByte(s[len(base):], '#') {
		return "", fmt.Errorf("%w: %.128q: fragment", ErrIdentifier, s)
	}
	return s, nil
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func strictDecode(data []byte, v any, what string) error {
	if err := jsonx.Validate(data, docLimits); err != nil {
		if errorsIsTooLarge(err) {
			return fmt.Errorf("%w: %s: %w", ErrTooLarge, what, err)
		}
		return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return nil
}
