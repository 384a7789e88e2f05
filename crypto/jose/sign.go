package jose

import (
	"context"
	gocrypto "crypto"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"

	"github.com/ocmw/wstack/crypto"
)

// Engine is what KeySigner needs from a key engine.
type Engine interface {
	crypto.Signer
	GetKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error)
}

// KeySigner signs JWS with one engine key. It reads the key's public part
// once, at construction; after a rotation build a new KeySigner.
type KeySigner struct {
	engine Engine
	ref    crypto.KeyRef
	alg    crypto.Algorithm
	key    *crypto.Key
	kid    string // overrides key.KID when set
}

// NewKeySigner returns a signer for ref. alg may be empty for the key
// type's default algorithm.
func NewKeySigner(ctx context.Context, e Engine, ref crypto.KeyRef, alg crypto.Algorithm) (*KeySigner, error) {
	k, err := e.GetKey(ctx, ref)
	if err != nil {
		return nil, err
	}
	if alg == "" {
		if algs := k.Type.Algorithms(); len(algs) > 0 {
			alg = algs[0]
		}
	}
	if err := crypto.CheckSignAlgorithm(k.Type, alg); err != nil {
		return nil, err
	}
	return &KeySigner{engine: e, ref: ref, alg: alg, key: k}, nil
}

// Algorithm returns the JOSE algorithm the signer uses.
func (s *KeySigner) Algorithm() crypto.Algorithm { return s.alg }

// KID returns the kid the signer puts in JWS headers: the one set with
// WithKID, otherwise the engine's kid of the key version (its RFC 7638
// thumbprint for the bundled engines).
func (s *KeySigner) KID() string {
	if s.kid != "" {
		return s.kid
	}
	return s.key.KID
}

// WithKID returns a copy of the signer whose KID is kid — typically the DID
// URL of the verification method (did.NewKeyDIDSigner does this for
// did:key), or an x5t / metadata kid. Sign, vc.Issue and the W3C JWT
// signers put it in the header unless the caller's header names a kid, jwk
// or x5c itself.
func (s *KeySigner) WithKID(kid string) *KeySigner {
	c := *s
	c.kid = kid
	return &c
}

// Public returns the public key.
func (s *KeySigner) Public() gocrypto.PublicKey { return s.key.Public }

// Key returns the key description.
func (s *KeySigner) Key() *crypto.Key { return s.key }

// JWK returns the public JWK (with kid and alg).
func (s *KeySigner) JWK() (map[string]any, error) { return s.key.JWK() }

// SignMessage signs raw bytes with the engine key.
func (s *KeySigner) SignMessage(ctx context.Context, msg []byte) ([]byte, error) {
	return s.engine.Sign(ctx, s.ref, s.alg, msg)
}

// MessageSigner is anything that can produce a JOSE signature: KeySigner, or
// a caller's own implementation (a remote signer, a test key).
type MessageSigner interface {
	Algorithm() crypto.Algorithm
	KID() string
	SignMessage(ctx context.Context, msg []byte) ([]byte, error)
}

// Sign produces a compact JWS over payload. The header is copied; alg is
// always set from the signer, and kid is set from the signer unless the
// header already has a kid, jwk or x5c member.
func Sign(ctx context.Context, s MessageSigner, header map[string]any, payload []byte) (string, error) {
	h := make(map[string]any, len(header)+2)
	for k, v := range header {
		h[k] = v
	}
	h["alg"] = string(s.Algorithm())
	_, hasKid := h["kid"]
	_, hasJWK := h["jwk"]
	_, hasX5C := h["x5c"]
	if !hasKid && !hasJWK && !hasX5C && s.KID() != "" {
		h["kid"] = s.KID()
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("jose: encode header: %w", err)
	}
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, enc.EncodedLen(len(hb))+enc.EncodedLen(len(payload))+2+128)
	buf = enc.AppendEncode(buf, hb)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	sig, err := s.SignMessage(ctx, buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}

// SignJWT marshals claims as JSON and signs them.
func SignJWT(ctx context.Context, s MessageSigner, header map[string]any, claims any) (string, error) {
	p, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jose: encode claims: %w", err)
	}
	return Sign(ctx, s, header, p)
}

// CryptoSigner returns a standard-library crypto.Signer that delegates to
// the engine key, for libraries such as lestrrat-go/jwx/v2 that sign with a
// crypto.Signer. ctx is used for every signing call made through the
// returned value, so create one per operation.
//
// For ECDSA the returned signature is ASN.1 DER, as the crypto.Signer
// contract requires (jwx converts it back to r‖s). RSA keys sign PSS when
// opts is *rsa.PSSOptions and PKCS #1 v1.5 otherwise.
func (s *KeySigner) CryptoSigner(ctx context.Context) gocrypto.Signer {
	return &engineCryptoSigner{ctx: ctx, s: s}
}

type engineCryptoSigner struct {
	ctx context.Context
	s   *KeySigner
}

func (c *engineCryptoSigner) Public() gocrypto.PublicKey { return c.s.key.Public }

func (c *engineCryptoSigner) Sign(_ io.Reader, digest []byte, opts gocrypto.SignerOpts) ([]byte, error) {
	kt := c.s.key.Type
	hash := gocrypto.Hash(0)
	if opts != nil {
		hash = opts.HashFunc()
	}
	var alg crypto.Algorithm
	switch kt {
	case crypto.KeyTypeEd25519:
		if hash != 0 {
			return nil, fmt.Errorf("%w: Ed25519ph is not supported", crypto.ErrUnsupportedAlgorithm)
		}
		return c.s.engine.Sign(c.ctx, c.s.ref, crypto.EdDSA, digest)
	case crypto.KeyTypeECP256:
		alg = crypto.ES256
	case crypto.KeyTypeECP384:
		alg = crypto.ES384
	case crypto.KeyTypeRSA2048, crypto.KeyTypeRSA3072, crypto.KeyTypeRSA4096:
		_, pss := opts.(*rsa.PSSOptions)
		switch {
		case hash == gocrypto.SHA256 && pss:
			alg = crypto.PS256
		case hash == gocrypto.SHA384 && pss:
			alg = crypto.PS384
		case hash == gocrypto.SHA512 && pss:
			alg = crypto.PS512
		case hash == gocrypto.SHA256:
			alg = crypto.RS256
		case hash == gocrypto.SHA384:
			alg = crypto.RS384
		case hash == gocrypto.SHA512:
			alg = crypto.RS512
		}
	}
	if alg == "" || alg.Hash() != hash {
		return nil, fmt.Errorf("%w: hash %v with key type %s", crypto.ErrUnsupportedAlgorithm, hash, kt)
	}
	sig, err := c.s.engine.SignDigest(c.ctx, c.s.ref, alg, digest)
	if err != nil {
		return nil, err
	}
	if alg == crypto.ES256 || alg == crypto.ES384 {
		n := len(sig) / 2
		return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
	}
	return sig, nil
}
