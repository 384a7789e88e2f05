package sdjwt

import (
	"encoding/base64"
	"fmt"
	"sync"
	"unsafe"

	"github.com/ocmw/wstack/internal/anybox"
	"github.com/ocmw/wstack/vocab"
)

// seg is one segment of the claim path being visited: a member name or
// (isIndex) an array index. It is boxed into an any only when a
// disclosure is placed below it.
type seg struct {
	name    string
	index   int
	isIndex bool
}

func (s seg) box(boxes *anybox.Strings) any {
	if s.isIndex {
		return s.index
	}
	return boxes.Box(s.name)
}

type processor struct {
	alg  HashAlg
	lim  Limits
	ds   []*Disclosure
	used []bool
	out  *Processed
	// byDigest maps each disclosure's digest to its index; digests met in
	// the payload that match no disclosure are added as -1, so that one map
	// detects every repeated digest.
	byDigest map[string]int
	// path is the claim path being visited; boxed parallels it, holding
	// each segment boxed once it was needed (nil before).
	path    []seg
	boxed   []any
	boxes   anybox.Strings // boxes the names in recorded paths
	paths   []any          // backing array of the recorded paths
	digests int
}

// scratch is the per-call memory of process that does not outlive it,
// reused through scratchPool. Everything it references is cleared before
// it goes back.
type scratch struct {
	byDigest map[string]int
	path     []seg
	boxed    []any
	used     []bool
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{byDigest: make(map[string]int, 64), path: make([]seg, 0, 16), boxed: make([]any, 0, 16)}
}}

// release clears the scratch (its map is m, which it may have replaced)
// and puts it back into the pool.
func (sc *scratch) release(m map[string]int) {
	if len(m) > maxPooledDigests {
		m = make(map[string]int, 64)
	} else {
		clear(m)
	}
	sc.byDigest = m
	scratchPool.Put(sc)
}

// maxPooledDigests bounds the digest map a scratch keeps (a presentation
// with thousands of decoys does not pin its large map in the pool).
const maxPooledDigests = 512

// process runs RFC 9901 §7.1 steps 3–5 over a decoded issuer-signed payload
// into *out and reports where each disclosure went (Processed.Paths,
// parents).
// The caller has removed nothing; _sd_alg is dropped from the top level
// here. With own, the payload (a value freshly decoded for this call that
// nothing else holds) is processed in place and becomes the claims; without,
// it is not modified. Disclosure values are never modified: what they
// contribute to the claims is always a copy.
func process(payload map[string]any, ds []*Disclosure, alg HashAlg, lim Limits, own bool, out *Processed) error {
	lim = lim.norm()
	n := len(ds)
	*out = Processed{HashAlg: alg, Paths: make([]vocab.ClaimPath, n), parents: make([]int, n)}
	sc := scratchPool.Get().(*scratch)
	if cap(sc.used) < n {
		sc.used = make([]bool, n)
	}
	used := sc.used[:n] // all false (cleared on release)
	p := &processor{
		alg:      alg,
		lim:      lim,
		ds:       ds,
		used:     used,
		out:      out,
		byDigest: sc.byDigest,
		path:     sc.path[:0],
		boxed:    sc.boxed[:0],
	}
	p.boxes.Reserve(n)
	defer func() {
		clear(p.boxed[:cap(p.boxed)])
		clear(p.path[:cap(p.path)])
		clear(used)
		if cap(sc.used) > maxPooledDigests {
			sc.used = nil
		}
		sc.path, sc.boxed = p.path[:0], p.boxed[:0]
		sc.release(p.byDigest)
	}()
	// The digests share one buffer (one allocation instead of one each);
	// it is never written after this loop, so the map keys can be views of
	// it.
	dl := base64.RawURLEncoding.EncodedLen(alg.size())
	all := make([]byte, 0, dl*n)
	for _, d := range ds {
		all = alg.appendDigest(all, unsafe.Slice(unsafe.StringData(d.Raw), len(d.Raw)))
	}
	digests := unsafe.String(unsafe.SliceData(all), len(all))
	for i := range ds {
		dg := digests[i*dl : (i+1)*dl]
		if _, dup := p.byDigest[dg]; dup {
			return ErrDuplicateDisclosure
		}
		p.byDigest[dg] = i
	}
	claims, err := p.object(payload, 1, -1, true, own)
	if err != nil {
		return err
	}
	for i, u := range p.used {
		if !u {
			return fmt.Errorf("%w: disclosure %d", ErrUnreferencedDisclosure, i)
		}
	}
	out.Claims = claims
	return nil
}

func (p *processor) push(s seg) {
	p.path = append(p.path, s)
	p.boxed = append(p.boxed, nil)
}

func (p *processor) pop() {
	p.path = p.path[:len(p.path)-1]
	p.boxed[len(p.boxed)-1] = nil
	p.boxed = p.boxed[:len(p.boxed)-1]
}

// value processes v; own reports that v (and everything in it) may be
// modified in place.
func (p *processor) value(v any, depth, owner int, own bool) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		return p.object(t, depth+1, owner, false, own)
	case []any:
		return p.array(t, depth+1, owner, own)
	}
	return v, nil
}

func (p *processor) tooDeep(depth int) error {
	if depth > p.lim.MaxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrTooLarge, p.lim.MaxDepth)
	}
	return nil
}

func (p *processor) digest(dg string) (int, bool, error) {
	p.digests++
	if p.digests > p.lim.MaxDigests {
		return 0, false, fmt.Errorf("%w: more than %d digests", ErrTooLarge, p.lim.MaxDigests)
	}
	i, ok := p.byDigest[dg]
	switch {
	case !ok:
		p.byDigest[dg] = -1
		return 0, false, nil
	case i < 0 || p.used[i]:
		return 0, false, ErrDuplicateDigest
	}
	return i, true, nil
}

func (p *processor) object(m map[string]any, depth, owner int, top, own bool) (map[string]any, error) {
	if err := p.tooDeep(depth); err != nil {
		return nil, err
	}
	out := m
	size := len(m)
	if sd, ok := m["_sd"].([]any); ok {
		size += min(len(sd), len(p.ds)) // room for what the digests disclose
	}
	// A map of its own is still replaced by one of the final size when
	// the disclosed claims would grow it beyond a small map (one group of
	// 8): growing it in place rehashes it, once or twice, on the way. The
	// members' values are processed in place all the same.
	if !own || size > len(m)+1 && size > 8 {
		out = make(map[string]any, size)
	}
	var sd []any
	hasSD, hasAlg := false, false
	for k, v := range m {
		switch k {
		case "_sd":
			arr, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%w: _sd is not an array", ErrInvalidDigests)
			}
			sd, hasSD = arr, true
			continue
		case "...":
			return nil, fmt.Errorf("%w: \"...\" outside an array element digest", ErrReservedName)
		case "_sd_alg":
			if top {
				hasAlg = true
				continue
			}
			return nil, fmt.Errorf("%w: _sd_alg below the top level", ErrHashAlgorithm)
		}
		p.push(seg{name: k})
		nv, err := p.value(v, depth, owner, own)
		p.pop()
		if err != nil {
			return nil, err
		}
		out[k] = nv // in place: replaces the value of an existing key (allowed while ranging)
	}
	if own {
		if hasSD {
			delete(out, "_sd")
		}
		if hasAlg {
			delete(out, "_sd_alg")
		}
	}
	if !hasSD {
		return out, nil
	}
	for _, e := range sd {
		dg, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%w: _sd entry is not a string", ErrInvalidDigests)
		}
		i, found, err := p.digest(dg)
		if err != nil {
			return nil, err
		}
		if !found {
			continue // decoy or undisclosed
		}
		d := p.ds[i]
		if d.IsArrayElement {
			return nil, fmt.Errorf("%w: two-element disclosure referenced from _sd", ErrDisclosure)
		}
		switch d.Name {
		case "_sd", "...", "_sd_alg":
			return nil, fmt.Errorf("%w: disclosed claim name %q", ErrReservedName, d.Name)
		}
		if _, exists := out[d.Name]; exists {
			return nil, fmt.Errorf("%w: %q", ErrClaimCollision, d.Name)
		}
		p.push(seg{name: d.Name})
		p.record(i, owner)
		nv, err := p.value(d.Value, depth, i, false)
		p.pop()
		if err != nil {
			return nil, err
		}
		out[d.Name] = nv
	}
	return out, nil
}

func (p *processor) record(i, owner int) {
	p.used[i] = true
	p.out.parents[i] = owner
	// The segments of the path are boxed once, when the first disclosure
	// below them is placed (a sibling's path reuses them).
	for j, b := range p.boxed {
		if b == nil {
			p.boxed[j] = p.path[j].box(&p.boxes)
		}
	}
	// Paths are cut from one backing array, each capped at its length so
	// that an append to one never writes into the next.
	n := len(p.boxed)
	if cap(p.paths)-len(p.paths) < n {
		p.paths = make([]any, 0, max(2*len(p.ds), 4*n))
	}
	start := len(p.paths)
	p.paths = append(p.paths, p.boxed...)
	p.out.Paths[i] = vocab.ClaimPath(p.paths[start : start+n : start+n])
}

func (p *processor) array(a []any, depth, owner int, own bool) ([]any, error) {
	if err := p.tooDeep(depth); err != nil {
		return nil, err
	}
	var out []any
	if own {
		// In place: element i is read before anything is written at index
		// len(out) <= i, so compaction never overwrites an unread element.
		out = a[:0]
		defer func() { clear(a[len(out):]) }()
	} else {
		out = make([]any, 0, len(a))
	}
	for _, e := range a {
		if m, ok := e.(map[string]any); ok {
			if raw, isDigest := m["..."]; isDigest {
				if len(m) != 1 {
					return nil, fmt.Errorf("%w: array digest object with other members", ErrInvalidDigests)
				}
				dg, ok := raw.(string)
				if !ok {
					return nil, fmt.Errorf("%w: array digest is not a string", ErrInvalidDigests)
				}
				i, found, err := p.digest(dg)
				if err != nil {
					return nil, err
				}
				if !found {
					continue // element not disclosed (or decoy): removed
				}
				d := p.ds[i]
				if !d.IsArrayElement {
					return nil, fmt.Errorf("%w: three-element disclosure referenced from an array", ErrDisclosure)
				}
				p.push(seg{index: len(out), isIndex: true})
				p.record(i, owner)
				nv, err := p.value(d.Value, depth, i, false)
				p.pop()
				if err != nil {
					return nil, err
				}
				out = append(out, nv)
				continue
			}
		}
		p.push(seg{index: len(out), isIndex: true})
		nv, err := p.value(e, depth, owner, own)
		p.pop()
		if err != nil {
			return nil, err
		}
		out = append(out, nv)
	}
	return out, nil
}
