package did

import (
	"context"
	gocrypto "crypto"
	"crypto/ed25519"
	"fmt"
	"strconv"
	"strings"
)

// PublicKeyFormat is the did:key publicKeyFormat option: the verification
// method type used to express the key.
type PublicKeyFormat string

// Public key formats.
const (
	// FormatMultikey (default) expresses keys as publicKeyMultibase.
	FormatMultikey PublicKeyFormat = TypeMultikey
	// FormatJsonWebKey2020 expresses keys as publicKeyJwk with type
	// JsonWebKey2020 (the did:key v0.9 test vectors and did:jwk use it).
	FormatJsonWebKey2020 PublicKeyFormat = TypeJsonWebKey2020
	// FormatJsonWebKey expresses keys as publicKeyJwk with the W3C
	// Controlled Identifiers v1.0 type JsonWebKey.
	FormatJsonWebKey PublicKeyFormat = TypeJsonWebKey
	// FormatEd25519VerificationKey2020 is the legacy Ed25519 type (Ed25519
	// did:keys only; the derived X25519 key becomes
	// X25519KeyAgreementKey2020).
	FormatEd25519VerificationKey2020 PublicKeyFormat = TypeEd25519VerificationKey2020
)

func (f PublicKeyFormat) orDefault() PublicKeyFormat {
	if f == "" {
		return FormatMultikey
	}
	return f
}

func (f PublicKeyFormat) context() string {
	switch f {
	case FormatMultikey:
		return ContextMultikey
	case FormatJsonWebKey2020:
		return ContextJWS2020
	case FormatJsonWebKey:
		return ContextJsonWebKey
	case FormatEd25519VerificationKey2020:
		return ContextEd25519VerificationKey2020
	}
	return ""
}

// KeyMethod resolves did:key identifiers (did:key v0.9) by expanding them
// into a DID document; nothing is fetched. Supported key types: Ed25519
// (0xed), P-256 (0x1200) and P-384 (0x1201) with compressed points, and
// X25519 (0xec), whose documents carry only keyAgreement. The zero value
// uses the Multikey format without encryption key derivation.
type KeyMethod struct {
	// Format is the publicKeyFormat option (default FormatMultikey).
	Format PublicKeyFormat
	// EnableEncryptionKeyDerivation adds, for Ed25519 keys, the derived
	// X25519 key as a keyAgreement method (the spec's
	// enableEncryptionKeyDerivation option).
	EnableEncryptionKeyDerivation bool
}

// Method returns "key".
func (KeyMethod) Method() string { return "key" }

// Resolve expands a did:key into its DID document.
func (m KeyMethod) Resolve(_ context.Context, did string) (*Document, error) {
	return m.Document(did)
}

// Document runs the did:key v0.9 Document Creation Algorithm.
func (m KeyMethod) Document(identifier string) (*Document, error) {
	mb, err := splitKeyDID(identifier)
	if err != nil {
		return nil, err
	}
	format := m.Format.orDefault()
	if format.context() == "" {
		return nil, fmt.Errorf("%w: publicKeyFormat %q", ErrUnsupportedPublicKeyType, format)
	}
	codec, pub, err := DecodeMultikey(mb)
	if err != nil {
		return nil, err
	}
	doc := &Document{ID: identifier}
	contexts := []any{ContextDIDv1}
	addContext := func(c string) {
		for _, have := range contexts {
			if have == c {
				return
			}
		}
		contexts = append(contexts, c)
	}
	if codec == CodecX25519 {
		// An X25519 key cannot sign: it is only a key agreement method.
		vm, ctx, err := encryptionMethod(identifier, mb, pub, format)
		if err != nil {
			return nil, err
		}
		addContext(ctx)
		doc.VerificationMethod = []VerificationMethod{vm}
		doc.KeyAgreement = []MethodRef{{ID: vm.ID}}
		doc.Context = contexts
		return doc, nil
	}
	vm := VerificationMethod{ID: identifier + "#" + mb, Controller: identifier, key: pub}
	switch format {
	case FormatMultikey:
		vm.Type, vm.PublicKeyMultibase = TypeMultikey, mb
	case FormatEd25519VerificationKey2020:
		if codec != CodecEd25519 {
			return nil, fmt.Errorf("%w: %s for multicodec 0x%x", ErrUnsupportedPublicKeyType, format, codec)
		}
		vm.Type, vm.PublicKeyMultibase = TypeEd25519VerificationKey2020, mb
	default:
		jwk, err := PublicJWK(pub)
		if err != nil {
			return nil, err
		}
		vm.Type, vm.PublicKeyJwk = string(format), jwk
	}
	addContext(format.context())
	doc.VerificationMethod = []VerificationMethod{vm}
	ref := []MethodRef{{ID: vm.ID}}
	doc.Authentication, doc.AssertionMethod = ref, ref
	doc.CapabilityInvocation, doc.CapabilityDelegation = ref, ref
	if m.EnableEncryptionKeyDerivation && codec == CodecEd25519 {
		xk, err := X25519FromEd25519(pub.(ed25519.PublicKey))
		if err != nil {
			return nil, err
		}
		xmb, err := EncodeMultikey(xk)
		if err != nil {
			return nil, err
		}
		evm, ctx, err := encryptionMethod(identifier, xmb, xk, format)
		if err != nil {
			return nil, err
		}
		addContext(ctx)
		doc.VerificationMethod = append(doc.VerificationMethod, evm)
		doc.KeyAgreement = []MethodRef{{ID: evm.ID}}
	}
	doc.Context = contexts
	return doc, nil
}

// encryptionMethod is the did:key Encryption Method Creation Algorithm.
func encryptionMethod(identifier, mb string, pub gocrypto.PublicKey, format PublicKeyFormat) (VerificationMethod, string, error) {
	vm := VerificationMethod{ID: identifier + "#" + mb, Controller: identifier, key: pub}
	switch format {
	case FormatMultikey:
		vm.Type, vm.PublicKeyMultibase = TypeMultikey, mb
		return vm, ContextMultikey, nil
	case FormatEd25519VerificationKey2020:
		vm.Type, vm.PublicKeyMultibase = TypeX25519KeyAgreementKey2020, mb
		return vm, ContextX25519KeyAgreementKey2020, nil
	}
	jwk, err := PublicJWK(pub)
	if err != nil {
		return vm, "", err
	}
	vm.Type, vm.PublicKeyJwk = string(format), jwk
	return vm, format.context(), nil
}

// splitKeyDID checks did:key[:version]:<mb-value> and returns the
// multibase value (did:key v0.9 Document Creation steps 2–3).
func splitKeyDID(identifier string) (string, error) {
	if len(identifier) > maxBase58Input {
		return "", fmt.Errorf("%w: did:key longer than %d bytes", ErrInvalidDID, maxBase58Input)
	}
	d, err := Parse(identifier)
	if err != nil {
		return "", err
	}
	if d.Method != "key" {
		return "", fmt.Errorf("%w: method %q is not key", ErrInvalidDID, d.Method)
	}
	parts := strings.Split(d.ID, ":")
	var mb string
	switch len(parts) {
	case 1:
		mb = parts[0]
	case 2:
		v, err := strconv.ParseUint(parts[0], 10, 31)
		if err != nil || v == 0 || parts[0][0] == '0' {
			return "", fmt.Errorf("%w: version %q is not a positive integer", ErrInvalidDID, parts[0])
		}
		mb = parts[1]
	default:
		return "", fmt.Errorf("%w: too many components", ErrInvalidDID)
	}
	if len(mb) < 2 || mb[0] != 'z' {
		return "", fmt.Errorf("%w: multibase value must start with 'z'", ErrInvalidDID)
	}
	return mb, nil
}

// NewKeyDID returns the did:key of a public key (Ed25519, P-256, P-384 or
// X25519) and the DID URL of its verification method, which is the kid to
// put in JWS headers.
func NewKeyDID(pub gocrypto.PublicKey) (did, kid string, err error) {
	mb, err := EncodeMultikey(pub)
	if err != nil {
		return "", "", err
	}
	did = "did:key:" + mb
	return did, did + "#" + mb, nil
}

// DecodeKeyDID returns the public key a did:key (or a DID URL of one)
// encodes.
func DecodeKeyDID(s string) (gocrypto.PublicKey, error) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	mb, err := splitKeyDID(s)
	if err != nil {
		return nil, err
	}
	_, pub, err := DecodeMultikey(mb)
	return pub, err
}
