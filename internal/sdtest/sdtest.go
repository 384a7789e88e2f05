// Package sdtest generates random claims sets with nested and recursive
// selective disclosure frames, random claims path pointers into them, and
// computes independently what a presentation of those pointers must show.
// It is test plumbing shared by the sdjwt, DCQL and Presentation Exchange
// property tests; it imports no SD-JWT code.
package sdtest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/ocmw/wstack/vocab"
)

// Case is one random credential shape.
type Case struct {
	// Claims is the claims set (only generated members; names start with
	// "c", so a caller may merge its own claims beside them).
	Claims map[string]any
	// Disclosable lists the selectively disclosable nodes (concrete paths;
	// a path below another yields a recursive disclosure).
	Disclosable []vocab.ClaimPath
	// Leaves are the paths of every scalar, empty object and empty array;
	// Inner the paths of every non-empty object and array.
	Leaves, Inner []vocab.ClaimPath
}

// Gen is a seeded generator.
type Gen struct {
	r *rand.Rand
	// MaxDepth bounds nesting (default 4); MaxWidth the members or elements
	// of a container (default 4); SD is the probability that a node is
	// selectively disclosable (default 0.5).
	MaxDepth, MaxWidth int
	SD                 float64
}

// New returns a generator seeded with seed.
func New(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), MaxDepth: 4, MaxWidth: 4, SD: 0.5}
}

// Rand exposes the generator's source.
func (g *Gen) Rand() *rand.Rand { return g.r }

// Case generates a random credential shape with 1..MaxWidth top-level
// members.
func (g *Gen) Case() *Case {
	c := &Case{Claims: map[string]any{}}
	n := 1 + g.r.IntN(g.MaxWidth)
	for i := range n {
		name := fmt.Sprintf("c%d", i)
		p := vocab.ClaimPath{name}
		c.Claims[name] = g.value(c, p, 1)
	}
	return c
}

func (g *Gen) value(c *Case, p vocab.ClaimPath, depth int) any {
	if g.r.Float64() < g.SD {
		c.Disclosable = append(c.Disclosable, slices.Clone(p))
	}
	kind := g.r.IntN(10)
	if depth >= g.MaxDepth {
		kind = 0
	}
	switch {
	case kind < 4:
		c.Leaves = append(c.Leaves, slices.Clone(p))
		switch g.r.IntN(5) {
		case 0:
			return float64(g.r.IntN(1000))
		case 1:
			return g.r.IntN(2) == 0
		case 2:
			if g.r.IntN(3) == 0 {
				return nil
			}
		case 3:
			if g.r.IntN(4) == 0 {
				if g.r.IntN(2) == 0 {
					return map[string]any{}
				}
				return []any{}
			}
		}
		return fmt.Sprintf("v%d", g.r.IntN(1_000_000))
	case kind < 7:
		n := 1 + g.r.IntN(g.MaxWidth)
		m := make(map[string]any, n)
		c.Inner = append(c.Inner, slices.Clone(p))
		for i := range n {
			name := fmt.Sprintf("m%d", i)
			m[name] = g.value(c, append(slices.Clip(p), name), depth+1)
		}
		return m
	default:
		n := 1 + g.r.IntN(g.MaxWidth)
		a := make([]any, n)
		c.Inner = append(c.Inner, slices.Clone(p))
		for i := range n {
			a[i] = g.value(c, append(slices.Clip(p), i), depth+1)
		}
		return a
	}
}

// Pick returns k distinct random entries of from (all if k >= len).
func (g *Gen) Pick(from []vocab.ClaimPath, k int) []vocab.ClaimPath {
	idx := g.r.Perm(len(from))
	if k > len(idx) {
		k = len(idx)
	}
	out := make([]vocab.ClaimPath, 0, k)
	for _, i := range idx[:k] {
		out = append(out, from[i])
	}
	return out
}

// Resolve returns the concrete locations a claims path pointer selects in
// v (OpenID4VP 1.0 §7.1; null: every element; a node the next component
// does not fit drops out).
func Resolve(v any, p vocab.ClaimPath) []vocab.ClaimPath {
	var out []vocab.ClaimPath
	var walk func(v any, rest, loc vocab.ClaimPath)
	walk = func(v any, rest, loc vocab.ClaimPath) {
		if len(rest) == 0 {
			out = append(out, slices.Clone(loc))
			return
		}
		switch k := rest[0].(type) {
		case string:
			if m, ok := v.(map[string]any); ok {
				if e, ok := m[k]; ok {
					walk(e, rest[1:], append(loc, k))
				}
			}
		case int:
			if a, ok := v.([]any); ok && k >= 0 && k < len(a) {
				walk(a[k], rest[1:], append(loc, k))
			}
		case float64: // an index decoded from JSON
			if a, ok := v.([]any); ok && k == float64(int(k)) && k >= 0 && int(k) < len(a) {
				walk(a[int(k)], rest[1:], append(loc, int(k)))
			}
		case nil:
			if a, ok := v.([]any); ok {
				for i, e := range a {
					walk(e, rest[1:], append(loc, i))
				}
			}
		}
	}
	walk(v, p, nil)
	return out
}

// Expected returns what the processed claims of a presentation of the
// pointers must be: a node is shown when its parent is shown and it is
// either not selectively disclosable, or it lies on the way to a selected
// node (an enclosing container), or it is a selected node or lies below
// one (a selected object or array is shown whole). Elements of arrays that
// are withheld are removed, so later elements move up. Everything else —
// in particular every selectively disclosable sibling of a selected
// leaf — is absent.
func Expected(claims map[string]any, disclosable, pointers []vocab.ClaimPath) map[string]any {
	var sel []vocab.ClaimPath
	for _, p := range pointers {
		sel = append(sel, Resolve(claims, p)...)
	}
	sd := make(map[string]bool, len(disclosable))
	for _, d := range disclosable {
		sd[Key(d)] = true
	}
	show := func(loc vocab.ClaimPath) bool {
		if !sd[Key(loc)] {
			return true
		}
		for _, s := range sel {
			if isPrefix(loc, s) || isPrefix(s, loc) {
				return true
			}
		}
		return false
	}
	var prune func(v any, loc vocab.ClaimPath) any
	prune = func(v any, loc vocab.ClaimPath) any {
		switch t := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, e := range t {
				l := append(slices.Clip(loc), k)
				if show(l) {
					out[k] = prune(e, l)
				}
			}
			return out
		case []any:
			out := make([]any, 0, len(t))
			for i, e := range t {
				l := append(slices.Clip(loc), i)
				if show(l) {
					out = append(out, prune(e, l))
				}
			}
			return out
		}
		return v
	}
	return prune(claims, nil).(map[string]any)
}

func isPrefix(a, b vocab.ClaimPath) bool {
	return len(a) <= len(b) && slices.Equal(a, b[:len(a)])
}

// Key renders a concrete path as a string usable as a map key and in
// messages ("address.street_address", "nationalities[1]").
func Key(p vocab.ClaimPath) string {
	s := ""
	for _, c := range p {
		switch k := c.(type) {
		case string:
			if s != "" {
				s += "."
			}
			s += k
		case int:
			s += fmt.Sprintf("[%d]", k)
		case float64:
			s += fmt.Sprintf("[%d]", int(k))
		case nil:
			s += "[null]"
		default:
			s += fmt.Sprintf("<%v>", k)
		}
	}
	return s
}

// Keys renders paths with Key, sorted.
func Keys(ps []vocab.ClaimPath) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = Key(p)
	}
	slices.Sort(out)
	return out
}

// WithNulls returns p with each index component replaced by null with
// probability q.
func (g *Gen) WithNulls(p vocab.ClaimPath, q float64) vocab.ClaimPath {
	out := slices.Clone(p)
	for i, c := range out {
		if _, ok := c.(int); ok && g.r.Float64() < q {
			out[i] = nil
		}
	}
	return out
}
