package did

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/internal/jsonx"
)

// maxJWKSize bounds the decoded JWK of a did:jwk.
const maxJWKSize = 4 << 10

// JWKMethod resolves did:jwk identifiers (did:jwk spec.md, 2023): the
// method-specific identifier is the base64url-encoded JSON of a public JWK.
// The document has one verification method "#0" of type JsonWebKey2020
// whose publicKeyJwk is the JWK exactly as encoded (kid ignored). The JWK's
// use decides the relationships: "sig" omits keyAgreement, "enc" keeps only
// keyAgreement, absent keeps all five. X25519 keys, which cannot sign, get
// only keyAgreement. JWKs with private members are rejected.
type JWKMethod struct{}

// Method returns "jwk".
func (JWKMethod) Method() string { return "jwk" }

// Resolve expands a did:jwk into its DID document.
func (m JWKMethod) Resolve(_ context.Context, did string) (*Document, error) {
	return m.Document(did)
}

// Document builds the DID document of a did:jwk.
func (JWKMethod) Document(identifier string) (*Document, error) {
	d, err := Parse(identifier)
	if err != nil {
		return nil, err
	}
	if d.Method != "jwk" {
		return nil, fmt.Errorf("%w: method %q is not jwk", ErrInvalidDID, d.Method)
	}
	if len(d.ID) > maxJWKSize*4/3+4 {
		return nil, fmt.Errorf("%w: JWK too large", ErrInvalidDID)
	}
	raw, err := b64url.DecodeStringStrict(d.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: not canonical unpadded base64url: %v", ErrInvalidDID, err)
	}
	if err := jsonx.Validate(raw, jsonx.Limits{MaxBytes: maxJWKSize, MaxDepth: 4}); err != nil {
		return nil, fmt.Errorf("%w: JWK JSON: %w", ErrInvalidDID, err)
	}
	var jwk map[string]any
	if err := json.Unmarshal(raw, &jwk); err != nil || jwk == nil {
		return nil, fmt.Errorf("%w: JWK is not a JSON object", ErrInvalidDID)
	}
	pub, err := PublicKeyFromJWK(jwk)
	if err != nil {
		return nil, err
	}
	vm := VerificationMethod{
		ID: identifier + "#0", Type: TypeJsonWebKey2020, Controller: identifier,
		PublicKeyJwk: jwk, key: pub,
	}
	ref := []MethodRef{{ID: vm.ID}}
	doc := &Document{
		Context:            []any{ContextDIDv1, ContextJWS2020},
		ID:                 identifier,
		VerificationMethod: []VerificationMethod{vm},
	}
	use, hasUse := jwk["use"]
	if _, isX := pub.(*ecdh.PublicKey); isX {
		if hasUse && use != "enc" {
			return nil, fmt.Errorf("%w: X25519 key with use %v", ErrInvalidPublicKey, use)
		}
		use, hasUse = "enc", true
	}
	switch {
	case !hasUse:
		doc.AssertionMethod, doc.Authentication = ref, ref
		doc.CapabilityInvocation, doc.CapabilityDelegation = ref, ref
		doc.KeyAgreement = ref
	case use == "sig":
		doc.AssertionMethod, doc.Authentication = ref, ref
		doc.CapabilityInvocation, doc.CapabilityDelegation = ref, ref
	case use == "enc":
		doc.KeyAgreement = ref
	default:
		return nil, fmt.Errorf("%w: JWK use %v is neither \"sig\" nor \"enc\"", ErrInvalidPublicKey, use)
	}
	return doc, nil
}

// NewJWKDID returns the did:jwk of a public key and the DID URL of its
// verification method ("#0"). The JWK holds the key members in
// lexicographic order (JCS-style, so the same key always yields the same
// DID) and "use":"sig" for signature keys, "use":"enc" for X25519.
func NewJWKDID(pub gocrypto.PublicKey) (did, kid string, err error) {
	jwk, err := PublicJWK(pub)
	if err != nil {
		return "", "", err
	}
	if jwk["crv"] == "X25519" {
		jwk["use"] = "enc"
	} else {
		jwk["use"] = "sig"
	}
	// encoding/json writes map keys sorted; values are plain strings.
	b, err := json.Marshal(jwk)
	if err != nil {
		return "", "", err
	}
	did = "did:jwk:" + base64.RawURLEncoding.EncodeToString(b)
	return did, did + "#0", nil
}
