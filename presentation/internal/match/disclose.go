package match

import (
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
	if len(disclosable) == 0 || len(used) == 0 {
		return nil
	}
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
