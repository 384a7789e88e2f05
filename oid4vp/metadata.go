package oid4vp

import (
	"encoding/json"
	"reflect"

	"github.com/ocmw/wstack/internal/jsonx"
)

// FormatParameters are the format-specific parameters of one
// vp_formats_supported entry (Appendix B). Members of other formats and of
// older drafts (alg, proof_type, alg_values_supported) stay in Extra.
type FormatParameters struct {
	// dc+sd-jwt (B.3.4)
	SDJWTAlgValues []string `json:"sd-jwt_alg_values,omitempty"`
	KBJWTAlgValues []string `json:"kb-jwt_alg_values,omitempty"`
	// jwt_vc_json (B.1.3.1.3)
	AlgValues []string `json:"alg_values,omitempty"`
	// ldp_vc (B.1.3.2.3)
	ProofTypeValues   []string `json:"proof_type_values,omitempty"`
	CryptosuiteValues []string `json:"cryptosuite_values,omitempty"`
	// mso_mdoc (B.2.2): COSE algorithm identifiers.
	IssuerAuthAlgValues []int                      `json:"issuerauth_alg_values,omitempty"`
	DeviceAuthAlgValues []int                      `json:"deviceauth_alg_values,omitempty"`
	Extra               map[string]json.RawMessage `json:"-"`
}

// VPFormats maps a Credential Format Identifier to its parameters (§10.1,
// §11.1).
type VPFormats map[string]FormatParameters

var keysFormatParams = jsonx.KnownKeys(reflect.TypeFor[FormatParameters]())

// UnmarshalJSON keeps unknown members in Extra.
func (f *FormatParameters) UnmarshalJSON(b []byte) error {
	type plain FormatParameters
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysFormatParams)
	if err != nil {
		return err
	}
	*f = FormatParameters(p)
	f.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (f FormatParameters) MarshalJSON() ([]byte, error) {
	type plain FormatParameters
	return jsonx.MarshalExtra(plain(f), f.Extra, keysFormatParams)
}

func (v VPFormats) check(member string) error {
	for name, p := range v {
		if name == "" {
			return invalidRequest(ErrInvalidParameter, "%s has an empty format identifier", member)
		}
		for _, key := range formatListKeys {
			if n, ok := presentMember(p, key); ok && n == 0 {
				return invalidRequest(ErrInvalidParameter, "%s[%q].%s must be a non-empty array", member, name, key)
			}
		}
	}
	return nil
}

var formatListKeys = []string{"sd-jwt_alg_values", "kb-jwt_alg_values", "alg_values", "proof_type_values", "cryptosuite_values", "issuerauth_alg_values", "deviceauth_alg_values"}

// presentMember reports whether the list named key was present (non-nil)
// and its length: the spec's "non-empty array" rules reject [].
func presentMember(p FormatParameters, key string) (int, bool) {
	switch key {
	case "sd-jwt_alg_values":
		return len(p.SDJWTAlgValues), p.SDJWTAlgValues != nil
	case "kb-jwt_alg_values":
		return len(p.KBJWTAlgValues), p.KBJWTAlgValues != nil
	case "alg_values":
		return len(p.AlgValues), p.AlgValues != nil
	case "proof_type_values":
		return len(p.ProofTypeValues), p.ProofTypeValues != nil
	case "cryptosuite_values":
		return len(p.CryptosuiteValues), p.CryptosuiteValues != nil
	case "issuerauth_alg_values":
		return len(p.IssuerAuthAlgValues), p.IssuerAuthAlgValues != nil
	case "deviceauth_alg_values":
		return len(p.DeviceAuthAlgValues), p.DeviceAuthAlgValues != nil
	}
	return 0, false
}

// ClientMetadata is the Verifier Metadata (§11) as passed in the
// client_metadata request parameter (§5.1). With the openid_federation
// prefix the wallet ignores it (§5.9.3).
type ClientMetadata struct {
	// JWKS holds public keys for response encryption (§8.3); every key
	// carries a kid and no private member. Use jwx's jwk.Parse to use it.
	JWKS json.RawMessage `json:"jwks,omitempty"`
	// EncryptedResponseEncValuesSupported defaults to [A128GCM] when
	// absent (see EncValues).
	EncryptedResponseEncValuesSupported []string  `json:"encrypted_response_enc_values_supported,omitempty"`
	VPFormatsSupported                  VPFormats `json:"vp_formats_supported,omitempty"`
	// VPFormats is the vp_formats member of drafts ≤ 25 (legacy profile).
	VPFormats VPFormats                  `json:"vp_formats,omitempty"`
	Extra     map[string]json.RawMessage `json:"-"`
}

// DefaultEncValue is the content encryption algorithm used when
// encrypted_response_enc_values_supported is absent (§5.1).
const DefaultEncValue = "A128GCM"

// EncValues returns encrypted_response_enc_values_supported or its default.
func (m *ClientMetadata) EncValues() []string {
	if m == nil || len(m.EncryptedResponseEncValuesSupported) == 0 {
		return []string{DefaultEncValue}
	}
	return m.EncryptedResponseEncValuesSupported
}

var keysClientMetadata = jsonx.KnownKeys(reflect.TypeFor[ClientMetadata]())

// UnmarshalJSON keeps unknown members in Extra.
func (m *ClientMetadata) UnmarshalJSON(b []byte) error {
	type plain ClientMetadata
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysClientMetadata)
	if err != nil {
		return err
	}
	*m = ClientMetadata(p)
	m.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (m ClientMetadata) MarshalJSON() ([]byte, error) {
	type plain ClientMetadata
	return jsonx.MarshalExtra(plain(m), m.Extra, keysClientMetadata)
}

// Limits of metadata parsing.
const (
	MaxMetadataBytes = 64 << 10
	MaxMetadataDepth = 16
	MaxJWKSKeys      = 16
)

// ParseClientMetadata decodes and checks Verifier Metadata (strict JSON
// within MaxMetadataBytes and MaxMetadataDepth).
func ParseClientMetadata(data []byte) (*ClientMetadata, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxMetadataBytes, MaxDepth: MaxMetadataDepth}); err != nil {
		return nil, wrapErr(CodeInvalidRequest, limitOr(err), err, "client_metadata")
	}
	var m ClientMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, wrapErr(CodeInvalidRequest, ErrMalformed, err, "client_metadata")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the rules of §5.1 and §11: jwks is a key set whose keys
// each have a unique kid and no private member, the enc list and every
// format parameter list are non-empty when present.
func (m *ClientMetadata) Validate() error {
	if m.JWKS != nil {
		if err := checkJWKS(m.JWKS, "client_metadata.jwks"); err != nil {
			return err
		}
	}
	if m.EncryptedResponseEncValuesSupported != nil && len(m.EncryptedResponseEncValuesSupported) == 0 {
		return invalidRequest(ErrInvalidParameter, "encrypted_response_enc_values_supported must be non-empty")
	}
	for _, s := range m.EncryptedResponseEncValuesSupported {
		if s == "" {
			return invalidRequest(ErrInvalidParameter, "encrypted_response_enc_values_supported holds an empty value")
		}
	}
	if err := m.VPFormatsSupported.check("vp_formats_supported"); err != nil {
		return err
	}
	return nil
}

// privateJWKMembers are the members of RFC 7518 §6 that only private or
// symmetric keys carry.
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

func checkJWKS(raw json.RawMessage, member string) error {
	var set struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return wrapErr(CodeInvalidRequest, ErrInvalidParameter, err, member)
	}
	if len(set.Keys) == 0 {
		return invalidRequest(ErrInvalidParameter, "%s has no keys", member)
	}
	if len(set.Keys) > MaxJWKSKeys {
		return newErr(CodeInvalidRequest, ErrTooLarge, "%s has more than %d keys", member, MaxJWKSKeys)
	}
	kids := make(map[string]bool, len(set.Keys))
	for i, k := range set.Keys {
		var kty, kid string
		if json.Unmarshal(k["kty"], &kty) != nil || kty == "" {
			return invalidRequest(ErrInvalidParameter, "%s key %d has no kty", member, i)
		}
		if json.Unmarshal(k["kid"], &kid) != nil || kid == "" {
			return invalidRequest(ErrInvalidParameter, "%s key %d has no kid", member, i)
		}
		if kids[kid] {
			return invalidRequest(ErrInvalidParameter, "%s kid %q is not unique", member, kid)
		}
		kids[kid] = true
		for _, p := range privateJWKMembers {
			if _, ok := k[p]; ok {
				return invalidRequest(ErrInvalidParameter, "%s key %q holds private member %q", member, kid, p)
			}
		}
	}
	return nil
}

// WalletMetadata is the Wallet's metadata (§10, Authorization Server
// Metadata of RFC 8414), sent as wallet_metadata with
// request_uri_method=post (§5.10) or obtained statically (§13.1).
type WalletMetadata struct {
	Issuer                 string    `json:"issuer,omitempty"`
	AuthorizationEndpoint  string    `json:"authorization_endpoint,omitempty"`
	ResponseTypesSupported []string  `json:"response_types_supported,omitempty"`
	ResponseModesSupported []string  `json:"response_modes_supported,omitempty"`
	VPFormatsSupported     VPFormats `json:"vp_formats_supported"`
	// ClientIDPrefixesSupported defaults to [pre-registered] (§10.1).
	ClientIDPrefixesSupported []string `json:"client_id_prefixes_supported,omitempty"`
	// ClientIDSchemesSupported is the member of drafts 21–25 (legacy).
	ClientIDSchemesSupported                  []string                   `json:"client_id_schemes_supported,omitempty"`
	RequestObjectSigningAlgValuesSupported    []string                   `json:"request_object_signing_alg_values_supported,omitempty"`
	JWKS                                      json.RawMessage            `json:"jwks,omitempty"`
	AuthorizationEncryptionAlgValuesSupported []string                   `json:"authorization_encryption_alg_values_supported,omitempty"`
	AuthorizationEncryptionEncValuesSupported []string                   `json:"authorization_encryption_enc_values_supported,omitempty"`
	Extra                                     map[string]json.RawMessage `json:"-"`
}

var keysWalletMetadata = jsonx.KnownKeys(reflect.TypeFor[WalletMetadata]())

// UnmarshalJSON keeps unknown members in Extra.
func (m *WalletMetadata) UnmarshalJSON(b []byte) error {
	type plain WalletMetadata
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysWalletMetadata)
	if err != nil {
		return err
	}
	*m = WalletMetadata(p)
	m.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (m WalletMetadata) MarshalJSON() ([]byte, error) {
	type plain WalletMetadata
	return jsonx.MarshalExtra(plain(m), m.Extra, keysWalletMetadata)
}

// ParseWalletMetadata decodes and checks Wallet Metadata (strict JSON
// within MaxMetadataBytes and MaxMetadataDepth): vp_formats_supported is
// REQUIRED and non-empty, client_id_prefixes_supported non-empty when
// present, jwks keys public with unique kids.
func ParseWalletMetadata(data []byte) (*WalletMetadata, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxMetadataBytes, MaxDepth: MaxMetadataDepth}); err != nil {
		return nil, wrapErr(CodeInvalidRequest, limitOr(err), err, "wallet_metadata")
	}
	var m WalletMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, wrapErr(CodeInvalidRequest, ErrMalformed, err, "wallet_metadata")
	}
	if len(m.VPFormatsSupported) == 0 {
		return nil, invalidRequest(ErrMissingParameter, "wallet_metadata.vp_formats_supported is required")
	}
	if err := m.VPFormatsSupported.check("vp_formats_supported"); err != nil {
		return nil, err
	}
	if m.ClientIDPrefixesSupported != nil && len(m.ClientIDPrefixesSupported) == 0 {
		return nil, invalidRequest(ErrInvalidParameter, "client_id_prefixes_supported must be non-empty")
	}
	if m.JWKS != nil {
		if err := checkJWKS(m.JWKS, "wallet_metadata.jwks"); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// SupportsPrefix reports whether the wallet supports a Client Identifier
// Prefix; without client_id_prefixes_supported only pre-registered is.
func (m *WalletMetadata) SupportsPrefix(p ClientIDPrefix) bool {
	if len(m.ClientIDPrefixesSupported) == 0 {
		return p == PrefixPreRegistered
	}
	for _, s := range m.ClientIDPrefixesSupported {
		if ClientIDPrefix(s) == p {
			return true
		}
	}
	return false
}
