package sdjwt

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/anybox"
	"github.com/ocmw/wstack/internal/b64url"
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

// frameNode is the part of the Disclosable paths below one claim. The
// children of a node are a linked list of nodes from one backing array
// (claims sets have tens of members: a scan beats a map there, and the
// frame costs one allocation); a node with more than frameIndexAt members
// adds a map for the lookups.
type frameNode struct {
	sd bool
	// name or i identifies the node in its parent's members or elems.
	name     string
	i        int
	next     *frameNode
	members  *frameNode
	elems    *frameNode
	allElems *frameNode
	nmembers int
	index    map[string]*frameNode
	// sorted: members are linked in ascending byte order of their names
	// (set by buildFrameIn; merged frames are not sorted).
	sorted bool
}

const frameIndexAt = 16

// member returns the frame of member k, nil if none (also on a nil n).
func (n *frameNode) member(k string) *frameNode {
	if n == nil {
		return nil
	}
	if n.index != nil {
		return n.index[k]
	}
	for c := n.members; c != nil; c = c.next {
		if c.name == k {
			return c
		}
	}
	return nil
}

func (n *frameNode) elem(i int) *frameNode {
	for c := n.elems; c != nil; c = c.next {
		if c.i == i {
			return c
		}
	}
	return nil
}

// addMember links c, which must not be linked yet, as the frame of
// member c.name (not yet present).
func (n *frameNode) addMember(c *frameNode) {
	c.next = n.members
	n.members = c
	n.nmembers++
	if n.index != nil {
		n.index[c.name] = c
	} else if n.nmembers > frameIndexAt {
		n.index = make(map[string]*frameNode, 2*n.nmembers)
		for m := n.members; m != nil; m = m.next {
			n.index[m.name] = m
		}
	}
}

// frameBuilder hands out frame nodes from one backing array.
type frameBuilder struct{ nodes []frameNode }

func (fb *frameBuilder) node() *frameNode {
	if len(fb.nodes) == cap(fb.nodes) {
		fb.nodes = make([]frameNode, 0, 8)
	}
	fb.nodes = append(fb.nodes, frameNode{})
	return &fb.nodes[len(fb.nodes)-1]
}

func (fb *frameBuilder) child(n *frameNode, c any) (*frameNode, error) {
	switch k := c.(type) {
	case string:
		if m := n.member(k); m != nil {
			return m, nil
		}
		m := fb.node()
		m.name = k
		n.addMember(m)
		return m, nil
	case float64: // a path decoded from JSON
		if k != float64(int(k)) {
			return nil, fmt.Errorf("%w: non-integer array index in claim path", ErrOptions)
		}
		return fb.child(n, int(k))
	case int:
		if k < 0 {
			return nil, fmt.Errorf("%w: negative array index in claim path", ErrOptions)
		}
		if e := n.elem(k); e != nil {
			return e, nil
		}
		e := fb.node()
		e.i, e.next, n.elems = k, n.elems, e
		return e, nil
	case nil:
		if n.allElems == nil {
			n.allElems = fb.node()
		}
		return n.allElems, nil
	}
	return nil, fmt.Errorf("%w: claim path component %T", ErrOptions, c)
}

// buildFrameIn is buildFrame with the nodes taken from nodes (returned,
// possibly replaced, for reuse).
func buildFrameIn(paths []vocab.ClaimPath, nodes []frameNode) (*frameNode, int, []frameNode, error) {
	n := 1
	for _, p := range paths {
		n += len(p)
	}
	if cap(nodes) < n {
		nodes = make([]frameNode, 0, n)
	}
	fb := &frameBuilder{nodes: nodes[:0]}
	root := fb.node()
	count := 0
	for _, p := range paths {
		if len(p) == 0 {
			return nil, 0, fb.nodes, fmt.Errorf("%w: empty claim path", ErrOptions)
		}
		n := root
		for _, c := range p {
			var err error
			if n, err = fb.child(n, c); err != nil {
				return nil, 0, fb.nodes, err
			}
		}
		if !n.sd {
			n.sd = true
			count++
		}
	}
	for i := range fb.nodes {
		fb.nodes[i].sortMembers()
	}
	return root, count, fb.nodes, nil
}

// sortMembers relinks the members of n in ascending order of their names,
// for the merge walk of issuer.object over sorted claim names.
func (n *frameNode) sortMembers() {
	if n.nmembers > 1 && n.index == nil {
		var buf [frameIndexAt]*frameNode
		ms := buf[:0]
		for c := n.members; c != nil; c = c.next {
			ms = append(ms, c)
		}
		slices.SortFunc(ms, func(a, b *frameNode) int { return strings.Compare(a.name, b.name) })
		for i := len(ms) - 1; i >= 0; i-- {
			next := (*frameNode)(nil)
			if i+1 < len(ms) {
				next = ms[i+1]
			}
			ms[i].next = next
		}
		n.members = ms[0]
	}
	n.sorted = true
}

// sameFrame reports whether paths equal the paths the cached frame was
// built from, component by component (a cached frame is reused only then).
func sameFrame(a, b []vocab.ClaimPath) bool {
	if len(a) != len(b) {
		return false
	}
	for i, p := range a {
		q := b[i]
		if len(p) != len(q) {
			return false
		}
		for j, c := range p {
			switch x := c.(type) {
			case string:
				if y, ok := q[j].(string); !ok || x != y {
					return false
				}
			case int:
				if y, ok := q[j].(int); !ok || x != y {
					return false
				}
			case nil:
				if q[j] != nil {
					return false
				}
			default:
				return false // never cached: buildFrameIn would refuse or convert it
			}
		}
	}
	return true
}

// mergeFrames combines the frame of a specific array index with the
// wildcard frame of the same array. The result shares the children's
// subtrees but links copies of them (a node sits in one list only).
func mergeFrames(a, b *frameNode) *frameNode {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := &frameNode{sd: a.sd || b.sd, allElems: mergeFrames(a.allElems, b.allElems)}
	link := func(name string, i int, elem bool, x *frameNode) {
		c := *x
		c.name, c.i, c.next = name, i, nil
		if elem {
			c.next, out.elems = out.elems, &c
		} else {
			out.addMember(&c)
		}
	}
	for m := a.members; m != nil; m = m.next {
		link(m.name, 0, false, mergeFrames(m, b.member(m.name)))
	}
	for m := b.members; m != nil; m = m.next {
		if a.member(m.name) == nil {
			link(m.name, 0, false, m)
		}
	}
	for e := a.elems; e != nil; e = e.next {
		var be *frameNode
		if x := b.elem(e.i); x != nil {
			be = x
		}
		link("", e.i, true, mergeFrames(e, be))
	}
	for e := b.elems; e != nil; e = e.next {
		if a.elem(e.i) == nil {
			link("", e.i, true, e)
		}
	}
	return out
}

// issuer builds the payload and the disclosures in one walk over the
// claims: JSON is written as it goes (the payload and each disclosure into
// a buffer of its own nesting level), the base64url disclosures are
// appended back to back to raw, and their digests to dg. Go values of the
// issued claims are built only where a Disclosure needs one (its Value).
type issuer struct {
	ndecoys int
	alg     HashAlg
	dl      int // length of a base64url digest
	enc     func(any) ([]byte, error)
	slt     saltFunc

	// salts holds base64url salts of 128 bits from one crypto/rand read,
	// saltLen characters each.
	salts string

	ds    []*Disclosure
	block []Disclosure
	raw   []byte
	ends  []int32
	dg    []byte
	// sd is a stack of offsets into dg: the digests of the object being
	// written, above those of the objects enclosing it.
	sd   []int32
	bufs [][]byte
	tmp  []byte

	// pooled scratch kept between calls (see release)
	body, cnf []byte
	nodes     []frameNode

	// The frame of the last call (in nodes), kept for the next when
	// frameCached, with a copy of the paths it was built from.
	frame       *frameNode
	frameN      int
	frameCached bool
	framePaths  []vocab.ClaimPath
	pathElems   []any
}

// keepPaths copies paths (the frame's key) into the issuer's own storage
// and reports whether the frame may be reused: only paths of strings,
// ints and nils are compared (sameFrame), and only a frame small enough to
// pool is kept.
func (is *issuer) keepPaths(paths []vocab.ClaimPath) bool {
	total := 0
	for _, p := range paths {
		for _, c := range p {
			switch c.(type) {
			case string, int, nil:
			default:
				return false
			}
		}
		total += len(p)
	}
	if total > maxCachedPathElems || cap(is.nodes) > maxPooledNodes {
		return false
	}
	elems := slices.Grow(is.pathElems[:0], total)
	kept := slices.Grow(is.framePaths[:0], len(paths))
	for _, p := range paths {
		start := len(elems)
		elems = append(elems, p...)
		kept = append(kept, vocab.ClaimPath(elems[start:len(elems):len(elems)]))
	}
	is.pathElems, is.framePaths = elems, kept
	return true
}

// maxCachedPathElems bounds the claim path components a pooled issuer keeps
// for its frame cache; maxPooledNodes the frame nodes it keeps at all.
const (
	maxCachedPathElems = 1024
	maxPooledNodes     = 1024
)

// saltLen is the length of a base64url-encoded 128-bit salt.
const saltLen = 22

// salt returns a fresh 128-bit salt (RFC 9901 §9.3). Salts are read from
// crypto/rand for all disclosures at once.
func (is *issuer) salt(string, any) (string, error) {
	if len(is.salts) < saltLen {
		if err := is.fillSalts(32); err != nil {
			return "", err
		}
	}
	s := is.salts[:saltLen]
	is.salts = is.salts[saltLen:]
	return s, nil
}

func (is *issuer) fillSalts(n int) error {
	// The random bytes stay on the stack (for up to 64 salts) and are
	// cleared; the text is one allocation, shared by the disclosures'
	// Salt strings and never written again.
	var rbuf [64 * 16]byte
	rnd := rbuf[:]
	if n*16 > len(rnd) {
		rnd = make([]byte, n*16)
	}
	rnd = rnd[:n*16]
	if _, err := rand.Read(rnd); err != nil {
		return err
	}
	buf := make([]byte, n*saltLen)
	for i := 0; i < n; i++ {
		b64url.Encode(buf[i*saltLen:(i+1)*saltLen], rnd[i*16:(i+1)*16])
	}
	clear(rnd)
	is.salts = unsafe.String(unsafe.SliceData(buf), len(buf))
	return nil
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
	is := issuerPool.Get().(*issuer)
	defer is.release()
	// An issuer issues the same credential configuration again and again:
	// the frame of the last call's paths is kept with the pooled scratch.
	if !is.frameCached || !sameFrame(o.Disclosable, is.framePaths) {
		is.frameCached = false
		frame, n, nodes, err := buildFrameIn(o.Disclosable, is.nodes)
		is.nodes = nodes
		if err != nil {
			return nil, err
		}
		is.frame, is.frameN = frame, n
		is.frameCached = is.keepPaths(o.Disclosable)
	}
	frame, n := is.frame, is.frameN
	var err error
	// Without wildcards every frame node marked sd is one claim at most,
	// disclosed when the walk below meets it: the walk has met them all
	// when it made n disclosures, and only otherwise are the paths looked
	// up one by one (for the error, which comes before any other).
	wildcard := false
	for _, p := range o.Disclosable {
		if slices.Contains(p, nil) {
			wildcard = true
			break
		}
	}
	if wildcard {
		if err := checkPaths(claims, o.Disclosable); err != nil {
			return nil, err
		}
	}
	is.ndecoys, is.alg, is.dl, is.enc, is.slt = o.Decoys, o.HashAlg, base64.RawURLEncoding.EncodedLen(o.HashAlg.size()), o.encode, o.salt
	is.ds = make([]*Disclosure, 0, n)
	is.block = make([]Disclosure, 0, n)
	nd := n + min(o.Decoys, 64)
	body := slices.Grow(is.body[:0], 1024)
	is.raw = slices.Grow(is.raw[:0], 96*n)
	is.dg = slices.Grow(is.dg[:0], is.dl*nd)
	is.tmp = slices.Grow(is.tmp[:0], (is.dl+3)*nd+16)
	for len(is.bufs) < 3 { // the payload's level, top-level and nested disclosures
		is.bufs = append(is.bufs, make([]byte, 0, 256))
	}
	is.ends = slices.Grow(is.ends[:0], n)
	is.sd = slices.Grow(is.sd[:0], n)
	if is.slt == nil {
		if err := is.fillSalts(nd); err != nil {
			return nil, err
		}
	}
	// The members Issue adds to the top level, in sorted order.
	var extra [2]extraMember
	extra[0] = extraMember{"_sd_alg", o.HashAlg.json()}
	ne := 1
	bind := o.HolderJWK != nil || o.HolderKID != ""
	if bind {
		cnf := slices.Grow(is.cnf[:0], 256)
		if o.HolderJWK != nil {
			cnf = append(cnf, `{"jwk":`...)
			if cnf, err = appendJSON(cnf, o.HolderJWK); err != nil {
				return nil, fmt.Errorf("sdjwt: encode payload: %w", err)
			}
		} else {
			cnf = append(cnf, `{"kid":`...)
			cnf = appendJSONString(cnf, o.HolderKID)
		}
		cnf = append(cnf, '}')
		is.cnf = cnf
		// A view of the pooled buffer, copied into the payload below.
		extra[1] = extraMember{"cnf", unsafe.String(unsafe.SliceData(cnf), len(cnf))}
		ne = 2
	}
	body, _, err = is.object(body, claims, frame, 0, 0, false, extra[:ne])
	is.body = body
	if !wildcard && (err != nil || len(is.ds) != n) {
		if perr := checkPaths(claims, o.Disclosable); perr != nil {
			return nil, perr
		}
		if err == nil {
			return nil, fmt.Errorf("%w: %d of %d disclosable claims reached", ErrOptions, len(is.ds), n)
		}
	}
	if err != nil {
		return nil, err
	}
	if _, ok := claims["cnf"]; ok && bind {
		if c := frame.member("cnf"); c == nil || !c.sd {
			return nil, fmt.Errorf("%w: claims already hold cnf", ErrOptions)
		}
	}
	if o.HolderJWK != nil {
		if err := crypto.CheckPublicJWK(o.HolderJWK); err != nil {
			return nil, fmt.Errorf("%w: holder JWK: %w", ErrOptions, err)
		}
	}
	raw := string(is.raw) // the disclosures share it; is.raw goes back to the pool
	start := int32(0)
	for i, d := range is.ds {
		d.Raw = raw[start:is.ends[i]]
		start = is.ends[i]
	}
	jwt, err := jose.SignTyped(ctx, signer, o.Typ, o.Header, body)
	if err != nil {
		return nil, err
	}
	return &SDJWT{JWT: jwt, Disclosures: is.ds}, nil
}

// checkPaths reports the first of paths that selects nothing in claims.
func checkPaths(claims map[string]any, paths []vocab.ClaimPath) error {
	for _, p := range paths {
		if !pathExists(claims, p) {
			return fmt.Errorf("%w: %v", ErrPathNotFound, []any(p))
		}
	}
	return nil
}

// issuerPool keeps the scratch buffers of Issue (the payload, disclosure
// and digest buffers, the frame nodes) between calls. Nothing Issue
// returns points into them: the disclosures' strings and values are copies.
var issuerPool = sync.Pool{New: func() any { return new(issuer) }}

// maxPooled bounds the buffers kept for the next Issue.
const maxPooled = 64 << 10

// release clears what this issuance wrote (claims values and frame
// pointers do not outlive the call) and returns the scratch to the pool.
func (is *issuer) release() {
	n := 0
	for _, b := range is.bufs {
		clear(b[:cap(b)])
		n += cap(b)
	}
	clear(is.body[:cap(is.body)])
	clear(is.raw[:cap(is.raw)])
	clear(is.tmp[:cap(is.tmp)])
	clear(is.cnf[:cap(is.cnf)])
	if !is.frameCached {
		clear(is.nodes[:cap(is.nodes)])
		clear(is.pathElems[:cap(is.pathElems)])
		is.frame, is.framePaths = nil, is.framePaths[:0]
	}
	big := n+cap(is.body)+cap(is.raw)+cap(is.dg)+cap(is.tmp) > maxPooled || cap(is.nodes) > maxPooledNodes || len(is.bufs) > 8
	*is = issuer{body: is.body[:0], raw: is.raw[:0], dg: is.dg[:0], tmp: is.tmp[:0], cnf: is.cnf[:0],
		bufs: is.bufs, ends: is.ends[:0], sd: is.sd[:0], nodes: is.nodes,
		frame: is.frame, frameN: is.frameN, frameCached: is.frameCached, framePaths: is.framePaths, pathElems: is.pathElems}
	if !big {
		issuerPool.Put(is)
	}
}

// extraMember is a member Issue adds to the payload, already encoded.
type extraMember struct {
	name string
	json string
}

// value appends the issued form of v under frame f to b, the buffer of
// disclosure nesting level lvl, and when want also returns it as a Go
// value.
func (is *issuer) value(b []byte, v any, f *frameNode, depth, lvl int, want bool) ([]byte, any, error) {
	if depth > DefaultMaxDepth*4 {
		return nil, nil, fmt.Errorf("%w: claims nested too deeply", ErrOptions)
	}
	switch t := v.(type) {
	case map[string]any:
		b, m, err := is.object(b, t, f, depth+1, lvl, want, nil)
		if !want || err != nil {
			return b, nil, err
		}
		return b, m, nil
	case []any:
		b, a, err := is.array(b, t, f, depth+1, lvl, want)
		if !want || err != nil {
			return b, nil, err
		}
		return b, a, nil
	}
	b, err := appendJSON(b, v)
	return b, v, err
}

// object writes m with its members in sorted order (the order appendJSON
// writes a map in), the disclosable ones replaced by the sorted "_sd"
// array, and extra (sorted) merged in.
func (is *issuer) object(b []byte, m map[string]any, f *frameNode, depth, lvl int, want bool, extra []extraMember) ([]byte, map[string]any, error) {
	var kbuf [32]string
	keys := kbuf[:0]
	for k := range m {
		if reserved(k) {
			return nil, nil, fmt.Errorf("%w: claim %q", ErrReservedName, k)
		}
		keys = append(keys, k)
	}
	sortKeys(keys)
	var out map[string]any
	if want {
		out = make(map[string]any, len(m))
	}
	sdBase := len(is.sd)
	open := len(b)
	b = append(b, '{')
	// sdAt is where "_sd" goes: before the first member written whose name
	// sorts after it.
	sdAt := -1
	member := func(b []byte, name string) []byte {
		if sdAt < 0 && name > "_sd" {
			sdAt = len(b)
		}
		if len(b) > open+1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		return append(b, ':')
	}
	// Frames from buildFrameIn link their members in sorted order: a
	// cursor walks them alongside the sorted keys.
	var cur *frameNode
	walk := f != nil && f.sorted && f.index == nil
	if walk {
		cur = f.members
	}
	ki, ei := 0, 0
	for ki < len(keys) || ei < len(extra) {
		if ei < len(extra) && (ki == len(keys) || extra[ei].name < keys[ki]) {
			b = member(b, extra[ei].name)
			b = append(b, extra[ei].json...)
			ei++
			continue
		}
		k := keys[ki]
		ki++
		var cf *frameNode
		if walk {
			for cur != nil && cur.name < k {
				cur = cur.next
			}
			if cur != nil && cur.name == k {
				cf = cur
			}
		} else {
			cf = f.member(k)
		}
		if cf != nil && cf.sd {
			off, err := is.disclose(k, false, m[k], cf, depth, lvl)
			if err != nil {
				return nil, nil, err
			}
			is.sd = append(is.sd, off)
			continue
		}
		b = member(b, k)
		var nv any
		var err error
		if b, nv, err = is.value(b, m[k], cf, depth, lvl, want); err != nil {
			return nil, nil, err
		}
		if want {
			out[k] = nv
		}
	}
	if len(is.sd) > sdBase {
		if err := is.decoys(); err != nil {
			return nil, nil, err
		}
		sd := is.sd[sdBase:]
		dg, dl := is.dg, is.dl
		sortDigests(sd, dg, dl)
		if sdAt < 0 {
			sdAt = len(b)
		}
		before, after := sdAt > open+1, len(b) > sdAt
		t := is.tmp[:0]
		if before {
			t = append(t, ',')
		}
		t = append(t, `"_sd":[`...)
		for i, x := range sd {
			if i > 0 {
				t = append(t, ',')
			}
			t = append(t, '"')
			t = append(t, dg[x:int(x)+dl]...)
			t = append(t, '"')
		}
		t = append(t, ']')
		if !before && after {
			t = append(t, ',')
		}
		b = slices.Insert(b, sdAt, t...)
		is.tmp = t
		if want {
			all := make([]byte, 0, len(sd)*dl)
			for _, x := range sd {
				all = append(all, dg[x:int(x)+dl]...)
			}
			// all is never written again.
			s := unsafe.String(unsafe.SliceData(all), len(all))
			arr := make([]any, len(sd))
			var boxes anybox.Strings
			boxes.Reserve(len(sd))
			for i := range arr {
				arr[i] = boxes.Box(s[i*dl : (i+1)*dl])
			}
			out["_sd"] = arr
		}
		is.sd = is.sd[:sdBase]
	}
	return append(b, '}'), out, nil
}

func (is *issuer) array(b []byte, a []any, f *frameNode, depth, lvl int, want bool) ([]byte, []any, error) {
	var out []any
	if want {
		out = make([]any, 0, len(a))
	}
	b = append(b, '[')
	disclosed := false
	// offs: where each element starts, for inserting decoys.
	var obuf [16]int
	offs := obuf[:0]
	for i, e := range a {
		var cf *frameNode
		if f != nil {
			cf = mergeFrames(f.elem(i), f.allElems)
		}
		if i > 0 {
			b = append(b, ',')
		}
		if is.ndecoys > 0 {
			offs = append(offs, len(b))
		}
		if cf != nil && cf.sd {
			off, err := is.disclose("", true, e, cf, depth, lvl)
			if err != nil {
				return nil, nil, err
			}
			b = is.appendDots(b, off)
			if want {
				out = append(out, map[string]any{"...": string(is.dg[off : int(off)+is.dl])})
			}
			disclosed = true
			continue
		}
		var nv any
		var err error
		if b, nv, err = is.value(b, e, cf, depth, lvl, want); err != nil {
			return nil, nil, err
		}
		if want {
			out = append(out, nv)
		}
	}
	if disclosed && is.ndecoys > 0 {
		n, err := randInt(is.ndecoys)
		if err != nil {
			return nil, nil, err
		}
		for range n + 1 {
			off, err := is.decoy()
			if err != nil {
				return nil, nil, err
			}
			pos, err := randInt(len(offs) + 1)
			if err != nil {
				return nil, nil, err
			}
			if pos == len(offs) {
				b = append(b, ',')
				offs = append(offs, len(b))
				b = is.appendDots(b, off)
			} else {
				t := is.appendDots(is.tmp[:0], off)
				t = append(t, ',')
				at := offs[pos]
				b = slices.Insert(b, at, t...)
				for j := pos; j < len(offs); j++ {
					offs[j] += len(t)
				}
				offs = slices.Insert(offs, pos, at)
				is.tmp = t
			}
			if want {
				out = slices.Insert(out, pos, any(map[string]any{"...": string(is.dg[off : int(off)+is.dl])}))
			}
		}
	}
	return append(b, ']'), out, nil
}

// sortDigests sorts the digest offsets sd by the digests they point to in
// dg (dl bytes each, at least 8): an insertion sort on the first eight
// bytes as a big-endian integer (the byte order) for the usual small
// objects, bytes.Compare on ties and for larger ones.
func sortDigests(sd []int32, dg []byte, dl int) {
	cmp := func(x, y int32) int { return bytes.Compare(dg[x:int(x)+dl], dg[y:int(y)+dl]) }
	if len(sd) > 24 || dl < 8 {
		slices.SortFunc(sd, cmp)
		return
	}
	var kbuf [24]uint64
	keys := kbuf[:len(sd)]
	for i, x := range sd {
		keys[i] = binary.BigEndian.Uint64(dg[x:])
	}
	for i := 1; i < len(sd); i++ {
		k, x := keys[i], sd[i]
		j := i
		for ; j > 0 && (keys[j-1] > k || keys[j-1] == k && cmp(sd[j-1], x) > 0); j-- {
			keys[j], sd[j] = keys[j-1], sd[j-1]
		}
		keys[j], sd[j] = k, x
	}
}

// appendDots appends {"...":"<digest>"}.
func (is *issuer) appendDots(b []byte, off int32) []byte {
	b = append(b, `{"...":"`...)
	b = append(b, is.dg[off:int(off)+is.dl]...)
	return append(b, `"}`...)
}

// disclose creates the disclosure of value v (under frame cf) for the claim
// name (array element when arrayElem) and returns the offset of its digest
// in is.dg.
func (is *issuer) disclose(name string, arrayElem bool, v any, cf *frameNode, depth, lvl int) (int32, error) {
	lv := lvl + 1
	for len(is.bufs) <= lv {
		is.bufs = append(is.bufs, nil)
	}
	buf := is.bufs[lv][:0]
	var salt string
	var nv any
	var err error
	if is.slt == nil && is.enc == nil {
		// The default salt does not depend on the value: write the
		// disclosure front to back. A salt is base64url, nothing to escape.
		if salt, err = is.salt("", nil); err != nil {
			return 0, err
		}
		buf = append(buf, `["`...)
		buf = append(buf, salt...)
		buf = append(buf, `",`...)
		if !arrayElem {
			buf = appendJSONString(buf, name)
			buf = append(buf, ',')
		}
		if buf, nv, err = is.value(buf, v, cf, depth, lv, true); err != nil {
			return 0, err
		}
		buf = append(buf, ']')
	} else {
		if buf, nv, err = is.value(buf, v, cf, depth, lv, true); err != nil {
			return 0, err
		}
		if is.slt != nil {
			salt, err = is.slt(name, nv)
		} else {
			salt, err = is.salt(name, nv)
		}
		if err != nil {
			return 0, err
		}
		switch {
		case is.enc != nil && arrayElem:
			buf, err = is.enc([]any{salt, nv})
		case is.enc != nil:
			buf, err = is.enc([]any{salt, name, nv})
		default:
			var pbuf [64]byte
			p := append(pbuf[:0], '[')
			p = appendJSONString(p, salt)
			p = append(p, ',')
			if !arrayElem {
				p = appendJSONString(p, name)
				p = append(p, ',')
			}
			buf = append(slices.Insert(buf, 0, p...), ']')
		}
		if err != nil {
			return 0, fmt.Errorf("sdjwt: encode disclosure: %w", err)
		}
	}
	if is.enc == nil {
		is.bufs[lv] = buf
	}
	start := len(is.raw)
	if start+base64.RawURLEncoding.EncodedLen(len(buf)) > math.MaxInt32 {
		return 0, fmt.Errorf("%w: disclosures too large", ErrOptions)
	}
	is.raw = b64url.AppendEncode(is.raw, buf)
	is.ends = append(is.ends, int32(len(is.raw)))
	if len(is.block) == cap(is.block) {
		is.block = make([]Disclosure, 0, 8)
	}
	is.block = append(is.block, Disclosure{Salt: salt, Name: name, IsArrayElement: arrayElem, Value: nv})
	is.ds = append(is.ds, &is.block[len(is.block)-1])
	return is.digest(is.raw[start:]), nil
}

// digest appends the digest of b to is.dg and returns its offset.
func (is *issuer) digest(b []byte) int32 {
	off := int32(len(is.dg))
	is.dg = is.alg.appendDigest(is.dg, b)
	return off
}

// decoy returns the offset of a new decoy digest: the digest of a fresh
// 128-bit salt (RFC 9901 §4.2.5).
func (is *issuer) decoy() (int32, error) {
	s, err := is.salt("", nil)
	if err != nil {
		return 0, err
	}
	return is.digest(unsafe.Slice(unsafe.StringData(s), len(s))), nil
}

// decoys pushes between 1 and o.Decoys decoy digests onto is.sd.
func (is *issuer) decoys() error {
	if is.ndecoys <= 0 {
		return nil
	}
	n, err := randInt(is.ndecoys)
	if err != nil {
		return err
	}
	for range n + 1 {
		off, err := is.decoy()
		if err != nil {
			return err
		}
		is.sd = append(is.sd, off)
	}
	return nil
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
