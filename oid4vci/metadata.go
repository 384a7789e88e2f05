package oid4vci

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// IssuerMetadata is the Credential Issuer Metadata (§12.2.4). The members
// BatchCredentialEndpoint, CredentialIdentifiersSupported and
// SignedMetadata are the draft 13 ones (legacy profile).
type IssuerMetadata struct {
	CredentialIssuer             string                              `json:"credential_issuer"`
	AuthorizationServers         []string                            `json:"authorization_servers,omitempty"`
	CredentialEndpoint           string                              `json:"credential_endpoint"`
	NonceEndpoint                string                              `json:"nonce_endpoint,omitempty"`
	DeferredCredentialEndpoint   string                              `json:"deferred_credential_endpoint,omitempty"`
	NotificationEndpoint         string                              `json:"notification_endpoint,omitempty"`
	CredentialRequestEncryption  *RequestEncryptionMetadata          `json:"credential_request_encryption,omitempty"`
	CredentialResponseEncryption *ResponseEncryptionMetadata         `json:"credential_response_encryption,omitempty"`
	BatchCredentialIssuance      *BatchCredentialIssuance            `json:"batch_credential_issuance,omitempty"`
	Display                      []IssuerDisplay                     `json:"display,omitempty"`
	CredentialConfigurations     map[string]*CredentialConfiguration `json:"credential_configurations_supported"`

	// BatchCredentialEndpoint is the draft 13 batch endpoint (legacy).
	BatchCredentialEndpoint string `json:"batch_credential_endpoint,omitempty"`
	// CredentialIdentifiersSupported is draft 13 (legacy).
	CredentialIdentifiersSupported *bool `json:"credential_identifiers_supported,omitempty"`
	// SignedMetadata is the draft 13 signed_metadata JWT (legacy); 1.0
	// serves signed metadata as application/jwt instead.
	SignedMetadata string `json:"signed_metadata,omitempty"`

	Extra Extra `json:"-"`
}

// RequestEncryptionMetadata is credential_request_encryption.
type RequestEncryptionMetadata struct {
	// JWKS is a JWK Set {"keys":[…]}; every key has a unique kid.
	JWKS               json.RawMessage `json:"jwks"`
	EncValuesSupported []string        `json:"enc_values_supported"`
	ZipValuesSupported []string        `json:"zip_values_supported,omitempty"`
	EncryptionRequired bool            `json:"encryption_required"`
	Extra              Extra           `json:"-"`
	// absentRequired records a decoded object without encryption_required.
	absentRequired bool
}

// ResponseEncryptionMetadata is credential_response_encryption.
type ResponseEncryptionMetadata struct {
	AlgValuesSupported []string `json:"alg_values_supported"`
	EncValuesSupported []string `json:"enc_values_supported"`
	ZipValuesSupported []string `json:"zip_values_supported,omitempty"`
	EncryptionRequired bool     `json:"encryption_required"`
	Extra              Extra    `json:"-"`
	// absentRequired records a decoded object without encryption_required.
	absentRequired bool
}

// BatchCredentialIssuance is batch_credential_issuance.
type BatchCredentialIssuance struct {
	// BatchSize is the maximum number of proofs; at least 2.
	BatchSize int   `json:"batch_size"`
	Extra     Extra `json:"-"`
}

// IssuerDisplay is one entry of the issuer's display array.
type IssuerDisplay struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
	Logo   *Logo  `json:"logo,omitempty"`
	Extra  Extra  `json:"-"`
}

// Logo is a logo object; URI is required.
type Logo struct {
	URI     string `json:"uri,omitempty"`
	AltText string `json:"alt_text,omitempty"`
	Extra   Extra  `json:"-"`
}

// BackgroundImage is background_image; URI is required.
type BackgroundImage struct {
	URI   string `json:"uri,omitempty"`
	Extra Extra  `json:"-"`
}

// CredentialConfiguration is one value of credential_configurations_supported.
// VCT (dc+sd-jwt), Doctype (mso_mdoc) and CredentialDefinition (jwt_vc_json,
// ldp_vc, jwt_vc_json-ld) are the format-specific members of Appendix A.
// Display, Claims and Order are the draft 13 members that 1.0 moved into
// credential_metadata (legacy).
type CredentialConfiguration struct {
	Format                               string                        `json:"format"`
	Scope                                string                        `json:"scope,omitempty"`
	CredentialSigningAlgValuesSupported  []SigningAlg                  `json:"credential_signing_alg_values_supported,omitempty"`
	CryptographicBindingMethodsSupported []string                      `json:"cryptographic_binding_methods_supported,omitempty"`
	ProofTypesSupported                  map[string]*ProofTypeMetadata `json:"proof_types_supported,omitempty"`
	CredentialMetadata                   *CredentialMetadata           `json:"credential_metadata,omitempty"`

	VCT                  string                `json:"vct,omitempty"`
	Doctype              string                `json:"doctype,omitempty"`
	CredentialDefinition *CredentialDefinition `json:"credential_definition,omitempty"`

	// Display is the draft 13 location of credential display (legacy).
	Display []CredentialDisplay `json:"display,omitempty"`
	// Claims is the draft 13 claims object (legacy), kept verbatim.
	Claims json.RawMessage `json:"claims,omitempty"`
	// Order is the draft 13 claim display order (legacy).
	Order []string `json:"order,omitempty"`

	Extra Extra `json:"-"`
}

// SigningAlg is an entry of credential_signing_alg_values_supported: a JOSE
// or Data Integrity identifier (a JSON string) or, for mso_mdoc, a COSE
// algorithm number (a JSON integer, e.g. -7).
type SigningAlg struct {
	Name   string
	COSE   int
	IsCOSE bool
}

// COSEAlg returns the SigningAlg for a COSE algorithm number.
func COSEAlg(n int) SigningAlg { return SigningAlg{COSE: n, IsCOSE: true} }

// Alg returns the SigningAlg for a JOSE or Data Integrity identifier.
func Alg(name string) SigningAlg { return SigningAlg{Name: name} }

// String returns the name or the decimal COSE number.
func (a SigningAlg) String() string {
	if a.IsCOSE {
		return strconv.Itoa(a.COSE)
	}
	return a.Name
}

// UnmarshalJSON accepts a string or an integer.
func (a *SigningAlg) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*a = SigningAlg{}
		return json.Unmarshal(b, &a.Name)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return fmt.Errorf("%w: algorithm identifier must be a string or an integer", ErrMalformed)
	}
	*a = COSEAlg(int(f))
	return nil
}

// MarshalJSON writes a string or an integer.
func (a SigningAlg) MarshalJSON() ([]byte, error) {
	if a.IsCOSE {
		return []byte(strconv.Itoa(a.COSE)), nil
	}
	return json.Marshal(a.Name)
}

// ProofTypeMetadata is a value of proof_types_supported.
type ProofTypeMetadata struct {
	ProofSigningAlgValuesSupported []string                 `json:"proof_signing_alg_values_supported"`
	KeyAttestationsRequired        *KeyAttestationsRequired `json:"key_attestations_required,omitempty"`
	Extra                          Extra                    `json:"-"`
}

// KeyAttestationsRequired is key_attestations_required (may be empty).
type KeyAttestationsRequired struct {
	KeyStorage         []string `json:"key_storage,omitempty"`
	UserAuthentication []string `json:"user_authentication,omitempty"`
	Extra              Extra    `json:"-"`
}

// CredentialMetadata is credential_metadata.
type CredentialMetadata struct {
	Display []CredentialDisplay `json:"display,omitempty"`
	Claims  []ClaimDescription  `json:"claims,omitempty"`
	Extra   Extra               `json:"-"`
}

// CredentialDisplay is one entry of a credential's display array.
type CredentialDisplay struct {
	Name            string           `json:"name"`
	Locale          string           `json:"locale,omitempty"`
	Logo            *Logo            `json:"logo,omitempty"`
	Description     string           `json:"description,omitempty"`
	BackgroundColor string           `json:"background_color,omitempty"`
	BackgroundImage *BackgroundImage `json:"background_image,omitempty"`
	TextColor       string           `json:"text_color,omitempty"`
	Extra           Extra            `json:"-"`
}

// ClaimDescription is a claims description object (Appendix B): Path is
// REQUIRED; Display is used in issuer metadata only.
type ClaimDescription struct {
	Path      ClaimPath      `json:"path"`
	Mandatory *bool          `json:"mandatory,omitempty"`
	Display   []ClaimDisplay `json:"display,omitempty"`
	Extra     Extra          `json:"-"`
}

// ClaimDisplay is one entry of a claim's display array.
type ClaimDisplay struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
	Extra  Extra  `json:"-"`
}

// ClaimPath is a claims path pointer (Appendix C): a non-empty array of
// strings, nulls (nil) and non-negative integers (int, or float64 after
// decoding).
type ClaimPath []any

// CredentialDefinition is credential_definition (Appendix A.1).
// CredentialSubject is the draft 13 member (legacy), kept verbatim.
type CredentialDefinition struct {
	Context           []any           `json:"@context,omitempty"`
	Type              []string        `json:"type,omitempty"`
	CredentialSubject json.RawMessage `json:"credentialSubject,omitempty"`
	// Types is the drafts 11–13 spelling of type in some credential
	// requests (legacy); it counts as type only under ProfileLegacy.
	Types []string `json:"types,omitempty"`
	Extra Extra    `json:"-"`
}

// IssuerMetadata decodes and validates unsigned Credential Issuer Metadata
// (application/json). The caller must still compare CredentialIssuer with
// the issuer identifier it used to build the URL (CheckIssuer).
func (p Parser) IssuerMetadata(data []byte) (*IssuerMetadata, error) {
	var md IssuerMetadata
	if err := p.decode(data, defaultMedium, &md); err != nil {
		return nil, err
	}
	if err := md.Validate(p.Profile); err != nil {
		return nil, err
	}
	return &md, nil
}

// CheckIssuer reports an error unless credential_issuer equals issuer by
// simple string comparison (§12.2.4: otherwise the metadata MUST NOT be used).
func (md *IssuerMetadata) CheckIssuer(issuer string) error {
	if md.CredentialIssuer != issuer {
		return fieldErr("credential_issuer", ErrInvalidValue, "does not equal the issuer identifier the metadata was fetched for")
	}
	return nil
}

// Validate checks the metadata against §12.2.4 and Appendix A.
func (md *IssuerMetadata) Validate(p Profile) error {
	if err := checkIssuerID("credential_issuer", md.CredentialIssuer); err != nil {
		return err
	}
	if err := checkStrings("authorization_servers", md.AuthorizationServers, true); err != nil {
		return err
	}
	for i, as := range md.AuthorizationServers {
		if err := checkIssuerID(fmt.Sprintf("authorization_servers[%d]", i), as); err != nil {
			return err
		}
	}
	if err := checkHTTPSURL("credential_endpoint", md.CredentialEndpoint); err != nil {
		return err
	}
	for _, e := range []struct{ f, v string }{
		{"nonce_endpoint", md.NonceEndpoint},
		{"deferred_credential_endpoint", md.DeferredCredentialEndpoint},
		{"notification_endpoint", md.NotificationEndpoint},
		{"batch_credential_endpoint", md.BatchCredentialEndpoint},
	} {
		if err := checkOptionalHTTPSURL(e.f, e.v); err != nil {
			return err
		}
	}
	if p == ProfileFinal {
		if md.BatchCredentialEndpoint != "" {
			return fieldErr("batch_credential_endpoint", ErrLegacy, "")
		}
	}
	if e := md.CredentialRequestEncryption; e != nil {
		if err := e.Validate(); err != nil {
			return prefix("credential_request_encryption", err)
		}
	}
	if e := md.CredentialResponseEncryption; e != nil {
		if err := e.validate(p); err != nil {
			return prefix("credential_response_encryption", err)
		}
	}
	if b := md.BatchCredentialIssuance; b != nil && b.BatchSize < 2 {
		return fieldErr("batch_credential_issuance.batch_size", ErrInvalidValue, "must be 2 or greater")
	}
	if md.Display != nil {
		if len(md.Display) == 0 {
			return fieldErr("display", ErrEmpty, "")
		}
		locales := make([]string, len(md.Display))
		for i, d := range md.Display {
			locales[i] = d.Locale
			if d.Logo != nil && d.Logo.URI == "" {
				return fieldErr(fmt.Sprintf("display[%d].logo.uri", i), ErrMissing, "")
			}
		}
		if err := checkLocales("display", locales); err != nil {
			return err
		}
	}
	if md.CredentialConfigurations == nil {
		return fieldErr("credential_configurations_supported", ErrMissing, "")
	}
	ids := make([]string, 0, len(md.CredentialConfigurations))
	for id := range md.CredentialConfigurations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c := md.CredentialConfigurations[id]
		f := "credential_configurations_supported." + id
		if c == nil {
			return fieldErr(f, ErrMissing, "null configuration")
		}
		if err := c.Validate(p); err != nil {
			return prefix(f, err)
		}
	}
	return nil
}

// Validate checks credential_request_encryption.
func (e *RequestEncryptionMetadata) Validate() error {
	if len(e.JWKS) == 0 || string(e.JWKS) == "null" {
		return fieldErr("jwks", ErrMissing, "")
	}
	var set struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(e.JWKS, &set); err != nil || e.JWKS[0] != '{' {
		return fieldErr("jwks", ErrInvalidValue, `must be a JWK Set {"keys":[...]}`)
	}
	if len(set.Keys) == 0 {
		return fieldErr("jwks.keys", ErrEmpty, "")
	}
	kids := map[string]struct{}{}
	for i, k := range set.Keys {
		var kid string
		if err := json.Unmarshal(k["kid"], &kid); err != nil || kid == "" {
			return fieldErr(fmt.Sprintf("jwks.keys[%d].kid", i), ErrMissing, "")
		}
		if _, dup := kids[kid]; dup {
			return fieldErr(fmt.Sprintf("jwks.keys[%d].kid", i), ErrDuplicate, truncate(kid))
		}
		kids[kid] = struct{}{}
		if err := checkPublicJWK(k); err != nil {
			return prefix(fmt.Sprintf("jwks.keys[%d]", i), err)
		}
	}
	if e.EncValuesSupported == nil {
		return fieldErr("enc_values_supported", ErrMissing, "")
	}
	if err := checkStrings("enc_values_supported", e.EncValuesSupported, true); err != nil {
		return err
	}
	if err := checkStrings("zip_values_supported", e.ZipValuesSupported, true); err != nil {
		return err
	}
	if e.absentRequired {
		return fieldErr("encryption_required", ErrMissing, "")
	}
	return nil
}

func (e *ResponseEncryptionMetadata) validate(p Profile) error {
	if e.AlgValuesSupported == nil {
		return fieldErr("alg_values_supported", ErrMissing, "")
	}
	if err := checkStrings("alg_values_supported", e.AlgValuesSupported, true); err != nil {
		return err
	}
	if e.EncValuesSupported == nil {
		return fieldErr("enc_values_supported", ErrMissing, "")
	}
	if err := checkStrings("enc_values_supported", e.EncValuesSupported, true); err != nil {
		return err
	}
	if err := checkStrings("zip_values_supported", e.ZipValuesSupported, true); err != nil {
		return err
	}
	if e.absentRequired {
		return fieldErr("encryption_required", ErrMissing, "")
	}
	return nil
}

// Validate checks credential_response_encryption.
func (e *ResponseEncryptionMetadata) Validate() error { return e.validate(ProfileFinal) }

// Validate checks one credential configuration.
func (c *CredentialConfiguration) Validate(p Profile) error {
	if c.Format == "" {
		return fieldErr("format", ErrMissing, "")
	}
	if c.CredentialSigningAlgValuesSupported != nil && len(c.CredentialSigningAlgValuesSupported) == 0 {
		return fieldErr("credential_signing_alg_values_supported", ErrEmpty, "")
	}
	for i, a := range c.CredentialSigningAlgValuesSupported {
		if !a.IsCOSE && a.Name == "" {
			return fieldErr(fmt.Sprintf("credential_signing_alg_values_supported[%d]", i), ErrMissing, "empty string")
		}
	}
	if err := checkStrings("cryptographic_binding_methods_supported", c.CryptographicBindingMethodsSupported, true); err != nil {
		return err
	}
	for i, m := range c.CryptographicBindingMethodsSupported {
		if after, ok := strings.CutPrefix(m, "did:"); ok && (after == "" || strings.Contains(after, ":")) {
			return fieldErr(fmt.Sprintf("cryptographic_binding_methods_supported[%d]", i), ErrInvalidValue, "DID binding is did:<method>")
		}
	}
	if p == ProfileFinal {
		switch {
		case c.CryptographicBindingMethodsSupported != nil && c.ProofTypesSupported == nil:
			return fieldErr("proof_types_supported", ErrMissing, "required when cryptographic_binding_methods_supported is present")
		case c.CryptographicBindingMethodsSupported == nil && c.ProofTypesSupported != nil:
			return fieldErr("proof_types_supported", ErrInvalidValue, "must be omitted without cryptographic_binding_methods_supported")
		}
	}
	if c.ProofTypesSupported != nil && len(c.ProofTypesSupported) == 0 {
		return fieldErr("proof_types_supported", ErrEmpty, "")
	}
	for name, pt := range c.ProofTypesSupported {
		f := "proof_types_supported." + name
		if pt == nil {
			return fieldErr(f, ErrMissing, "null")
		}
		if pt.ProofSigningAlgValuesSupported == nil {
			return fieldErr(f+".proof_signing_alg_values_supported", ErrMissing, "")
		}
		if err := checkStrings(f+".proof_signing_alg_values_supported", pt.ProofSigningAlgValuesSupported, true); err != nil {
			return err
		}
		if ka := pt.KeyAttestationsRequired; ka != nil {
			if err := checkStrings(f+".key_attestations_required.key_storage", ka.KeyStorage, true); err != nil {
				return err
			}
			if err := checkStrings(f+".key_attestations_required.user_authentication", ka.UserAuthentication, true); err != nil {
				return err
			}
		}
	}
	if m := c.CredentialMetadata; m != nil {
		if err := checkCredentialDisplay("credential_metadata.display", m.Display, p); err != nil {
			return err
		}
		if m.Claims != nil {
			if err := checkClaims("credential_metadata.claims", m.Claims, c.Format == FormatMsoMdoc); err != nil {
				return err
			}
		}
	}
	if err := checkCredentialDisplay("display", c.Display, p); err != nil {
		return err
	}
	if p == ProfileFinal {
		for _, f := range []struct {
			name    string
			present bool
		}{{"display", c.Display != nil}, {"claims", c.Claims != nil}, {"order", c.Order != nil}} {
			if f.present {
				return fieldErr(f.name, ErrLegacy, "1.0 places it in credential_metadata")
			}
		}
	}
	return checkFormatMembers(c.Format, c.VCT, c.Doctype, c.CredentialDefinition, p, true)
}

// checkFormatMembers applies the Appendix A requirements of format to the
// format-specific members (metadata, or a legacy format-based request).
func checkFormatMembers(format, vct, doctype string, cd *CredentialDefinition, p Profile, metadata bool) error {
	switch format {
	case FormatSDJWTVC:
		if vct == "" {
			return fieldErr("vct", ErrMissing, "required for dc+sd-jwt")
		}
	case FormatLegacySDJWTVC:
		if p == ProfileFinal {
			return fieldErr("format", ErrLegacy, "vc+sd-jwt is the drafts 11-13 identifier; 1.0 uses dc+sd-jwt")
		}
		if vct == "" {
			return fieldErr("vct", ErrMissing, "required for vc+sd-jwt")
		}
	case FormatMsoMdoc:
		if doctype == "" {
			return fieldErr("doctype", ErrMissing, "required for mso_mdoc")
		}
	case FormatJWTVCJSON:
		if cd == nil {
			return fieldErr("credential_definition", ErrMissing, "required for jwt_vc_json")
		}
		if len(cd.Type) == 0 && (p == ProfileFinal || len(cd.Types) == 0) {
			return fieldErr("credential_definition.type", ErrMissing, "")
		}
	case FormatLDPVC, FormatJWTVCJSONLD:
		if cd == nil {
			return fieldErr("credential_definition", ErrMissing, "required for "+format)
		}
		if len(cd.Context) == 0 {
			return fieldErr("credential_definition.@context", ErrMissing, "")
		}
		if len(cd.Type) == 0 && (p == ProfileFinal || len(cd.Types) == 0) {
			return fieldErr("credential_definition.type", ErrMissing, "")
		}
	}
	if cd != nil {
		if err := checkStrings("credential_definition.type", cd.Type, false); err != nil {
			return err
		}
		if metadata && p == ProfileFinal && cd.CredentialSubject != nil {
			return fieldErr("credential_definition.credentialSubject", ErrLegacy, "1.0 uses credential_metadata.claims")
		}
	}
	return nil
}

func checkCredentialDisplay(field string, d []CredentialDisplay, p Profile) error {
	if d == nil {
		return nil
	}
	if len(d) == 0 {
		return fieldErr(field, ErrEmpty, "")
	}
	locales := make([]string, len(d))
	for i, x := range d {
		f := fmt.Sprintf("%s[%d]", field, i)
		if x.Name == "" {
			return fieldErr(f+".name", ErrMissing, "")
		}
		// Draft 13's own examples spell the logo member "url".
		if x.Logo != nil && x.Logo.URI == "" && (p == ProfileFinal || x.Logo.Extra["url"] == nil) {
			return fieldErr(f+".logo.uri", ErrMissing, "")
		}
		if x.BackgroundImage != nil && x.BackgroundImage.URI == "" {
			return fieldErr(f+".background_image.uri", ErrMissing, "")
		}
		locales[i] = x.Locale
	}
	return checkLocales(field, locales)
}

// checkClaims validates a claims array: valid paths, per-claim display
// locales unique, and none of the repeated or contradictory descriptions of
// Appendix B.3.
func checkClaims(field string, claims []ClaimDescription, mdoc bool) error {
	if len(claims) == 0 {
		return fieldErr(field, ErrEmpty, "")
	}
	seen := map[string]struct{}{}
	// kinds[prefix] is the set of component kinds used right after prefix:
	// 'k' key (object), 'n' null, 'i' index (array).
	kinds := map[string]map[byte]struct{}{}
	for i, c := range claims {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := c.Path.validate(mdoc); err != nil {
			return prefix(f+".path", err)
		}
		full := c.Path.key(len(c.Path))
		if _, dup := seen[full]; dup {
			return fieldErr(f+".path", ErrDuplicate, "claim described twice")
		}
		seen[full] = struct{}{}
		for j, comp := range c.Path {
			pre := c.Path.key(j)
			var k byte = 'k'
			switch comp.(type) {
			case nil:
				k = 'n'
			case string:
			default:
				k = 'i'
			}
			if mdoc && j >= 2 && k == 'i' {
				continue // an mdoc integer may be a map key or an index
			}
			set := kinds[pre]
			if set == nil {
				set = map[byte]struct{}{}
				kinds[pre] = set
			}
			set[k] = struct{}{}
			_, hk := set['k']
			_, hn := set['n']
			_, hi := set['i']
			if (hk && (hn || hi)) || (hn && hi) {
				return fieldErr(f+".path", ErrConflict, "contradicts another claims description")
			}
		}
		if c.Display != nil {
			if len(c.Display) == 0 {
				return fieldErr(f+".display", ErrEmpty, "")
			}
			locales := make([]string, len(c.Display))
			for j, d := range c.Display {
				locales[j] = d.Locale
			}
			if err := checkLocales(f+".display", locales); err != nil {
				return err
			}
		}
	}
	return nil
}

// validate checks the component types of a claims path pointer.
func (cp ClaimPath) validate(mdoc bool) error {
	if len(cp) == 0 {
		return fieldErr("", ErrEmpty, "")
	}
	if mdoc {
		if len(cp) < 2 {
			return fieldErr("", ErrInvalidValue, "an mdoc path starts with namespace and element identifier")
		}
		for _, c := range cp[:2] {
			if _, ok := c.(string); !ok {
				return fieldErr("", ErrInvalidValue, "an mdoc path starts with two strings")
			}
		}
	}
	for i, c := range cp {
		switch v := c.(type) {
		case nil, string:
		case float64:
			if v != math.Trunc(v) || (v < 0 && !mdoc) || math.Abs(v) > 1<<53 {
				return fieldErr(fmt.Sprintf("[%d]", i), ErrInvalidValue, "not a non-negative integer")
			}
		case int:
			if v < 0 && !mdoc {
				return fieldErr(fmt.Sprintf("[%d]", i), ErrInvalidValue, "negative index")
			}
		default:
			return fieldErr(fmt.Sprintf("[%d]", i), ErrInvalidValue, "component must be a string, null or integer")
		}
	}
	return nil
}

// key encodes the first n components as a map key.
func (cp ClaimPath) key(n int) string {
	var b strings.Builder
	for _, c := range cp[:n] {
		switch v := c.(type) {
		case nil:
			b.WriteString("n;")
		case string:
			b.WriteString("s" + strconv.Itoa(len(v)) + ":" + v + ";")
		case float64:
			b.WriteString("i" + strconv.FormatFloat(v, 'f', -1, 64) + ";")
		case int:
			b.WriteString("i" + strconv.Itoa(v) + ";")
		}
	}
	return b.String()
}

// checkPublicJWK rejects a JWK that is not an object with kty or that
// carries private key members.
func checkPublicJWK(k map[string]json.RawMessage) error {
	if _, ok := k["kty"]; !ok {
		return fieldErr("kty", ErrMissing, "")
	}
	for _, priv := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		if _, ok := k[priv]; ok {
			return fieldErr(priv, ErrInvalidValue, "private key material in a public JWK")
		}
	}
	return nil
}

// IssuerMetadataURL returns the 1.0 well-known URL of an issuer (§12.2.2):
// /.well-known/openid-credential-issuer inserted between host and path,
// e.g. https://issuer.example.com/tenant →
// https://issuer.example.com/.well-known/openid-credential-issuer/tenant.
func IssuerMetadataURL(issuer string) (string, error) {
	if err := checkIssuerID("credential_issuer", issuer); err != nil {
		return "", err
	}
	u, _ := url.Parse(issuer)
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	return u.Scheme + "://" + u.Host + WellKnownIssuerMetadata + path, nil
}

// LegacyIssuerMetadataURL returns the draft 13 well-known URL: the issuer
// identifier (without a trailing slash) followed by
// /.well-known/openid-credential-issuer.
func LegacyIssuerMetadataURL(issuer string) (string, error) {
	if err := checkIssuerID("credential_issuer", issuer); err != nil {
		return "", err
	}
	return strings.TrimSuffix(issuer, "/") + WellKnownIssuerMetadata, nil
}
