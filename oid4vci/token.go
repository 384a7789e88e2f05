package oid4vci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// AuthorizationDetail is an RFC 9396 authorization details object of type
// openid_credential (§5.1.1), as sent in authorization and token requests
// and returned in token responses (with CredentialIdentifiers). Objects of
// other types keep their members in Extra.
//
// Format, VCT, Doctype and CredentialDefinition are the drafts 11–13
// format-based members (legacy); draft 13 claims objects (instead of the
// 1.0 claims array) are kept verbatim in LegacyClaims.
type AuthorizationDetail struct {
	Type                      string             `json:"type"`
	CredentialConfigurationID string             `json:"credential_configuration_id,omitempty"`
	Claims                    []ClaimDescription `json:"-"`
	Locations                 []string           `json:"locations,omitempty"`
	CredentialIdentifiers     []string           `json:"credential_identifiers,omitempty"`

	Format               string                `json:"format,omitempty"`
	VCT                  string                `json:"vct,omitempty"`
	Doctype              string                `json:"doctype,omitempty"`
	CredentialDefinition *CredentialDefinition `json:"credential_definition,omitempty"`
	LegacyClaims         json.RawMessage       `json:"-"`

	Extra Extra `json:"-"`
}

var authzDetailKeys = func() map[string]bool {
	k := known[AuthorizationDetail]()
	k["claims"] = true
	return k
}()

// UnmarshalJSON decodes the object; claims is an array (1.0) or an
// object (draft 13, kept in LegacyClaims).
func (d *AuthorizationDetail) UnmarshalJSON(b []byte) error {
	type plain AuthorizationDetail
	var v plain
	extra, err := unmarshalExtra(b, &v, authzDetailKeys)
	if err != nil {
		return err
	}
	var c struct {
		Claims json.RawMessage `json:"claims"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	switch {
	case len(c.Claims) == 0 || string(c.Claims) == "null":
	case c.Claims[0] == '[':
		if err := json.Unmarshal(c.Claims, &v.Claims); err != nil {
			return err
		}
	case c.Claims[0] == '{':
		v.LegacyClaims = c.Claims
	default:
		return fmt.Errorf("%w: claims must be an array", ErrMalformed)
	}
	v.Extra = extra
	*d = AuthorizationDetail(v)
	return nil
}

// MarshalJSON encodes the object.
func (d AuthorizationDetail) MarshalJSON() ([]byte, error) {
	type plain AuthorizationDetail
	extra := d.Extra
	var claims json.RawMessage
	switch {
	case d.Claims != nil:
		b, err := json.Marshal(d.Claims)
		if err != nil {
			return nil, err
		}
		claims = b
	case d.LegacyClaims != nil:
		claims = d.LegacyClaims
	}
	if claims != nil {
		extra = make(Extra, len(d.Extra)+1)
		for k, v := range d.Extra {
			extra[k] = v
		}
		extra["claims"] = claims
	}
	keys := known[AuthorizationDetail]()
	return marshalExtra(plain(d), extra, keys)
}

// validate checks an openid_credential object; response reports whether it
// comes from a token response (credential_identifiers REQUIRED in 1.0).
func (d *AuthorizationDetail) validate(p Profile, response bool) error {
	if d.Type == "" {
		return fieldErr("type", ErrMissing, "")
	}
	if d.Type != AuthorizationDetailsType {
		return nil // another type: not ours to judge
	}
	if p == ProfileFinal || d.Format == "" {
		if d.CredentialConfigurationID == "" {
			return fieldErr("credential_configuration_id", ErrMissing, "")
		}
	}
	if p == ProfileLegacy && d.Format != "" && d.CredentialConfigurationID != "" {
		return fieldErr("format", ErrConflict, "credential_configuration_id and format both present")
	}
	if d.Claims != nil {
		if err := checkClaims("claims", d.Claims, false); err != nil {
			return err
		}
	}
	if p == ProfileFinal && d.LegacyClaims != nil {
		return fieldErr("claims", ErrLegacy, "claims object of draft 13; 1.0 uses an array")
	}
	if err := checkStrings("locations", d.Locations, true); err != nil {
		return err
	}
	if response && p == ProfileFinal && d.CredentialIdentifiers == nil {
		return fieldErr("credential_identifiers", ErrMissing, "")
	}
	return checkStrings("credential_identifiers", d.CredentialIdentifiers, true)
}

// AuthorizationDetails decodes and validates an authorization_details
// parameter value (a JSON array) of an authorization or token request.
func (p Parser) AuthorizationDetails(data []byte) ([]AuthorizationDetail, error) {
	var ds []AuthorizationDetail
	if err := p.decode(data, defaultSmall, &ds); err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, fieldErr("authorization_details", ErrEmpty, "")
	}
	for i := range ds {
		if err := ds[i].validate(p.Profile, false); err != nil {
			return nil, prefix(fmt.Sprintf("authorization_details[%d]", i), err)
		}
	}
	return ds, nil
}

// TokenRequest is a token request (§6.1, RFC 6749 §4.1.3) for the
// authorization code or pre-authorized code grant, sent as
// application/x-www-form-urlencoded. Client authentication parameters other
// than client_id and client assertions stay in Extra.
type TokenRequest struct {
	GrantType string
	// Authorization code grant (RFC 6749 §4.1.3, RFC 7636).
	Code         string
	RedirectURI  string
	CodeVerifier string
	// Pre-authorized code grant (§6.1).
	PreAuthorizedCode string
	TxCode            string
	// UserPIN is the drafts ≤12 predecessor of TxCode (legacy).
	UserPIN string
	// Refresh token grant.
	RefreshToken string

	ClientID             string
	Scope                string
	Resource             []string // RFC 8707, may repeat
	AuthorizationDetails []AuthorizationDetail
	ClientAssertionType  string
	ClientAssertion      string

	// Extra holds other parameters.
	Extra url.Values
}

var tokenRequestParams = map[string]bool{
	"grant_type": true, "code": true, "redirect_uri": true, "code_verifier": true,
	"pre-authorized_code": true, "tx_code": true, "user_pin": true, "refresh_token": true,
	"client_id": true, "scope": true, "resource": true, "authorization_details": true,
	"client_assertion_type": true, "client_assertion": true,
}

// TokenRequest decodes and validates a token request from its form
// parameters (r.PostForm). Parameters must not repeat (RFC 6749 §3.2),
// except resource (RFC 8707). Errors carry Code invalid_request, or
// invalid_authorization_details for a bad authorization_details value.
func (p Parser) TokenRequest(form url.Values) (*TokenRequest, error) {
	lim := p.Limits.with(defaultSmall)
	size := 0
	for k, vs := range form {
		for _, v := range vs {
			size += len(k) + len(v) + 2
		}
	}
	if size > lim.MaxBytes {
		return nil, withCode(fieldErr("", ErrTooLarge, fmt.Sprintf("token request of %d bytes > %d", size, lim.MaxBytes)), CodeInvalidRequest)
	}
	r := &TokenRequest{}
	get := func(name string) (string, error) {
		vs := form[name]
		if len(vs) > 1 {
			return "", fieldErr(name, ErrDuplicate, "parameter repeated")
		}
		if len(vs) == 0 {
			return "", nil
		}
		return vs[0], nil
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"grant_type", &r.GrantType}, {"code", &r.Code}, {"redirect_uri", &r.RedirectURI},
		{"code_verifier", &r.CodeVerifier}, {"pre-authorized_code", &r.PreAuthorizedCode},
		{"tx_code", &r.TxCode}, {"user_pin", &r.UserPIN}, {"refresh_token", &r.RefreshToken},
		{"client_id", &r.ClientID}, {"scope", &r.Scope},
		{"client_assertion_type", &r.ClientAssertionType}, {"client_assertion", &r.ClientAssertion},
	} {
		v, err := get(f.name)
		if err != nil {
			return nil, withCode(err, CodeInvalidRequest)
		}
		*f.dst = v
	}
	r.Resource = form["resource"]
	ad, err := get("authorization_details")
	if err != nil {
		return nil, withCode(err, CodeInvalidRequest)
	}
	if ad != "" {
		ds, err := p.AuthorizationDetails([]byte(ad))
		if err != nil {
			return nil, withCode(err, CodeInvalidAuthorizationDetails)
		}
		r.AuthorizationDetails = ds
	}
	for k, vs := range form {
		if !tokenRequestParams[k] {
			if r.Extra == nil {
				r.Extra = url.Values{}
			}
			r.Extra[k] = vs
		}
	}
	if p.Profile == ProfileFinal && r.UserPIN != "" {
		// user_pin is not a 1.0 parameter: ignore it as unknown.
		r.Extra = mergeValue(r.Extra, "user_pin", r.UserPIN)
		r.UserPIN = ""
	}
	if err := r.Validate(p.Profile); err != nil {
		return nil, withCode(err, CodeInvalidRequest)
	}
	return r, nil
}

func mergeValue(v url.Values, k, s string) url.Values {
	if v == nil {
		v = url.Values{}
	}
	v.Set(k, s)
	return v
}

// Validate checks the grant-specific parameters.
func (r *TokenRequest) Validate(p Profile) error {
	switch r.GrantType {
	case "":
		return fieldErr("grant_type", ErrMissing, "")
	case GrantTypeAuthorizationCode:
		if r.Code == "" {
			return fieldErr("code", ErrMissing, "")
		}
	case GrantTypePreAuthorizedCode:
		if r.PreAuthorizedCode == "" {
			return fieldErr("pre-authorized_code", ErrMissing, "")
		}
		if r.TxCode != "" && r.UserPIN != "" {
			return fieldErr("user_pin", ErrConflict, "tx_code and user_pin both present")
		}
	case GrantTypeRefreshToken:
		if r.RefreshToken == "" {
			return fieldErr("refresh_token", ErrMissing, "")
		}
	}
	if r.GrantType != GrantTypePreAuthorizedCode {
		if r.PreAuthorizedCode != "" {
			return fieldErr("pre-authorized_code", ErrInvalidValue, "only with the pre-authorized code grant")
		}
		if r.TxCode != "" || r.UserPIN != "" {
			return fieldErr("tx_code", ErrInvalidValue, "only with the pre-authorized code grant")
		}
	}
	for i := range r.AuthorizationDetails {
		if err := r.AuthorizationDetails[i].validate(p, false); err != nil {
			return withCode(prefix(fmt.Sprintf("authorization_details[%d]", i), err), CodeInvalidAuthorizationDetails)
		}
	}
	return nil
}

// TransactionCode returns tx_code or, for a drafts ≤12 request, user_pin.
func (r *TokenRequest) TransactionCode() string {
	if r.TxCode != "" {
		return r.TxCode
	}
	return r.UserPIN
}

// Form encodes the request as form parameters.
func (r *TokenRequest) Form() (url.Values, error) {
	v := url.Values{}
	for k, vs := range r.Extra {
		if !tokenRequestParams[k] {
			v[k] = append([]string(nil), vs...)
		}
	}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("grant_type", r.GrantType)
	set("code", r.Code)
	set("redirect_uri", r.RedirectURI)
	set("code_verifier", r.CodeVerifier)
	set("pre-authorized_code", r.PreAuthorizedCode)
	set("tx_code", r.TxCode)
	set("user_pin", r.UserPIN)
	set("refresh_token", r.RefreshToken)
	set("client_id", r.ClientID)
	set("scope", r.Scope)
	set("client_assertion_type", r.ClientAssertionType)
	set("client_assertion", r.ClientAssertion)
	for _, res := range r.Resource {
		v.Add("resource", res)
	}
	if r.AuthorizationDetails != nil {
		b, err := json.Marshal(r.AuthorizationDetails)
		if err != nil {
			return nil, err
		}
		v.Set("authorization_details", string(b))
	}
	return v, nil
}

// TokenResponse is a successful token response (§6.2, RFC 6749 §5.1).
// CNonce and CNonceExpiresIn are the draft 13 members (legacy).
type TokenResponse struct {
	AccessToken          string                `json:"access_token"`
	TokenType            string                `json:"token_type"`
	ExpiresIn            int                   `json:"expires_in,omitempty"`
	RefreshToken         string                `json:"refresh_token,omitempty"`
	Scope                string                `json:"scope,omitempty"`
	AuthorizationDetails []AuthorizationDetail `json:"authorization_details,omitempty"`
	CNonce               string                `json:"c_nonce,omitempty"`
	CNonceExpiresIn      int                   `json:"c_nonce_expires_in,omitempty"`
	Extra                Extra                 `json:"-"`
}

// TokenResponse decodes and validates a token response body.
func (p Parser) TokenResponse(data []byte) (*TokenResponse, error) {
	var r TokenResponse
	if err := p.decode(data, defaultSmall, &r); err != nil {
		return nil, err
	}
	if err := r.Validate(p.Profile); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate checks the response.
func (r *TokenResponse) Validate(p Profile) error {
	if r.AccessToken == "" {
		return fieldErr("access_token", ErrMissing, "")
	}
	if r.TokenType == "" {
		return fieldErr("token_type", ErrMissing, "")
	}
	if r.ExpiresIn < 0 || r.CNonceExpiresIn < 0 {
		return fieldErr("expires_in", ErrInvalidValue, "negative")
	}
	if r.AuthorizationDetails != nil && len(r.AuthorizationDetails) == 0 {
		return fieldErr("authorization_details", ErrEmpty, "")
	}
	for i := range r.AuthorizationDetails {
		if err := r.AuthorizationDetails[i].validate(p, true); err != nil {
			return prefix(fmt.Sprintf("authorization_details[%d]", i), err)
		}
	}
	return nil
}

// CredentialIdentifiers returns the credential identifiers granted for a
// configuration id in the openid_credential authorization details.
func (r *TokenResponse) CredentialIdentifiers(configurationID string) []string {
	var ids []string
	for _, d := range r.AuthorizationDetails {
		if d.Type == AuthorizationDetailsType && d.CredentialConfigurationID == configurationID {
			ids = append(ids, d.CredentialIdentifiers...)
		}
	}
	return ids
}

// NonceResponse is the nonce endpoint response (§7.2).
type NonceResponse struct {
	CNonce string `json:"c_nonce"`
	Extra  Extra  `json:"-"`
}

// NonceResponse decodes and validates a nonce response body.
func (p Parser) NonceResponse(data []byte) (*NonceResponse, error) {
	var r NonceResponse
	if err := p.decode(data, defaultSmall, &r); err != nil {
		return nil, err
	}
	if r.CNonce == "" {
		return nil, fieldErr("c_nonce", ErrMissing, "")
	}
	return &r, nil
}

// tokenTypeIs compares token_type case-insensitively (RFC 6749 §5.1).
func tokenTypeIs(t, want string) bool { return strings.EqualFold(t, want) }

// IsDPoP reports whether the access token is DPoP-bound (RFC 9449 §5).
func (r *TokenResponse) IsDPoP() bool { return tokenTypeIs(r.TokenType, "DPoP") }
