package crypto

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Errors returned by engines. Engines wrap them with context; match them
// with errors.Is.
var (
	ErrKeyNotFound          = errors.New("crypto: key not found")
	ErrKeyExists            = errors.New("crypto: key already exists")
	ErrUnsupportedAlgorithm = errors.New("crypto: unsupported algorithm")
	ErrUnsupportedKeyType   = errors.New("crypto: unsupported key type")
	ErrInvalidSignature     = errors.New("crypto: invalid signature")
	ErrDecrypt              = errors.New("crypto: decryption failed")
	ErrInvalidContext       = errors.New("crypto: invalid key context")
	ErrInvalidKeyID         = errors.New("crypto: invalid key identifier")
	ErrWrongKeyUse          = errors.New("crypto: operation not permitted for this key type")
	ErrEngineClosed         = errors.New("crypto: engine closed")
)

// Context scopes keys: a namespace (tenant) and a group inside it. A key in
// one context is invisible from every other context.
type Context struct {
	Namespace string
	Group     string
}

// Validate reports whether the context names a namespace; the group may be
// empty. Names are limited to [A-Za-z0-9._:@-]{1,128} so that they are safe as
// file names, PKCS#11 labels and SQL values.
func (c Context) Validate() error {
	if !validName(c.Namespace, false) || !validName(c.Group, true) {
		return fmt.Errorf("%w: namespace %q group %q", ErrInvalidContext, c.Namespace, c.Group)
	}
	return nil
}

// String returns "namespace/group".
func (c Context) String() string { return c.Namespace + "/" + c.Group }

// KeyRef names a key inside a context.
type KeyRef struct {
	Context
	ID string
}

// Validate checks the context and the key id (same alphabet as Context).
func (r KeyRef) Validate() error {
	if err := r.Context.Validate(); err != nil {
		return err
	}
	if !validName(r.ID, false) {
		return fmt.Errorf("%w: %q", ErrInvalidKeyID, r.ID)
	}
	return nil
}

// String returns "namespace/group/id".
func (r KeyRef) String() string { return r.Context.String() + "/" + r.ID }

func validName(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	if len(s) > 128 || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '_' || c == '-' || c == ':' || c == '@':
		default:
			return false
		}
	}
	return true
}

// KeyType is a key type, named as in the XFSC provider (HashiCorp Vault
// transit names).
type KeyType string

// Key types.
const (
	KeyTypeECP256    KeyType = "ecdsa-p256"
	KeyTypeECP384    KeyType = "ecdsa-p384"
	KeyTypeEd25519   KeyType = "ed25519"
	KeyTypeRSA2048   KeyType = "rsa-2048"
	KeyTypeRSA3072   KeyType = "rsa-3072"
	KeyTypeRSA4096   KeyType = "rsa-4096"
	KeyTypeAES256GCM KeyType = "aes256-gcm96"
)

// Symmetric reports whether the key type is a secret (encryption) key.
func (t KeyType) Symmetric() bool { return t == KeyTypeAES256GCM }

// Algorithms returns the JOSE algorithms a key of this type can be used with,
// the default first.
func (t KeyType) Algorithms() []Algorithm {
	switch t {
	case KeyTypeECP256:
		return []Algorithm{ES256}
	case KeyTypeECP384:
		return []Algorithm{ES384}
	case KeyTypeEd25519:
		return []Algorithm{EdDSA}
	case KeyTypeRSA2048, KeyTypeRSA3072, KeyTypeRSA4096:
		return []Algorithm{RS256, PS256, RS384, PS384, RS512, PS512}
	case KeyTypeAES256GCM:
		return []Algorithm{A256GCM}
	}
	return nil
}

// Algorithm is a JOSE algorithm name (RFC 7518, RFC 8037).
type Algorithm string

// Algorithms engines support. MAC algorithms and "none" are deliberately
// absent: wstack never accepts them where a signature is required.
const (
	ES256   Algorithm = "ES256"
	ES384   Algorithm = "ES384"
	EdDSA   Algorithm = "EdDSA"
	RS256   Algorithm = "RS256"
	RS384   Algorithm = "RS384"
	RS512   Algorithm = "RS512"
	PS256   Algorithm = "PS256"
	PS384   Algorithm = "PS384"
	PS512   Algorithm = "PS512"
	A256GCM Algorithm = "A256GCM"
)

// IsAsymmetricSignature reports whether alg is one of the signature
// algorithms above. "none", HS* and unknown names return false.
func (a Algorithm) IsAsymmetricSignature() bool {
	switch a {
	case ES256, ES384, EdDSA, RS256, RS384, RS512, PS256, PS384, PS512:
		return true
	}
	return false
}

// Hash returns the hash function the signature algorithm uses (0 for EdDSA,
// which signs the message itself).
func (a Algorithm) Hash() crypto.Hash {
	switch a {
	case ES256, RS256, PS256:
		return crypto.SHA256
	case ES384, RS384, PS384:
		return crypto.SHA384
	case RS512, PS512:
		return crypto.SHA512
	}
	return 0
}

// Allows reports whether a key of type t may be used with alg.
func (t KeyType) Allows(alg Algorithm) bool {
	for _, a := range t.Algorithms() {
		if a == alg {
			return true
		}
	}
	return false
}

// HashAlgorithm names a hash function by its IANA "Named Information" name.
type HashAlgorithm string

// Hash algorithms.
const (
	SHA256   HashAlgorithm = "sha-256"
	SHA384   HashAlgorithm = "sha-384"
	SHA512   HashAlgorithm = "sha-512"
	SHA3_256 HashAlgorithm = "sha3-256"
	SHA3_384 HashAlgorithm = "sha3-384"
	SHA3_512 HashAlgorithm = "sha3-512"
)

// Key describes one version of a key. It never carries private material.
type Key struct {
	Ref     KeyRef
	Type    KeyType
	Version int
	// KID is the JWK key id of this version: the RFC 7638 thumbprint, or the
	// caller-chosen name (version 1) and name+".v"+N for later versions.
	KID string
	// Public is the public key (*ecdsa.PublicKey, ed25519.PublicKey,
	// *rsa.PublicKey); nil for symmetric keys.
	Public    crypto.PublicKey
	CreatedAt time.Time
}

// JWK returns the public JWK of the key as a JSON object (nil for symmetric
// keys), with kid and alg set.
func (k *Key) JWK() (map[string]any, error) {
	if k.Public == nil {
		return nil, fmt.Errorf("%w: %s has no public key", ErrWrongKeyUse, k.Type)
	}
	m, err := PublicJWK(k.Public)
	if err != nil {
		return nil, err
	}
	m["kid"] = k.KID
	if algs := k.Type.Algorithms(); len(algs) > 0 {
		m["alg"] = string(algs[0])
	}
	return m, nil
}

// KeySpec describes a key to generate.
type KeySpec struct {
	Type KeyType
	// KID optionally names the JWK kid; empty means the RFC 7638 thumbprint.
	KID string
}

// Filter selects keys in ListKeys. Namespace is required; an empty Group
// matches every group of the namespace.
type Filter struct {
	Context
	// IDPattern, when set, must match the key id.
	IDPattern *regexp.Regexp
	// Type, when set, restricts the key type.
	Type KeyType
}

// Match reports whether k is selected by the filter.
func (f Filter) Match(ref KeyRef, t KeyType) bool {
	if ref.Namespace != f.Namespace {
		return false
	}
	if f.Group != "" && ref.Group != f.Group {
		return false
	}
	if f.Type != "" && t != f.Type {
		return false
	}
	if f.IDPattern != nil && !f.IDPattern.MatchString(ref.ID) {
		return false
	}
	return true
}

// KeyManager manages the key lifecycle.
type KeyManager interface {
	// GenerateKey creates a key; ErrKeyExists if the id is taken.
	GenerateKey(ctx context.Context, ref KeyRef, spec KeySpec) (*Key, error)
	// GetKey returns the current version of a key.
	GetKey(ctx context.Context, ref KeyRef) (*Key, error)
	// KeyVersions returns every version of a key, oldest first.
	KeyVersions(ctx context.Context, ref KeyRef) ([]*Key, error)
	// ListKeys returns the current version of every key the filter selects,
	// ordered by reference.
	ListKeys(ctx context.Context, f Filter) ([]*Key, error)
	// RotateKey adds a new current version; older versions keep verifying
	// and decrypting.
	RotateKey(ctx context.Context, ref KeyRef) (*Key, error)
	// DeleteKey removes a key and all its versions.
	DeleteKey(ctx context.Context, ref KeyRef) error
}

// Signer signs with the current version of a key.
type Signer interface {
	// Sign signs message with alg and returns the JOSE-form signature.
	// EdDSA signs the message itself; the other algorithms hash it first.
	Sign(ctx context.Context, ref KeyRef, alg Algorithm, message []byte) ([]byte, error)
	// SignDigest signs a digest computed with alg.Hash(); it is not
	// available for EdDSA (ErrUnsupportedAlgorithm).
	SignDigest(ctx context.Context, ref KeyRef, alg Algorithm, digest []byte) ([]byte, error)
}

// Verifier verifies JOSE-form signatures with any version of a key.
type Verifier interface {
	// Verify returns nil if sig is a valid signature of message by any
	// version of the key, ErrInvalidSignature otherwise.
	Verify(ctx context.Context, ref KeyRef, alg Algorithm, message, sig []byte) error
}

// Encrypter encrypts with AES-256-GCM keys. The ciphertext names the key
// version, so Decrypt works after rotation.
type Encrypter interface {
	Encrypt(ctx context.Context, ref KeyRef, plaintext, aad []byte) ([]byte, error)
	Decrypt(ctx context.Context, ref KeyRef, ciphertext, aad []byte) ([]byte, error)
}

// Engine is the full capability set of a key engine.
type Engine interface {
	KeyManager
	Signer
	Verifier
	Encrypter
	// Random returns n random bytes (n ≤ 1 MiB).
	Random(ctx context.Context, n int) ([]byte, error)
	// Hash hashes data.
	Hash(ctx context.Context, alg HashAlgorithm, data []byte) ([]byte, error)
	// SupportedKeyTypes lists the key types GenerateKey accepts.
	SupportedKeyTypes() []KeyType
	// SupportedHashAlgorithms lists the algorithms Hash accepts.
	SupportedHashAlgorithms() []HashAlgorithm
}

// CheckSignAlgorithm returns ErrUnsupportedAlgorithm unless alg is an
// asymmetric signature algorithm usable with key type t.
func CheckSignAlgorithm(t KeyType, alg Algorithm) error {
	if t.Symmetric() {
		return fmt.Errorf("%w: %s cannot sign", ErrWrongKeyUse, t)
	}
	if !alg.IsAsymmetricSignature() || !t.Allows(alg) {
		return fmt.Errorf("%w: %q with key type %s", ErrUnsupportedAlgorithm, alg, t)
	}
	return nil
}

// VersionedKID builds the kid of version v of a key named name.
func VersionedKID(name string, v int) string {
	if v <= 1 {
		return name
	}
	return name + ".v" + fmt.Sprint(v)
}
