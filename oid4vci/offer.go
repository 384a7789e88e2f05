package oid4vci

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// CredentialOffer is the Credential Offer object (§4.1.1). The legacy
// members (Credentials, and UserPinRequired and Interval in the
// pre-authorized grant) are the drafts 11–13 shapes; they are honoured
// only under ProfileLegacy.
type CredentialOffer struct {
	// CredentialIssuer is the Credential Issuer Identifier. REQUIRED.
	CredentialIssuer string `json:"credential_issuer"`
	// CredentialConfigurationIDs name entries of the issuer's
	// credential_configurations_supported. REQUIRED in 1.0 and draft 13:
	// non-empty and unique.
	CredentialConfigurationIDs []string `json:"credential_configuration_ids,omitempty"`
	// Grants lists the grant types the authorization server accepts.
	Grants *Grants `json:"grants,omitempty"`
	// Credentials is the drafts 11–12 member replaced by
	// credential_configuration_ids: configuration ids (strings) or, in
	// draft 11, format-specific objects.
	Credentials []OfferedCredential `json:"credentials,omitempty"`
	// Extra holds unknown members.
	Extra Extra `json:"-"`
}

// OfferedCredential is one entry of the legacy credentials array: either a
// configuration id (ID) or, in draft 11, an object with format and
// format-specific members (Object).
type OfferedCredential struct {
	ID     string
	Object json.RawMessage
}

// UnmarshalJSON accepts a string or an object.
func (c *OfferedCredential) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		*c = OfferedCredential{}
		return json.Unmarshal(b, &c.ID)
	case len(b) > 0 && b[0] == '{':
		*c = OfferedCredential{Object: append(json.RawMessage(nil), b...)}
		return nil
	}
	return fmt.Errorf("%w: credentials entry must be a string or an object", ErrMalformed)
}

// MarshalJSON writes the string or the object.
func (c OfferedCredential) MarshalJSON() ([]byte, error) {
	if c.Object != nil {
		return c.Object, nil
	}
	return json.Marshal(c.ID)
}

// Grants is the grants object of a Credential Offer (§4.1.1). Other grant
// types are kept in Extra.
type Grants struct {
	AuthorizationCode *AuthorizationCodeGrant `json:"authorization_code,omitempty"`
	PreAuthorizedCode *PreAuthorizedCodeGrant `json:"urn:ietf:params:oauth:grant-type:pre-authorized_code,omitempty"`
	Extra             Extra                   `json:"-"`
}

// AuthorizationCodeGrant holds the authorization_code grant parameters.
type AuthorizationCodeGrant struct {
	// IssuerState binds the authorization request to the offer. OPTIONAL.
	IssuerState string `json:"issuer_state,omitempty"`
	// AuthorizationServer selects one of the metadata's
	// authorization_servers. OPTIONAL.
	AuthorizationServer string `json:"authorization_server,omitempty"`
	Extra               Extra  `json:"-"`
}

// PreAuthorizedCodeGrant holds the pre-authorized code grant parameters.
type PreAuthorizedCodeGrant struct {
	// PreAuthorizedCode is the short-lived, single-use code. REQUIRED.
	PreAuthorizedCode string `json:"pre-authorized_code"`
	// TxCode, when present (even empty), means a transaction code is
	// required in the token request.
	TxCode *TxCode `json:"tx_code,omitempty"`
	// AuthorizationServer selects one of the metadata's
	// authorization_servers. OPTIONAL.
	AuthorizationServer string `json:"authorization_server,omitempty"`
	// Interval is the draft 13 polling interval in seconds for
	// authorization_pending (legacy; default 5).
	Interval int `json:"interval,omitempty"`
	// UserPinRequired is the drafts ≤12 predecessor of TxCode (legacy).
	UserPinRequired *bool `json:"user_pin_required,omitempty"`
	Extra           Extra `json:"-"`
}

// TxCode describes the transaction code the wallet must ask the user for.
type TxCode struct {
	// InputMode is numeric (default) or text.
	InputMode string `json:"input_mode,omitempty"`
	// Length is the code length; 0 means not given.
	Length int `json:"length,omitempty"`
	// Description tells the user where to find the code; at most 300
	// characters.
	Description string `json:"description,omitempty"`
	Extra       Extra  `json:"-"`
}

// MaxTxCodeDescription is the limit on TxCode.Description in characters.
const MaxTxCodeDescription = 300

// CredentialOffer decodes and validates a Credential Offer object (the
// value of credential_offer, or the body fetched from credential_offer_uri).
func (p Parser) CredentialOffer(data []byte) (*CredentialOffer, error) {
	var o CredentialOffer
	if err := p.decode(data, defaultSmall, &o); err != nil {
		return nil, err
	}
	if err := o.Validate(p.Profile); err != nil {
		return nil, err
	}
	return &o, nil
}

// Validate checks the offer against §4.1.1 (and, under ProfileLegacy,
// the drafts 11–13 rules).
func (o *CredentialOffer) Validate(p Profile) error {
	if err := checkIssuerID("credential_issuer", o.CredentialIssuer); err != nil {
		return err
	}
	ids := o.CredentialConfigurationIDs
	switch {
	case p == ProfileLegacy && ids != nil && o.Credentials != nil:
		return fieldErr("credentials", ErrConflict, "credential_configuration_ids and credentials both present")
	case p == ProfileLegacy && ids == nil && o.Credentials != nil:
		if len(o.Credentials) == 0 {
			return fieldErr("credentials", ErrEmpty, "")
		}
		seen := map[string]struct{}{}
		for i, c := range o.Credentials {
			f := fmt.Sprintf("credentials[%d]", i)
			if c.Object != nil {
				var obj struct {
					Format string `json:"format"`
				}
				if err := json.Unmarshal(c.Object, &obj); err != nil {
					return fieldErr(f, ErrMalformed, "")
				}
				if obj.Format == "" {
					return fieldErr(f+".format", ErrMissing, "")
				}
				continue
			}
			if c.ID == "" {
				return fieldErr(f, ErrMissing, "empty string")
			}
			if _, dup := seen[c.ID]; dup {
				return fieldErr(f, ErrDuplicate, truncate(c.ID))
			}
			seen[c.ID] = struct{}{}
		}
	default:
		if ids == nil {
			return fieldErr("credential_configuration_ids", ErrMissing, "")
		}
		if err := checkStrings("credential_configuration_ids", ids, true); err != nil {
			return err
		}
	}
	if o.Grants != nil {
		if err := o.Grants.validate(p); err != nil {
			return prefix("grants", err)
		}
	}
	return nil
}

func (g *Grants) validate(p Profile) error {
	pa := g.PreAuthorizedCode
	if pa == nil {
		return nil
	}
	const f = GrantTypePreAuthorizedCode
	if pa.PreAuthorizedCode == "" {
		return fieldErr(f+".pre-authorized_code", ErrMissing, "")
	}
	if pa.TxCode != nil {
		if err := pa.TxCode.Validate(); err != nil {
			return prefix(f+".tx_code", err)
		}
	}
	if pa.Interval < 0 {
		return fieldErr(f+".interval", ErrInvalidValue, "negative")
	}
	if p == ProfileLegacy && pa.TxCode != nil && pa.UserPinRequired != nil {
		return fieldErr(f+".user_pin_required", ErrConflict, "tx_code and user_pin_required both present")
	}
	return nil
}

// Validate checks input_mode, length and the description limit.
func (t *TxCode) Validate() error {
	switch t.InputMode {
	case "", InputModeNumeric, InputModeText:
	default:
		return fieldErr("input_mode", ErrInvalidValue, "must be numeric or text")
	}
	if t.Length < 0 {
		return fieldErr("length", ErrInvalidValue, "negative")
	}
	if utf8.RuneCountInString(t.Description) > MaxTxCodeDescription {
		return fieldErr("description", ErrInvalidValue, "longer than 300 characters")
	}
	return nil
}

// ConfigurationIDs returns the offered credential configuration ids:
// credential_configuration_ids, or, for a drafts 11–12 offer, the string
// entries of credentials.
func (o *CredentialOffer) ConfigurationIDs() []string {
	if o.CredentialConfigurationIDs != nil {
		return o.CredentialConfigurationIDs
	}
	var ids []string
	for _, c := range o.Credentials {
		if c.Object == nil {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// TxCodeRequired reports whether the token request must carry a
// transaction code: a tx_code object is present (even empty) or, in drafts
// ≤12, user_pin_required is true.
func (g *PreAuthorizedCodeGrant) TxCodeRequired() bool {
	return g.TxCode != nil || (g.UserPinRequired != nil && *g.UserPinRequired)
}

// CheckMetadata cross-checks the offer with the issuer's metadata as a
// wallet must: the issuer identifiers are equal, every offered
// configuration exists, and an authorization_server hint names one of
// several authorization_servers (§4.1.1, §12.2.4).
func (o *CredentialOffer) CheckMetadata(md *IssuerMetadata) error {
	if md.CredentialIssuer != o.CredentialIssuer {
		return fieldErr("credential_issuer", ErrInvalidValue, "does not match the metadata")
	}
	for i, id := range o.ConfigurationIDs() {
		if _, ok := md.CredentialConfigurations[id]; !ok {
			return fieldErr(fmt.Sprintf("credential_configuration_ids[%d]", i), ErrInvalidValue, "unknown configuration "+truncate(id))
		}
	}
	if o.Grants == nil {
		return nil
	}
	check := func(field, as string) error {
		if as == "" {
			return nil
		}
		if len(md.AuthorizationServers) < 2 {
			return fieldErr(field, ErrInvalidValue, "authorization_server used although the metadata lists fewer than two authorization_servers")
		}
		for _, s := range md.AuthorizationServers {
			if s == as {
				return nil
			}
		}
		return fieldErr(field, ErrInvalidValue, "not one of the metadata's authorization_servers")
	}
	if a := o.Grants.AuthorizationCode; a != nil {
		if err := check("grants.authorization_code.authorization_server", a.AuthorizationServer); err != nil {
			return err
		}
	}
	if pa := o.Grants.PreAuthorizedCode; pa != nil {
		return check("grants."+GrantTypePreAuthorizedCode+".authorization_server", pa.AuthorizationServer)
	}
	return nil
}
