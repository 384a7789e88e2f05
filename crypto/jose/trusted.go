package jose

import (
	"context"
	gocrypto "crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/jsonx"
)

// ErrUntrustedKey is returned by TrustedKeys when no configured key of the
// claimed issuer fits the token (unknown issuer, unknown kid, no key for
// the algorithm, or several candidates and no kid to choose between them).
var ErrUntrustedKey = errors.New("jose: no trusted key for issuer")

// Limits of AddJWKS.
const (
	maxJWKSBytes = 256 << 10
	maxJWKSKeys  = 64
)

// TrustedKeys is a static, configured set of issuer keys: issuer identifier
// → public keys, each with its kid. It is the out-of-band trust mechanism
// that every format can use:
//
//   - jose.KeyResolver (ResolveKey): SD-JWT / SD-JWT VC (sdjwt.Config.KeyResolver,
//     vc.IssuerKeyResolver.Trusted), jwt_vc_json / jwt_vp_json
//     (w3c.VerifyOptions.Resolver), request objects and proofs. The issuer
//     is the JWT's iss claim;
//   - Lookup(issuer, kid) for resolvers whose input is not a JWS (status
//     list tokens through statuslist.KeyHint, CWTs);
//   - ResolveVerificationMethod for Data Integrity proofs
//     (dataintegrity.VerificationMethodResolver): the verification method
//     id "<issuer>#<kid>" or the kid itself.
//
// The token's own header keys (jwk, x5c, jku) are never used: they are
// hints, and only a configured key verifies. Keys are selected by kid when
// the token names one (the configured kid, or the RFC 7638 thumbprint);
// without a kid the issuer must have exactly one key usable with the
// token's algorithm. Keys are parsed once, when added (crypto.ParsePublicJWK
// and crypto.PublicKeyFromJWK parse single JWKs).
//
// A TrustedKeys is safe for concurrent use; adding keys while verifying is
// allowed.
type TrustedKeys struct {
	mu   sync.RWMutex
	keys map[string][]trustedKey
}

type trustedKey struct {
	kid        string
	thumbprint string
	typ        crypto.KeyType
	pub        gocrypto.PublicKey
}

// NewTrustedKeys returns an empty set.
func NewTrustedKeys() *TrustedKeys { return &TrustedKeys{keys: map[string][]trustedKey{}} }

// Add trusts pub for issuer under kid ("" for a key without kid; it is
// still selectable by its thumbprint).
func (t *TrustedKeys) Add(issuer, kid string, pub gocrypto.PublicKey) error {
	if issuer == "" {
		return fmt.Errorf("%w: empty issuer", ErrOptions)
	}
	typ, err := crypto.KeyTypeOf(pub)
	if err != nil {
		return err
	}
	tp, err := crypto.Thumbprint(pub)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil {
		t.keys = map[string][]trustedKey{}
	}
	t.keys[issuer] = append(t.keys[issuer], trustedKey{kid: kid, thumbprint: tp, typ: typ, pub: pub})
	return nil
}

// AddJWK trusts one public JWK (its kid member, when present, is the kid).
func (t *TrustedKeys) AddJWK(issuer string, jwk map[string]any) error {
	pub, err := crypto.PublicKeyFromJWK(jwk)
	if err != nil {
		return err
	}
	kid, _ := jwk["kid"].(string)
	return t.Add(issuer, kid, pub)
}

// AddJWKS trusts every key of a JWK Set document ({"keys":[…]}, at most 64
// keys and 256 KiB). Keys whose use is "enc" are skipped. Nothing is added
// when one key is invalid.
func (t *TrustedKeys) AddJWKS(issuer string, jwks []byte) error {
	if len(jwks) > maxJWKSBytes {
		return fmt.Errorf("%w: JWKS too large", crypto.ErrInvalidJWK)
	}
	if err := jsonx.Validate(jwks, jsonx.Limits{MaxDepth: 8}); err != nil {
		return fmt.Errorf("%w: %w", crypto.ErrInvalidJWK, err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return fmt.Errorf("%w: %v", crypto.ErrInvalidJWK, err)
	}
	if len(set.Keys) == 0 || len(set.Keys) > maxJWKSKeys {
		return fmt.Errorf("%w: JWKS with %d keys", crypto.ErrInvalidJWK, len(set.Keys))
	}
	type parsed struct {
		kid string
		pub gocrypto.PublicKey
	}
	var ps []parsed
	for _, k := range set.Keys {
		if use, _ := k["use"].(string); use == "enc" {
			continue
		}
		pub, err := crypto.PublicKeyFromJWK(k)
		if err != nil {
			return err
		}
		kid, _ := k["kid"].(string)
		ps = append(ps, parsed{kid, pub})
	}
	for _, p := range ps {
		if err := t.Add(issuer, p.kid, p.pub); err != nil {
			return err
		}
	}
	return nil
}

// Has reports whether issuer has configured keys.
func (t *TrustedKeys) Has(issuer string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	_, ok := t.keys[issuer]
	return ok
}

// Lookup returns the key of issuer that kid names, and, when alg is not
// empty, that can verify alg. With kid empty the issuer must have exactly
// one such key.
func (t *TrustedKeys) Lookup(issuer, kid string, alg crypto.Algorithm) (gocrypto.PublicKey, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	keys, ok := t.keys[issuer]
	if !ok {
		return nil, fmt.Errorf("%w: issuer %q not configured", ErrUntrustedKey, issuer)
	}
	var found *trustedKey
	n := 0
	for i := range keys {
		k := &keys[i]
		if kid != "" && kid != k.kid && kid != k.thumbprint {
			continue
		}
		if alg != "" && crypto.CheckSignAlgorithm(k.typ, alg) != nil {
			continue
		}
		if found == nil {
			found = k
		}
		n++
	}
	switch {
	case n == 0 && kid != "":
		return nil, fmt.Errorf("%w: issuer %q has no key %q for %s", ErrUntrustedKey, issuer, kid, alg)
	case n == 0:
		return nil, fmt.Errorf("%w: issuer %q has no key for %s", ErrUntrustedKey, issuer, alg)
	case n > 1 && kid == "":
		return nil, fmt.Errorf("%w: issuer %q has %d keys and the token names no kid", ErrUntrustedKey, issuer, n)
	}
	return found.pub, nil
}

// ResolveKey implements KeyResolver: the issuer is the JWT's iss claim, the
// kid and algorithm come from the protected header. A kid that is a DID URL
// or an "<issuer>#<kid>" URL is matched as configured, then by its fragment.
func (t *TrustedKeys) ResolveKey(_ context.Context, j *JWS) (gocrypto.PublicKey, error) {
	var claims struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(j.Payload, &claims); err != nil || claims.Iss == "" {
		return nil, fmt.Errorf("%w: token has no iss claim", ErrUntrustedKey)
	}
	return t.ResolveIssuerKey(claims.Iss, j)
}

// ResolveIssuerKey is ResolveKey for a caller that has already read the
// token's iss claim (issuer).
func (t *TrustedKeys) ResolveIssuerKey(issuer string, j *JWS) (gocrypto.PublicKey, error) {
	k, err := t.Lookup(issuer, j.Header.Kid, j.Header.Alg)
	if err != nil && j.Header.Kid != "" {
		if base, frag, ok := strings.Cut(j.Header.Kid, "#"); ok && base == issuer && frag != "" {
			if k2, err2 := t.Lookup(issuer, frag, j.Header.Alg); err2 == nil {
				return k2, nil
			}
		}
	}
	return k, err
}

// ResolveVerificationMethod implements dataintegrity.VerificationMethodResolver
// for configured keys: vmID is "<issuer>#<kid>" (a DID URL or an https URL
// with a fragment). The proof purpose is not checked: a configured key is
// trusted for every purpose its configuration implies.
func (t *TrustedKeys) ResolveVerificationMethod(_ context.Context, vmID, _ string) (gocrypto.PublicKey, error) {
	issuer, kid, ok := strings.Cut(vmID, "#")
	if !ok || kid == "" {
		return nil, fmt.Errorf("%w: verification method %q has no fragment", ErrUntrustedKey, vmID)
	}
	if k, err := t.Lookup(issuer, vmID, ""); err == nil {
		return k, nil
	}
	return t.Lookup(issuer, kid, "")
}
