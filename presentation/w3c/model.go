package w3c

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Base contexts (VCDM 1.1 §4.1, VCDM 2.0 §4.3).
const (
	ContextV1 = "https://www.w3.org/2018/credentials/v1"
	ContextV2 = "https://www.w3.org/ns/credentials/v2"
)

// Types the data model requires.
const (
	TypeVerifiableCredential   = "VerifiableCredential"
	TypeVerifiablePresentation = "VerifiablePresentation"
)

// Version is a data model version.
type Version int

// Data model versions, detected from the first @context value.
const (
	VersionUnknown Version = iota
	V1                     // VCDM 1.1
	V2                     // VCDM 2.0
)

func (v Version) String() string {
	switch v {
	case V1:
		return "VCDM 1.1"
	case V2:
		return "VCDM 2.0"
	}
	return "unknown"
}

// Limits bound a document before it is decoded.
type Limits struct {
	MaxBytes int // default 1 MiB
	MaxDepth int // default 32
}

// Default limits, used for zero Limits fields.
const (
	DefaultMaxBytes = 1 << 20
	DefaultMaxDepth = 32
)

func (l Limits) jsonx() jsonx.Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return jsonx.Limits{MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth}
}

// OneOrMany is a member that JSON-LD lets be a single value or an array.
// Array records the form it was read in (and is written in); a value built
// in code with one item and Array false is written as the bare item.
type OneOrMany[T any] struct {
	Items []T
	Array bool
}

// One returns a single-valued OneOrMany.
func One[T any](v T) OneOrMany[T] { return OneOrMany[T]{Items: []T{v}} }

// Many returns an array-valued OneOrMany.
func Many[T any](v ...T) OneOrMany[T] { return OneOrMany[T]{Items: v, Array: true} }

// Len returns the number of items.
func (o OneOrMany[T]) Len() int { return len(o.Items) }

func (o OneOrMany[T]) value() any {
	if !o.Array && len(o.Items) == 1 {
		return o.Items[0]
	}
	out := make([]T, len(o.Items))
	copy(out, o.Items)
	return out
}

// Issuer is the issuer (or holder) member: a URL or an object with an id.
type Issuer struct {
	ID string
	// Object is true when the member is (or is to be written as) an
	// object; Extra then holds its other members (name, description, …).
	Object bool
	Extra  map[string]any
}

func (i Issuer) value() any {
	if !i.Object && len(i.Extra) == 0 {
		return i.ID
	}
	m := maps.Clone(i.Extra)
	if m == nil {
		m = map[string]any{}
	}
	if i.ID != "" {
		m["id"] = i.ID
	}
	return m
}

// Object is a typed object: credentialStatus, credentialSchema,
// refreshService, termsOfUse, evidence. Extra holds every other member.
type Object struct {
	ID    string
	Type  OneOrMany[string]
	Extra map[string]any
}

// HasType reports whether t is one of the object's types.
func (o Object) HasType(t string) bool {
	for _, x := range o.Type.Items {
		if x == t {
			return true
		}
	}
	return false
}

func (o Object) value() map[string]any {
	m := maps.Clone(o.Extra)
	if m == nil {
		m = map[string]any{}
	}
	if o.ID != "" {
		m["id"] = o.ID
	}
	if len(o.Type.Items) > 0 {
		m["type"] = o.Type.value()
	}
	return m
}

// Credential is a verifiable credential document (VCDM 1.1 §4, VCDM 2.0 §4).
type Credential struct {
	Context OneOrMany[any] // strings and context objects
	ID      string
	Type    OneOrMany[string]
	Issuer  *Issuer
	// VCDM 2.0 validity period (§4.9).
	ValidFrom  string
	ValidUntil string
	// VCDM 1.1 dates (§4.6, §4.7).
	IssuanceDate   string
	ExpirationDate string
	// CredentialSubject holds the subject objects.
	CredentialSubject OneOrMany[map[string]any]
	CredentialStatus  OneOrMany[Object]
	CredentialSchema  OneOrMany[Object]
	RefreshService    OneOrMany[Object]
	TermsOfUse        OneOrMany[Object]
	Evidence          OneOrMany[Object]
	// Name and Description are strings or language value objects (VCDM 2.0
	// §4.5, §11.1).
	Name        any
	Description any
	// Proof is the embedded proof (one object or an array), undecoded.
	Proof any
	// Extra holds every member not modelled above (and "issuer": null,
	// which is kept as read and fails validation).
	Extra map[string]any
}

// Presentation is a verifiable presentation document (VCDM 1.1 §4.10,
// VCDM 2.0 §4.13).
type Presentation struct {
	Context OneOrMany[any]
	ID      string
	Type    OneOrMany[string]
	Holder  *Issuer
	// VerifiableCredential holds each credential: a JSON object (embedded
	// credential) or a string (a JWT credential, as jwt_vp_json carries).
	VerifiableCredential OneOrMany[any]
	TermsOfUse           OneOrMany[Object]
	Proof                any
	Extra                map[string]any
}

// Version returns the data model version named by the first @context.
func (c *Credential) Version() Version { return versionOf(c.Context) }

// Version returns the data model version named by the first @context.
func (p *Presentation) Version() Version { return versionOf(p.Context) }

func versionOf(ctx OneOrMany[any]) Version {
	if len(ctx.Items) == 0 {
		return VersionUnknown
	}
	switch ctx.Items[0] {
	case ContextV1:
		return V1
	case ContextV2:
		return V2
	}
	return VersionUnknown
}

// IssuerID returns the issuer URL ("" without an issuer).
func (c *Credential) IssuerID() string {
	if c.Issuer == nil {
		return ""
	}
	return c.Issuer.ID
}

// SubjectID returns the id of the only credential subject, or "" when there
// is none or more than one subject.
func (c *Credential) SubjectID() string {
	if len(c.CredentialSubject.Items) != 1 {
		return ""
	}
	s, _ := c.CredentialSubject.Items[0]["id"].(string)
	return s
}

// HasType reports whether t is one of the credential's types.
func (c *Credential) HasType(t string) bool {
	for _, x := range c.Type.Items {
		if x == t {
			return true
		}
	}
	return false
}

// decodeJSON validates data with the limits (duplicate members, depth,
// size) and decodes it with json.Number for numbers so that re-encoding is
// exact.
func decodeJSON(data []byte, lim Limits) (map[string]any, error) {
	if err := jsonx.Validate(data, lim.jsonx()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	return m, nil
}

// ParseCredential decodes a credential document. It checks JSON well-
// formedness and member types, not the data model rules: call Validate.
func ParseCredential(data []byte, lim Limits) (*Credential, error) {
	m, err := decodeJSON(data, lim)
	if err != nil {
		return nil, err
	}
	return CredentialFromMap(m)
}

// ParsePresentation decodes a presentation document (see ParseCredential).
func ParsePresentation(data []byte, lim Limits) (*Presentation, error) {
	m, err := decodeJSON(data, lim)
	if err != nil {
		return nil, err
	}
	return PresentationFromMap(m)
}

// UnmarshalJSON decodes a credential with the default limits.
func (c *Credential) UnmarshalJSON(b []byte) error {
	x, err := ParseCredential(b, Limits{})
	if err != nil {
		return err
	}
	*c = *x
	return nil
}

// UnmarshalJSON decodes a presentation with the default limits.
func (p *Presentation) UnmarshalJSON(b []byte) error {
	x, err := ParsePresentation(b, Limits{})
	if err != nil {
		return err
	}
	*p = *x
	return nil
}

// MarshalJSON encodes the credential with every member it was read with.
func (c Credential) MarshalJSON() ([]byte, error) { return json.Marshal(c.Map()) }

// MarshalJSON encodes the presentation with every member it was read with.
func (p Presentation) MarshalJSON() ([]byte, error) { return json.Marshal(p.Map()) }

type reader struct {
	m    map[string]any
	used map[string]bool
	err  error
}

// memberErrors gives the specific error of a member of the wrong JSON type.
var memberErrors = map[string]error{
	"id": ErrID, "type": ErrType, "issuer": ErrIssuer, "holder": ErrHolder,
	"credentialSubject": ErrSubject, "credentialStatus": ErrStatus, "credentialSchema": ErrSchema,
	"refreshService": ErrMissingType, "termsOfUse": ErrMissingType, "evidence": ErrMissingType,
	"validFrom": ErrValidity, "validUntil": ErrValidity, "issuanceDate": ErrValidity, "expirationDate": ErrValidity,
}

func (r *reader) fail(member, format string, a ...any) {
	if r.err != nil {
		return
	}
	kind, ok := memberErrors[member]
	if !ok {
		kind = ErrMalformed
	}
	r.err = fmt.Errorf("%w: %w: %w: %s: %s", ErrInvalid, ErrMalformed, kind, member, fmt.Sprintf(format, a...))
}

func (r *reader) take(k string) (any, bool) {
	v, ok := r.m[k]
	if ok {
		r.used[k] = true
	}
	return v, ok
}

func (r *reader) str(k string) string {
	v, ok := r.take(k)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(k, "must be a single string")
	}
	return s
}

func (r *reader) strings(k string) OneOrMany[string] {
	v, ok := r.take(k)
	if !ok {
		return OneOrMany[string]{}
	}
	switch t := v.(type) {
	case string:
		return One(t)
	case []any:
		out := OneOrMany[string]{Items: make([]string, 0, len(t)), Array: true}
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				r.fail(k, "must hold strings")
				return out
			}
			out.Items = append(out.Items, s)
		}
		return out
	}
	r.fail(k, "must be a string or an array of strings")
	return OneOrMany[string]{}
}

func (r *reader) anys(k string) OneOrMany[any] {
	v, ok := r.take(k)
	if !ok {
		return OneOrMany[any]{}
	}
	if a, ok := v.([]any); ok {
		return OneOrMany[any]{Items: a, Array: true}
	}
	return One(v)
}

func (r *reader) objects(k string) OneOrMany[map[string]any] {
	v, ok := r.take(k)
	if !ok {
		return OneOrMany[map[string]any]{}
	}
	switch t := v.(type) {
	case map[string]any:
		return One(t)
	case []any:
		out := OneOrMany[map[string]any]{Items: make([]map[string]any, 0, len(t)), Array: true}
		for _, e := range t {
			o, ok := e.(map[string]any)
			if !ok {
				r.fail(k, "must hold objects")
				return out
			}
			out.Items = append(out.Items, o)
		}
		return out
	}
	r.fail(k, "must be an object or an array of objects")
	return OneOrMany[map[string]any]{}
}

func (r *reader) typed(k string) OneOrMany[Object] {
	objs := r.objects(k)
	out := OneOrMany[Object]{Array: objs.Array, Items: make([]Object, 0, len(objs.Items))}
	for _, o := range objs.Items {
		sub := &reader{m: o, used: map[string]bool{}}
		obj := Object{ID: sub.str("id"), Type: sub.strings("type")}
		obj.Extra = sub.rest()
		if sub.err != nil && r.err == nil {
			r.err = fmt.Errorf("%s: %w", k, sub.err)
		}
		out.Items = append(out.Items, obj)
	}
	return out
}

func (r *reader) issuer(k string) (*Issuer, bool) {
	v, ok := r.take(k)
	if !ok {
		return nil, false
	}
	switch t := v.(type) {
	case nil:
		return nil, true
	case string:
		return &Issuer{ID: t}, true
	case map[string]any:
		sub := &reader{m: t, used: map[string]bool{}}
		is := &Issuer{ID: sub.str("id"), Object: true}
		is.Extra = sub.rest()
		if sub.err != nil && r.err == nil {
			r.err = fmt.Errorf("%s: %w", k, sub.err)
		}
		return is, true
	}
	r.fail(k, "must be a URL or an object")
	return nil, true
}

func (r *reader) rest() map[string]any {
	var out map[string]any
	for k, v := range r.m {
		if r.used[k] {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(r.m)-len(r.used))
		}
		out[k] = v
	}
	return out
}

// CredentialFromMap builds a Credential from a decoded JSON object. The map
// is not copied: Extra and the subjects share its values.
func CredentialFromMap(m map[string]any) (*Credential, error) {
	r := &reader{m: m, used: map[string]bool{}}
	c := &Credential{}
	c.Context = r.anys("@context")
	c.ID = r.str("id")
	c.Type = r.strings("type")
	c.Issuer, _ = r.issuer("issuer")
	c.ValidFrom = r.str("validFrom")
	c.ValidUntil = r.str("validUntil")
	c.IssuanceDate = r.str("issuanceDate")
	c.ExpirationDate = r.str("expirationDate")
	c.CredentialSubject = r.objects("credentialSubject")
	c.CredentialStatus = r.typed("credentialStatus")
	c.CredentialSchema = r.typed("credentialSchema")
	c.RefreshService = r.typed("refreshService")
	c.TermsOfUse = r.typed("termsOfUse")
	c.Evidence = r.typed("evidence")
	c.Name, _ = r.take("name")
	c.Description, _ = r.take("description")
	c.Proof, _ = r.take("proof")
	c.Extra = r.rest()
	if v, ok := m["issuer"]; ok && v == nil {
		if c.Extra == nil {
			c.Extra = map[string]any{}
		}
		c.Extra["issuer"] = nil
	}
	if r.err != nil {
		return nil, r.err
	}
	return c, nil
}

// PresentationFromMap builds a Presentation from a decoded JSON object.
func PresentationFromMap(m map[string]any) (*Presentation, error) {
	r := &reader{m: m, used: map[string]bool{}}
	p := &Presentation{}
	p.Context = r.anys("@context")
	p.ID = r.str("id")
	p.Type = r.strings("type")
	p.Holder, _ = r.issuer("holder")
	p.VerifiableCredential = r.anys("verifiableCredential")
	p.TermsOfUse = r.typed("termsOfUse")
	p.Proof, _ = r.take("proof")
	p.Extra = r.rest()
	if r.err != nil {
		return nil, r.err
	}
	return p, nil
}

// Map returns the credential as a JSON object (members in Extra included).
func (c *Credential) Map() map[string]any {
	m := maps.Clone(c.Extra)
	if m == nil {
		m = map[string]any{}
	}
	if len(c.Context.Items) > 0 {
		m["@context"] = c.Context.value()
	}
	setStr(m, "id", c.ID)
	if len(c.Type.Items) > 0 {
		m["type"] = c.Type.value()
	}
	if c.Issuer != nil {
		m["issuer"] = c.Issuer.value()
	}
	setStr(m, "validFrom", c.ValidFrom)
	setStr(m, "validUntil", c.ValidUntil)
	setStr(m, "issuanceDate", c.IssuanceDate)
	setStr(m, "expirationDate", c.ExpirationDate)
	if len(c.CredentialSubject.Items) > 0 || c.CredentialSubject.Array {
		m["credentialSubject"] = c.CredentialSubject.value()
	}
	setObjects(m, "credentialStatus", c.CredentialStatus)
	setObjects(m, "credentialSchema", c.CredentialSchema)
	setObjects(m, "refreshService", c.RefreshService)
	setObjects(m, "termsOfUse", c.TermsOfUse)
	setObjects(m, "evidence", c.Evidence)
	setAny(m, "name", c.Name)
	setAny(m, "description", c.Description)
	setAny(m, "proof", c.Proof)
	return m
}

// Map returns the presentation as a JSON object.
func (p *Presentation) Map() map[string]any {
	m := maps.Clone(p.Extra)
	if m == nil {
		m = map[string]any{}
	}
	if len(p.Context.Items) > 0 {
		m["@context"] = p.Context.value()
	}
	setStr(m, "id", p.ID)
	if len(p.Type.Items) > 0 {
		m["type"] = p.Type.value()
	}
	if p.Holder != nil {
		m["holder"] = p.Holder.value()
	}
	if len(p.VerifiableCredential.Items) > 0 || p.VerifiableCredential.Array {
		m["verifiableCredential"] = p.VerifiableCredential.value()
	}
	setObjects(m, "termsOfUse", p.TermsOfUse)
	setAny(m, "proof", p.Proof)
	return m
}

func setStr(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func setAny(m map[string]any, k string, v any) {
	if v != nil {
		m[k] = v
	}
}

func setObjects(m map[string]any, k string, o OneOrMany[Object]) {
	if len(o.Items) == 0 && !o.Array {
		return
	}
	objs := make([]map[string]any, len(o.Items))
	for i, x := range o.Items {
		objs[i] = x.value()
	}
	if !o.Array && len(objs) == 1 {
		m[k] = objs[0]
		return
	}
	arr := make([]any, len(objs))
	for i, x := range objs {
		arr[i] = x
	}
	m[k] = arr
}

// IsURL reports whether s is an absolute URL (RFC 3986 §3: a scheme
// followed by ':' and a non-empty remainder, with no whitespace or control
// characters). DIDs and URNs are URLs in this sense; "//host/x" and
// "https ://x" are not.
func IsURL(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if j == 0 && !alpha {
			return false
		}
		if !alpha && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	for _, r := range s {
		if r <= 0x20 || r == 0x7f || r == '<' || r == '>' || r == '"' || r == '{' || r == '}' ||
			r == '|' || r == '\\' || r == '^' || r == '`' || (r >= 0x80 && r <= 0x9f) ||
			r == 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || (r >= 0x2000 && r <= 0x200b) || r == 0x3000 {
			return false
		}
	}
	return true
}
