package match

import (
	"math"
	"slices"

	"github.com/ocmw/wstack/vocab"
)

// Disclosures returns the entries of disclosable (the selectively
// disclosable claim paths of an SD-JWT, one per disclosure) that must be
// revealed so that the values at the used locations are visible: every
// disclosable path that is a prefix of a used location (the claim itself
// and the parents it is nested in) and every disclosable path below a used
// location (the parts of a selected object or array). A null component in
// a disclosable path stands for any array index. The result keeps the
// order of disclosable and holds no duplicates.
func Disclosures(disclosable []vocab.ClaimPath, used [][]any) []vocab.ClaimPath {
	out, _ := DisclosuresMeter(disclosable, used, nil)
	return out
}

// ScanLimit is the largest len(disclosable)*len(used) that
// DisclosuresMeter compares pairwise; above it the paths are indexed (a
// credential's usual handful of disclosures is cheaper to scan than to
// index).
const ScanLimit = 256

// DisclosuresMeter is Disclosures under the work budget of m (nil:
// unlimited); it fails with m.Err(). Work is linear in the number and
// length of the paths: large sets are indexed, not compared pairwise.
func DisclosuresMeter(disclosable []vocab.ClaimPath, used [][]any, m *Meter) ([]vocab.ClaimPath, error) {
	if len(disclosable) == 0 || len(used) == 0 {
		return nil, nil
	}
	if len(disclosable)*len(used) <= ScanLimit {
		if !m.Spend(len(disclosable) * len(used)) {
			return nil, m.Err()
		}
		return scanDisclosures(disclosable, used), nil
	}
	idx, err := NewDisclosureIndex(disclosable, m)
	if err != nil {
		return nil, err
	}
	return idx.Select(used, m)
}

func scanDisclosures(disclosable []vocab.ClaimPath, used [][]any) []vocab.ClaimPath {
	var out []vocab.ClaimPath
	for _, d := range disclosable {
		for _, u := range used {
			if related(d, u) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// related reports whether one of d and u is a prefix of the other.
func related(d vocab.ClaimPath, u []any) bool {
	n := min(len(d), len(u))
	for i := range n {
		if !componentEqual(d[i], u[i]) {
			return false
		}
	}
	return true
}

func componentEqual(d, u any) bool {
	switch dv := d.(type) {
	case nil:
		_, ok := u.(int)
		return ok || u == nil
	case string:
		s, ok := u.(string)
		return ok && s == dv
	}
	i, ok := indexOf(d)
	if !ok {
		return false
	}
	switch uv := u.(type) {
	case int:
		return uv == i
	case nil:
		return true
	}
	return false
}

// Edge kinds of the disclosure index.
const (
	edgeStr   uint8 = iota // member name
	edgeNum                // array index (int, or an integral float64)
	edgeWild               // null: any array index
	edgeOther              // a component no location component equals
)

// strEdge keys a member-name child; index children are keyed by
// numEdge(parent, index).
type strEdge struct {
	parent int32
	str    string
}

func numEdge(parent int32, i int) uint64 { return uint64(parent)<<32 | uint64(i) }

type dnode struct {
	kind        uint8
	firstChild  int32 // 0: none (the root is never a child)
	nextSibling int32
	wild        int32 // child for a null component, 0: none
	firstTerm   int32 // first path ending here, -1: none
}

// DisclosureIndex is a trie over the disclosable paths of one credential,
// so that the disclosures a set of locations needs are found by walking
// each location once instead of comparing it with every path. One index
// serves any number of Select calls, from one goroutine at a time.
type DisclosureIndex struct {
	paths    []vocab.ClaimPath
	nodes    []dnode
	strs     map[strEdge]int32
	nums     map[uint64]int32
	nextTerm []int32  // per path: next path ending at the same node, -1: none
	seen     []uint32 // per node: the Select call that collected its subtree
	took     []uint32 // per node: the Select call that took its paths
	gen      uint32
	front    []int32
	next     []int32
	chosen   []int32
	stack    []int32
}

// NewDisclosureIndex indexes disclosable at a cost of one unit of m per
// path component.
func NewDisclosureIndex(disclosable []vocab.ClaimPath, m *Meter) (*DisclosureIndex, error) {
	x := &DisclosureIndex{
		paths:    disclosable,
		nodes:    make([]dnode, 1, len(disclosable)+1),
		strs:     make(map[strEdge]int32),
		nums:     make(map[uint64]int32),
		nextTerm: make([]int32, len(disclosable)),
	}
	x.nodes[0].firstTerm = -1
	for i, d := range disclosable {
		if !m.Spend(len(d) + 1) {
			return nil, m.Err()
		}
		n := int32(0)
		for _, c := range d {
			n = x.child(n, c)
		}
		x.nextTerm[i] = x.nodes[n].firstTerm
		x.nodes[n].firstTerm = int32(i)
	}
	// Paths ending at one node were linked last first; Select sorts its
	// result, so the order does not matter.
	x.seen = make([]uint32, len(x.nodes))
	x.took = make([]uint32, len(x.nodes))
	return x, nil
}

// indexOf returns the array index a disclosable path component stands
// for: an int, or a float64 holding an integer.
func indexOf(c any) (int, bool) {
	switch v := c.(type) {
	case int:
		return v, v >= 0 && v <= math.MaxUint32
	case float64:
		if v >= 0 && v <= math.MaxUint32 && v == math.Trunc(v) {
			return int(v), true
		}
	}
	return 0, false
}

// child returns the child of n for component c, creating it. Components
// that no location component can equal get their own edgeOther child:
// they are only ever reached by collecting a subtree.
func (x *DisclosureIndex) child(n int32, c any) int32 {
	kind := edgeOther
	var se strEdge
	var ne uint64
	switch v := c.(type) {
	case string:
		kind, se = edgeStr, strEdge{n, v}
		if k, ok := x.strs[se]; ok {
			return k
		}
	case nil:
		kind = edgeWild
		if w := x.nodes[n].wild; w != 0 {
			return w
		}
	default:
		if i, ok := indexOf(c); ok {
			kind, ne = edgeNum, numEdge(n, i)
			if k, ok := x.nums[ne]; ok {
				return k
			}
		}
	}
	k := int32(len(x.nodes))
	x.nodes = append(x.nodes, dnode{kind: kind, nextSibling: x.nodes[n].firstChild, firstTerm: -1})
	x.nodes[n].firstChild = k
	switch kind {
	case edgeStr:
		x.strs[se] = k
	case edgeNum:
		x.nums[ne] = k
	case edgeWild:
		x.nodes[n].wild = k
	}
	return k
}

// Select returns what Disclosures(disclosable, used) returns, spending one
// unit of m per index node visited and per path returned.
func (x *DisclosureIndex) Select(used [][]any, m *Meter) ([]vocab.ClaimPath, error) {
	x.gen++
	if x.gen == 0 { // wrapped: forget every mark
		clear(x.seen)
		clear(x.took)
		x.gen = 1
	}
	x.chosen = x.chosen[:0]
	take := x.take
	for _, u := range used {
		front := append(x.front[:0], 0)
		if !m.Spend(1) {
			return nil, m.Err()
		}
		take(0)
		for _, c := range u {
			next := x.next[:0]
			for _, n := range front {
				next = x.step(next, n, c)
			}
			front, x.next = next, front
			if len(front) == 0 {
				break
			}
			if !m.Spend(len(front)) {
				return nil, m.Err()
			}
			for _, n := range front {
				take(n)
			}
		}
		x.front = front
		// Every path below a used location is needed too.
		for _, n := range front {
			if x.nodes[n].firstChild == 0 { // a leaf, taken above
				continue
			}
			if err := x.subtree(n, m); err != nil {
				return nil, err
			}
		}
	}
	chosen := x.chosen
	if !m.Spend(len(chosen)) {
		return nil, m.Err()
	}
	slices.Sort(chosen)
	out := make([]vocab.ClaimPath, len(chosen))
	for i, t := range chosen {
		out[i] = x.paths[t]
	}
	return out, nil
}

// take adds the paths ending at n to the result, once per Select call.
func (x *DisclosureIndex) take(n int32) {
	if x.took[n] == x.gen {
		return
	}
	x.took[n] = x.gen
	for t := x.nodes[n].firstTerm; t >= 0; t = x.nextTerm[t] {
		x.chosen = append(x.chosen, t)
	}
}

// step appends the children of n that the location component c equals.
func (x *DisclosureIndex) step(next []int32, n int32, c any) []int32 {
	switch v := c.(type) {
	case string:
		if k, ok := x.strs[strEdge{n, v}]; ok {
			next = append(next, k)
		}
	case int:
		if v >= 0 && v <= math.MaxUint32 {
			if k, ok := x.nums[numEdge(n, v)]; ok {
				next = append(next, k)
			}
		}
		if w := x.nodes[n].wild; w != 0 {
			next = append(next, w)
		}
	case nil: // any index: every index child and the wildcard
		for k := x.nodes[n].firstChild; k != 0; k = x.nodes[k].nextSibling {
			if kind := x.nodes[k].kind; kind == edgeNum || kind == edgeWild {
				next = append(next, k)
			}
		}
	}
	return next
}

// subtree takes every path at or below n, once per Select call.
func (x *DisclosureIndex) subtree(n int32, m *Meter) error {
	if x.seen[n] == x.gen {
		return nil
	}
	stack := append(x.stack[:0], n)
	defer func() { x.stack = stack[:0] }()
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.seen[k] == x.gen {
			continue
		}
		x.seen[k] = x.gen
		if !m.Spend(1) {
			return m.Err()
		}
		x.take(k)
		for c := x.nodes[k].firstChild; c != 0; c = x.nodes[c].nextSibling {
			stack = append(stack, c)
		}
	}
	return nil
}
