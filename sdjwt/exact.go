package sdjwt

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ocmw/wstack/vocab"
)

// SelectDisclosures returns the SD-JWT with an exact set of disclosures:
// those placed at the given paths, each of which must be the path of one
// disclosure of the SD-JWT as held (an entry of Processed.Paths, compared
// component by component; a null component is not allowed, list each
// element). The disclosures enclosing a listed one are added, because a
// disclosure whose digest is not revealed is unreferenced and makes the
// presentation invalid (RFC 9901 §7.1 step 5); nothing below or beside a
// listed disclosure is added. In particular, listing the path of a
// selectively disclosable object releases the object's own disclosure (its
// plaintext members and the digests of the others), not its selectively
// disclosable members.
//
// A path that is not the path of a disclosure is an error matching
// ErrNotDisclosure. No path (nil) presents no disclosure: only the
// always-visible claims. The result has no KB-JWT.
//
// Use this when the caller has already computed what to release, as DCQL
// and Presentation Exchange evaluation do; use Select with claims path
// pointers otherwise.
func (s *SDJWT) SelectDisclosures(lim Limits, disclosures ...vocab.ClaimPath) (*SDJWT, error) {
	pr, err := s.Process(lim)
	if err != nil {
		return nil, err
	}
	return pr.SelectDisclosures(s, disclosures...)
}

// SelectDisclosures is SDJWT.SelectDisclosures on an already processed
// SD-JWT (s must be the SD-JWT pr was processed from).
func (pr *Processed) SelectDisclosures(s *SDJWT, disclosures ...vocab.ClaimPath) (*SDJWT, error) {
	if len(pr.Paths) != len(s.Disclosures) {
		return nil, fmt.Errorf("%w: Processed does not belong to this SD-JWT", ErrOptions)
	}
	keep, err := pr.exactSet(disclosures)
	if err != nil {
		return nil, err
	}
	return keepOnly(s, keep), nil
}

// DisclosuresFor returns the paths of the disclosures that the claims path
// pointers release, with the enclosing disclosures, sorted (member names
// in byte order, indices in numeric order, a container before what it
// contains) — the exact set Select presents for the same pointers
// (see SDJWT.Select for how a pointer is read). A wallet can show it to the
// user before consent and hand it to SelectDisclosures or
// PresentDisclosures. A pointer that selects nothing is an error
// (ErrPathNotFound).
func (pr *Processed) DisclosuresFor(paths ...vocab.ClaimPath) ([]vocab.ClaimPath, error) {
	keep, err := pr.pointerSet(paths)
	if err != nil {
		return nil, err
	}
	var out []vocab.ClaimPath
	for i, k := range keep {
		if k {
			out = append(out, pr.Paths[i])
		}
	}
	slices.SortFunc(out, comparePaths)
	return out, nil
}

// comparePaths orders disclosure paths component by component; a prefix
// sorts first. Paths that share a prefix have components of the same kind
// at the next position (both member names or both indices).
func comparePaths(a, b vocab.ClaimPath) int {
	for i := range min(len(a), len(b)) {
		if c := compareComponent(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func compareComponent(a, b any) int {
	as, aStr := a.(string)
	bs, bStr := b.(string)
	switch {
	case aStr && bStr:
		return strings.Compare(as, bs)
	case aStr:
		return -1
	case bStr:
		return 1
	}
	ai, _ := a.(int)
	bi, _ := b.(int)
	return cmp.Compare(ai, bi)
}

// exactSet marks the disclosures placed at the given paths and their
// enclosing disclosures.
func (pr *Processed) exactSet(disclosures []vocab.ClaimPath) ([]bool, error) {
	keep := make([]bool, len(pr.Paths))
	for _, p := range disclosures {
		i := pr.indexOf(p)
		if i < 0 {
			return nil, fmt.Errorf("%w: %v", ErrNotDisclosure, []any(p))
		}
		pr.keepWithParents(keep, i)
	}
	return keep, nil
}

// indexOf returns the index of the disclosure placed at p, or -1.
func (pr *Processed) indexOf(p vocab.ClaimPath) int {
	for i, dp := range pr.Paths {
		if samePath(p, dp) {
			return i
		}
	}
	return -1
}

// samePath compares a caller's path with a disclosure path exactly: equal
// names, equal indices (an integral float64 from JSON equals the int), no
// wildcard.
func samePath(p, d vocab.ClaimPath) bool {
	if len(p) != len(d) {
		return false
	}
	for i := range p {
		if p[i] == nil || !componentMatch(p[i], d[i]) {
			return false
		}
	}
	return true
}
