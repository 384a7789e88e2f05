package dcql

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sync"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/internal/match"
	"github.com/ocmw/wstack/vocab"
)

// Match is one credential that satisfies one credential query.
type Match struct {
	// QueryID is the credential query id; Format its format.
	QueryID string
	Format  vocab.Format
	// Credential is the matching credential.
	Credential *presentation.Credential
	// ClaimSet is the index of the claim set that was satisfied (the first
	// satisfiable one, §6.4.1), or -1 when the query has no claim_sets.
	ClaimSet int
	// Paths are the concrete locations of the requested claims (null
	// components resolved to indices); empty when the query has no claims.
	// They may share memory with the compiled query: treat them as
	// read-only.
	Paths [][]any
	// Disclose is what to reveal. For SD-JWT it is an exact disclosure set
	// (paths of disclosures of the credential as held, for
	// presentation.SDJWTPresenter): the requested claims, the containers
	// they are nested in, and what lies below a requested object or array
	// — never a sibling of a requested claim. For mdoc it is the requested
	// [namespace, element] pairs. Empty when claims is absent (§6.4.1:
	// only what is always disclosed is presented).
	Disclose []vocab.ClaimPath

	seq int // position in the evaluated sequence
}

// MatchCredential evaluates one credential against one credential query and
// returns the match, or an error saying why it does not match
// (ErrFormatMismatch, ErrMetaMismatch, ErrHolderBinding,
// ErrUntrustedAuthority, ErrTrustCheckerMissing, ErrClaimMissing,
// ErrNoClaimSetSatisfied, ErrFormatNotSupported, ErrBudgetExceeded, or
// ctx's error). The call has the work budget of a whole evaluation.
func (c *Compiled) MatchCredential(ctx context.Context, queryID string, cred *presentation.Credential) (*Match, error) {
	i, ok := c.byID[queryID]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownReference, queryID)
	}
	if cred == nil {
		return nil, ErrCredentialNotMatched
	}
	return c.match(ctx, c.newState(ctx, match.NewPool(c.cfg.budget)), &c.creds[i], cred)
}

// evalState is what one goroutine of an evaluation needs: its share of
// the work budget, an arena for the locations it keeps and the disclosure
// index of the credential at hand.
type evalState struct {
	meter *match.Meter
	arena []any
	paths [][]any // locations found for the match at hand
	cred  *presentation.Credential
	index *match.DisclosureIndex
}

func (c *Compiled) newState(ctx context.Context, pool *match.Pool) *evalState {
	return &evalState{meter: match.NewMeter(ctx, pool)}
}

// stopped returns the error that ends the evaluation, if any: ctx's error
// or ErrBudgetExceeded.
func (c *Compiled) stopped(st *evalState) error {
	err := st.meter.Err()
	if err == nil || !errors.Is(err, match.ErrBudget) {
		return err
	}
	return &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w (%d units)", ErrBudgetExceeded, c.cfg.budget)}
}

// arenaChunk is the size, in location components, of the blocks kept
// locations are copied into.
const arenaChunk = 4096

// keep copies a location that is only valid during an emit call.
func (st *evalState) keep(loc []any) []any {
	if cap(st.arena)-len(st.arena) < len(loc) {
		st.arena = make([]any, 0, max(arenaChunk, len(loc)))
	}
	n := len(st.arena)
	st.arena = append(st.arena, loc...)
	return st.arena[n:len(st.arena):len(st.arena)]
}

// disclosures computes Match.Disclose, indexing the credential's
// disclosable paths once for all the credential queries when they are
// too many to compare pairwise.
func (st *evalState) disclosures(cred *presentation.Credential, used [][]any) ([]vocab.ClaimPath, error) {
	if len(cred.Disclosable)*len(used) <= match.ScanLimit {
		return match.DisclosuresMeter(cred.Disclosable, used, st.meter)
	}
	if st.cred != cred || st.index == nil {
		idx, err := match.NewDisclosureIndex(cred.Disclosable, st.meter)
		if err != nil {
			return nil, err
		}
		st.cred, st.index = cred, idx
	}
	return st.index.Select(used, st.meter)
}

func (c *Compiled) match(ctx context.Context, st *evalState, cq *credQ, cred *presentation.Credential) (*Match, error) {
	if !sameFormat(cq.q.Format, cred.Format, c.cfg.legacy) {
		return nil, ErrFormatMismatch
	}
	switch cq.fam {
	case famSDJWT:
		if !cq.vct[cred.VCT] {
			return nil, ErrMetaMismatch
		}
	case famMdoc:
		if cred.DocType != cq.q.Meta.DoctypeValue {
			return nil, ErrMetaMismatch
		}
	case famW3C:
		if !typesMatch(cq.typeValues, cred.Types) {
			if c.cfg.expander == nil {
				return nil, ErrMetaMismatch
			}
			expanded, err := c.cfg.expander.ExpandTypes(ctx, cred)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, fmt.Errorf("%w: %w", ErrMetaMismatch, err)
			}
			if !typesMatch(cq.typeValues, append(slices.Clip(cred.Types), expanded...)) {
				return nil, ErrMetaMismatch
			}
		}
	default:
		return nil, ErrFormatNotSupported
	}
	if cq.binding && cred.HolderJWK == nil && cred.HolderID == "" {
		return nil, ErrHolderBinding
	}
	if len(cq.q.TrustedAuthorities) > 0 {
		if err := c.trusted(ctx, cq, cred); err != nil {
			return nil, err
		}
	}
	m := &Match{QueryID: cq.q.ID, Format: cq.q.Format, Credential: cred, ClaimSet: -1}
	if len(cq.claims) == 0 {
		return m, nil
	}
	root := claimsRoot(cred)
	st.paths = st.paths[:0]
	if cq.claimSets == nil {
		for i := range cq.claims {
			_, ok := st.evalClaim(root, &cq.claims[i])
			if err := c.stopped(st); err != nil {
				return nil, err
			}
			if !ok {
				return nil, ErrClaimMissing
			}
		}
		m.Paths = slices.Clone(st.paths)
	} else {
		// Evaluate each claim at most once across the claim sets.
		var stateBuf [16]int8
		var locBuf [16]span
		var state []int8
		var locs []span
		if len(cq.claims) <= len(stateBuf) {
			state, locs = stateBuf[:len(cq.claims)], locBuf[:len(cq.claims)]
		} else {
			state, locs = make([]int8, len(cq.claims)), make([]span, len(cq.claims))
		}
		chosen := -1
		for si, set := range cq.claimSets {
			ok := true
			for _, ci := range set {
				if state[ci] == 0 {
					l, good := st.evalClaim(root, &cq.claims[ci])
					if err := c.stopped(st); err != nil {
						return nil, err
					}
					locs[ci] = l
					state[ci] = 2
					if good {
						state[ci] = 1
					}
				}
				if state[ci] != 1 {
					ok = false
					break
				}
			}
			if ok {
				chosen = si
				break
			}
		}
		if chosen < 0 {
			return nil, ErrNoClaimSetSatisfied
		}
		m.ClaimSet = chosen
		n := 0
		for _, ci := range cq.claimSets[chosen] {
			n += locs[ci].hi - locs[ci].lo
		}
		m.Paths = make([][]any, 0, n)
		for _, ci := range cq.claimSets[chosen] {
			m.Paths = append(m.Paths, st.paths[locs[ci].lo:locs[ci].hi]...)
		}
	}
	if cq.fam == famSDJWT {
		d, err := st.disclosures(cred, m.Paths)
		if err != nil {
			return nil, c.stopped(st)
		}
		m.Disclose = d
	} else {
		m.Disclose = disclosureSet(cq.fam, cred, m.Paths)
	}
	return m, nil
}

// claimsRoot is what claims path pointers run over: the W3C credential
// document for jwt_vc_json and ldp_vc (§B.3.1: paths start at the
// credential, e.g. ["credentialSubject", "given_name"]); the processed
// claims for SD-JWT VC; the namespaces for mdoc.
func claimsRoot(cred *presentation.Credential) any {
	switch familyOf(cred.Format) {
	case famW3C:
		if cred.Document != nil {
			return cred.Document
		}
	}
	return cred.Claims
}

// span is the range of st.paths one claim's locations occupy.
type span struct{ lo, hi int }

// evalClaim selects the claim's elements under the budget and appends
// their locations to st.paths; the caller checks c.stopped afterwards.
// Locations of pointers with a null component are copied into the arena;
// the others are the pointer itself. Nothing is appended unless ok.
func (st *evalState) evalClaim(root any, cl *claimQ) (sp span, ok bool) {
	lo := len(st.paths)
	if cl.never {
		return span{lo, lo}, false
	}
	err := match.SelectPointerMeter(root, cl.path, st.meter, func(v any, loc []any) bool {
		if cl.values != nil {
			if !st.meter.Spend(len(cl.values)) {
				return false
			}
			if !anyValue(v, cl.values) {
				return true
			}
		}
		if cl.wild {
			loc = st.keep(loc)
		}
		st.paths = append(st.paths, loc)
		return true
	})
	if err != nil || st.meter.Err() != nil || len(st.paths) == lo {
		st.paths = st.paths[:lo]
		return span{lo, lo}, false
	}
	return span{lo, len(st.paths)}, true
}

func anyValue(v any, values []any) bool {
	for _, e := range values {
		if match.ValueEqual(v, e) {
			return true
		}
	}
	return false
}

// typesMatch reports whether have includes every type of one of the sets
// (Appendix B.1.1 type_values).
func typesMatch(sets [][]string, have []string) bool {
	for _, set := range sets {
		all := true
		for _, t := range set {
			if !slices.Contains(have, t) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (c *Compiled) trusted(ctx context.Context, cq *credQ, cred *presentation.Credential) error {
	checked := false
	var lastErr error
	for _, ta := range cq.q.TrustedAuthorities {
		chk, ok := c.cfg.trust[ta.Type]
		if !ok {
			continue
		}
		checked = true
		ok, err := chk.Trusted(ctx, cred, ta.Values)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = err
			continue
		}
		if ok {
			return nil
		}
	}
	if !checked {
		return ErrTrustCheckerMissing
	}
	if lastErr != nil {
		return fmt.Errorf("%w: %w", ErrUntrustedAuthority, lastErr)
	}
	return ErrUntrustedAuthority
}

// Result is the outcome of evaluating a query over a wallet's credentials.
type Result struct {
	// Candidates holds, per credential query id, every matching credential
	// in the order the sequence yielded them.
	Candidates map[string][]*Match
	// Selection holds, per credential query id to answer, the credentials
	// chosen: the first candidate, or, for a credential query with
	// multiple=true (§6.1), every candidate (at most MaxPresentations, in
	// candidate order). The caller asks the user and narrows or changes it
	// with Choose before building the vp_token.
	Selection map[string][]*Match
	// CredentialSets holds, per credential set, the index of the option
	// chosen (the first satisfiable one, in the verifier's order of
	// preference), or -1 for an optional set that cannot be met.
	CredentialSets []int

	multiple map[string]bool // credential query ids with multiple=true
}

// MaxPresentations is the largest number of presentations one credential
// query is answered with (and accepted with by ParseVPToken and Verify).
const MaxPresentations = maxPresentations

// Choose sets the credentials presented for the selected credential query
// id to the candidates at the given indices of Candidates[id], in that
// order: the credentials the user consented to. More than one index is
// allowed only when the query has multiple=true (§6.1); at least one is
// required, since a selected query must be answered (decline the whole
// request instead). It fails with ErrInvalidChoice, leaving the selection
// unchanged, when id is not selected, an index is out of range or
// repeated, or too many or too few are given.
func (r *Result) Choose(id string, indices ...int) error {
	if _, ok := r.Selection[id]; !ok {
		return fmt.Errorf("%w: credential query %q is not selected", ErrInvalidChoice, id)
	}
	if len(indices) == 0 {
		return fmt.Errorf("%w: credential query %q needs at least one credential", ErrInvalidChoice, id)
	}
	if len(indices) > 1 && !r.multiple[id] {
		return fmt.Errorf("%w: credential query %q does not allow multiple credentials", ErrInvalidChoice, id)
	}
	if len(indices) > MaxPresentations {
		return fmt.Errorf("%w: %d credentials for %q > %d", ErrInvalidChoice, len(indices), id, MaxPresentations)
	}
	cands := r.Candidates[id]
	sel := make([]*Match, 0, len(indices))
	for k, i := range indices {
		if i < 0 || i >= len(cands) {
			return fmt.Errorf("%w: index %d out of range for %q (%d candidates)", ErrInvalidChoice, i, id, len(cands))
		}
		if slices.Contains(indices[:k], i) {
			return fmt.Errorf("%w: index %d repeated for %q", ErrInvalidChoice, i, id)
		}
		sel = append(sel, cands[i])
	}
	r.Selection[id] = sel
	return nil
}

// Evaluate matches every credential of creds against every credential
// query and selects what to present (§6.4). When the required credential
// queries or sets cannot be met it returns an *UnsatisfiedError (matching
// ErrUnsatisfiable) and no result: a partial answer is never produced.
// The work of the whole evaluation is bounded by the budget (WithBudget,
// ErrBudgetExceeded) and ctx is checked while it is done; memory beyond
// the matches retained is constant.
func (c *Compiled) Evaluate(ctx context.Context, creds iter.Seq[*presentation.Credential]) (*Result, error) {
	cands, reasons, err := c.Candidates(ctx, creds)
	if err != nil {
		return nil, err
	}
	res, err := c.Select(cands, reasons)
	if c.cfg.logger.Enabled(ctx, slog.LevelDebug) {
		counts := make(map[string]int, len(cands))
		for id, ms := range cands {
			counts[id] = len(ms)
		}
		c.cfg.logger.DebugContext(ctx, "dcql: query evaluated", "candidates", counts, "satisfied", err == nil)
	}
	return res, err
}

// Candidates evaluates the credentials and returns, per credential query id,
// the matching credentials, plus for each query without a match the reason
// the last credential of the right format was rejected. It fails with
// ErrBudgetExceeded or ctx's error as Evaluate does.
func (c *Compiled) Candidates(ctx context.Context, creds iter.Seq[*presentation.Credential]) (map[string][]*Match, map[string]error, error) {
	cands := make(map[string][]*Match, len(c.creds))
	reasons := make(map[string]error)
	if c.cfg.parallelism <= 1 {
		st := c.newState(ctx, match.NewPool(c.cfg.budget))
		n := 0
		for cred := range creds {
			if n&63 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, nil, err
				}
			}
			if cred != nil {
				if err := c.evalOne(ctx, st, n, cred, cands, reasons); err != nil {
					return nil, nil, err
				}
			}
			n++
		}
		return cands, reasons, nil
	}
	return c.candidatesParallel(ctx, creds)
}

func (c *Compiled) evalOne(ctx context.Context, st *evalState, seq int, cred *presentation.Credential, cands map[string][]*Match, reasons map[string]error) error {
	for i := range c.creds {
		cq := &c.creds[i]
		m, err := c.match(ctx, st, cq, cred)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if stop := c.stopped(st); stop != nil {
				return stop
			}
			if !errors.Is(err, ErrFormatMismatch) {
				reasons[cq.q.ID] = err
			}
			continue
		}
		m.seq = seq
		cands[cq.q.ID] = append(cands[cq.q.ID], m)
	}
	return nil
}

type job struct {
	seq  int
	cred *presentation.Credential
}

func (c *Compiled) candidatesParallel(parent context.Context, creds iter.Seq[*presentation.Credential]) (map[string][]*Match, map[string]error, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	jobs := make(chan job, 256)
	type local struct {
		cands   map[string][]*Match
		reasons map[string]error
		err     error
	}
	locals := make([]local, c.cfg.parallelism)
	pool := match.NewPool(c.cfg.budget)
	var wg sync.WaitGroup
	for w := range locals {
		locals[w] = local{cands: make(map[string][]*Match), reasons: make(map[string]error)}
		wg.Add(1)
		go func(l *local) {
			defer wg.Done()
			st := c.newState(ctx, pool)
			for j := range jobs {
				if l.err != nil {
					continue
				}
				if err := c.evalOne(ctx, st, j.seq, j.cred, l.cands, l.reasons); err != nil {
					l.err = err
					cancel()
				}
			}
		}(&locals[w])
	}
	n := 0
	var sendErr error
	for cred := range creds {
		if cred == nil {
			n++
			continue
		}
		if sendErr = ctx.Err(); sendErr != nil {
			break
		}
		select {
		case jobs <- job{n, cred}:
		case <-ctx.Done():
			sendErr = ctx.Err()
		}
		if sendErr != nil {
			break
		}
		n++
	}
	close(jobs)
	wg.Wait()
	// The worker that failed first cancelled the others: report its
	// error, not their context.Canceled.
	var firstErr error
	for _, l := range locals {
		if l.err != nil && (firstErr == nil || parent.Err() == nil && errors.Is(firstErr, context.Canceled)) {
			firstErr = l.err
		}
	}
	if firstErr != nil {
		return nil, nil, firstErr
	}
	if sendErr != nil {
		return nil, nil, sendErr
	}
	cands := make(map[string][]*Match, len(c.creds))
	reasons := make(map[string]error)
	for _, l := range locals {
		for id, ms := range l.cands {
			cands[id] = append(cands[id], ms...)
		}
		for id, r := range l.reasons {
			reasons[id] = r
		}
	}
	for _, ms := range cands {
		slices.SortFunc(ms, func(a, b *Match) int { return a.seq - b.seq })
	}
	return cands, reasons, nil
}

// Select applies the selection rules of §6.4.2 to the candidates: without
// credential_sets every credential query must be answered; with them every
// required set must be met by one of its options (the first satisfiable
// one) and optional sets are answered when they can be. A credential query
// with multiple=true is answered with all its candidates (Result.Selection,
// Result.Choose). It returns an *UnsatisfiedError when the required part cannot be met. reasons may be
// nil; it only enriches the error.
func (c *Compiled) Select(cands map[string][]*Match, reasons map[string]error) (*Result, error) {
	res := &Result{Candidates: cands, Selection: make(map[string][]*Match)}
	pick := func(id string) []*Match {
		ms := cands[id]
		if !c.creds[c.byID[id]].q.Multiple {
			return ms[:1:1]
		}
		if res.multiple == nil {
			res.multiple = make(map[string]bool)
		}
		res.multiple[id] = true
		return slices.Clone(ms[:min(len(ms), MaxPresentations)])
	}
	unsat := &UnsatisfiedError{}
	missing := func(id string) {
		if !slices.Contains(unsat.Queries, id) {
			unsat.Queries = append(unsat.Queries, id)
		}
		if r, ok := reasons[id]; ok {
			if unsat.Reasons == nil {
				unsat.Reasons = make(map[string]error)
			}
			unsat.Reasons[id] = r
		}
		if c.creds[c.byID[id]].fam == famUnknown {
			unsat.UnsupportedFormat = true
		}
	}
	if len(c.q.CredentialSets) == 0 {
		for _, cq := range c.creds {
			ms := cands[cq.q.ID]
			if len(ms) == 0 {
				missing(cq.q.ID)
				continue
			}
			res.Selection[cq.q.ID] = pick(cq.q.ID)
		}
	} else {
		for si, set := range c.q.CredentialSets {
			chosen := -1
			for oi, opt := range set.Options {
				ok := true
				for _, id := range opt {
					if len(cands[id]) == 0 {
						ok = false
						break
					}
				}
				if ok {
					chosen = oi
					break
				}
			}
			res.CredentialSets = append(res.CredentialSets, chosen)
			if chosen < 0 {
				if set.IsRequired() {
					unsat.Sets = append(unsat.Sets, si)
					for _, opt := range set.Options {
						for _, id := range opt {
							if len(cands[id]) == 0 {
								missing(id)
							}
						}
					}
				}
				continue
			}
			for _, id := range set.Options[chosen] {
				if _, done := res.Selection[id]; !done {
					res.Selection[id] = pick(id)
				}
			}
		}
	}
	if len(unsat.Queries) > 0 || len(unsat.Sets) > 0 {
		return nil, unsat
	}
	return res, nil
}
