package did

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdh"
	"fmt"

	"github.com/ocmw/wstack/crypto/jose"
)

// Dereference resolves the DID of an absolute DID URL and returns the
// document and the verification method its fragment names (DID Resolution
// §"Dereferencing the fragment"). Relative DID URLs are rejected
// (ErrRelativeDIDURL), as are DID URLs with a path or query, or without a
// fragment (ErrInvalidDIDURL). The method must be a fragment of the
// resolved document's own DID.
func Dereference(ctx context.Context, r Resolver, didURL string) (*Document, *VerificationMethod, error) {
	u, err := ParseURL(didURL)
	if err != nil {
		return nil, nil, err
	}
	if u.Path != "" || u.HasQuery {
		return nil, nil, fmt.Errorf("%w: only fragment DID URLs are dereferenced", ErrInvalidDIDURL)
	}
	if !u.HasFragment || u.Fragment == "" {
		return nil, nil, fmt.Errorf("%w: DID URL has no fragment naming a verification method", ErrInvalidDIDURL)
	}
	doc, err := r.Resolve(ctx, u.DID.String())
	if err != nil {
		return nil, nil, err
	}
	if doc.ID != u.DID.String() {
		return nil, nil, fmt.Errorf("%w: resolver returned document %.128q for %.128q", ErrInvalidDocument, doc.ID, u.DID.String())
	}
	vm, err := doc.VerificationMethodByID(u.String())
	if err != nil {
		return nil, nil, err
	}
	return doc, vm, nil
}

// KeyResolverOptions configure a KeyResolver.
type KeyResolverOptions struct {
	// Relationship a JWS kid must be authorized for (default
	// AssertionMethod, what credential issuers sign with).
	Relationship Relationship
	// Methods, when set, restricts the DID methods accepted (e.g. "web",
	// "jwk"); other DIDs fail with ErrMethodNotSupported before resolution.
	Methods []string
}

// KeyResolver turns DID URLs into verification keys, checking that the
// method belongs to the DID's document and is authorized for the
// verification relationship. It serves crypto/dataintegrity
// (ResolveVerificationMethod, where the purpose is the proof's
// proofPurpose) and crypto/jose (ResolveKey, where the JWS kid is the DID
// URL). It is safe for concurrent use; wrap the resolver in a
// CachingResolver for remote methods.
type KeyResolver struct {
	r       Resolver
	rel     Relationship
	methods map[string]bool
}

// NewKeyResolver returns a KeyResolver over r.
func NewKeyResolver(r Resolver, o KeyResolverOptions) *KeyResolver {
	k := &KeyResolver{r: r, rel: o.Relationship}
	if k.rel == "" {
		k.rel = AssertionMethod
	}
	if len(o.Methods) > 0 {
		k.methods = map[string]bool{}
		for _, m := range o.Methods {
			k.methods[m] = true
		}
	}
	return k
}

var _ jose.KeyResolver = (*KeyResolver)(nil)

// VerificationMethod dereferences vmID and checks it is authorized for r.
func (k *KeyResolver) VerificationMethod(ctx context.Context, vmID string, r Relationship) (*Document, *VerificationMethod, error) {
	if _, err := ParseRelationship(string(r)); err != nil {
		return nil, nil, err
	}
	u, err := ParseURL(vmID)
	if err != nil {
		return nil, nil, err
	}
	if k.methods != nil && !k.methods[u.DID.Method] {
		return nil, nil, fmt.Errorf("%w: %q not accepted here", ErrMethodNotSupported, u.DID.Method)
	}
	doc, vm, err := Dereference(ctx, k.r, vmID)
	if err != nil {
		return nil, nil, err
	}
	if !doc.Authorized(vmID, r) {
		return nil, nil, fmt.Errorf("%w: %.128q for %s", ErrNotAuthorized, vmID, r)
	}
	return doc, vm, nil
}

// ResolveVerificationMethod returns the public key of verification method
// vmID after checking it is authorized for purpose (a proofPurpose such as
// "assertionMethod" or "authentication").
func (k *KeyResolver) ResolveVerificationMethod(ctx context.Context, vmID, purpose string) (gocrypto.PublicKey, error) {
	r, err := ParseRelationship(purpose)
	if err != nil {
		return nil, err
	}
	_, vm, err := k.VerificationMethod(ctx, vmID, r)
	if err != nil {
		return nil, err
	}
	pub, err := vm.PublicKey()
	if err != nil {
		return nil, err
	}
	if _, isX := pub.(*ecdh.PublicKey); isX && r != KeyAgreement {
		return nil, fmt.Errorf("%w: X25519 key cannot be used for %s", ErrNotAuthorized, r)
	}
	return pub, nil
}

// ResolveKey implements jose.KeyResolver: the JWS kid must be an absolute
// DID URL whose verification method is authorized for the configured
// relationship. An embedded jwk header is never used. When the method's
// JWK names an alg, it must equal the JWS alg.
//
// It proves only that the key of kid signed the token: callers must still
// check that the DID of kid (ParseURL(kid).DID) is the one the token
// claims to come from (iss, client_id, holder), or an attacker's own DID
// could sign a token naming someone else.
func (k *KeyResolver) ResolveKey(ctx context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
	kid := j.Header.Kid
	if kid == "" {
		return nil, fmt.Errorf("%w: JWS has no kid", ErrInvalidDIDURL)
	}
	_, vm, err := k.VerificationMethod(ctx, kid, k.rel)
	if err != nil {
		return nil, err
	}
	pub, err := vm.PublicKey()
	if err != nil {
		return nil, err
	}
	if _, isX := pub.(*ecdh.PublicKey); isX {
		return nil, fmt.Errorf("%w: X25519 key cannot verify signatures", ErrNotAuthorized)
	}
	if alg, ok := vm.PublicKeyJwk["alg"].(string); ok && alg != string(j.Header.Alg) {
		return nil, fmt.Errorf("%w: verification method is for %q, JWS uses %q", jose.ErrAlgorithmNotAllowed, alg, j.Header.Alg)
	}
	return pub, nil
}
