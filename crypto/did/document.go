package did

import (
	"bytes"
	gocrypto "crypto"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/internal/jsonx"
)

// Relationship is a verification relationship (DID Core v1.0 §5.3); its
// value is also the Data Integrity proofPurpose that requires it.
type Relationship string

// Verification relationships.
const (
	Authentication       Relationship = "authentication"
	AssertionMethod      Relationship = "assertionMethod"
	KeyAgreement         Relationship = "keyAgreement"
	CapabilityInvocation Relationship = "capabilityInvocation"
	CapabilityDelegation Relationship = "capabilityDelegation"
)

// Relationships lists the relationships in document order.
var relationships = [...]Relationship{Authentication, AssertionMethod, KeyAgreement, CapabilityInvocation, CapabilityDelegation}

// ParseRelationship maps a proof purpose or relationship name to a
// Relationship; unknown names return ErrUnknownRelationship.
func ParseRelationship(s string) (Relationship, error) {
	for _, r := range relationships {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: %.64q", ErrUnknownRelationship, s)
}

// Verification method types and JSON-LD contexts used by the documents this
// package builds.
const (
	TypeMultikey                   = "Multikey"
	TypeJsonWebKey                 = "JsonWebKey"
	TypeJsonWebKey2020             = "JsonWebKey2020"
	TypeEd25519VerificationKey2020 = "Ed25519VerificationKey2020"
	TypeEd25519VerificationKey2018 = "Ed25519VerificationKey2018"
	TypeX25519KeyAgreementKey2020  = "X25519KeyAgreementKey2020"

	ContextDIDv1                      = "https://www.w3.org/ns/did/v1"
	ContextMultikey                   = "https://w3id.org/security/multikey/v1"
	ContextJsonWebKey                 = "https://w3id.org/security/jwk/v1"
	ContextJWS2020                    = "https://w3id.org/security/suites/jws-2020/v1"
	ContextEd25519VerificationKey2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
	ContextX25519KeyAgreementKey2020  = "https://w3id.org/security/suites/x25519-2020/v1"
)

// MaxDocumentSize and MaxDocumentDepth bound DID documents parsed from
// untrusted input (did:web).
const (
	MaxDocumentSize  = 256 << 10
	MaxDocumentDepth = 16
	// MaxVerificationMethods bounds the methods of one document (listed
	// and embedded together), so that key parsing work stays bounded.
	MaxVerificationMethods = 256
)

// Document is a DID document (DID Core v1.0 §5). Members this type does not
// model are kept in Extra so that a round trip loses nothing.
//
// Documents returned by resolvers (and shared by CachingResolver) must be
// treated as read-only; use Clone before changing one.
type Document struct {
	Context            any                  `json:"@context,omitempty"`
	ID                 string               `json:"id"`
	Controller         []string             `json:"-"`
	AlsoKnownAs        []string             `json:"alsoKnownAs,omitempty"`
	VerificationMethod []VerificationMethod `json:"verificationMethod,omitempty"`
	// Relationship lists: each entry is a reference (relative or absolute
	// DID URL) or an embedded verification method.
	Authentication       []MethodRef `json:"authentication,omitempty"`
	AssertionMethod      []MethodRef `json:"assertionMethod,omitempty"`
	KeyAgreement         []MethodRef `json:"keyAgreement,omitempty"`
	CapabilityInvocation []MethodRef `json:"capabilityInvocation,omitempty"`
	CapabilityDelegation []MethodRef `json:"capabilityDelegation,omitempty"`
	Service              []Service   `json:"service,omitempty"`
	// Extra holds every other member.
	Extra map[string]json.RawMessage `json:"-"`
}

// VerificationMethod is a verification method (DID Core v1.0 §5.2).
type VerificationMethod struct {
	ID                 string         `json:"id"`
	Type               string         `json:"type"`
	Controller         string         `json:"controller"`
	PublicKeyJwk       map[string]any `json:"publicKeyJwk,omitempty"`
	PublicKeyMultibase string         `json:"publicKeyMultibase,omitempty"`
	// PublicKeyBase58 is the legacy Ed25519VerificationKey2018 form.
	PublicKeyBase58 string `json:"publicKeyBase58,omitempty"`
	// Extra holds every other member.
	Extra map[string]json.RawMessage `json:"-"`

	// key is the parsed key, set when the document is built or checked.
	key gocrypto.PublicKey
}

// MethodRef is an entry of a verification relationship: either a reference
// to a verification method (ID) or an embedded one (Embedded).
type MethodRef struct {
	ID       string
	Embedded *VerificationMethod
}

// Service is a service endpoint (DID Core v1.0 §5.4). Endpoint is a string,
// a map or a list, kept as raw JSON.
type Service struct {
	ID       string                     `json:"id"`
	Type     any                        `json:"type"`
	Endpoint json.RawMessage            `json:"serviceEndpoint"`
	Extra    map[string]json.RawMessage `json:"-"`
}

// Relationship returns the entries of relationship r.
func (d *Document) Relationship(r Relationship) []MethodRef {
	switch r {
	case Authentication:
		return d.Authentication
	case AssertionMethod:
		return d.AssertionMethod
	case KeyAgreement:
		return d.KeyAgreement
	case CapabilityInvocation:
		return d.CapabilityInvocation
	case CapabilityDelegation:
		return d.CapabilityDelegation
	}
	return nil
}

func (d *Document) setRelationship(r Relationship, refs []MethodRef) {
	switch r {
	case Authentication:
		d.Authentication = refs
	case AssertionMethod:
		d.AssertionMethod = refs
	case KeyAgreement:
		d.KeyAgreement = refs
	case CapabilityInvocation:
		d.CapabilityInvocation = refs
	case CapabilityDelegation:
		d.CapabilityDelegation = refs
	}
}

// ResolveReference turns a DID URL found in the document or passed by a
// caller into an absolute DID URL: "#frag" is resolved against the
// document id; absolute DID URLs are returned unchanged. Other relative
// forms (paths, queries) are rejected.
func (d *Document) ResolveReference(ref string) (string, error) {
	if strings.HasPrefix(ref, "#") {
		if err := checkURLPart(ref[1:], true); err != nil {
			return "", fmt.Errorf("%w: fragment: %v", ErrInvalidDIDURL, err)
		}
		return d.ID + ref, nil
	}
	u, err := ParseURL(ref)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// VerificationMethodByID finds the verification method named by ref (an
// absolute DID URL or a "#fragment" relative to the document), in
// verificationMethod or embedded in a relationship. The method's own id
// must be a fragment of this document's DID: a document cannot vouch for
// another DID's keys (ErrVerificationMethodNotFound).
func (d *Document) VerificationMethodByID(ref string) (*VerificationMethod, error) {
	abs, err := d.ResolveReference(ref)
	if err != nil {
		return nil, err
	}
	if !d.owns(abs) {
		return nil, fmt.Errorf("%w: %.128q is not a fragment of %.128q", ErrVerificationMethodNotFound, abs, d.ID)
	}
	match := func(vm *VerificationMethod) bool {
		id, err := d.ResolveReference(vm.ID)
		return err == nil && id == abs
	}
	for i := range d.VerificationMethod {
		if match(&d.VerificationMethod[i]) {
			return &d.VerificationMethod[i], nil
		}
	}
	for _, r := range relationships {
		for _, e := range d.Relationship(r) {
			if e.Embedded != nil && match(e.Embedded) {
				return e.Embedded, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: %.128q", ErrVerificationMethodNotFound, abs)
}

// owns reports whether abs is "<document id>#fragment".
func (d *Document) owns(abs string) bool {
	return d.ID != "" && len(abs) > len(d.ID)+1 && strings.HasPrefix(abs, d.ID) && abs[len(d.ID)] == '#'
}

// Authorized reports whether the verification method ref is listed (by
// reference or embedded) in relationship r.
func (d *Document) Authorized(ref string, r Relationship) bool {
	abs, err := d.ResolveReference(ref)
	if err != nil {
		return false
	}
	for _, e := range d.Relationship(r) {
		id := e.ID
		if e.Embedded != nil {
			id = e.Embedded.ID
		}
		if got, err := d.ResolveReference(id); err == nil && got == abs {
			return true
		}
	}
	return false
}

// MethodFor returns the verification method ref after checking that it
// belongs to the document and is authorized for relationship r
// (ErrVerificationMethodNotFound, ErrNotAuthorized).
func (d *Document) MethodFor(ref string, r Relationship) (*VerificationMethod, error) {
	if _, err := ParseRelationship(string(r)); err != nil {
		return nil, err
	}
	vm, err := d.VerificationMethodByID(ref)
	if err != nil {
		return nil, err
	}
	if !d.Authorized(ref, r) {
		return nil, fmt.Errorf("%w: %.128q for %s", ErrNotAuthorized, ref, r)
	}
	return vm, nil
}

// PublicKey returns the verification method's public key:
// ed25519.PublicKey, *ecdsa.PublicKey, *rsa.PublicKey or *ecdh.PublicKey
// (X25519). It reads publicKeyJwk (private members rejected),
// publicKeyMultibase (Multikey, Ed25519VerificationKey2020,
// X25519KeyAgreementKey2020) or publicKeyBase58
// (Ed25519VerificationKey2018); exactly one must be present.
func (vm *VerificationMethod) PublicKey() (gocrypto.PublicKey, error) {
	if vm.key != nil {
		return vm.key, nil
	}
	return vm.parseKey()
}

func (vm *VerificationMethod) parseKey() (gocrypto.PublicKey, error) {
	n := 0
	if vm.PublicKeyJwk != nil {
		n++
	}
	if vm.PublicKeyMultibase != "" {
		n++
	}
	if vm.PublicKeyBase58 != "" {
		n++
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: verification method %.128q must carry exactly one key representation", ErrInvalidPublicKey, vm.ID)
	}
	switch {
	case vm.PublicKeyJwk != nil:
		return PublicKeyFromJWK(vm.PublicKeyJwk)
	case vm.PublicKeyMultibase != "":
		codec, pub, err := DecodeMultikey(vm.PublicKeyMultibase)
		if err != nil {
			return nil, err
		}
		switch vm.Type {
		case TypeEd25519VerificationKey2020:
			if codec != CodecEd25519 {
				return nil, fmt.Errorf("%w: %s with multicodec 0x%x", ErrInvalidPublicKey, vm.Type, codec)
			}
		case TypeX25519KeyAgreementKey2020:
			if codec != CodecX25519 {
				return nil, fmt.Errorf("%w: %s with multicodec 0x%x", ErrInvalidPublicKey, vm.Type, codec)
			}
		}
		return pub, nil
	default:
		if vm.Type != TypeEd25519VerificationKey2018 {
			return nil, fmt.Errorf("%w: publicKeyBase58 with type %.64q", ErrUnsupportedPublicKeyType, vm.Type)
		}
		raw, err := base58Decode(vm.PublicKeyBase58)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
		}
		return parseRawKey(CodecEd25519, raw)
	}
}

// JWK returns the public key as a JWK object (publicKeyJwk as published,
// or the JWK encoding of a multibase key).
func (vm *VerificationMethod) JWK() (map[string]any, error) {
	if vm.PublicKeyJwk != nil {
		if _, err := vm.PublicKey(); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(vm.PublicKeyJwk))
		for k, v := range vm.PublicKeyJwk {
			out[k] = v
		}
		return out, nil
	}
	pub, err := vm.PublicKey()
	if err != nil {
		return nil, err
	}
	return PublicJWK(pub)
}

// PublicKeyFromJWK decodes a public JWK. It accepts what crypto.PublicKeyFromJWK
// accepts (EC P-256/P-384/P-521, OKP Ed25519, RSA ≥ 2048) and OKP X25519
// (returned as *ecdh.PublicKey); private members are rejected with
// ErrPrivateKeyMaterial.
func PublicKeyFromJWK(m map[string]any) (gocrypto.PublicKey, error) {
	for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		if _, ok := m[p]; ok {
			return nil, fmt.Errorf("%w: member %q", ErrPrivateKeyMaterial, p)
		}
	}
	if m["kty"] == "OKP" && m["crv"] == "X25519" {
		x, _ := m["x"].(string)
		raw, err := b64url.DecodeStringStrict(x)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("%w: X25519 x", ErrInvalidPublicKey)
		}
		k, err := ecdh.X25519().NewPublicKey(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPublicKey, err)
		}
		return k, nil
	}
	pub, err := crypto.PublicKeyFromJWK(m)
	if err != nil {
		if isUnsupported(err) {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedPublicKeyType, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidPublicKey, err)
	}
	return pub, nil
}

func isUnsupported(err error) bool { return errors.Is(err, crypto.ErrUnsupportedKeyType) }

// PublicJWK encodes a public key as a JWK (crypto.PublicJWK plus X25519).
func PublicJWK(pub gocrypto.PublicKey) (map[string]any, error) {
	if k, ok := pub.(*ecdh.PublicKey); ok {
		if k.Curve() != ecdh.X25519() {
			return nil, fmt.Errorf("%w: ECDH key", ErrUnsupportedPublicKeyType)
		}
		return map[string]any{"kty": "OKP", "crv": "X25519", "x": base64.RawURLEncoding.EncodeToString(k.Bytes())}, nil
	}
	m, err := crypto.PublicJWK(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupportedPublicKeyType, err)
	}
	return m, nil
}

// Clone returns a deep copy of the document.
func (d *Document) Clone() *Document {
	b, err := json.Marshal(d)
	if err != nil {
		return nil
	}
	var c Document
	if err := json.Unmarshal(b, &c); err != nil {
		return nil
	}
	return &c
}

// ParseDocument decodes a DID document from untrusted JSON: at most
// MaxDocumentSize bytes and MaxDocumentDepth levels, no duplicate members,
// well-formed id, verification method ids that are DID URLs of this
// document, and parseable keys for the key representations it knows.
// Methods with unknown key representations are kept but PublicKey fails for
// them.
func ParseDocument(data []byte) (*Document, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxDocumentSize, MaxDepth: MaxDocumentDepth}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	var d Document
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return &d, nil
}

// check validates the structure and parses the keys once.
func (d *Document) check() error {
	if _, err := Parse(d.ID); err != nil {
		return fmt.Errorf("%w: id: %w", ErrInvalidDocument, err)
	}
	seen := map[string]bool{}
	checkVM := func(vm *VerificationMethod) error {
		if len(seen) >= MaxVerificationMethods {
			return fmt.Errorf("%w: more than %d verification methods", ErrInvalidDocument, MaxVerificationMethods)
		}
		abs, err := d.ResolveReference(vm.ID)
		if err != nil {
			return fmt.Errorf("%w: verification method id: %w", ErrInvalidDocument, err)
		}
		if vm.Type == "" {
			return fmt.Errorf("%w: verification method %.128q has no type", ErrInvalidDocument, abs)
		}
		if vm.Controller != "" {
			if _, err := Parse(vm.Controller); err != nil {
				return fmt.Errorf("%w: controller of %.128q: %w", ErrInvalidDocument, abs, err)
			}
		}
		if seen[abs] {
			return fmt.Errorf("%w: duplicate verification method %.128q", ErrInvalidDocument, abs)
		}
		seen[abs] = true
		if k, err := vm.parseKey(); err == nil {
			vm.key = k
		}
		return nil
	}
	for i := range d.VerificationMethod {
		if err := checkVM(&d.VerificationMethod[i]); err != nil {
			return err
		}
	}
	for _, r := range relationships {
		for _, e := range d.Relationship(r) {
			if e.Embedded != nil {
				if err := checkVM(e.Embedded); err != nil {
					return err
				}
			} else if _, err := d.ResolveReference(e.ID); err != nil {
				return fmt.Errorf("%w: %s entry: %w", ErrInvalidDocument, r, err)
			}
		}
	}
	for _, c := range d.Controller {
		if _, err := Parse(c); err != nil {
			return fmt.Errorf("%w: controller: %w", ErrInvalidDocument, err)
		}
	}
	return nil
}

// --- JSON ---

var documentMembers = map[string]bool{
	"@context": true, "id": true, "controller": true, "alsoKnownAs": true, "verificationMethod": true,
	"authentication": true, "assertionMethod": true, "keyAgreement": true, "capabilityInvocation": true,
	"capabilityDelegation": true, "service": true,
}

// MarshalJSON writes the document with Extra members merged in.
func (d Document) MarshalJSON() ([]byte, error) {
	type plain Document
	extra := make(map[string]json.RawMessage, len(d.Extra)+1)
	for k, v := range d.Extra {
		if !documentMembers[k] {
			extra[k] = v
		}
	}
	if len(d.Controller) > 0 {
		var c any = d.Controller
		if len(d.Controller) == 1 {
			c = d.Controller[0]
		}
		cb, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		extra["controller"] = cb
	}
	return jsonx.MarshalExtra(plain(d), extra, nil)
}

// UnmarshalJSON reads a document, keeping unknown members in Extra.
func (d *Document) UnmarshalJSON(b []byte) error {
	type plain Document
	var p plain
	known := make(map[string]bool, len(documentMembers))
	for k := range documentMembers {
		known[k] = k != "controller" // read below: a string or a set
	}
	extra, err := jsonx.UnmarshalExtra(b, &p, known)
	if err != nil {
		return err
	}
	if c, ok := extra["controller"]; ok {
		set, err := stringOrSet(c)
		if err != nil {
			return fmt.Errorf("controller: %w", err)
		}
		p.Controller = set
		delete(extra, "controller")
	}
	if len(extra) > 0 {
		p.Extra = extra
	}
	*d = Document(p)
	return nil
}

var vmMembers = map[string]bool{
	"id": true, "type": true, "controller": true, "publicKeyJwk": true, "publicKeyMultibase": true, "publicKeyBase58": true,
}

// MarshalJSON writes the method with Extra members merged in.
func (vm VerificationMethod) MarshalJSON() ([]byte, error) {
	type plain VerificationMethod
	return jsonx.MarshalExtra(plain(vm), vm.Extra, vmMembers)
}

// UnmarshalJSON reads a method, keeping unknown members in Extra.
func (vm *VerificationMethod) UnmarshalJSON(b []byte) error {
	type plain VerificationMethod
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, vmMembers)
	if err != nil {
		return err
	}
	p.Extra = extra
	*vm = VerificationMethod(p)
	return nil
}

var serviceMembers = map[string]bool{"id": true, "type": true, "serviceEndpoint": true}

// MarshalJSON writes the service with Extra members merged in.
func (s Service) MarshalJSON() ([]byte, error) {
	type plain Service
	return jsonx.MarshalExtra(plain(s), s.Extra, serviceMembers)
}

// UnmarshalJSON reads a service, keeping unknown members in Extra.
func (s *Service) UnmarshalJSON(b []byte) error {
	type plain Service
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, serviceMembers)
	if err != nil {
		return err
	}
	p.Extra = extra
	*s = Service(p)
	return nil
}

// MarshalJSON writes a reference as a string and an embedded method as an
// object.
func (r MethodRef) MarshalJSON() ([]byte, error) {
	if r.Embedded != nil {
		return json.Marshal(r.Embedded)
	}
	return json.Marshal(r.ID)
}

// UnmarshalJSON reads a string reference or an embedded method.
func (r *MethodRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*r = MethodRef{}
		return json.Unmarshal(b, &r.ID)
	}
	if len(b) > 0 && b[0] == '{' {
		var vm VerificationMethod
		if err := json.Unmarshal(b, &vm); err != nil {
			return err
		}
		*r = MethodRef{Embedded: &vm}
		return nil
	}
	return fmt.Errorf("verification relationship entry must be a string or an object")
}

func stringOrSet(b json.RawMessage) ([]string, error) {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return []string{s}, nil
	}
	var set []string
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("must be a string or a list of strings")
	}
	return set, nil
}
