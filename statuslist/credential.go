package statuslist

import (
	"fmt"
	"time"
)

// W3C contexts and types.
const (
	ContextVCv2            = "https://www.w3.org/ns/credentials/v2"
	ContextVCv1            = "https://www.w3.org/2018/credentials/v1"
	ContextStatusList2021  = "https://w3id.org/vc/status-list/2021/v1"
	TypeBitstringEntry     = "BitstringStatusListEntry"
	TypeBitstringCred      = "BitstringStatusListCredential"
	TypeBitstringList      = "BitstringStatusList"
	TypeStatusList2021     = "StatusList2021"
	TypeStatusList2021Cred = "StatusList2021Credential"
	TypeStatusList2021Ent  = "StatusList2021Entry"
	// TypeIETFStatusList is vocab.StatusReference.Type for IETF
	// referenced tokens.
	TypeIETFStatusList = "status_list"
)

// StatusMessage is one entry of statusMessage (BSL "BitstringStatusListEntry").
type StatusMessage struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// BitstringEntry is a credentialStatus entry of type
// BitstringStatusListEntry (BSL "BitstringStatusListEntry"). StatusListIndex is a base-10 string.
type BitstringEntry struct {
	ID                   string          `json:"id,omitempty"`
	Type                 string          `json:"type"`
	StatusPurpose        string          `json:"statusPurpose"`
	StatusListIndex      string          `json:"statusListIndex"`
	StatusListCredential string          `json:"statusListCredential"`
	StatusSize           int             `json:"statusSize,omitempty"`
	StatusMessage        []StatusMessage `json:"statusMessage,omitempty"`
	StatusReference      any             `json:"statusReference,omitempty"`
}

// NewStatusListClaim builds the value of the status claim that points a
// referenced token (SD-JWT VC, JWT, CWT) at an IETF Token Status List
// allocation (draft-ietf-oauth-status-list-20 §6.1):
// {"status_list": {"idx": a.Index, "uri": a.URI}}. a.URI must be set (an
// Allocator with WithListURI).
func NewStatusListClaim(a Allocation) (map[string]any, error) {
	if a.Config.Format != FormatIETF {
		return nil, fmt.Errorf("%w: not an IETF list", ErrConfig)
	}
	if a.URI == "" {
		return nil, fmt.Errorf("%w: allocation has no list URI (Allocator without WithListURI)", ErrConfig)
	}
	return map[string]any{"status_list": map[string]any{"idx": a.Index, "uri": a.URI}}, nil
}

// NewBitstringEntry builds the credentialStatus entry for an allocation.
// listURI may be empty to use a.URI. messages is required when the list's
// statusSize is > 1.
func NewBitstringEntry(a Allocation, listURI string, messages []StatusMessage) (BitstringEntry, error) {
	if a.Config.Format != FormatBitstring {
		return BitstringEntry{}, fmt.Errorf("%w: not a W3C list", ErrConfig)
	}
	if listURI == "" {
		listURI = a.URI
	}
	if listURI == "" {
		return BitstringEntry{}, fmt.Errorf("%w: no list URI", ErrConfig)
	}
	e := BitstringEntry{
		ID: fmt.Sprintf("%s#%d", listURI, a.Index), Type: TypeBitstringEntry, StatusPurpose: a.Config.Purpose,
		StatusListIndex: fmt.Sprint(a.Index), StatusListCredential: listURI, StatusMessage: messages,
	}
	if a.Config.Bits > 1 {
		e.StatusSize = a.Config.Bits
	}
	if err := CheckStatusMessages(a.Config.Bits, messages); err != nil {
		return BitstringEntry{}, err
	}
	return e, nil
}

// CheckStatusMessages validates statusMessage against statusSize (BSL
// "BitstringStatusListEntry"): required when size > 1, 2^size entries when present, each status
// a "0x"-prefixed hex string of its position.
func CheckStatusMessages(size int, msgs []StatusMessage) error {
	if size < 1 || size > 8 {
		return fmt.Errorf("%w: statusSize=%d", ErrBadBits, size)
	}
	if len(msgs) == 0 {
		if size > 1 {
			return fmt.Errorf("%w: statusSize %d needs statusMessage", ErrStatusMessage, size)
		}
		return nil
	}
	if len(msgs) != 1<<size {
		return fmt.Errorf("%w: %d messages for statusSize %d", ErrStatusMessage, len(msgs), size)
	}
	seen := make(map[uint64]bool, len(msgs))
	for _, m := range msgs {
		v, err := parseHexStatus(m.Status)
		if err != nil || v >= 1<<size || seen[v] {
			return fmt.Errorf("%w: status %q", ErrStatusMessage, m.Status)
		}
		seen[v] = true
	}
	return nil
}

func parseHexStatus(s string) (uint64, error) {
	if len(s) < 3 || len(s) > 4 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return 0, ErrStatusMessage
	}
	var v uint64
	for _, c := range s[2:] {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, ErrStatusMessage
		}
		v = v<<4 | d
	}
	return v, nil
}

// BitstringSubject is the credentialSubject of a status list credential.
type BitstringSubject struct {
	ID            string `json:"id,omitempty"`
	Type          string `json:"type"`
	StatusPurpose any    `json:"statusPurpose"` // string or []string
	EncodedList   string `json:"encodedList"`
	// TTL in milliseconds (BSL "BitstringStatusListCredential").
	TTL int64 `json:"ttl,omitempty"`
	// StatusReference is optional.
	StatusReference any `json:"statusReference,omitempty"`
}

// Purposes returns statusPurpose as a list.
func (s BitstringSubject) Purposes() []string {
	switch v := s.StatusPurpose.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
		return out
	case []string:
		return v
	}
	return nil
}

// BitstringCredential is a BitstringStatusListCredential (or a legacy
// StatusList2021Credential) document.
type BitstringCredential struct {
	Context           []string         `json:"@context"`
	ID                string           `json:"id,omitempty"`
	Type              []string         `json:"type"`
	Issuer            any              `json:"issuer"` // string or {id,…}
	ValidFrom         string           `json:"validFrom,omitempty"`
	ValidUntil        string           `json:"validUntil,omitempty"`
	IssuanceDate      string           `json:"issuanceDate,omitempty"`   // VCDM 1.1 (StatusList2021)
	ExpirationDate    string           `json:"expirationDate,omitempty"` // VCDM 1.1
	CredentialSubject BitstringSubject `json:"credentialSubject"`
}

// IssuerID returns the issuer identifier.
func (c BitstringCredential) IssuerID() string {
	switch v := c.Issuer.(type) {
	case string:
		return v
	case map[string]any:
		s, _ := v["id"].(string)
		return s
	}
	return ""
}

func hasType(types []string, t string) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// Legacy reports whether this is a StatusList2021Credential.
func (c BitstringCredential) Legacy() bool { return hasType(c.Type, TypeStatusList2021Cred) }

// validity returns validFrom/validUntil (or the VCDM 1.1 names).
func (c BitstringCredential) validity() (from, until time.Time, err error) {
	parse := func(s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return t, fmt.Errorf("%w: date %q", ErrToken, s)
		}
		return t, nil
	}
	f, u := c.ValidFrom, c.ValidUntil
	if f == "" {
		f = c.IssuanceDate
	}
	if u == "" {
		u = c.ExpirationDate
	}
	if from, err = parse(f); err != nil {
		return
	}
	until, err = parse(u)
	return
}

// decodeList decodes encodedList per the credential's type.
func (c BitstringCredential) decodeList(statusSize int, opts DecodeOptions) (*List, error) {
	if c.Legacy() {
		if c.CredentialSubject.Type != TypeStatusList2021 {
			return nil, fmt.Errorf("%w: credentialSubject.type %q", ErrToken, c.CredentialSubject.Type)
		}
		if statusSize != 1 {
			return nil, fmt.Errorf("%w: StatusList2021 has 1-bit entries", ErrBadBits)
		}
		return DecodeStatusList2021(c.CredentialSubject.EncodedList, opts)
	}
	if !hasType(c.Type, TypeBitstringCred) || c.CredentialSubject.Type != TypeBitstringList {
		return nil, fmt.Errorf("%w: not a BitstringStatusListCredential", ErrTokenType)
	}
	return DecodeBitstring(c.CredentialSubject.EncodedList, statusSize, opts)
}
