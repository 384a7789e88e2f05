package dcql

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation/internal/match"
	"github.com/ocmw/wstack/vocab"
)

// Limits applied by Parse and Compile.
const (
	MaxQueryBytes      = 64 << 10
	MaxQueryDepth      = 16
	MaxCredentials     = 64
	MaxClaims          = 128
	MaxClaimSets       = 64
	MaxValues          = 64
	MaxCredentialSets  = 32
	MaxOptions         = 32
	MaxTrusted         = 32
	maxIDLen           = 256
	maxStringValueSize = 4096
)

// Query is a DCQL query (OpenID4VP 1.0 §6). Unknown members are kept in
// Extra and ignored, as §6 requires.
type Query struct {
	Credentials    []CredentialQuery          `json:"credentials"`
	CredentialSets []CredentialSetQuery       `json:"credential_sets,omitempty"`
	Extra          map[string]json.RawMessage `json:"-"`
}

// CredentialQuery requests one credential (§6.1).
type CredentialQuery struct {
	ID       string       `json:"id"`
	Format   vocab.Format `json:"format"`
	Multiple bool         `json:"multiple,omitempty"`
	// Meta holds the format-specific metadata constraints (Appendix B).
	Meta               *Meta              `json:"meta"`
	TrustedAuthorities []TrustedAuthority `json:"trusted_authorities,omitempty"`
	// RequireCryptographicHolderBinding defaults to true when nil.
	RequireCryptographicHolderBinding *bool                      `json:"require_cryptographic_holder_binding,omitempty"`
	Claims                            []ClaimsQuery              `json:"claims,omitempty"`
	ClaimSets                         [][]string                 `json:"claim_sets,omitempty"`
	Extra                             map[string]json.RawMessage `json:"-"`
}

// HolderBindingRequired reports the effective value of
// require_cryptographic_holder_binding.
func (q *CredentialQuery) HolderBindingRequired() bool {
	return q.RequireCryptographicHolderBinding == nil || *q.RequireCryptographicHolderBinding
}

// Meta holds the format-specific meta parameters (Appendix B): vct_values
// for SD-JWT VC, doctype_value for mdoc, type_values for W3C formats.
type Meta struct {
	VCTValues    []string                   `json:"vct_values,omitempty"`
	DoctypeValue string                     `json:"doctype_value,omitempty"`
	TypeValues   [][]string                 `json:"type_values,omitempty"`
	Extra        map[string]json.RawMessage `json:"-"`
}

// TrustedAuthority is one entry of trusted_authorities (§6.1.1).
type TrustedAuthority struct {
	// Type is aki, etsi_tl, openid_federation or an extension.
	Type   string                     `json:"type"`
	Values []string                   `json:"values"`
	Extra  map[string]json.RawMessage `json:"-"`
}

// Trusted authority types of §6.1.1.
const (
	AuthorityAKI              = "aki"
	AuthorityETSITL           = "etsi_tl"
	AuthorityOpenIDFederation = "openid_federation"
)

// ClaimsQuery requests one claim (§6.3).
type ClaimsQuery struct {
	ID   string          `json:"id,omitempty"`
	Path vocab.ClaimPath `json:"path"`
	// Values are strings, integers or booleans.
	Values []any `json:"values,omitempty"`
	// IntentToRetain is the mdoc-specific parameter (B.2.4).
	IntentToRetain *bool                      `json:"intent_to_retain,omitempty"`
	Extra          map[string]json.RawMessage `json:"-"`
}

// CredentialSetQuery constrains which credential queries are answered (§6.2).
type CredentialSetQuery struct {
	Options [][]string `json:"options"`
	// Required defaults to true when nil.
	Required *bool                      `json:"required,omitempty"`
	Purpose  json.RawMessage            `json:"purpose,omitempty"`
	Extra    map[string]json.RawMessage `json:"-"`
}

// IsRequired reports the effective value of required.
func (s *CredentialSetQuery) IsRequired() bool { return s.Required == nil || *s.Required }

var (
	keysQuery    = jsonx.KnownKeys(reflect.TypeFor[Query]())
	keysCredQ    = jsonx.KnownKeys(reflect.TypeFor[CredentialQuery]())
	keysMeta     = jsonx.KnownKeys(reflect.TypeFor[Meta]())
	keysTrusted  = jsonx.KnownKeys(reflect.TypeFor[TrustedAuthority]())
	keysClaimsQ  = jsonx.KnownKeys(reflect.TypeFor[ClaimsQuery]())
	keysCredSetQ = jsonx.KnownKeys(reflect.TypeFor[CredentialSetQuery]())
)

// UnmarshalJSON keeps unknown members in Extra.
func (q *Query) UnmarshalJSON(b []byte) error {
	type plain Query
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysQuery)
	if err != nil {
		return err
	}
	*q = Query(p)
	q.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (q Query) MarshalJSON() ([]byte, error) {
	type plain Query
	return jsonx.MarshalExtra(plain(q), q.Extra, keysQuery)
}

// UnmarshalJSON keeps unknown members in Extra.
func (q *CredentialQuery) UnmarshalJSON(b []byte) error {
	type plain CredentialQuery
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysCredQ)
	if err != nil {
		return err
	}
	*q = CredentialQuery(p)
	q.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (q CredentialQuery) MarshalJSON() ([]byte, error) {
	type plain CredentialQuery
	return jsonx.MarshalExtra(plain(q), q.Extra, keysCredQ)
}

// UnmarshalJSON keeps unknown members in Extra.
func (m *Meta) UnmarshalJSON(b []byte) error {
	type plain Meta
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysMeta)
	if err != nil {
		return err
	}
	*m = Meta(p)
	m.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (m Meta) MarshalJSON() ([]byte, error) {
	type plain Meta
	return jsonx.MarshalExtra(plain(m), m.Extra, keysMeta)
}

// UnmarshalJSON keeps unknown members in Extra.
func (t *TrustedAuthority) UnmarshalJSON(b []byte) error {
	type plain TrustedAuthority
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysTrusted)
	if err != nil {
		return err
	}
	*t = TrustedAuthority(p)
	t.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (t TrustedAuthority) MarshalJSON() ([]byte, error) {
	type plain TrustedAuthority
	return jsonx.MarshalExtra(plain(t), t.Extra, keysTrusted)
}

// UnmarshalJSON keeps unknown members in Extra.
func (c *ClaimsQuery) UnmarshalJSON(b []byte) error {
	type plain ClaimsQuery
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysClaimsQ)
	if err != nil {
		return err
	}
	*c = ClaimsQuery(p)
	c.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (c ClaimsQuery) MarshalJSON() ([]byte, error) {
	type plain ClaimsQuery
	return jsonx.MarshalExtra(plain(c), c.Extra, keysClaimsQ)
}

// UnmarshalJSON keeps unknown members in Extra.
func (s *CredentialSetQuery) UnmarshalJSON(b []byte) error {
	type plain CredentialSetQuery
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysCredSetQ)
	if err != nil {
		return err
	}
	*s = CredentialSetQuery(p)
	s.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (s CredentialSetQuery) MarshalJSON() ([]byte, error) {
	type plain CredentialSetQuery
	return jsonx.MarshalExtra(plain(s), s.Extra, keysCredSetQ)
}

// Parse decodes and validates a DCQL query: strict JSON (no duplicate
// members, at most MaxQueryBytes and MaxQueryDepth), the member types, and
// every rule Validate checks.
func Parse(data []byte) (*Query, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxQueryBytes, MaxDepth: MaxQueryDepth}); err != nil {
		sub := ErrInvalidMember
		if errors.Is(err, jsonx.ErrTooLarge) || errors.Is(err, jsonx.ErrTooDeep) {
			sub = ErrQueryTooLarge
		}
		return nil, &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: %w: %w", ErrInvalidQuery, sub, err)}
	}
	var q Query
	if err := json.Unmarshal(data, &q); err != nil {
		return nil, invalid(ErrInvalidMember, "%v", err)
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return &q, nil
}

func validID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// Validate checks the rules of §6 and §7 and Appendix B: non-empty
// credentials with unique valid ids, format and meta present, the meta
// parameter each known format requires, claims paths valid (§7; an mdoc
// path that is not [namespace, element] is valid but never matches, §7.2
// step 1 making it a processing error), claim ids unique and required with
// claim_sets, claim_sets only with claims and naming existing claims,
// values non-empty of strings, integers and booleans, credential_sets
// options non-empty and naming existing queries, trusted_authorities
// entries with a type and values. Claims paths are normalised in place
// (integer components become int).
func (q *Query) Validate() error {
	if len(q.Credentials) == 0 {
		return invalid(ErrMissingMember, "credentials must be a non-empty array")
	}
	if len(q.Credentials) > MaxCredentials {
		return invalid(ErrQueryTooLarge, "%d credential queries > %d", len(q.Credentials), MaxCredentials)
	}
	ids := make(map[string]bool, len(q.Credentials))
	for i := range q.Credentials {
		cq := &q.Credentials[i]
		if !validID(cq.ID) {
			return invalid(ErrInvalidID, "credentials[%d].id %q", i, cq.ID)
		}
		if ids[cq.ID] {
			return invalid(ErrDuplicateID, "credential query id %q", cq.ID)
		}
		ids[cq.ID] = true
		if err := cq.validate(); err != nil {
			return err
		}
	}
	if q.CredentialSets != nil && len(q.CredentialSets) == 0 {
		return invalid(ErrMissingMember, "credential_sets must be non-empty when present")
	}
	if len(q.CredentialSets) > MaxCredentialSets {
		return invalid(ErrQueryTooLarge, "%d credential sets > %d", len(q.CredentialSets), MaxCredentialSets)
	}
	for i, s := range q.CredentialSets {
		if len(s.Options) == 0 {
			return invalid(ErrMissingMember, "credential_sets[%d].options must be non-empty", i)
		}
		if len(s.Options) > MaxOptions {
			return invalid(ErrQueryTooLarge, "credential_sets[%d]: %d options > %d", i, len(s.Options), MaxOptions)
		}
		for j, opt := range s.Options {
			if len(opt) == 0 {
				return invalid(ErrMissingMember, "credential_sets[%d].options[%d] is empty", i, j)
			}
			if len(opt) > MaxCredentials {
				return invalid(ErrQueryTooLarge, "credential_sets[%d].options[%d] too long", i, j)
			}
			for _, id := range opt {
				if !ids[id] {
					return invalid(ErrUnknownReference, "credential_sets[%d].options[%d] names %q", i, j, id)
				}
			}
		}
	}
	return nil
}

func (cq *CredentialQuery) validate() error {
	if cq.Format == "" {
		return invalid(ErrMissingMember, "credential query %q: format", cq.ID)
	}
	if cq.Meta == nil {
		return invalid(ErrMissingMember, "credential query %q: meta", cq.ID)
	}
	fam := familyOf(cq.Format)
	switch fam {
	case famSDJWT:
		if len(cq.Meta.VCTValues) == 0 {
			return invalid(ErrMissingMember, "credential query %q: meta.vct_values", cq.ID)
		}
	case famMdoc:
		if cq.Meta.DoctypeValue == "" {
			return invalid(ErrMissingMember, "credential query %q: meta.doctype_value", cq.ID)
		}
	case famW3C:
		if len(cq.Meta.TypeValues) == 0 {
			return invalid(ErrMissingMember, "credential query %q: meta.type_values", cq.ID)
		}
	}
	if len(cq.Meta.VCTValues) > MaxValues || len(cq.Meta.TypeValues) > MaxValues {
		return invalid(ErrQueryTooLarge, "credential query %q: meta lists too many values", cq.ID)
	}
	for i, tv := range cq.Meta.TypeValues {
		if len(tv) == 0 || len(tv) > MaxValues {
			return invalid(ErrInvalidMember, "credential query %q: meta.type_values[%d] must be a non-empty array", cq.ID, i)
		}
	}
	if cq.TrustedAuthorities != nil && len(cq.TrustedAuthorities) == 0 {
		return invalid(ErrMissingMember, "credential query %q: trusted_authorities must be non-empty when present", cq.ID)
	}
	if len(cq.TrustedAuthorities) > MaxTrusted {
		return invalid(ErrQueryTooLarge, "credential query %q: too many trusted_authorities", cq.ID)
	}
	for i, ta := range cq.TrustedAuthorities {
		if ta.Type == "" {
			return invalid(ErrMissingMember, "credential query %q: trusted_authorities[%d].type", cq.ID, i)
		}
		if len(ta.Values) == 0 || len(ta.Values) > MaxValues {
			return invalid(ErrMissingMember, "credential query %q: trusted_authorities[%d].values must be a non-empty array", cq.ID, i)
		}
	}
	if cq.Claims != nil && len(cq.Claims) == 0 {
		return invalid(ErrMissingMember, "credential query %q: claims must be non-empty when present", cq.ID)
	}
	if len(cq.Claims) > MaxClaims {
		return invalid(ErrQueryTooLarge, "credential query %q: %d claims > %d", cq.ID, len(cq.Claims), MaxClaims)
	}
	if cq.ClaimSets != nil && len(cq.Claims) == 0 {
		return invalid(ErrClaimSetsWithoutClaims, "credential query %q", cq.ID)
	}
	claimIDs := make(map[string]bool, len(cq.Claims))
	for i := range cq.Claims {
		c := &cq.Claims[i]
		if c.ID != "" || cq.ClaimSets != nil {
			if !validID(c.ID) {
				return invalid(ErrInvalidID, "credential query %q: claims[%d].id %q", cq.ID, i, c.ID)
			}
			if claimIDs[c.ID] {
				return invalid(ErrDuplicateID, "credential query %q: claim id %q", cq.ID, c.ID)
			}
			claimIDs[c.ID] = true
		}
		p, err := match.ParsePointer(c.Path)
		if err != nil {
			return invalid(ErrInvalidPath, "credential query %q: claims[%d].path: %v", cq.ID, i, err)
		}
		// An mdoc pointer that is not [namespace, element] is valid (§7)
		// but its processing fails (§7.2 step 1): the claim never matches
		// (compile sets claimQ.never), so the query stays valid.
		c.Path = p
		if c.Values != nil && len(c.Values) == 0 {
			return invalid(ErrMissingMember, "credential query %q: claims[%d].values must be non-empty when present", cq.ID, i)
		}
		if len(c.Values) > MaxValues {
			return invalid(ErrQueryTooLarge, "credential query %q: claims[%d]: too many values", cq.ID, i)
		}
		for j, v := range c.Values {
			if !validValue(v) {
				return invalid(ErrInvalidMember, "credential query %q: claims[%d].values[%d] must be a string, integer or boolean", cq.ID, i, j)
			}
		}
	}
	if cq.ClaimSets != nil && len(cq.ClaimSets) == 0 {
		return invalid(ErrMissingMember, "credential query %q: claim_sets must be non-empty when present", cq.ID)
	}
	if len(cq.ClaimSets) > MaxClaimSets {
		return invalid(ErrQueryTooLarge, "credential query %q: too many claim_sets", cq.ID)
	}
	for i, set := range cq.ClaimSets {
		if len(set) == 0 {
			return invalid(ErrMissingMember, "credential query %q: claim_sets[%d] is empty", cq.ID, i)
		}
		if len(set) > MaxClaims {
			return invalid(ErrQueryTooLarge, "credential query %q: claim_sets[%d] too long", cq.ID, i)
		}
		for _, id := range set {
			if !claimIDs[id] {
				return invalid(ErrUnknownReference, "credential query %q: claim_sets[%d] names %q", cq.ID, i, id)
			}
		}
	}
	return nil
}

func validValue(v any) bool {
	switch x := v.(type) {
	case string:
		return len(x) <= maxStringValueSize
	case bool:
		return true
	case float64:
		return x == float64(int64(x))
	case int, int64:
		return true
	}
	return false
}

// String returns the query as JSON.
func (q *Query) String() string {
	b, err := json.Marshal(q)
	if err != nil {
		return fmt.Sprintf("dcql.Query(%v)", err)
	}
	return string(b)
}
