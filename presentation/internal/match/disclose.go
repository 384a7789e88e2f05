package match

import (
	"math"
	"slices"

	"github.com/ocmw/wstack/presentation"
)

// Disclosures returns the entries of disclosable (the selectively
// disclosable claim paths of an SD-JWT, one per disclosure) that must be
// revealed so that the values at the used locations are visible: every
// disclosable path that is a prefix of a used location (the claim itself
// and the parents it is nested in) and every disclosable path below a used
// location (the parts of a selected object or array). A null component in
// a disclosable path stands for any array index. The result keeps the
// order of disclosable and holds no duplicates.
func Disclosures(disclosable []presentation.ClaimPath, used [][]any) []presentation.ClaimPath {
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
func DisclosuresMeter(disclosable []presentation.ClaimPath, used [][]any, m *Meter) ([]presentation.ClaimPath, error) {
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

func scanDisclosures(disclosable []presentation.ClaimPath, used [][]any) []presentation.ClaimPath {
	var out []presentation.ClaimPath
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
func related(d presentation.ClaimPath, u []any) bool {
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
	case int:
		switch uv := u.(type) {
		case int:
			return uv == dv
		case nil:
			return true
		}
	case float64:
		if i, ok := u.(int); ok {
			return float64(i) == dv
		}
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

type edge struct {
	parent int32
	kind   uint8
	num    int
	str    string
}

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
	paths    []presentation.ClaimPath
	nodes    []dnode
	edges    map[edge]int32
	nextTerm []int32  // per path: next path ending at the same node, -1: none
	seen     []uint32 // per node: the Select call that collected its subtree
	took     []uint32 // per node: the Select call that took its paths
	gen      uint32
	front    []int32
	next     []int32
}

// NewDisclosureIndex indexes disclosable at a cost of one unit of m per
// path component.
func NewDisclosureIndex(disclosable []presentation.ClaimPath, m *Meter) (*DisclosureIndex, error) {
	x := &DisclosureIndex{
		paths:    disclosable,
		nodes:    make([]dnode, 1, len(disclosable)+1),
		edges:    make(map[edge]int32, len(disclosable)),
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

func edgeOf(parent int32, c any) edge {
	switch v := c.(type) {
	case string:
		return edge{parent: parent, kind: edgeStr, str: v}
	case int:
		return edge{parent: parent, kind: edgeNum, num: v}
	case float64:
		if v >= 0 && v <= math.MaxInt32 && v == math.Trunc(v) {
			return edge{parent: parent, kind: edgeNum, num: int(v)}
		}
	case nil:
		return edge{parent: parent, kind: edgeWild}
	}
	return edge{parent: parent, kind: edgeOther}
}

// child returns the child of n for component c, creating it. Components
// that no location component can equal share one edgeOther child: they
// are only ever reached by collecting a subtree.
func (x *DisclosureIndex) child(n int32, c any) int32 {
	e := edgeOf(n, c)
	if e.kind == edgeWild && x.nodes[n].wild != 0 {
		return x.nodes[n].wild
	}
	if e.kind != edgeWild {
		if k, ok := x.edges[e]; ok {
			return k
		}
	}
	k := int32(len(x.nodes))
	x.nodes = append(x.nodes, dnode{kind: e.kind, nextSibling: x.nodes[n].firstChild, firstTerm: -1})
	x.nodes[n].firstChild = k
	if e.kind == edgeWild {
		x.nodes[n].wild = k
	} else {
		x.edges[e] = k
	}
	return k
}

// Select returns what Disclosures(disclosable, used) returns, spending one
// unit of m per index node visited and per path returned.
func (x *DisclosureIndex) Select(used [][]any, m *Meter) ([]presentation.ClaimPath, error) {
	x.gen++
	if x.gen == 0 { // wrapped: forget every mark
		clear(x.seen)
		clear(x.took)
		x.gen = 1
	}
	var chosen []int32
	take := func(n int32) {
		if x.took[n] == x.gen {
			return
		}
		x.took[n] = x.gen
		for t := x.nodes[n].firstTerm; t >= 0; t = x.nextTerm[t] {
			chosen = append(chosen, t)
		}
	}
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
			if err := x.subtree(n, m, take); err != nil {
				return nil, err
			}
		}
	}
	if !m.Spend(len(chosen)) {
		return nil, m.Err()
	}
	slices.Sort(chosen)
	out := make([]presentation.ClaimPath, len(chosen))
	for i, t := range chosen {
		out[i] = x.paths[t]
	}
	return out, nil
}

// step appends the children of n that the location component c equals.
func (x *DisclosureIndex) step(next []int32, n int32, c any) []int32 {
	switch v := c.(type) {
	case string:
		if k, ok := x.edges[edge{parent: n, kind: edgeStr, str: v}]; ok {
			next = append(next, k)
		}
	case int:
		if k, ok := x.edges[edge{parent: n, kind: edgeNum, num: v}]; ok {
			next = append(next, k)
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
func (x *DisclosureIndex) subtree(n int32, m *Meter, take func(int32)) error {
	if x.seen[n] == x.gen {
		return nil
	}
	stack := []int32{n}
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
		take(k)
		for c := x.nodes[k].firstChild; c != 0; c = x.nodes[c].nextSibling {
			stack = append(stack, c)
		}
	}
	return nil
}
