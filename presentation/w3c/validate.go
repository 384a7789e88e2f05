package w3c

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// dateTimeRE is the lexical space of XML Schema 1.1 dateTime with four-digit
// years; the zone is optional (dateTime) or required (dateTimeStamp).
var dateTimeRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$`)

// ParseDateTime parses an XML Schema dateTime. When requireZone is true (the
// dateTimeStamp of VCDM 2.0) a time zone is required; otherwise a value
// without zone is read as UTC (VCDM 1.1 dateTime).
func ParseDateTime(s string, requireZone bool) (time.Time, error) {
	m := dateTimeRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("%w: %q is not an XML Schema dateTime", ErrValidity, s)
	}
	if m[8] == "" {
		if requireZone {
			return time.Time{}, fmt.Errorf("%w: %q has no time zone (dateTimeStamp required)", ErrValidity, s)
		}
		s += "Z"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q: %v", ErrValidity, s, err)
	}
	return t, nil
}

// FormatDateTime formats t as an XML Schema dateTimeStamp in UTC.
func FormatDateTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Validity is the validity window a credential declares.
type Validity struct {
	// From is validFrom (v2.0) or issuanceDate (v1.1); zero when absent.
	From time.Time
	// Until is validUntil (v2.0) or expirationDate (v1.1); zero when absent.
	Until time.Time
}

// Validity returns the credential's validity window. Dates that do not
// parse are reported by Validate; here they read as absent.
func (c *Credential) Validity() Validity {
	var v Validity
	from, until := c.ValidFrom, c.ValidUntil
	if c.Version() == V1 || (from == "" && until == "") {
		if c.IssuanceDate != "" {
			from = c.IssuanceDate
		}
		if c.ExpirationDate != "" {
			until = c.ExpirationDate
		}
		if c.ValidFrom != "" {
			from = c.ValidFrom
		}
		if c.ValidUntil != "" {
			until = c.ValidUntil
		}
	}
	if from != "" {
		v.From, _ = ParseDateTime(from, false)
	}
	if until != "" {
		v.Until, _ = ParseDateTime(until, false)
	}
	return v
}

func invalid(kind error, format string, a ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrInvalid, kind, fmt.Sprintf(format, a...))
}

// Validate checks the credential against the data model of its version
// (VCDM 1.1 or 2.0, from the first @context) and returns every violation,
// joined; each wraps ErrInvalid and a specific error.
func (c *Credential) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	ver := c.Version()
	if ver == VersionUnknown {
		add(invalid(ErrContext, "first @context must be %s or %s", ContextV2, ContextV1))
	}
	add(checkContext(c.Context))
	add(checkTypes(c.Type, TypeVerifiableCredential))
	if c.ID != "" && !IsURL(c.ID) {
		add(invalid(ErrID, "credential id %q", c.ID))
	}
	switch {
	case c.Issuer == nil:
		add(invalid(ErrIssuer, "issuer missing"))
	case c.Issuer.ID == "":
		add(invalid(ErrIssuer, "issuer object without id"))
	case !IsURL(c.Issuer.ID):
		add(invalid(ErrIssuer, "issuer %q is not a URL", c.Issuer.ID))
	}
	if c.Issuer != nil {
		add(checkLanguage(c.Issuer.Extra["name"]))
		add(checkLanguage(c.Issuer.Extra["description"]))
	}
	add(checkLanguage(c.Name))
	add(checkLanguage(c.Description))
	if len(c.CredentialSubject.Items) == 0 {
		add(invalid(ErrSubject, "credentialSubject missing"))
	}
	for i, s := range c.CredentialSubject.Items {
		if len(s) == 0 {
			add(invalid(ErrSubject, "credentialSubject[%d] has no claims", i))
			continue
		}
		if v, ok := s["id"]; ok {
			if id, ok := v.(string); !ok || !IsURL(id) {
				add(invalid(ErrID, "credentialSubject[%d].id is not a single URL", i))
			}
		}
	}
	add(c.checkDates(ver))
	for i, st := range c.CredentialStatus.Items {
		add(checkObject(ErrStatus, "credentialStatus", i, st, ver == V1))
		if len(st.Type.Items) > 0 {
			if _, err := st.StatusEntry(); err != nil && !errors.Is(err, ErrUnsupportedStatus) {
				add(err)
			}
		}
	}
	for i, s := range c.CredentialSchema.Items {
		add(checkObject(ErrSchema, "credentialSchema", i, s, true))
	}
	for i, o := range c.RefreshService.Items {
		add(checkObject(ErrMissingType, "refreshService", i, o, ver == V1))
	}
	for i, o := range c.TermsOfUse.Items {
		add(checkObject(ErrMissingType, "termsOfUse", i, o, false))
	}
	for i, o := range c.Evidence.Items {
		add(checkObject(ErrMissingType, "evidence", i, o, false))
	}
	add(checkProof(c.Proof))
	add(checkRelatedResources(c.Extra["relatedResource"]))
	return errors.Join(errs...)
}

// checkRelatedResources checks relatedResource (VCDM 2.0 §5.3): each
// object names the resource by URL and carries digestSRI or
// digestMultibase.
func checkRelatedResources(v any) error {
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	for i, x := range items {
		o, ok := x.(map[string]any)
		if !ok {
			return invalid(ErrRelatedResource, "relatedResource[%d] is not an object", i)
		}
		id, _ := o["id"].(string)
		if !IsURL(id) {
			return invalid(ErrRelatedResource, "relatedResource[%d].id is not a URL", i)
		}
		_, sri := o["digestSRI"].(string)
		_, mb := o["digestMultibase"].(string)
		if !sri && !mb {
			return invalid(ErrRelatedResource, "relatedResource[%d] has neither digestSRI nor digestMultibase", i)
		}
	}
	return nil
}

func (c *Credential) checkDates(ver Version) error {
	var errs []error
	parse := func(name, s string, zone bool) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := ParseDateTime(s, zone)
		if err != nil {
			errs = append(errs, invalid(ErrValidity, "%s: %v", name, err))
		}
		return t
	}
	zone := ver == V2
	from := parse("validFrom", c.ValidFrom, zone)
	until := parse("validUntil", c.ValidUntil, zone)
	iss := parse("issuanceDate", c.IssuanceDate, false)
	exp := parse("expirationDate", c.ExpirationDate, false)
	if ver == V1 && c.IssuanceDate == "" {
		errs = append(errs, invalid(ErrValidity, "issuanceDate missing (VCDM 1.1 §4.6)"))
	}
	if !from.IsZero() && !until.IsZero() && from.After(until) {
		errs = append(errs, invalid(ErrValidity, "validFrom %s after validUntil %s", c.ValidFrom, c.ValidUntil))
	}
	if !iss.IsZero() && !exp.IsZero() && iss.After(exp) {
		errs = append(errs, invalid(ErrValidity, "issuanceDate %s after expirationDate %s", c.IssuanceDate, c.ExpirationDate))
	}
	return errors.Join(errs...)
}

func checkContext(ctx OneOrMany[any]) error {
	if len(ctx.Items) == 0 {
		return invalid(ErrContext, "@context missing")
	}
	for i, v := range ctx.Items {
		switch t := v.(type) {
		case string:
			if !IsURL(t) {
				return invalid(ErrContext, "@context[%d] %q is not a URL", i, t)
			}
			if i > 0 && (t == ContextV1 || t == ContextV2) {
				// The two base contexts redefine the same protected terms.
				return invalid(ErrContext, "@context[%d] repeats a base context", i)
			}
		case map[string]any:
			if i == 0 {
				return invalid(ErrContext, "@context[0] must be the base context URL")
			}
		default:
			return invalid(ErrContext, "@context[%d] must be a URL or an object", i)
		}
	}
	return nil
}

func checkTypes(t OneOrMany[string], required string) error {
	if len(t.Items) == 0 {
		return invalid(ErrType, "type missing")
	}
	found := false
	for _, x := range t.Items {
		if x == "" {
			return invalid(ErrType, "empty type value")
		}
		if x == required {
			found = true
		}
	}
	if !found {
		return invalid(ErrType, "type must include %s", required)
	}
	return nil
}

func checkObject(kind error, member string, i int, o Object, requireID bool) error {
	if len(o.Type.Items) == 0 {
		return invalid(kind, "%s[%d] has no type", member, i)
	}
	for _, t := range o.Type.Items {
		if t == "" {
			return invalid(kind, "%s[%d] has an empty type", member, i)
		}
	}
	if o.ID == "" {
		if requireID {
			return invalid(kind, "%s[%d] has no id", member, i)
		}
		return nil
	}
	if !IsURL(o.ID) {
		return invalid(kind, "%s[%d].id %q is not a URL", member, i, o.ID)
	}
	return nil
}

func checkProof(p any) error {
	if p == nil {
		return nil
	}
	var proofs []any
	switch t := p.(type) {
	case []any:
		proofs = t
	default:
		proofs = []any{t}
	}
	for i, x := range proofs {
		m, ok := x.(map[string]any)
		if !ok {
			return invalid(ErrMissingType, "proof[%d] is not an object", i)
		}
		if s, ok := m["type"].(string); !ok || s == "" {
			return invalid(ErrMissingType, "proof[%d] has no type", i)
		}
	}
	return nil
}

// checkLanguage checks a name/description value: a string, a language
// value object ({"@value": string, "@language"?, "@direction"?}) or an
// array of those (VCDM 2.0 §11.1).
func checkLanguage(v any) error {
	if v == nil {
		return nil
	}
	switch t := v.(type) {
	case string:
		return nil
	case map[string]any:
		if _, ok := t["@value"].(string); !ok {
			return invalid(ErrLanguageValue, "language value object without string @value")
		}
		for k, x := range t {
			switch k {
			case "@value":
			case "@language", "@direction":
				if _, ok := x.(string); !ok {
					return invalid(ErrLanguageValue, "%s must be a string", k)
				}
			default:
				return invalid(ErrLanguageValue, "unexpected member %q in language value", k)
			}
		}
		return nil
	case []any:
		for _, e := range t {
			if _, isArr := e.([]any); isArr {
				return invalid(ErrLanguageValue, "nested array")
			}
			if err := checkLanguage(e); err != nil {
				return err
			}
		}
		return nil
	}
	return invalid(ErrLanguageValue, "must be a string or language value objects")
}

// Validate checks the presentation against the data model of its version.
// Embedded credentials are validated when they are objects; string entries
// (JWT credentials) are left to their format's verifier.
func (p *Presentation) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if p.Version() == VersionUnknown {
		add(invalid(ErrContext, "first @context must be %s or %s", ContextV2, ContextV1))
	}
	add(checkContext(p.Context))
	add(checkTypes(p.Type, TypeVerifiablePresentation))
	if p.ID != "" && !IsURL(p.ID) {
		add(invalid(ErrID, "presentation id %q", p.ID))
	}
	if p.Holder != nil && !IsURL(p.Holder.ID) {
		add(invalid(ErrHolder, "holder %q is not a URL", p.Holder.ID))
	}
	for i, o := range p.TermsOfUse.Items {
		add(checkObject(ErrMissingType, "termsOfUse", i, o, false))
	}
	for i, vc := range p.VerifiableCredential.Items {
		switch t := vc.(type) {
		case string:
			if t == "" {
				add(invalid(ErrCredentials, "verifiableCredential[%d] is empty", i))
			}
		case map[string]any:
			c, err := CredentialFromMap(t)
			if err != nil {
				add(invalid(ErrCredentials, "verifiableCredential[%d]: %v", i, err))
				continue
			}
			if c.HasType("EnvelopedVerifiableCredential") {
				continue
			}
			if err := c.Validate(); err != nil {
				add(fmt.Errorf("%w: verifiableCredential[%d]: %w", ErrCredentials, i, err))
			}
		default:
			add(invalid(ErrCredentials, "verifiableCredential[%d] must be an object or a string", i))
		}
	}
	add(checkProof(p.Proof))
	return errors.Join(errs...)
}

// Status entry types.
const (
	StatusBitstring      = "BitstringStatusListEntry" // Bitstring Status List v1.0 §2.1
	StatusList2021       = "StatusList2021Entry"      // W3C CCG StatusList2021
	StatusRevocationList = "RevocationList2020Status" // legacy, not interpreted
)

// ErrUnsupportedStatus is returned by StatusEntry for a credentialStatus
// type this package does not interpret. Validate accepts such entries
// (the data model only requires a type); a status checker decides.
var ErrUnsupportedStatus = errors.New("w3c: unsupported credentialStatus type")

// StatusEntry is a decoded BitstringStatusListEntry or StatusList2021Entry.
type StatusEntry struct {
	Type string
	// ID is the entry id (optional).
	ID string
	// Purpose is statusPurpose (revocation, suspension, refresh, message).
	Purpose string
	// ListCredential is statusListCredential, the URL of the list.
	ListCredential string
	// Index is statusListIndex.
	Index uint64
	// Size is statusSize in bits (1 when absent).
	Size int
	// Messages is statusMessage (may be nil).
	Messages []map[string]any
	// Raw is the whole entry.
	Raw map[string]any
}

// StatusEntry decodes a typed status object. It returns ErrUnsupportedStatus
// for other types and ErrStatus (wrapped in ErrInvalid) when required
// members are missing or malformed.
func (o Object) StatusEntry() (StatusEntry, error) {
	var typ string
	switch {
	case o.HasType(StatusBitstring):
		typ = StatusBitstring
	case o.HasType(StatusList2021):
		typ = StatusList2021
	default:
		return StatusEntry{}, fmt.Errorf("%w: %v", ErrUnsupportedStatus, o.Type.Items)
	}
	e := StatusEntry{Type: typ, ID: o.ID, Size: 1, Raw: o.value()}
	purpose, ok := o.Extra["statusPurpose"].(string)
	if !ok || purpose == "" {
		return e, invalid(ErrStatus, "%s without statusPurpose", typ)
	}
	e.Purpose = purpose
	lc, ok := o.Extra["statusListCredential"].(string)
	if !ok || !IsURL(lc) {
		return e, invalid(ErrStatus, "%s statusListCredential is not a URL", typ)
	}
	e.ListCredential = lc
	idx, ok := o.Extra["statusListIndex"].(string)
	if !ok {
		return e, invalid(ErrStatus, "%s statusListIndex must be a string", typ)
	}
	n, err := parseIndex(idx)
	if err != nil {
		return e, invalid(ErrStatus, "%s statusListIndex %q: %v", typ, idx, err)
	}
	e.Index = n
	if typ == StatusBitstring {
		if v, ok := o.Extra["statusSize"]; ok {
			size, err := intValue(v)
			if err != nil || size < 1 || size > 8 {
				return e, invalid(ErrStatus, "statusSize must be an integer in 1..8")
			}
			e.Size = size
		}
		if v, ok := o.Extra["statusMessage"]; ok {
			arr, ok := v.([]any)
			if !ok {
				return e, invalid(ErrStatus, "statusMessage must be an array")
			}
			for _, x := range arr {
				mm, ok := x.(map[string]any)
				if !ok {
					return e, invalid(ErrStatus, "statusMessage entries must be objects")
				}
				if _, ok := mm["status"].(string); !ok {
					return e, invalid(ErrStatus, "statusMessage entry without status")
				}
				e.Messages = append(e.Messages, mm)
			}
			if len(arr) != 1<<e.Size {
				return e, invalid(ErrStatus, "statusMessage has %d entries, statusSize %d needs %d", len(arr), e.Size, 1<<e.Size)
			}
		} else if e.Size > 1 {
			return e, invalid(ErrStatus, "statusMessage required when statusSize > 1")
		}
	}
	return e, nil
}

func parseIndex(s string) (uint64, error) {
	if s == "" || len(s) > 20 {
		return 0, errors.New("not a non-negative integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a non-negative integer")
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

func intValue(v any) (int, error) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 32)
		return int(i), err
	case float64:
		if n != float64(int(n)) {
			return 0, errors.New("not an integer")
		}
		return int(n), nil
	case int:
		return n, nil
	}
	return 0, errors.New("not a number")
}
