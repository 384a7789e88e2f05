package pex

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

// FieldResult is how one field was satisfied.
type FieldResult struct {
	// Field is the field of the definition.
	Field *Field
	// PathIndex is the index of the path alternative that matched, or -1
	// for an optional field nothing matched.
	PathIndex int
	// Location is the concrete location of the value in the evaluated
	// JSON (member names and indices). It may be shared with the compiled
	// definition and other results: treat it as read-only.
	Location []any
	// Value is the value found there.
	Value any
}

// Candidate is a credential that satisfies an input descriptor.
type Candidate struct {
	Credential *presentation.Credential
	Fields     []FieldResult
	// Disclose is, for SD-JWT and mdoc, what to reveal: with
	// limit_disclosure (or WithMinimalDisclosure) the minimal set covering
	// the fields, including the objects they are nested in; otherwise
	// every disclosure (SD-JWT) or every element matched (mdoc).
	Disclose []vocab.ClaimPath

	seq int
}

// root returns the JSON the field paths run over: the JWT claims set for
// jwt_vc / jwt_vc_json (so $.vc.type and $.iss resolve), the credential
// document for ldp_vc, the processed claims for SD-JWT and mdoc.
func root(cred *presentation.Credential) any {
	if familyOf(cred.Format) == famLDP && cred.Document != nil {
		return cred.Document
	}
	return cred.Claims
}

// MatchDescriptor evaluates one credential against one input descriptor and
// returns the candidate, or why it does not match (ErrFormatMismatch,
// ErrAlgorithmNotAllowed, ErrFieldNotMatched, ErrPredicateUnsupported,
// ErrLimitDisclosureUnsupported, ErrSubjectIsNotIssuer, ErrNotHolder,
// ErrStatus, a StatusChecker error, ErrEvaluationBudget or ctx's error).
// The call has the work budget of a whole evaluation.
func (c *Compiled) MatchDescriptor(ctx context.Context, descriptorID string, cred *presentation.Credential) (*Candidate, error) {
	i, ok := c.byID[descriptorID]
	if !ok {
		return nil, fmt.Errorf("pex: unknown input descriptor %q", descriptorID)
	}
	if cred == nil {
		return nil, ErrFormatMismatch
	}
	return c.match(ctx, c.newState(ctx, match.NewPool(c.cfg.evalBudget)), c.descs[i], cred)
}

// evalState is what one goroutine of an evaluation needs: its share of
// the work budget and the disclosure index of the credential at hand.
type evalState struct {
	meter *match.Meter
	cred  *presentation.Credential
	index *match.DisclosureIndex
}

func (c *Compiled) newState(ctx context.Context, pool *match.Pool) *evalState {
	return &evalState{meter: match.NewMeter(ctx, pool)}
}

// stopped returns the error that ends the evaluation, if any: ctx's error
// or ErrEvaluationBudget.
func (c *Compiled) stopped(st *evalState) error {
	err := st.meter.Err()
	if err == nil || !errors.Is(err, match.ErrBudget) {
		return err
	}
	return fmt.Errorf("%w (%d units)", ErrEvaluationBudget, c.cfg.evalBudget)
}

// disclosures indexes the credential's disclosable paths once for all
// the descriptors when they are too many to compare pairwise.
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

func (c *Compiled) match(ctx context.Context, st *evalState, dq *descQ, cred *presentation.Credential) (*Candidate, error) {
	if err := dq.formats.allows(cred, c.cfg.algOf); err != nil {
		return nil, err
	}
	fam := familyOf(cred.Format)
	if dq.limit == Required && fam != famSDJWT && fam != famMdoc {
		return nil, ErrLimitDisclosureUnsupported
	}
	if dq.subjectIsIssuer && (cred.Subject == "" || cred.Subject != cred.Issuer) {
		return nil, ErrSubjectIsNotIssuer
	}
	if dq.isHolder && !holderBound(cred) {
		return nil, ErrNotHolder
	}
	cand := &Candidate{Credential: cred}
	if len(dq.fields) > 0 {
		cand.Fields = make([]FieldResult, len(dq.fields))
	}
	r := root(cred)
	for i := range dq.fields {
		fq := &dq.fields[i]
		fr, err := evalField(fq, r, st.meter)
		if stop := c.stopped(st); stop != nil {
			return nil, stop
		}
		if err != nil {
			return nil, err
		}
		cand.Fields[i] = fr
	}
	if dq.statuses != nil {
		if err := c.checkStatus(ctx, dq.statuses, cred); err != nil {
			return nil, err
		}
	}
	limit := dq.limit != "" || c.cfg.minimal
	switch fam {
	case famSDJWT:
		if limit {
			used := make([][]any, 0, len(cand.Fields))
			for _, f := range cand.Fields {
				if f.PathIndex >= 0 {
					used = append(used, f.Location)
				}
			}
			d, err := st.disclosures(cred, used)
			if err != nil {
				return nil, c.stopped(st)
			}
			cand.Disclose = d
		} else {
			cand.Disclose = cred.Disclosable
		}
	case famMdoc:
		for _, f := range cand.Fields {
			if f.PathIndex >= 0 && len(f.Location) >= 2 {
				cand.Disclose = append(cand.Disclose, vocab.ClaimPath{f.Location[0], f.Location[1]})
			}
		}
	}
	return cand, nil
}

func holderBound(cred *presentation.Credential) bool {
	if cred.HolderJWK == nil && cred.HolderID == "" {
		return false
	}
	if cred.HolderID != "" && cred.Subject != "" && cred.HolderID != cred.Subject {
		return false
	}
	return true
}

// evalField applies PE §5.1.1.1 "path" processing: the path alternatives
// in order; of each the first result is the candidate value; a value that
// fails the filter falls through to the next alternative. A field without
// filter matches on presence.
// The caller checks m.Err() first: a path or filter that ran out of budget
// ends the evaluation.
func evalField(fq *fieldQ, r any, m *match.Meter) (FieldResult, error) {
	for pi, p := range fq.paths {
		v, loc, ok, err := p.FirstMeter(r, m)
		if m.Err() != nil {
			return FieldResult{}, m.Err()
		}
		if err != nil || !ok {
			continue
		}
		if fq.filter != nil {
			matched, err := fq.filter.MatchMeter(v, m)
			if err != nil {
				return FieldResult{}, err
			}
			if !matched {
				continue
			}
		}
		if fq.f.Predicate == Required {
			return FieldResult{}, ErrPredicateUnsupported
		}
		return FieldResult{Field: fq.f, PathIndex: pi, Location: loc, Value: v}, nil
	}
	if fq.optional {
		return FieldResult{Field: fq.f, PathIndex: -1}, nil
	}
	return FieldResult{}, ErrFieldNotMatched
}

// statusOf derives the state of cred from its status references.
func statusOf(ctx context.Context, sc StatusChecker, cred *presentation.Credential) (credState, error) {
	st := credState{Active: true}
	for _, ref := range cred.Status {
		err := vocab.CheckStatus(ctx, sc, ref)
		switch {
		case err == nil:
		case errors.Is(err, vocab.ErrRevoked):
			st.Revoked, st.Active = true, false
		case errors.Is(err, vocab.ErrSuspended):
			st.Suspended, st.Active = true, false
		case errors.Is(err, vocab.ErrStatusInvalid):
			st.Active = false
		default:
			return credState{}, err
		}
	}
	return st, nil
}

func (c *Compiled) checkStatus(ctx context.Context, s *Statuses, cred *presentation.Credential) error {
	st, err := statusOf(ctx, c.cfg.status, cred)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStatus, err)
	}
	check := func(d *StatusDirective, state bool) error {
		if d == nil {
			return nil
		}
		if len(d.Type) > 0 && d.Directive == Required {
			ok := false
			for _, ref := range cred.Status {
				if slices.Contains(d.Type, ref.Type) {
					ok = true
				}
			}
			if !ok {
				return ErrStatus
			}
		}
		switch d.Directive {
		case Required:
			if !state {
				return ErrStatus
			}
		case Disallowed:
			if state {
				return ErrStatus
			}
		}
		return nil
	}
	if err := check(s.Active, st.Active); err != nil {
		return err
	}
	if err := check(s.Suspended, st.Suspended); err != nil {
		return err
	}
	return check(s.Revoked, st.Revoked)
}

// DescriptorResult holds the candidates of one input descriptor.
type DescriptorResult struct {
	ID         string
	Candidates []*Candidate
	// Reason is why the last credential of an allowed format was
	// rejected, when there is no candidate.
	Reason error
}

// Result is the outcome of evaluating a definition over credentials.
type Result struct {
	// Descriptors holds per input descriptor (definition order) every
	// candidate, in the order the sequence yielded them.
	Descriptors []*DescriptorResult
	// Satisfiable reports whether a selection exists.
	Satisfiable bool
	// Selection maps the answered input descriptor ids to the chosen
	// candidate: a selection that satisfies the definition (all
	// descriptors, or the submission requirements) with the fewest
	// distinct credentials.
	Selection map[string]*Candidate
	// Optimal is false when the search budget ran out and Selection is the
	// best found rather than a proven minimum.
	Optimal bool

	c *Compiled
}

// Credentials returns the distinct credentials of the selection in
// definition order of their first descriptor.
func (r *Result) Credentials() []*presentation.Credential {
	var out []*presentation.Credential
	if r == nil || r.c == nil {
		return nil
	}
	for _, dq := range r.c.descs {
		if cand, ok := r.Selection[dq.d.ID]; ok && !slices.Contains(out, cand.Credential) {
			out = append(out, cand.Credential)
		}
	}
	return out
}

// Evaluate matches every credential of creds against every input
// descriptor and selects a submission. When the definition cannot be
// satisfied it returns the Result (candidates, for diagnostics, with
// Satisfiable false and no Selection) together with an *UnsatisfiedError
// matching ErrUnsatisfiable. The work of matching is bounded by the
// evaluation budget (WithEvaluationBudget; ErrEvaluationBudget and no
// Result when it runs out) and ctx is checked while it is done. Memory per
// credential is constant; only candidates are retained.
func (c *Compiled) Evaluate(ctx context.Context, creds iter.Seq[*presentation.Credential]) (*Result, error) {
	res := &Result{c: c, Descriptors: make([]*DescriptorResult, len(c.descs))}
	for i, dq := range c.descs {
		res.Descriptors[i] = &DescriptorResult{ID: dq.d.ID}
	}
	var err error
	if c.cfg.parallelism <= 1 {
		err = c.evalSeq(ctx, creds, res.Descriptors)
	} else {
		err = c.evalParallel(ctx, creds, res.Descriptors)
	}
	if err != nil {
		return nil, err
	}
	err = c.selectMinimal(res)
	if c.cfg.logger.Enabled(ctx, slog.LevelDebug) {
		counts := make([]int, len(res.Descriptors))
		for i, dr := range res.Descriptors {
			counts[i] = len(dr.Candidates)
		}
		c.cfg.logger.DebugContext(ctx, "pex: definition evaluated", "definition", c.def.ID, "candidates", counts, "satisfiable", res.Satisfiable, "optimal", res.Optimal)
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

func (c *Compiled) evalOne(ctx context.Context, st *evalState, seq int, cred *presentation.Credential, out []*DescriptorResult) error {
	for i, dq := range c.descs {
		cand, err := c.match(ctx, st, dq, cred)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if stop := c.stopped(st); stop != nil {
				return stop
			}
			if !errors.Is(err, ErrFormatMismatch) {
				out[i].Reason = err
			}
			continue
		}
		cand.seq = seq
		out[i].Candidates = append(out[i].Candidates, cand)
	}
	return nil
}

func (c *Compiled) evalSeq(ctx context.Context, creds iter.Seq[*presentation.Credential], out []*DescriptorResult) error {
	st := c.newState(ctx, match.NewPool(c.cfg.evalBudget))
	n := 0
	for cred := range creds {
		if n&63 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if cred != nil {
			if err := c.evalOne(ctx, st, n, cred, out); err != nil {
				return err
			}
		}
		n++
	}
	return nil
}

func (c *Compiled) evalParallel(parent context.Context, creds iter.Seq[*presentation.Credential], out []*DescriptorResult) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	type job struct {
		seq  int
		cred *presentation.Credential
	}
	jobs := make(chan job, 256)
	locals := make([][]*DescriptorResult, c.cfg.parallelism)
	errs := make([]error, c.cfg.parallelism)
	pool := match.NewPool(c.cfg.evalBudget)
	var wg sync.WaitGroup
	for w := range locals {
		locals[w] = make([]*DescriptorResult, len(c.descs))
		for i := range locals[w] {
			locals[w][i] = &DescriptorResult{}
		}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			st := c.newState(ctx, pool)
			for j := range jobs {
				if errs[w] != nil {
					continue
				}
				if err := c.evalOne(ctx, st, j.seq, j.cred, locals[w]); err != nil {
					errs[w] = err
					cancel()
				}
			}
		}(w)
	}
	n := 0
	var sendErr error
	for cred := range creds {
		if cred != nil {
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
		}
		n++
	}
	close(jobs)
	wg.Wait()
	// The worker that failed first cancelled the others: report its
	// error, not their context.Canceled.
	var firstErr error
	for _, err := range errs {
		if err != nil && (firstErr == nil || parent.Err() == nil && errors.Is(firstErr, context.Canceled)) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return firstErr
	}
	if sendErr != nil {
		return sendErr
	}
	for _, l := range locals {
		for i, dr := range l {
			out[i].Candidates = append(out[i].Candidates, dr.Candidates...)
			if dr.Reason != nil {
				out[i].Reason = dr.Reason
			}
		}
	}
	for _, dr := range out {
		slices.SortFunc(dr.Candidates, func(a, b *Candidate) int { return a.seq - b.seq })
	}
	return nil
}
