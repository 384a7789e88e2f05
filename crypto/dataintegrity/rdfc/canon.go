package rdfc

import (
	"context"
	"crypto"
	_ "crypto/sha256" // register SHA-256
	_ "crypto/sha512" // register SHA-384
	"encoding/hex"
	"fmt"
	"hash"
	"sort"
	"strconv"
	"strings"
)

// Default limits.
const (
	// DefaultMaxWork bounds the work of the Hash N-Degree Quads algorithm:
	// one unit per call and one per permutation examined. Credentials and
	// presentations need a few dozen units, the hardest positive W3C
	// rdf-canon cases ("evil", test044–046) 3,348; the poison clique
	// (test074) would need millions.
	DefaultMaxWork = 10_000
	// DefaultMaxQuads bounds the size of the input dataset.
	DefaultMaxQuads = 100_000
	// DefaultMaxBlankNodes bounds the number of distinct blank nodes.
	DefaultMaxBlankNodes = 10_000
)

// Options configure Canonicalize. The zero value is SHA-256 with the default
// limits.
type Options struct {
	// Hash is crypto.SHA256 (default) or crypto.SHA384.
	Hash crypto.Hash
	// MaxWork caps N-degree hashing work (calls + permutations); 0 means
	// DefaultMaxWork, a negative value means no cap (only for trusted input).
	MaxWork int
	// MaxQuads caps the number of input quads; 0 means DefaultMaxQuads.
	MaxQuads int
	// MaxBlankNodes caps the number of distinct blank nodes; 0 means
	// DefaultMaxBlankNodes.
	MaxBlankNodes int
}

// Result is the outcome of canonicalisation.
type Result struct {
	// NQuads is the canonical N-Quads document: sorted, de-duplicated lines,
	// each terminated by "\n".
	NQuads string
	// Quads are the relabelled quads in canonical order.
	Quads []Quad
	// IssuedIdentifiers maps input blank node labels (with "_:") to
	// canonical labels ("c14n0", …, without "_:"), the canonical map of
	// (the canonical issuer's issued identifiers map).
	IssuedIdentifiers map[string]string
	// Work is the number of work units spent (see Options.MaxWork).
	Work int
}

// Canonicalize canonicalises a dataset with the RDFC-1.0 Canonicalization Algorithm. It honours
// ctx cancellation and Options.MaxWork; both abort with an error (ctx.Err()
// wrapped, or ErrWorkLimit).
func Canonicalize(ctx context.Context, quads []Quad, opts Options) (*Result, error) {
	if opts.Hash == 0 {
		opts.Hash = crypto.SHA256
	}
	if opts.Hash != crypto.SHA256 && opts.Hash != crypto.SHA384 {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedHash, opts.Hash)
	}
	if opts.MaxWork == 0 {
		opts.MaxWork = DefaultMaxWork
	}
	if opts.MaxQuads == 0 {
		opts.MaxQuads = DefaultMaxQuads
	}
	if opts.MaxBlankNodes == 0 {
		opts.MaxBlankNodes = DefaultMaxBlankNodes
	}
	if len(quads) > opts.MaxQuads {
		return nil, fmt.Errorf("%w: %d quads (limit %d)", ErrTooLarge, len(quads), opts.MaxQuads)
	}
	for i := range quads {
		if err := quads[i].validate(); err != nil {
			return nil, err
		}
	}
	c := &canonicalizer{
		ctx:      ctx,
		opts:     opts,
		quads:    quads,
		bnQuads:  map[string][]int{},
		canon:    newIssuer("_:c14n"),
		h:        opts.Hash.New(),
		fdqCache: map[string]string{},
	}
	return c.run()
}

type canonicalizer struct {
	ctx      context.Context
	opts     Options
	quads    []Quad
	bnQuads  map[string][]int // blank node to quads map (indexes into quads)
	canon    *issuer
	h        hash.Hash
	work     int
	fdqCache map[string]string
	sb       strings.Builder
}

func (c *canonicalizer) run() (*Result, error) {
	// Canonicalization Algorithm step 2: blank node to quads map, keeping
	// the order in which blank nodes first occur (it decides ties between
	// automorphic blank nodes, and so the issued identifiers map).
	var labels []string
	for i := range c.quads {
		q := &c.quads[i]
		for _, t := range [...]*Term{&q.Subject, &q.Object, &q.Graph} {
			if t.Kind == KindBlank {
				l := c.bnQuads[t.Value]
				if len(l) == 0 {
					labels = append(labels, t.Value)
				}
				if len(l) == 0 || l[len(l)-1] != i {
					c.bnQuads[t.Value] = append(l, i)
				}
			}
		}
	}
	if len(c.bnQuads) > c.opts.MaxBlankNodes {
		return nil, fmt.Errorf("%w: %d blank nodes (limit %d)", ErrTooLarge, len(c.bnQuads), c.opts.MaxBlankNodes)
	}
	// Step 3: first degree hashes.
	hashToBN := map[string][]string{}
	for _, bn := range labels {
		h := c.hashFirstDegree(bn)
		hashToBN[h] = append(hashToBN[h], bn)
	}
	hashes := make([]string, 0, len(hashToBN))
	for h := range hashToBN {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	// Step 4: unique hashes get canonical identifiers first.
	var shared []string
	for _, h := range hashes {
		if l := hashToBN[h]; len(l) == 1 {
			c.canon.issue(l[0])
		} else {
			shared = append(shared, h)
		}
	}
	// Step 5: shared hashes, through Hash N-Degree Quads.
	for _, h := range shared {
		type pathResult struct {
			hash   string
			issuer *issuer
		}
		var list []pathResult
		for _, bn := range hashToBN[h] {
			if c.canon.has(bn) {
				continue
			}
			tmp := newIssuer("_:b")
			tmp.issue(bn)
			rh, ri, err := c.hashNDegree(bn, tmp)
			if err != nil {
				return nil, err
			}
			list = append(list, pathResult{rh, ri})
		}
		sort.SliceStable(list, func(i, j int) bool { return list[i].hash < list[j].hash })
		for _, r := range list {
			for _, existing := range r.issuer.order {
				c.canon.issue(existing)
			}
		}
	}
	// Step 6: relabel, serialise, sort, de-duplicate.
	out := make([]Quad, len(c.quads))
	lines := make([]string, len(c.quads))
	idx := make([]int, len(c.quads))
	for i := range c.quads {
		q := c.quads[i]
		for _, t := range [...]*Term{&q.Subject, &q.Object, &q.Graph} {
			if t.Kind == KindBlank {
				t.Value = c.canon.issued[t.Value]
			}
		}
		out[i] = q
		var b strings.Builder
		b.Grow(quadLen(&q))
		serializeQuad(&b, &q)
		lines[i] = b.String()
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return lines[idx[a]] < lines[idx[b]] })
	var doc strings.Builder
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	doc.Grow(total)
	res := &Result{IssuedIdentifiers: make(map[string]string, len(c.canon.issued)), Quads: make([]Quad, 0, len(c.quads))}
	prev := ""
	for n, i := range idx {
		if n > 0 && lines[i] == prev {
			continue
		}
		prev = lines[i]
		doc.WriteString(lines[i])
		res.Quads = append(res.Quads, out[i])
	}
	res.NQuads = doc.String()
	res.Work = c.work
	for k, v := range c.canon.issued {
		res.IssuedIdentifiers[strings.TrimPrefix(k, "_:")] = strings.TrimPrefix(v, "_:")
	}
	return res, nil
}

func (c *canonicalizer) hashString(s string) string {
	c.h.Reset()
	c.h.Write([]byte(s))
	return hex.EncodeToString(c.h.Sum(nil))
}

// quadLen estimates the length of the N-Quads line of q (escapes aside).
func quadLen(q *Quad) int {
	n := 8
	for _, t := range [...]*Term{&q.Subject, &q.Predicate, &q.Object, &q.Graph} {
		n += len(t.Value) + len(t.Datatype) + len(t.Language) + 6
	}
	return n
}

// hashFirstDegree is the Hash First Degree Quads algorithm of RDFC-1.0.
func (c *canonicalizer) hashFirstDegree(ref string) string {
	if h, ok := c.fdqCache[ref]; ok {
		return h
	}
	idxs := c.bnQuads[ref]
	nquads := make([]string, 0, len(idxs))
	for _, i := range idxs {
		q := c.quads[i]
		for _, t := range [...]*Term{&q.Subject, &q.Object, &q.Graph} {
			if t.Kind == KindBlank {
				if t.Value == ref {
					t.Value = "_:a"
				} else {
					t.Value = "_:z"
				}
			}
		}
		c.sb.Reset()
		c.sb.Grow(quadLen(&q))
		serializeQuad(&c.sb, &q)
		nquads = append(nquads, c.sb.String())
	}
	sort.Strings(nquads)
	h := c.hashString(strings.Join(nquads, ""))
	c.fdqCache[ref] = h
	return h
}

// hashRelated is the Hash Related Blank Node algorithm of RDFC-1.0.
func (c *canonicalizer) hashRelated(related string, q *Quad, iss *issuer, position byte) string {
	var id string
	if v, ok := c.canon.issued[related]; ok {
		id = v
	} else if v, ok := iss.issued[related]; ok {
		id = v
	} else {
		id = c.hashFirstDegree(related)
	}
	var b strings.Builder
	b.WriteByte(position)
	if position != 'g' {
		b.WriteByte('<')
		b.WriteString(q.Predicate.Value)
		b.WriteByte('>')
	}
	b.WriteString(id)
	return c.hashString(b.String())
}

func (c *canonicalizer) spend() error {
	c.work++
	if c.opts.MaxWork > 0 && c.work > c.opts.MaxWork {
		return fmt.Errorf("%w: more than %d steps of N-degree hashing", ErrWorkLimit, c.opts.MaxWork)
	}
	if c.work&0x3f == 0 {
		if err := c.ctx.Err(); err != nil {
			return fmt.Errorf("rdfc: canonicalisation aborted: %w", err)
		}
	}
	return nil
}

// hashNDegree is the Hash N-Degree Quads algorithm of RDFC-1.0, under the work cap.
func (c *canonicalizer) hashNDegree(ref string, iss *issuer) (string, *issuer, error) {
	if err := c.spend(); err != nil {
		return "", nil, err
	}
	if err := c.ctx.Err(); err != nil {
		return "", nil, fmt.Errorf("rdfc: canonicalisation aborted: %w", err)
	}
	hn := map[string][]string{}
	for _, i := range c.bnQuads[ref] {
		q := &c.quads[i]
		for _, p := range [...]struct {
			t   *Term
			pos byte
		}{{&q.Subject, 's'}, {&q.Object, 'o'}, {&q.Graph, 'g'}} {
			if p.t.Kind == KindBlank && p.t.Value != ref {
				h := c.hashRelated(p.t.Value, q, iss, p.pos)
				hn[h] = append(hn[h], p.t.Value)
			}
		}
	}
	keys := make([]string, 0, len(hn))
	for k := range hn {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var data strings.Builder
	for _, k := range keys {
		data.WriteString(k)
		var chosenPath string
		var chosenIssuer *issuer
		perm := newPermuter(hn[k])
		for perm.next() {
			if err := c.spend(); err != nil {
				return "", nil, err
			}
			// the issuer is copied only when this permutation issues a new
			// identifier (many permutations are skipped before that)
			issCopy, copied := iss, false
			var path strings.Builder
			var recursion []string
			skip := false
			for _, related := range perm.cur {
				if v, ok := c.canon.issued[related]; ok {
					path.WriteString(v)
				} else {
					if !issCopy.has(related) {
						recursion = append(recursion, related)
						if !copied {
							issCopy, copied = iss.clone(), true
						}
					}
					path.WriteString(issCopy.issue(related))
				}
				if chosenPath != "" && path.Len() >= len(chosenPath) && path.String() > chosenPath {
					skip = true
					break
				}
			}
			if skip {
				continue
			}
			for _, related := range recursion {
				rh, ri, err := c.hashNDegree(related, issCopy)
				if err != nil {
					return "", nil, err
				}
				path.WriteString(issCopy.issue(related))
				path.WriteByte('<')
				path.WriteString(rh)
				path.WriteByte('>')
				issCopy = ri
				if chosenPath != "" && path.Len() >= len(chosenPath) && path.String() > chosenPath {
					skip = true
					break
				}
			}
			if skip {
				continue
			}
			if chosenPath == "" || path.String() < chosenPath {
				chosenPath = path.String()
				chosenIssuer = issCopy
			}
		}
		data.WriteString(chosenPath)
		if chosenIssuer != nil {
			iss = chosenIssuer
		}
	}
	return c.hashString(data.String()), iss, nil
}

// issuer is the Blank Node Identifier Issuer of RDFC-1.0.
type issuer struct {
	prefix  string
	counter int
	issued  map[string]string
	order   []string
}

func newIssuer(prefix string) *issuer {
	return &issuer{prefix: prefix, issued: map[string]string{}}
}

func (i *issuer) has(id string) bool { _, ok := i.issued[id]; return ok }

func (i *issuer) issue(id string) string {
	if v, ok := i.issued[id]; ok {
		return v
	}
	v := i.prefix + strconv.Itoa(i.counter)
	i.counter++
	i.issued[id] = v
	i.order = append(i.order, id)
	return v
}

func (i *issuer) clone() *issuer {
	n := &issuer{prefix: i.prefix, counter: i.counter, issued: make(map[string]string, len(i.issued)), order: append([]string(nil), i.order...)}
	for k, v := range i.issued {
		n.issued[k] = v
	}
	return n
}

// permuter enumerates all permutations of a list, starting from the sorted
// list, in Steinhaus–Johnson–Trotter order (each step swaps the largest
// mobile element with its neighbour). RDFC-1.0 picks the first permutation
// with the smallest path, so among equal paths the enumeration order decides
// which issuer wins; this is the order the reference implementations use
// and the one the W3C issued-identifier map tests expect.
type permuter struct {
	cur   []string
	left  map[string]bool // direction per element value: true = looking left
	first bool
	done  bool
}

func newPermuter(items []string) *permuter {
	s := append([]string(nil), items...)
	sort.Strings(s)
	p := &permuter{cur: s, left: make(map[string]bool, len(s)), first: true}
	for _, v := range s {
		p.left[v] = true
	}
	return p
}

func (p *permuter) next() bool {
	if p.done {
		return false
	}
	if p.first {
		p.first = false
		return true
	}
	// find the largest mobile element
	k, pos := "", -1
	n := len(p.cur)
	for i, e := range p.cur {
		mobile := (p.left[e] && i > 0 && e > p.cur[i-1]) || (!p.left[e] && i < n-1 && e > p.cur[i+1])
		if mobile && (pos < 0 || e > k) {
			k, pos = e, i
		}
	}
	if pos < 0 {
		p.done = true
		return false
	}
	swap := pos + 1
	if p.left[k] {
		swap = pos - 1
	}
	p.cur[pos], p.cur[swap] = p.cur[swap], k
	for _, e := range p.cur {
		if e > k {
			p.left[e] = !p.left[e]
		}
	}
	return true
}
