package dcql

import (
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/internal/match"
	"github.com/ocmw/wstack/vocab"
)

// disclosureSet computes Match.Disclose from the concrete locations of the
// requested claims (null components resolved, only the values that
// matched). For SD-JWT it is an exact set of disclosures, named by their
// paths in the credential as held: a location releases the disclosures on
// the way to it (its enclosing containers) and its own; a location that is
// an object or array as a whole also releases every disclosure below it;
// no other disclosure — in particular no sibling of a requested claim — is
// listed. For mdoc it is the requested [namespace, element] pairs. No
// locations (claims absent, §6.4.1) means nothing selectively disclosable
// is released.
func disclosureSet(fam family, cred *presentation.Credential, locs [][]any) []vocab.ClaimPath {
	if len(locs) == 0 {
		return nil
	}
	switch fam {
	case famSDJWT:
		return match.Disclosures(cred.Disclosable, locs)
	case famMdoc:
		out := make([]vocab.ClaimPath, 0, len(locs))
		for _, l := range locs {
			if len(l) == 2 {
				out = append(out, vocab.ClaimPath{l[0], l[1]})
			}
		}
		return out
	}
	return nil
}
