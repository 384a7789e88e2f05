package sdjwt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/vocab"
)

// Processed is an SD-JWT with its disclosures applied (RFC 9901 §7.1 step 3).
type Processed struct {
	// Claims is the processed payload: every digest replaced by its
	// disclosed claim or removed, _sd and _sd_alg removed.
	Claims map[string]any
	// Paths holds, for each disclosure (same order as SDJWT.Disclosures),
	// the claim path where it was placed. Array indices refer to the
	// processed arrays.
	Paths []vocab.ClaimPath
	// HashAlg is the _sd_alg in effect.
	HashAlg HashAlg

	parents []int
}

// decodePayload decodes the payload of a compact JWS after the strict JSON
// gate, without verifying the signature.
func decodePayload(jwt string, lim Limits) (map[string]any, error) {
	lim = lim.norm()
	if strings.Count(jwt, ".") != 2 {
		return nil, fmt.Errorf("%w: issuer-signed JWT is not a compact JWS", ErrMalformed)
	}
	i := strings.IndexByte(jwt, '.')
	j := i + 1 + strings.IndexByte(jwt[i+1:], '.')
	p64 := jwt[i+1 : j]
	if !b64url.ValidChars(p64) {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	b, err := strictB64.DecodeString(p64)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	return decodeObject(b, lim)
}

// decodeObject checks b (a buffer of the caller's that nothing else holds
// and that is never written again: the decoded strings share its memory)
// against the strict JSON gate and decodes it in the same pass.
func decodeObject(b []byte, lim Limits) (map[string]any, error) {
	v, err := jsonx.DecodeAliased(b, jsonx.Limits{MaxBytes: lim.MaxSize, MaxDepth: lim.MaxDepth})
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}
	return m, nil
}

// sdAlg reads _sd_alg from a payload: absent means sha-256; otherwise it
// must be exactly one of the supported names.
func sdAlg(payload map[string]any) (HashAlg, error) {
	v, ok := payload["_sd_alg"]
	if !ok {
		return SHA256, nil
	}
	s, ok := v.(string)
	if !ok || !HashAlg(s).Valid() {
		return "", fmt.Errorf("%w: %v", ErrHashAlgorithm, v)
	}
	return HashAlg(s), nil
}

// Process applies the disclosures to the issuer-signed payload and reports
// where each disclosure went. It checks everything RFC 9901 §7.1 step 3–5
// requires but not the signature: use Verifier for untrusted input. For an
// SD-JWT as issued (all disclosures), Paths lists every disclosable claim —
// what a wallet shows and what Select accepts.
func (s *SDJWT) Process(lim Limits) (*Processed, error) {
	payload, err := decodePayload(s.JWT, lim)
	if err != nil {
		return nil, err
	}
	out := new(Processed)
	if err := processPayload(payload, s.Disclosures, lim, true, out); err != nil {
		return nil, err
	}
	return out, nil
}

// processPayload processes into *out; own as for process.
func processPayload(payload map[string]any, ds []*Disclosure, lim Limits, own bool, out *Processed) error {
	alg, err := sdAlg(payload)
	if err != nil {
		return err
	}
	return process(payload, ds, alg, lim, own, out)
}

// locPrefixRelated reports whether the concrete location loc and the
// disclosure path d overlap: one is a prefix of the other.
func locPrefixRelated(loc []any, d vocab.ClaimPath) bool {
	n := min(len(loc), len(d))
	for i := 0; i < n; i++ {
		if !componentMatch(loc[i], d[i]) {
			return false
		}
	}
	return true
}

func componentMatch(p, d any) bool {
	switch pv := p.(type) {
	case string:
		dv, ok := d.(string)
		return ok && dv == pv
	case int:
		dv, ok := d.(int)
		return ok && dv == pv
	case float64:
		dv, ok := d.(int)
		return ok && float64(dv) == pv
	}
	return false
}

// pathExists reports whether path selects at least one node of v.
// It reads path as resolvePointer does, without collecting locations.
func pathExists(v any, path vocab.ClaimPath) bool {
	if len(path) == 0 {
		return true
	}
	switch c := path[0].(type) {
	case string:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		child, ok := m[c]
		return ok && pathExists(child, path[1:])
	case nil:
		a, _ := v.([]any)
		for _, e := range a {
			if pathExists(e, path[1:]) {
				return true
			}
		}
	case int, float64:
		a, ok := v.([]any)
		if !ok {
			return false
		}
		var idx int
		if f, isF := c.(float64); isF {
			if f != float64(int(f)) {
				return false
			}
			idx = int(f)
		} else {
			idx = c.(int)
		}
		return idx >= 0 && idx < len(a) && pathExists(a[idx], path[1:])
	}
	return false
}

// resolvePointer calls fn with the concrete location (member names and
// indices, null resolved) of every node of v that path selects, reading
// path as a claims path pointer (OpenID4VP 1.0 §7.1): a string selects a
// member of an object, an index an element of an array, null every
// element; a selected node where the next component does not fit (a member
// missing, an index out of range, a string on an array) drops out.
func resolvePointer(v any, path vocab.ClaimPath, loc []any, fn func(loc []any)) {
	if len(path) == 0 {
		fn(loc)
		return
	}
	switch c := path[0].(type) {
	case string:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if child, ok := m[c]; ok {
			resolvePointer(child, path[1:], append(loc, c), fn)
		}
	case nil:
		a, ok := v.([]any)
		if !ok {
			return
		}
		for i, e := range a {
			resolvePointer(e, path[1:], append(loc, i), fn)
		}
	case int, float64:
		a, ok := v.([]any)
		if !ok {
			return
		}
		var idx int
		if f, isF := c.(float64); isF {
			if f != float64(int(f)) {
				return
			}
			idx = int(f)
		} else {
			idx = c.(int)
		}
		if idx >= 0 && idx < len(a) {
			resolvePointer(a[idx], path[1:], append(loc, idx), fn)
		}
	}
}

// Select returns the SD-JWT with only the disclosures needed to reveal the
// given claims path pointers (paths into Processed.Claims of the SD-JWT as
// held, OpenID4VP 1.0 §7 semantics). Each pointer is read as a request for
// the claims it selects:
//
//   - a pointer to a leaf (a string, number, boolean or null value)
//     releases that leaf's disclosure, if it has one, and the disclosures
//     of the objects and arrays enclosing it (RFC 9901 §7.2 step 2) — never
//     a sibling;
//   - a pointer to one array element releases that element and its
//     enclosing disclosures, not the other elements;
//   - a null component selects every element of the array that has the
//     rest of the path (the others are not released);
//   - a pointer ending at an object or array as a whole releases it with
//     everything below it (every disclosure nested in it, recursively).
//
// Plaintext claims need no disclosure: the plaintext members of a released
// object are visible with it. A path that selects nothing is an error
// (ErrPathNotFound). The result has no KB-JWT. DisclosuresFor reports the
// disclosure set a list of pointers releases; SelectDisclosures presents
// an exact disclosure set instead of pointers.
func (s *SDJWT) Select(lim Limits, paths ...vocab.ClaimPath) (*SDJWT, error) {
	pr, err := s.Process(lim)
	if err != nil {
		return nil, err
	}
	return pr.selectFrom(s, paths)
}

// pointerSet marks the disclosures that the claims path pointers release
// (see Select) together with their enclosing disclosures.
func (pr *Processed) pointerSet(paths []vocab.ClaimPath) ([]bool, error) {
	keep := make([]bool, len(pr.Paths))
	for _, p := range paths {
		found := false
		resolvePointer(pr.Claims, p, make([]any, 0, len(p)), func(loc []any) {
			found = true
			for i, dp := range pr.Paths {
				if !keep[i] && locPrefixRelated(loc, dp) {
					pr.keepWithParents(keep, i)
				}
			}
		})
		if !found {
			return nil, fmt.Errorf("%w: %v", ErrPathNotFound, []any(p))
		}
	}
	return keep, nil
}

// keepWithParents marks disclosure i and every disclosure enclosing it.
func (pr *Processed) keepWithParents(keep []bool, i int) {
	for j := i; j >= 0 && !keep[j]; j = pr.parents[j] {
		keep[j] = true
	}
}

func (pr *Processed) selectFrom(s *SDJWT, paths []vocab.ClaimPath) (*SDJWT, error) {
	keep, err := pr.pointerSet(paths)
	if err != nil {
		return nil, err
	}
	return keepOnly(s, keep), nil
}

func keepOnly(s *SDJWT, keep []bool) *SDJWT {
	out := &SDJWT{JWT: s.JWT}
	for i, d := range s.Disclosures {
		if keep[i] {
			out.Disclosures = append(out.Disclosures, d)
		}
	}
	return out
}

// KeyBinding describes the Key Binding JWT a holder adds (RFC 9901 §4.3).
type KeyBinding struct {
	// Signer signs with the holder key bound in cnf (an engine key through
	// jose.KeySigner, typically).
	Signer jose.MessageSigner
	// Audience and Nonce come from the verifier's request; both required.
	Audience string
	Nonce    string
	// Now gives iat (default time.Now).
	Now func() time.Time
	// TransactionDataHashes and TransactionDataHashesAlg, when set, are
	// written as transaction_data_hashes(_alg) (OpenID4VP 1.0 §8.4).
	TransactionDataHashes    []string
	TransactionDataHashesAlg string
}

// AddKeyBinding returns s (which must have no KB-JWT) with a KB-JWT whose
// sd_hash covers exactly s.SDJWTString().
func (s *SDJWT) AddKeyBinding(ctx context.Context, kb KeyBinding) (*SDJWT, error) {
	if s.KBJWT != "" {
		return nil, ErrUnexpectedKeyBinding
	}
	if kb.Signer == nil || kb.Audience == "" || kb.Nonce == "" {
		return nil, fmt.Errorf("%w: key binding needs a signer, audience and nonce", ErrOptions)
	}
	payload, err := decodePayload(s.JWT, Limits{})
	if err != nil {
		return nil, err
	}
	alg, err := sdAlg(payload)
	if err != nil {
		return nil, err
	}
	return s.addKeyBinding(ctx, kb, alg)
}

func (s *SDJWT) addKeyBinding(ctx context.Context, kb KeyBinding, alg HashAlg) (*SDJWT, error) {
	if kb.Signer == nil || kb.Audience == "" || kb.Nonce == "" {
		return nil, fmt.Errorf("%w: key binding needs a signer, audience and nonce", ErrOptions)
	}
	now := time.Now
	if kb.Now != nil {
		now = kb.Now
	}
	sdj := s.SDJWTString()
	claims := map[string]any{
		"iat":     now().Unix(),
		"aud":     kb.Audience,
		"nonce":   kb.Nonce,
		"sd_hash": alg.Digest(sdj),
	}
	if len(kb.TransactionDataHashes) > 0 {
		claims["transaction_data_hashes"] = kb.TransactionDataHashes
		if kb.TransactionDataHashesAlg != "" {
			claims["transaction_data_hashes_alg"] = kb.TransactionDataHashesAlg
		}
	}
	body, err := encodeJSON(claims)
	if err != nil {
		return nil, err
	}
	jwt, err := jose.Sign(ctx, kb.Signer, map[string]any{"typ": "kb+jwt"}, body)
	if err != nil {
		return nil, err
	}
	return &SDJWT{JWT: s.JWT, Disclosures: s.Disclosures, KBJWT: jwt}, nil
}

// Present selects the disclosures for the claims path pointers paths (see
// Select for how a pointer is read) and, when kb is not nil, appends a
// KB-JWT. It returns the compact serialization to send. Use
// PresentDisclosures to present an exact disclosure set.
func (s *SDJWT) Present(ctx context.Context, paths []vocab.ClaimPath, kb *KeyBinding) (string, error) {
	return s.present(ctx, kb, func(pr *Processed) ([]bool, error) { return pr.pointerSet(paths) })
}

// PresentDisclosures is Present for an exact disclosure set: it releases
// the disclosures placed at the given paths (entries of Processed.Paths,
// see SelectDisclosures) and the disclosures enclosing them, nothing else,
// and, when kb is not nil, appends a KB-JWT. This is what a wallet calls
// with the disclosure set a query evaluation computed (OpenID4VP 1.0 §6.4:
// no selectively disclosable claim that was not requested).
func (s *SDJWT) PresentDisclosures(ctx context.Context, disclosures []vocab.ClaimPath, kb *KeyBinding) (string, error) {
	return s.present(ctx, kb, func(pr *Processed) ([]bool, error) { return pr.exactSet(disclosures) })
}

func (s *SDJWT) present(ctx context.Context, kb *KeyBinding, choose func(*Processed) ([]bool, error)) (string, error) {
	if s.KBJWT != "" {
		return "", ErrUnexpectedKeyBinding
	}
	pr, err := s.Process(Limits{})
	if err != nil {
		return "", err
	}
	keep, err := choose(pr)
	if err != nil {
		return "", err
	}
	sel := keepOnly(s, keep)
	if kb == nil {
		return sel.String(), nil
	}
	withKB, err := sel.addKeyBinding(ctx, *kb, pr.HashAlg)
	if err != nil {
		return "", err
	}
	return withKB.String(), nil
}

// Select is Present's selection step on an already processed SD-JWT (avoids
// processing twice when the caller has a Processed at hand, e.g. from
// Credential). paths are claims path pointers, read as described at
// SDJWT.Select.
func (pr *Processed) Select(s *SDJWT, paths ...vocab.ClaimPath) (*SDJWT, error) {
	if len(pr.Paths) != len(s.Disclosures) {
		return nil, fmt.Errorf("%w: Processed does not belong to this SD-JWT", ErrOptions)
	}
	return pr.selectFrom(s, paths)
}
