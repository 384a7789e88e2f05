package jose

import (
	"context"
	gocrypto "crypto"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sync"
	"unsafe"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/b64url"
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
// SignMessage must not modify msg and, as with io.Writer, must not retain
// it after returning: Sign reuses the buffer. A signer that breaks this
// sees other signing inputs later, but cannot alter a token Sign returned.
type MessageSigner interface {
	Algorithm() crypto.Algorithm
	KID() string
	SignMessage(ctx context.Context, msg []byte) ([]byte, error)
}

// Sign produces a compact JWS over payload. The header is copied; alg is
// always set from the signer, and kid is set from the signer unless the
// header already has a kid, jwk or x5c member.
func Sign(ctx context.Context, s MessageSigner, header map[string]any, payload []byte) (string, error) {
	return sign(ctx, s, header, "", payload)
}

// SignTyped is Sign with the typ member (RFC 7515 §4.1.9) of the protected
// header set to typ, replacing any typ in header; header may be nil. It
// saves building a header map when the only member a caller adds is typ.
func SignTyped(ctx context.Context, s MessageSigner, typ string, header map[string]any, payload []byte) (string, error) {
	if typ == "" {
		return "", fmt.Errorf("%w: empty typ", ErrMalformed)
	}
	return sign(ctx, s, header, typ, payload)
}

func sign(ctx context.Context, s MessageSigner, header map[string]any, typ string, payload []byte) (string, error) {
	kid := ""
	_, hasKid := header["kid"]
	_, hasJWK := header["jwk"]
	_, hasX5C := header["x5c"]
	if !hasKid && !hasJWK && !hasX5C {
		kid = s.KID()
	}
	var hbuf [256]byte
	hb, err := appendHeader(hbuf[:0], header, string(s.Algorithm()), kid, typ)
	if err != nil {
		return "", fmt.Errorf("jose: encode header: %w", err)
	}
	// The signing input is written to a pooled buffer, the only one the
	// signer sees; the JWS is a fresh copy of it with the signature
	// appended, never written again.
	n := b64url.EncodedLen(len(hb)) + 1 + b64url.EncodedLen(len(payload))
	bp := signBufPool.Get().(*[]byte)
	in := slices.Grow((*bp)[:0], n)
	in = b64url.AppendEncode(in, hb)
	in = append(in, '.')
	in = b64url.AppendEncode(in, payload)
	sig, err := s.SignMessage(ctx, in[:n:n])
	if err != nil {
		putSignBuf(bp, in)
		return "", err
	}
	out := make([]byte, n+1+b64url.EncodedLen(len(sig)))
	copy(out, in)
	putSignBuf(bp, in)
	out[n] = '.'
	b64url.Encode(out[n+1:], sig)
	return unsafe.String(unsafe.SliceData(out), len(out)), nil
}

// signBufPool holds signing-input buffers of Sign (up to maxSignBuf bytes).
var signBufPool = sync.Pool{New: func() any { return new([]byte) }}

const maxSignBuf = 64 << 10

func putSignBuf(bp *[]byte, b []byte) {
	if cap(b) > maxSignBuf {
		return
	}
	*bp = b[:0]
	signBufPool.Put(bp)
}

// appendHeader appends the JSON of header with alg (and kid and typ,
// unless empty) set, byte for byte what json.Marshal writes for that map:
// members sorted, strings HTML-escaped. Strings of plain printable ASCII
// are written directly, any other value through json.Marshal; the header
// is not copied.
func appendHeader(b []byte, header map[string]any, alg, kid, typ string) ([]byte, error) {
	var kbuf [8]string
	keys := append(kbuf[:0], "alg")
	if kid != "" {
		keys = append(keys, "kid")
	}
	if typ != "" {
		keys = append(keys, "typ")
	}
	for k := range header {
		if k != "alg" && (kid == "" || k != "kid") && (typ == "" || k != "typ") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendHeaderString(b, k); err != nil {
			return nil, err
		}
		b = append(b, ':')
		switch {
		case k == "alg":
			b, err = appendHeaderString(b, alg)
		case k == "kid" && kid != "":
			b, err = appendHeaderString(b, kid)
		case k == "typ" && typ != "":
			b, err = appendHeaderString(b, typ)
		default:
			if str, ok := header[k].(string); ok {
				b, err = appendHeaderString(b, str)
			} else {
				b, err = appendMarshal(b, header[k])
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendHeaderString(b []byte, s string) ([]byte, error) {
	if !plainASCII(s) {
		return appendMarshal(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

func appendMarshal(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// plainASCII reports whether json.Marshal writes s unescaped.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
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
