package signersvc

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/examples/internal/svc"
)

// KeyDoc is a key version as the API returns it: public material only.
type KeyDoc struct {
	Namespace string         `json:"namespace"`
	Group     string         `json:"group"`
	ID        string         `json:"id"`
	Type      crypto.KeyType `json:"type"`
	Version   int            `json:"version"`
	KID       string         `json:"kid"`
	CreatedAt time.Time      `json:"created_at"`
	// JWK is the public JWK (kid and alg set); absent for symmetric keys.
	JWK map[string]any `json:"jwk,omitempty"`
}

// KeyList is the body of key listings.
type KeyList struct {
	Keys []KeyDoc `json:"keys"`
}

// NamespaceList is the body of GET /v1/namespaces.
type NamespaceList struct {
	Namespaces []string `json:"namespaces"`
}

// CreateKeyRequest is the body of POST /v1/namespaces/{ns}/keys (the
// W-Stack's signer.createKey{namespace,group,key,type}).
type CreateKeyRequest struct {
	Group string         `json:"group"`
	Key   string         `json:"key"`
	Type  crypto.KeyType `json:"type"`
	// KID optionally names the JWK kid (default: RFC 7638 thumbprint).
	KID string `json:"kid,omitempty"`
}

// KeyRefJSON names a key in request bodies.
type KeyRefJSON struct {
	Namespace string `json:"namespace"`
	Group     string `json:"group"`
	Key       string `json:"key"`
}

func (k KeyRefJSON) ref() crypto.KeyRef {
	return crypto.KeyRef{Context: crypto.Context{Namespace: k.Namespace, Group: k.Group}, ID: k.Key}
}

func refJSON(r crypto.KeyRef) KeyRefJSON {
	return KeyRefJSON{Namespace: r.Namespace, Group: r.Group, Key: r.ID}
}

// SignRequest is the body of POST /v1/sign: exactly one of Data (the
// message) and Digest (a digest computed with alg's hash; not for EdDSA).
type SignRequest struct {
	KeyRefJSON
	Alg    crypto.Algorithm `json:"alg"`
	Data   *string          `json:"data,omitempty"`
	Digest *string          `json:"digest,omitempty"`
}

// SignResponse is the reply of POST /v1/sign.
type SignResponse struct {
	Signature string           `json:"signature"`
	Alg       crypto.Algorithm `json:"alg"`
}

// VerifyRequest is the body of POST /v1/verify.
type VerifyRequest struct {
	KeyRefJSON
	Alg       crypto.Algorithm `json:"alg"`
	Data      string           `json:"data"`
	Signature string           `json:"signature"`
}

// VerifyResponse is the reply of POST /v1/verify; an invalid signature is
// {"valid": false} with status 200.
type VerifyResponse struct {
	Valid bool `json:"valid"`
}

// EncryptRequest is the body of POST /v1/encrypt.
type EncryptRequest struct {
	KeyRefJSON
	Plaintext string `json:"plaintext"`
	AAD       string `json:"aad,omitempty"`
}

// EncryptResponse is the reply of POST /v1/encrypt.
type EncryptResponse struct {
	Ciphertext string `json:"ciphertext"`
}

// DecryptRequest is the body of POST /v1/decrypt.
type DecryptRequest struct {
	KeyRefJSON
	Ciphertext string `json:"ciphertext"`
	AAD        string `json:"aad,omitempty"`
}

// DecryptResponse is the reply of POST /v1/decrypt.
type DecryptResponse struct {
	Plaintext string `json:"plaintext"`
}

// RandomRequest is the body of POST /v1/random.
type RandomRequest struct {
	Length int `json:"length"`
}

// RandomResponse is the reply of POST /v1/random.
type RandomResponse struct {
	Random string `json:"random"`
}

// HashRequest is the body of POST /v1/hash.
type HashRequest struct {
	Alg  crypto.HashAlgorithm `json:"alg"`
	Data string               `json:"data"`
}

// HashResponse is the reply of POST /v1/hash.
type HashResponse struct {
	Digest string `json:"digest"`
}

// Capabilities is the reply of GET /v1/capabilities (the XFSC provider's
// GetSupportedKeysAlgs / GetSupportedHashAlgs).
type Capabilities struct {
	KeyTypes       []crypto.KeyType       `json:"key_types"`
	HashAlgorithms []crypto.HashAlgorithm `json:"hash_algorithms"`
}

// MaxRandom bounds POST /v1/random (the Engine contract's 1 MiB).
const MaxRandom = 1 << 20

var b64 = base64.RawURLEncoding

func enc(b []byte) string { return b64.EncodeToString(b) }

func dec(field, s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not unpadded base64url", svc.ErrBadRequest, field)
	}
	return b, nil
}

func keyDoc(k *crypto.Key) (KeyDoc, error) {
	d := KeyDoc{Namespace: k.Ref.Namespace, Group: k.Ref.Group, ID: k.Ref.ID, Type: k.Type, Version: k.Version,
		KID: k.KID, CreatedAt: k.CreatedAt.UTC()}
	if !k.Type.Symmetric() {
		m, err := k.JWK()
		if err != nil {
			return KeyDoc{}, fmt.Errorf("%w: %v", crypto.ErrEngineMisbehaved, err)
		}
		d.JWK = m
	}
	return d, nil
}

// key decodes a KeyDoc into a crypto.Key, checking that the JWK is a public
// key of the stated type.
func (d KeyDoc) key() (*crypto.Key, error) {
	k := &crypto.Key{Ref: crypto.KeyRef{Context: crypto.Context{Namespace: d.Namespace, Group: d.Group}, ID: d.ID},
		Type: d.Type, Version: d.Version, KID: d.KID, CreatedAt: d.CreatedAt}
	if d.Type.Symmetric() {
		if d.JWK != nil {
			return nil, fmt.Errorf("%w: symmetric key with a JWK", ErrProtocol)
		}
		return k, nil
	}
	pub, err := crypto.PublicKeyFromJWK(d.JWK)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %v", ErrProtocol, k.Ref, err)
	}
	if t, err := crypto.KeyTypeOf(pub); err != nil || t != d.Type {
		return nil, fmt.Errorf("%w: key %s: JWK is not a %s key", ErrProtocol, k.Ref, d.Type)
	}
	k.Public = pub
	return k, nil
}
