package sdjwt

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"sort"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/vocab"
)

// IssueOptions configure Issue.
type IssueOptions struct {
	// Typ is the JOSE typ of the issuer-signed JWT, chosen by the caller
	// ("dc+sd-jwt" for SD-JWT VC, "example+sd-jwt", …). Required: RFC 9901
	// §9.11 asks for explicit typing.
	Typ string
	// Header holds further protected header members (kid, x5c, …). alg and
	// typ are always set by Issue.
	Header map[string]any
	// HashAlg is the _sd_alg (default sha-256).
	HashAlg HashAlg
	// Disclosable lists the claims to make selectively disclosable, as
	// claim paths into the claims set: a string selects an object member, a
	// non-negative int an array element, nil every element of an array. A
	// path below another disclosable path yields a recursive disclosure
	// (RFC 9901 §4.2.6). Every path must select at least one claim.
	Disclosable []vocab.ClaimPath
	// Decoys, when positive, adds between 1 and Decoys decoy digests
	// (RFC 9901 §4.2.5) to every object and array that has selectively
	// disclosable members.
	Decoys int
	// HolderJWK binds the SD-JWT to the holder's public key (cnf.jwk,
	// RFC 7800 §3.2). It must not hold private members.
	HolderJWK map[string]any
	// HolderKID binds to a key by reference (cnf.kid, RFC 7800 §3.4)
	// instead; mutually exclusive with HolderJWK.
	HolderKID string

	// test hooks (RFC vectors use fixed salts and Python's JSON spacing).
	salt   saltFunc
	encode func(any) ([]byte, error)
}

// Reserved claim names that never appear as ordinary claims.
func reserved(name string) bool { return name == "_sd" || name == "..." || name == "_sd_alg" }

type frameNode struct {
	sd       bool
	members  map[string]*frameNode
	elems    map[int]*frameNode
	allElems *frameNode
}

func (n *frameNode) child(c any) (*frameNode, error) {
	switch k := c.(type) {
	case string:
		if n.members == nil {
			n.members = map[string]*frameNode{}
		}
		if n.members[k] == nil {
			n.members[k] = &frameNode{}
		}
		return n.members[k], nil
	case float64: // a path decoded from JSON
		if k != float64(int(k)) {
			return nil, fmt.Errorf("%w: non-integer array index in claim path", ErrOptions)
		}
		return n.child(int(k))
	case int:
		if k < 0 {
			return nil, fmt.Errorf("%w: negative array index in claim path", ErrOptions)
		}
		if n.elems == nil {
			n.elems = map[int]*frameNode{}
		}
		if n.elems[k] == nil {
			n.elems[k] = &frameNode{}
		}
		return n.elems[k], nil
	case nil:
		if n.allElems == nil {
			n.allElems = &frameNode{}
		}
		return n.allElems, nil
	}
	return nil, fmt.Errorf("%w: claim path component %T", ErrOptions, c)
}

func buildFrame(paths []vocab.ClaimPath) (*frameNode, error) {
	root := &frameNode{}
	for _, p := range paths {
		if len(p) == 0 {
			return nil, fmt.Errorf("%w: empty claim path", ErrOptions)
		}
		n := root
		for _, c := range p {
			var err error
			if n, err = n.child(c); err != nil {
				return nil, err
			}
		}
		n.sd = true
	}
	return root, nil
}

// mergeFrames combines the frame of a specific array index with the
// wildcard frame of the same array.
func mergeFrames(a, b *frameNode) *frameNode {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := &frameNode{sd: a.sd || b.sd, allElems: mergeFrames(a.allElems, b.allElems)}
	if len(a.members)+len(b.members) > 0 {
		out.members = make(map[string]*frameNode, len(a.members)+len(b.members))
		for k, v := range a.members {
			out.members[k] = v
		}
		for k, v := range b.members {
			out.members[k] = mergeFrames(out.members[k], v)
		}
	}
	if len(a.elems)+len(b.elems) > 0 {
		out.elems = make(map[int]*frameNode, len(a.elems)+len(b.elems))
		for k, v := range a.elems {
			out.elems[k] = v
		}
		for k, v := range b.elems {
			out.elems[k] = mergeFrames(out.elems[k], v)
		}
	}
	return out
}

type issuer struct {
	o   *IssueOptions
	ds  []*Disclosure
	enc func(any) ([]byte, error)
	slt saltFunc
	// pool holds random bytes read from crypto/rand in one call and cut
	// into 128-bit salts.
	pool []byte
}

// salt returns a fresh 128-bit salt (RFC 9901 §9.3) from the pool.
func (is *issuer) salt(string, any) (string, error) {
	if len(is.pool) < 16 {
		is.pool = make([]byte, 16*32)
		if _, err := rand.Read(is.pool); err != nil {
			return "", err
		}
	}
	s := base64.RawURLEncoding.EncodeToString(is.pool[:16])
	is.pool = is.pool[16:]
	return s, nil
}

// Issue creates an SD-JWT (RFC 9901 §4) from a JWT claims set. Claims named
// in o.Disclosable are replaced by digests of new disclosures (salts of 128
// bits from crypto/rand); _sd arrays are sorted so that their order reveals
// nothing; _sd_alg is always written. The result carries every disclosure,
// as issued to the holder.
func Issue(ctx context.Context, signer jose.MessageSigner, claims map[string]any, o IssueOptions) (*SDJWT, error) {
	if signer == nil {
		return nil, fmt.Errorf("%w: no signer", ErrOptions)
	}
	if o.Typ == "" {
		return nil, fmt.Errorf("%w: typ is required", ErrOptions)
	}
	if o.HashAlg == "" {
		o.HashAlg = SHA256
	}
	if !o.HashAlg.Valid() {
		return nil, fmt.Errorf("%w: %q", ErrHashAlgorithm, string(o.HashAlg))
	}
	if o.HolderJWK != nil && o.HolderKID != "" {
		return nil, fmt.Errorf("%w: HolderJWK and HolderKID are mutually exclusive", ErrOptions)
	}
	if o.Decoys < 0 || o.Decoys > 1000 {
		return nil, fmt.Errorf("%w: decoys out of range", ErrOptions)
	}
	frame, err := buildFrame(o.Disclosable)
	if err != nil {
		return nil, err
	}
	for _, p := range o.Disclosable {
		if !pathExists(claims, p) {
			return nil, fmt.Errorf("%w: %v", ErrPathNotFound, []any(p))
		}
	}
	is := &issuer{o: &o, enc: o.encode, slt: o.salt}
	if is.slt == nil {
		is.slt = is.salt
	}
	payload, err := is.object(claims, frame, 0)
	if err != nil {
		return nil, err
	}
	if _, ok := payload["cnf"]; ok && (o.HolderJWK != nil || o.HolderKID != "") {
		return nil, fmt.Errorf("%w: claims already hold cnf", ErrOptions)
	}
	switch {
	case o.HolderJWK != nil:
		if _, err := crypto.PublicKeyFromJWK(o.HolderJWK); err != nil {
			return nil, fmt.Errorf("%w: holder JWK: %w", ErrOptions, err)
		}
		payload["cnf"] = map[string]any{"jwk": o.HolderJWK}
	case o.HolderKID != "":
		payload["cnf"] = map[string]any{"kid": o.HolderKID}
	}
	payload["_sd_alg"] = string(o.HashAlg)
	body, err := appendJSON(make([]byte, 0, 1024), payload)
	if err != nil {
		return nil, fmt.Errorf("sdjwt: encode payload: %w", err)
	}
	hdr := make(map[string]any, len(o.Header)+2)
	for k, v := range o.Header {
		hdr[k] = v
	}
	hdr["typ"] = o.Typ
	jwt, err := jose.Sign(ctx, signer, hdr, body)
	if err != nil {
		return nil, err
	}
	return &SDJWT{JWT: jwt, Disclosures: is.ds}, nil
}

func (is *issuer) value(v any, f *frameNode, depth int) (any, error) {
	if depth > DefaultMaxDepth*4 {
		return nil, fmt.Errorf("%w: claims nested too deeply", ErrOptions)
	}
	switch t := v.(type) {
	case map[string]any:
		return is.object(t, f, depth+1)
	case []any:
		return is.array(t, f, depth+1)
	}
	return v, nil
}

func (is *issuer) object(m map[string]any, f *frameNode, depth int) (map[string]any, error) {
	out := make(map[string]any, len(m))
	var sd []string
	// Iterate in sorted order so the disclosure list order is stable.
	keys := make([]string, 0, len(m))
	for k := range m {
		if reserved(k) {
			return nil, fmt.Errorf("%w: claim %q", ErrReservedName, k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var cf *frameNode
		if f != nil {
			cf = f.members[k]
		}
		nv, err := is.value(m[k], cf, depth)
		if err != nil {
			return nil, err
		}
		if cf != nil && cf.sd {
			salt, err := is.slt(k, nv)
			if err != nil {
				return nil, err
			}
			d, err := newDisclosure(salt, k, false, nv, is.enc)
			if err != nil {
				return nil, err
			}
			is.ds = append(is.ds, d)
			sd = append(sd, is.o.HashAlg.Digest(d.Raw))
			continue
		}
		out[k] = nv
	}
	if len(sd) > 0 {
		decoys, err := is.decoys()
		if err != nil {
			return nil, err
		}
		sd = append(sd, decoys...)
		sort.Strings(sd)
		arr := make([]any, len(sd))
		for i, s := range sd {
			arr[i] = s
		}
		out["_sd"] = arr
	}
	return out, nil
}

func (is *issuer) array(a []any, f *frameNode, depth int) ([]any, error) {
	out := make([]any, 0, len(a))
	disclosed := false
	for i, e := range a {
		var cf *frameNode
		if f != nil {
			cf = mergeFrames(f.elems[i], f.allElems)
		}
		nv, err := is.value(e, cf, depth)
		if err != nil {
			return nil, err
		}
		if cf != nil && cf.sd {
			salt, err := is.slt("", nv)
			if err != nil {
				return nil, err
			}
			d, err := newDisclosure(salt, "", true, nv, is.enc)
			if err != nil {
				return nil, err
			}
			is.ds = append(is.ds, d)
			out = append(out, map[string]any{"...": is.o.HashAlg.Digest(d.Raw)})
			disclosed = true
			continue
		}
		out = append(out, nv)
	}
	if disclosed {
		decoys, err := is.decoys()
		if err != nil {
			return nil, err
		}
		for _, dg := range decoys {
			pos, err := randInt(len(out) + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, nil)
			copy(out[pos+1:], out[pos:])
			out[pos] = map[string]any{"...": dg}
		}
	}
	return out, nil
}

// decoys returns between 1 and o.Decoys decoy digests: the hash of 128
// random bits (RFC 9901 §4.2.5).
func (is *issuer) decoys() ([]string, error) {
	if is.o.Decoys <= 0 {
		return nil, nil
	}
	n, err := randInt(is.o.Decoys)
	if err != nil {
		return nil, err
	}
	out := make([]string, n+1)
	for i := range out {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		out[i] = is.o.HashAlg.Digest(base64.RawURLEncoding.EncodeToString(b[:]))
	}
	return out, nil
}

func randInt(n int) (int, error) {
	if n <= 1 {
		return 0, nil
	}
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, err
	}
	return int(v.Int64()), nil
}
