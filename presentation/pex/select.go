package pex

import (
	"math"

	"github.com/ocmw/wstack/presentation"
)

// satisfied reports whether the answered descriptors meet requirement q
// (PE §5.2.1): "all" needs every member of the group (or every nested
// requirement), "pick" needs exactly count, or at least min and at most
// max (PE v2.1.1 "Property Values and Evaluation"; a pick with none of
// them constrains nothing).
func (q *reqQ) satisfied(answered []bool) bool {
	n, total := 0, 0
	if q.nested == nil {
		total = len(q.from)
		for _, d := range q.from {
			if answered[d] {
				n++
			}
		}
	} else {
		total = len(q.nested)
		for _, nq := range q.nested {
			if nq.satisfied(answered) {
				n++
			}
		}
	}
	if q.r.Rule == RuleAll {
		return n == total
	}
	r := q.r
	if r.Count != nil {
		return n == *r.Count
	}
	if r.Min != nil && n < *r.Min {
		return false
	}
	if r.Max != nil && n > *r.Max {
		return false
	}
	return true
}

func (q *reqQ) collect(into []bool) {
	for _, d := range q.from {
		into[d] = true
	}
	for _, nq := range q.nested {
		nq.collect(into)
	}
}

// requirementsMet reports whether the answered descriptors satisfy the
// definition: every descriptor when there are no submission requirements,
// otherwise every requirement.
func (c *Compiled) requirementsMet(answered []bool) bool {
	if c.reqs == nil {
		for _, a := range answered {
			if !a {
				return false
			}
		}
		return true
	}
	for _, q := range c.reqs {
		if !q.satisfied(answered) {
			return false
		}
	}
	return true
}

// sameSubjectMet checks the required same_subject constraints over an
// assignment of credentials to descriptors.
func (c *Compiled) sameSubjectMet(assign func(d int) *presentation.Credential) bool {
	for _, s := range c.sameSubject {
		if !s.required {
			continue
		}
		subject := ""
		for _, d := range s.descs {
			cred := assign(d)
			if cred == nil {
				continue
			}
			if cred.Subject == "" {
				return false
			}
			if subject == "" {
				subject = cred.Subject
			} else if cred.Subject != subject {
				return false
			}
		}
	}
	return true
}

const (
	keepFirst  = 4  // candidates of a descriptor always considered
	keepShared = 64 // cap on candidates considered per descriptor
)

type searcher struct {
	c         *Compiled
	order     []int
	mandatory []bool
	cands     [][]*Candidate
	assign    []*Candidate
	answered  []bool
	used      map[*presentation.Credential]int
	best      []*Candidate
	bestCount int
	steps     int
	exhausted bool
}

// selectMinimal searches the selection with the fewest distinct
// credentials that satisfies the definition (a set cover under the
// submission requirements and same_subject): depth-first over the relevant
// descriptors,
// trying credentials already chosen first, then a new credential, then
// leaving the descriptor out when the requirements allow it; branches that
// cannot beat the best found are cut. Per descriptor the first candidates
// and those shared with other descriptors are considered (other candidates
// are interchangeable for the count; under a required same_subject
// constraint up to 64 are). When candidates had to be left out and no
// selection is found, the answer is ErrSearchBudget, not unsatisfiable.
func (c *Compiled) selectMinimal(res *Result) error {
	n := len(c.descs)
	relevant := make([]bool, n)
	mandatory := make([]bool, n)
	if c.reqs == nil {
		for i := range relevant {
			relevant[i], mandatory[i] = true, true
		}
	} else {
		for _, q := range c.reqs {
			q.collect(relevant)
			if q.r.Rule == RuleAll && q.nested == nil {
				for _, d := range q.from {
					mandatory[d] = true
				}
			}
		}
	}
	unsat := &UnsatisfiedError{}
	for i, dr := range res.Descriptors {
		if mandatory[i] && len(dr.Candidates) == 0 {
			unsat.Descriptors = append(unsat.Descriptors, dr.ID)
			if dr.Reason != nil {
				if unsat.Reasons == nil {
					unsat.Reasons = map[string]error{}
				}
				unsat.Reasons[dr.ID] = dr.Reason
			}
		}
	}
	if len(unsat.Descriptors) > 0 {
		return unsat
	}
	shared := map[*presentation.Credential]int{}
	for i, dr := range res.Descriptors {
		if !relevant[i] {
			continue
		}
		for _, cand := range dr.Candidates {
			shared[cand.Credential]++
		}
	}
	s := &searcher{
		c: c, mandatory: mandatory, cands: make([][]*Candidate, n), assign: make([]*Candidate, n),
		answered: make([]bool, n), used: map[*presentation.Credential]int{}, bestCount: math.MaxInt,
	}
	// Descriptors under a required same_subject constraint need their
	// alternatives: which candidate is chosen decides feasibility.
	subjectBound := make([]bool, n)
	for _, ss := range c.sameSubject {
		if ss.required {
			for _, d := range ss.descs {
				subjectBound[d] = true
			}
		}
	}
	truncated := false
	for i, dr := range res.Descriptors {
		if !relevant[i] {
			continue
		}
		s.order = append(s.order, i)
		for k, cand := range dr.Candidates {
			if len(s.cands[i]) >= keepShared {
				truncated = truncated || subjectBound[i]
				break
			}
			if k < keepFirst || shared[cand.Credential] > 1 || subjectBound[i] {
				s.cands[i] = append(s.cands[i], cand)
			}
		}
	}
	s.dfs(0)
	if s.best == nil {
		if s.exhausted || truncated {
			return ErrSearchBudget
		}
		for i, dr := range res.Descriptors {
			if relevant[i] && len(dr.Candidates) == 0 {
				unsat.Descriptors = append(unsat.Descriptors, dr.ID)
				if dr.Reason != nil {
					if unsat.Reasons == nil {
						unsat.Reasons = map[string]error{}
					}
					unsat.Reasons[dr.ID] = dr.Reason
				}
			}
		}
		return unsat
	}
	res.Satisfiable = true
	res.Optimal = !s.exhausted
	res.Selection = map[string]*Candidate{}
	for i, cand := range s.best {
		if cand != nil {
			res.Selection[c.descs[i].d.ID] = cand
		}
	}
	return nil
}

func (s *searcher) dfs(k int) {
	s.steps++
	if s.steps > s.c.cfg.budget {
		s.exhausted = true
		return
	}
	if len(s.used) >= s.bestCount {
		return
	}
	if k == len(s.order) {
		if s.c.requirementsMet(s.answered) && s.c.sameSubjectMet(func(d int) *presentation.Credential {
			if s.assign[d] == nil {
				return nil
			}
			return s.assign[d].Credential
		}) {
			s.best = append(s.best[:0:0], s.assign...)
			s.bestCount = len(s.used)
		}
		return
	}
	// Credentials already chosen cost nothing, then new credentials in
	// candidate order, then leaving the descriptor out: among selections
	// of equal size the first found answers the earlier descriptors with
	// the earlier candidates.
	d := s.order[k]
	for pass := 0; pass < 2; pass++ {
		for _, cand := range s.cands[d] {
			if (s.used[cand.Credential] > 0) != (pass == 0) {
				continue
			}
			s.take(d, cand)
			s.dfs(k + 1)
			s.drop(d, cand)
			if s.exhausted {
				return
			}
		}
	}
	if !s.mandatory[d] {
		s.dfs(k + 1)
	}
}

func (s *searcher) take(d int, cand *Candidate) {
	s.assign[d] = cand
	s.answered[d] = true
	s.used[cand.Credential]++
}

func (s *searcher) drop(d int, cand *Candidate) {
	s.assign[d] = nil
	s.answered[d] = false
	if s.used[cand.Credential]--; s.used[cand.Credential] == 0 {
		delete(s.used, cand.Credential)
	}
}
