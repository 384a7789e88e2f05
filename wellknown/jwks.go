package wellknown

import (
	"context"
	gocrypto "crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/jsonx"
)

func errorsIsTooLarge(err error) bool { return errors.Is(err, jsonx.ErrTooLarge) }

// privateJWKMembers are the members only private or symmetric keys carry
// (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// JWKS is a JSON Web Key Set (RFC 7517 §5) holding public keys only.
type JWKS struct {
	Keys []map[string]any `json:"keys"`
}

// ParseJWKS decodes a JWK Set (strict JSON within MaxDocumentBytes, at most
// MaxJWKSKeys keys) and rejects private or symmetric members
// (ErrPrivateKey), keys without kty, and duplicate kids (ErrDuplicateKID).
func ParseJWKS(data []byte) (*JWKS, error) {
	var s JWKS
	if err := strictDecode(data, &s, "JWK Set"); err != nil {
		return nil, err
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Check applies the ParseJWKS rules to a set built in Go.
func (s *JWKS) Check() error {
	if len(s.Keys) == 0 {
		return fmt.Errorf("%w: JWK Set has no keys", ErrMalformed)
	}
	if len(s.Keys) > MaxJWKSKeys {
		return fmt.Errorf("%w: JWK Set has %d keys (at most %d)", ErrTooLarge, len(s.Keys), MaxJWKSKeys)
	}
	kids := make(map[string]bool, len(s.Keys))
	for i, k := range s.Keys {
		if kty, _ := k["kty"].(string); kty == "" {
			return fmt.Errorf("%w: JWK Set key %d has no kty", ErrMalformed, i)
		}
		for _, p := range privateJWKMembers {
			if _, ok := k[p]; ok {
				return fmt.Errorf("%w: key %d holds %q", ErrPrivateKey, i, p)
			}
		}
		kid, ok := k["kid"]
		if !ok {
			continue
		}
		ks, isStr := kid.(string)
		if !isStr || ks == "" {
			return fmt.Errorf("%w: JWK Set key %d: kid must be a non-empty string", ErrMalformed, i)
		}
		if kids[ks] {
			return fmt.Errorf("%w: %.128q", ErrDuplicateKID, ks)
		}
		kids[ks] = true
	}
	return nil
}

// Key returns the public key with the given kid.
func (s *JWKS) Key(kid string) (gocrypto.PublicKey, error) {
	for _, k := range s.Keys {
		if id, _ := k["kid"].(string); id == kid && kid != "" {
			return crypto.PublicKeyFromJWK(k)
		}
	}
	return nil, fmt.Errorf("%w: no key with kid %.128q", crypto.ErrKeyNotFound, kid)
}

// KIDMode selects the kid of the keys in a served JWK Set.
type KIDMode int

// KID modes.
const (
	// KIDEngine uses the engine's kid of each key version (the RFC 7638
	// thumbprint unless the key was created with a name), which is what
	// jose.KeySigner puts in JWS headers.
	KIDEngine KIDMode = iota
	// KIDThumbprint always uses the RFC 7638 SHA-256 thumbprint.
	KIDThumbprint
	// KIDDIDURL uses "<DID>#<engine kid>", the verification method id that
	// did.NewWebDocument gives the same key.
	KIDDIDURL
)

// JWKSOptions configure BuildJWKS.
type JWKSOptions struct {
	KID KIDMode
	// DID is the DID for KIDDIDURL.
	DID string
	// Use, when set, is written as the "use" member ("sig").
	Use string
}

// BuildJWKS builds the public JWK Set of engine keys: kty and key members,
// kid (per o.KID), alg (the key type's default algorithm) and optionally
// use. Symmetric keys are rejected; no private member can appear because
// only the public part of a key is encoded.
func BuildJWKS(keys []*crypto.Key, o JWKSOptions) (*JWKS, error) {
	if o.KID == KIDDIDURL && !strings.HasPrefix(o.DID, "did:") {
		return nil, fmt.Errorf("%w: KIDDIDURL needs a DID", ErrConfig)
	}
	s := &JWKS{Keys: make([]map[string]any, 0, len(keys))}
	for _, k := range keys {
		if k == nil || k.Public == nil {
			return nil, fmt.Errorf("%w: key without public part", ErrConfig)
		}
		m, err := crypto.PublicJWK(k.Public)
		if err != nil {
			return nil, err
		}
		switch o.KID {
		case KIDThumbprint:
			if m["kid"], err = crypto.Thumbprint(k.Public); err != nil {
				return nil, err
			}
		case KIDDIDURL:
			m["kid"] = o.DID + "#" + k.KID
		default:
			m["kid"] = k.KID
		}
		if algs := k.Type.Algorithms(); len(algs) > 0 {
			m["alg"] = string(algs[0])
		}
		if o.Use != "" {
			m["use"] = o.Use
		}
		s.Keys = append(s.Keys, m)
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s, nil
}

// KeySource lists the public keys a document publishes: the current
// version of each key and the recently rotated ones, so that signatures
// made before a rotation keep verifying.
type KeySource interface {
	PublicKeys(ctx context.Context) ([]*crypto.Key, error)
}

// KeyVersioner is what EngineKeys needs from a key engine
// (crypto.KeyManager has it).
type KeyVersioner interface {
	KeyVersions(ctx context.Context, ref crypto.KeyRef) ([]*crypto.Key, error)
}

// EngineKeys is a KeySource over engine keys: for each ref the current
// version and up to Previous earlier versions (newest first).
type EngineKeys struct {
	Engine KeyVersioner
	Refs   []crypto.KeyRef
	// Previous is the number of rotated-out versions still published per
	// key (0: only the current version).
	Previous int
}

// PublicKeys implements KeySource.
func (e EngineKeys) PublicKeys(ctx context.Context) ([]*crypto.Key, error) {
	if e.Engine == nil || len(e.Refs) == 0 {
		return nil, fmt.Errorf("%w: EngineKeys needs an engine and key refs", ErrConfig)
	}
	var out []*crypto.Key
	for _, ref := range e.Refs {
		vs, err := e.Engine.KeyVersions(ctx, ref)
		if err != nil {
			return nil, err
		}
		for i, n := len(vs)-1, 0; i >= 0 && n <= e.Previous; i, n = i-1, n+1 {
			if vs[i].Public == nil {
				return nil, fmt.Errorf("%w: %s is a symmetric key", ErrConfig, ref)
			}
			out = append(out, vs[i])
		}
	}
	return out, nil
}

// keysFingerprint identifies a key list (same keys → same string), so that
// encoded documents are rebuilt only after a rotation.
func keysFingerprint(keys []*crypto.Key) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k.Ref.String())
		b.WriteByte('\x00')
		b.WriteString(strconv.Itoa(k.Version))
		b.WriteByte('\x00')
		b.WriteString(k.KID)
		b.WriteByte('\x01')
	}
	return b.String()
}

// MarshalJSON encodes the set.
func (s JWKS) MarshalJSON() ([]byte, error) {
	type plain JWKS
	if s.Keys == nil {
		s.Keys = []map[string]any{}
	}
	return json.Marshal(plain(s))
}

func jsonxValidate(data []byte) error {
	return jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxStaticFileBytes, MaxDepth: MaxDocumentDepth})
}
