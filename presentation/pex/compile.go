package pex

import (
	"encoding/json"

	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/internal/match"
	"github.com/ocmw/wstack/vocab"
)

// StatusChecker answers the status of one status reference: the one status
// checker interface of wstack (vocab.StatusChecker; a *statuslist.Checker
// is one). It is needed when a definition has statuses constraints; its
// answers are interpreted with vocab.InterpretStatus: a credential is
// revoked or suspended when one of its references says so, active when
// none says otherwise, and a reference whose status cannot be established
// fails the match (ErrStatus).
type StatusChecker = vocab.StatusChecker

// credState is the state of a credential for statuses constraints.
type credState struct {
	Active, Suspended, Revoked bool
}

type config struct {
	status      StatusChecker
	parallelism int
	minimal     bool
	budget      int
	evalBudget  int64
	logger      *slog.Logger
	algOf       func(*presentation.Credential) string
}

// Option configures Compile.
type Option func(*config)

// WithStatusChecker sets the checker for statuses constraints.
func WithStatusChecker(s StatusChecker) Option { return func(c *config) { c.status = s } }

// WithParallelism evaluates credentials on n goroutines (default 1).
func WithParallelism(n int) Option { return func(c *config) { c.parallelism = n } }

// WithMinimalDisclosure discloses, for SD-JWT, only what the fields need
// even when the descriptor has no limit_disclosure (by default such a
// descriptor gets every disclosure: the definition did not ask to limit).
func WithMinimalDisclosure() Option { return func(c *config) { c.minimal = true } }

// WithSearchBudget bounds the search for the smallest selection (nodes
// visited, default 200000).
func WithSearchBudget(n int) Option { return func(c *config) { c.budget = n } }

// DefaultEvaluationBudget is the work budget of one evaluation when
// WithEvaluationBudget is not used: far above what ordinary definitions
// over ordinary wallets spend (a three-field definition over 1,000
// credentials spends about 12,000 units), and enough to stop a hostile
// definition within tens of milliseconds.
const DefaultEvaluationBudget = 1 << 20

// WithEvaluationBudget sets the work budget of one Evaluate,
// MatchDescriptor or Verify call (n <= 0 keeps DefaultEvaluationBudget).
// A unit is one node a field path visits, one value node a filter sees
// (times the filter's number of sub-schemas), or one step over a
// credential's disclosable paths. The definition comes from the verifier,
// so the work it causes is bounded: an evaluation that runs out fails with
// ErrEvaluationBudget. (WithSearchBudget bounds the later search for the
// smallest selection.)
func WithEvaluationBudget(n int64) Option { return func(c *config) { c.evalBudget = n } }

// WithCredentialAlgorithm supplies the signature algorithm of credentials
// whose view does not show it (mso_mdoc: the COSE alg of the issuerAuth,
// e.g. "ES256"), so that format designations listing algorithms can be
// checked. JWT-based credentials are read from their header first.
// Without it such a credential never satisfies a designation that lists
// algorithms (ErrAlgorithmUnknown).
func WithCredentialAlgorithm(f func(cred *presentation.Credential) string) Option {
	return func(c *config) { c.algOf = f }
}

// WithLogger sets the logger; credential content is never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

type fieldQ struct {
	f        *Field
	paths    []*match.JSONPath
	filter   *match.Filter
	optional bool
}

type descQ struct {
	d               *InputDescriptor
	idx             int
	formats         *formatQ
	fields          []fieldQ
	limit           string
	subjectIsIssuer bool
	isHolder        bool
	statuses        *Statuses
}

type reqQ struct {
	r      *SubmissionRequirement
	from   []int // descriptor indices of the group
	nested []*reqQ
}

type sameSubjectQ struct {
	descs    []int
	required bool
}

// Compiled is a validated presentation definition prepared for evaluation:
// paths parsed, filters compiled, formats resolved. Safe for concurrent use.
type Compiled struct {
	def         *Definition
	descs       []*descQ
	byID        map[string]int
	reqs        []*reqQ // nil: every descriptor is required
	sameSubject []sameSubjectQ
	defFormats  *formatQ
	cfg         config
	hints       Hints
}

// Hints tell a credential store what it can pre-filter on. A credential can
// answer input descriptor Descriptors[i] only if its format is among
// Formats (when non-empty), its W3C types include one of Types (when
// non-empty) and its vct is among VCTValues (when non-empty).
type Hints struct {
	Descriptors []DescriptorHints
}

// DescriptorHints are the pre-filter values of one input descriptor.
type DescriptorHints struct {
	ID        string
	Formats   []vocab.Format
	Types     []string
	VCTValues []string
}

// Compile validates the definition and prepares it. It applies the DIF
// schema as ParseDefinition does (so a definition built in Go is held to
// the same rules: constraints on every input descriptor, limit_disclosure
// "required" or "preferred", directives, rules, …) and the rules the
// schema cannot express: unique descriptor ids; every path compiled (limits checked
// before parsing); every filter compiled once with a deny-all loader;
// known formats; submission requirements consistent and naming existing
// groups; is_holder / same_subject naming existing fields; a StatusChecker
// when statuses are constrained. The definition must not be modified
// afterwards.
func Compile(def *Definition, opts ...Option) (*Compiled, error) {
	if def == nil {
		return nil, invalid(ErrSchema, "nil definition")
	}
	if err := checkSchema(def); err != nil {
		return nil, err
	}
	c := &Compiled{def: def, byID: make(map[string]int)}
	for _, o := range opts {
		o(&c.cfg)
	}
	if c.cfg.parallelism < 1 {
		c.cfg.parallelism = 1
	}
	if c.cfg.budget <= 0 {
		c.cfg.budget = 200000
	}
	if c.cfg.evalBudget <= 0 {
		c.cfg.evalBudget = DefaultEvaluationBudget
	}
	if c.cfg.logger == nil {
		c.cfg.logger = slog.New(slog.DiscardHandler)
	}
	if def.ID == "" {
		return nil, invalid(ErrSchema, "id is required")
	}
	if len(def.InputDescriptors) == 0 {
		return nil, invalid(ErrSchema, "input_descriptors must not be empty")
	}
	if len(def.InputDescriptors) > MaxInputDescriptors {
		return nil, invalid(ErrLimit, "%d input descriptors > %d", len(def.InputDescriptors), MaxInputDescriptors)
	}
	var err error
	if c.defFormats, err = compileFormats(def.Format); err != nil {
		return nil, err
	}
	groups := map[string][]int{}
	fieldOwners := map[string][]int{}
	for i, d := range def.InputDescriptors {
		if d == nil || d.ID == "" {
			return nil, invalid(ErrSchema, "input_descriptors[%d] has no id", i)
		}
		if _, dup := c.byID[d.ID]; dup {
			return nil, invalid(ErrDuplicateID, "%q", d.ID)
		}
		c.byID[d.ID] = i
		dq, err := c.compileDescriptor(i, d)
		if err != nil {
			return nil, err
		}
		c.descs = append(c.descs, dq)
		for _, g := range d.Group {
			groups[g] = append(groups[g], i)
		}
		for _, f := range dq.fields {
			if f.f.ID != "" {
				fieldOwners[f.f.ID] = append(fieldOwners[f.f.ID], i)
			}
		}
		c.hints.Descriptors = append(c.hints.Descriptors, hintsFor(dq, c.defFormats))
	}
	for i, d := range def.InputDescriptors {
		if d.Constraints == nil {
			continue
		}
		for _, h := range d.Constraints.IsHolder {
			if h == nil {
				return nil, invalid(ErrSchema, "%q: null is_holder entry", d.ID)
			}
			for _, id := range h.FieldID {
				if !slices.Contains(fieldOwners[id], i) {
					return nil, invalid(ErrUnknownFieldID, "is_holder of %q names %q", d.ID, id)
				}
			}
		}
		for _, s := range d.Constraints.SameSubject {
			if s == nil {
				return nil, invalid(ErrSchema, "%q: null same_subject entry", d.ID)
			}
			var owners []int
			for _, id := range s.FieldID {
				o, ok := fieldOwners[id]
				if !ok {
					return nil, invalid(ErrUnknownFieldID, "same_subject of %q names %q", d.ID, id)
				}
				for _, x := range o {
					if !slices.Contains(owners, x) {
						owners = append(owners, x)
					}
				}
			}
			c.sameSubject = append(c.sameSubject, sameSubjectQ{descs: owners, required: s.Directive == Required})
		}
	}
	if def.SubmissionRequirements != nil {
		if len(def.SubmissionRequirements) == 0 {
			return nil, invalid(ErrInvalidRequirement, "submission_requirements is empty")
		}
		// PE v2.1.1 §Submission Requirements: "all input_descriptors MUST
		// be grouped".
		for _, d := range def.InputDescriptors {
			if len(d.Group) == 0 {
				return nil, invalid(ErrInvalidRequirement, "input descriptor %q has no group while submission_requirements is present", d.ID)
			}
		}
		count := 0
		for _, r := range def.SubmissionRequirements {
			q, err := compileRequirement(r, groups, 0, &count)
			if err != nil {
				return nil, err
			}
			c.reqs = append(c.reqs, q)
		}
	}
	return c, nil
}

func (c *Compiled) compileDescriptor(i int, d *InputDescriptor) (*descQ, error) {
	dq := &descQ{d: d, idx: i}
	var err error
	if dq.formats, err = compileFormats(d.Format); err != nil {
		return nil, err
	}
	if dq.formats == nil || dq.formats.cred == nil {
		// The definition-level format applies when the descriptor does
		// not constrain credential formats itself.
		if c.defFormats != nil && c.defFormats.cred != nil {
			dq.formats = &formatQ{cred: c.defFormats.cred, vp: dq.formatsVP()}
		}
	}
	cons := d.Constraints
	if cons == nil {
		return dq, nil
	}
	if len(cons.Fields) > MaxFields {
		return nil, invalid(ErrLimit, "%q: %d fields > %d", d.ID, len(cons.Fields), MaxFields)
	}
	dq.limit = cons.LimitDisclosure
	dq.subjectIsIssuer = cons.SubjectIsIssuer == Required
	for _, h := range cons.IsHolder {
		if h != nil && h.Directive == Required {
			dq.isHolder = true
		}
	}
	if cons.Statuses != nil && (cons.Statuses.Active != nil || cons.Statuses.Suspended != nil || cons.Statuses.Revoked != nil) {
		if c.cfg.status == nil {
			return nil, invalid(ErrStatusCheckerRequired, "%q", d.ID)
		}
		dq.statuses = cons.Statuses
	}
	for j, f := range cons.Fields {
		if f == nil || len(f.Path) == 0 {
			return nil, invalid(ErrSchema, "%q: fields[%d] has no path", d.ID, j)
		}
		if len(f.Path) > MaxPaths {
			return nil, invalid(ErrLimit, "%q: fields[%d]: %d paths > %d", d.ID, j, len(f.Path), MaxPaths)
		}
		fq := fieldQ{f: f, optional: f.Optional}
		for _, p := range f.Path {
			jp, err := match.CompileJSONPath(p)
			if err != nil {
				return nil, fmt.Errorf("%w: %w: %q: fields[%d]: %w", ErrInvalidDefinition, ErrInvalidPath, d.ID, j, err)
			}
			fq.paths = append(fq.paths, jp)
		}
		if len(f.Filter) > 0 && string(f.Filter) != "null" {
			flt, err := match.CompileFilter(f.Filter)
			if err != nil {
				return nil, fmt.Errorf("%w: %w: %q: fields[%d]: %w", ErrInvalidDefinition, ErrInvalidFilter, d.ID, j, err)
			}
			fq.filter = flt
		}
		if f.Predicate != "" && fq.filter == nil {
			return nil, invalid(ErrSchema, "%q: fields[%d]: predicate needs a filter", d.ID, j)
		}
		dq.fields = append(dq.fields, fq)
	}
	return dq, nil
}

func (dq *descQ) formatsVP() []string {
	if dq.formats == nil {
		return nil
	}
	return dq.formats.vp
}

func compileRequirement(r *SubmissionRequirement, groups map[string][]int, depth int, count *int) (*reqQ, error) {
	*count++
	if *count > MaxRequirements {
		return nil, invalid(ErrLimit, "more than %d submission requirements", MaxRequirements)
	}
	if depth > MaxNesting {
		return nil, invalid(ErrLimit, "submission requirements nested deeper than %d", MaxNesting)
	}
	if r == nil {
		return nil, invalid(ErrInvalidRequirement, "null requirement")
	}
	q := &reqQ{r: r}
	if (r.From == "") == (r.FromNested == nil) {
		return nil, invalid(ErrInvalidRequirement, "exactly one of from and from_nested is required")
	}
	var n int
	if r.From != "" {
		g, ok := groups[r.From]
		if !ok {
			return nil, invalid(ErrUnknownGroup, "%q", r.From)
		}
		q.from = g
		n = len(g)
	} else {
		if len(r.FromNested) == 0 {
			return nil, invalid(ErrInvalidRequirement, "from_nested is empty")
		}
		for _, nr := range r.FromNested {
			nq, err := compileRequirement(nr, groups, depth+1, count)
			if err != nil {
				return nil, err
			}
			q.nested = append(q.nested, nq)
		}
		n = len(q.nested)
	}
	switch r.Rule {
	case RuleAll:
	case RulePick:
		if r.Count != nil && (r.Min != nil || r.Max != nil) {
			return nil, invalid(ErrInvalidRequirement, "count together with min/max")
		}
		if r.Count != nil && (*r.Count < 1 || *r.Count > n) {
			return nil, invalid(ErrInvalidRequirement, "count %d outside 1..%d", *r.Count, n)
		}
		if r.Min != nil && (*r.Min < 0 || *r.Min > n) {
			return nil, invalid(ErrInvalidRequirement, "min %d outside 0..%d", *r.Min, n)
		}
		if r.Max != nil && *r.Max < 1 {
			// "greater than zero"; min == max is accepted although the
			// text asks for max > min, as it is unambiguous.
			return nil, invalid(ErrInvalidRequirement, "max %d < 1", *r.Max)
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			return nil, invalid(ErrInvalidRequirement, "min %d > max %d", *r.Min, *r.Max)
		}
	default:
		return nil, invalid(ErrInvalidRequirement, "rule %q", r.Rule)
	}
	return q, nil
}

// Hints returns the pre-filter values of the definition.
func (c *Compiled) Hints() Hints { return c.hints }

// Definition returns the compiled definition.
func (c *Compiled) Definition() *Definition { return c.def }

func hintsFor(dq *descQ, def *formatQ) DescriptorHints {
	h := DescriptorHints{ID: dq.d.ID}
	if f := dq.formats; f != nil && f.cred != nil {
		for name := range f.cred {
			for _, pf := range formatsForName(name) {
				if !slices.Contains(h.Formats, pf) {
					h.Formats = append(h.Formats, pf)
				}
			}
		}
		slices.Sort(h.Formats)
	}
	for _, f := range dq.fields {
		if f.optional || f.filter == nil {
			continue
		}
		typePath, vctPath := true, true
		for _, p := range f.paths {
			s := strings.TrimSuffix(strings.TrimSuffix(p.String(), "[*]"), "[0]")
			if s != "$.type" && s != "$.vc.type" && s != "$['type']" && s != "$.vc['type']" {
				typePath = false
			}
			if s != "$.vct" && s != "$['vct']" {
				vctPath = false
			}
		}
		if !typePath && !vctPath {
			continue
		}
		vals := constValues(f.f.Filter)
		if len(vals) == 0 {
			continue
		}
		if typePath && h.Types == nil {
			h.Types = vals
		} else if vctPath && h.VCTValues == nil {
			h.VCTValues = vals
		}
	}
	return h
}

func formatsForName(name string) []vocab.Format {
	switch name {
	case "jwt", "jwt_vc", "jwt_vc_json":
		return []vocab.Format{vocab.FormatJWTVCJSON, vocab.FormatDIFJWTVC}
	case "ldp", "ldp_vc", "di", "di_vc":
		return []vocab.Format{vocab.FormatLDPVC}
	case "sd_jwt", "vc+sd-jwt", "dc+sd-jwt":
		return []vocab.Format{vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT}
	case "mso_mdoc":
		return []vocab.Format{vocab.FormatMsoMdoc}
	}
	return nil
}

// constValues extracts the values a filter pins a claim to: const, enum,
// contains.const, contains.enum. Anything else yields nil (no hint).
func constValues(raw json.RawMessage) []string {
	var f struct {
		Const    *string  `json:"const"`
		Enum     []string `json:"enum"`
		Contains *struct {
			Const *string  `json:"const"`
			Enum  []string `json:"enum"`
		} `json:"contains"`
	}
	if json.Unmarshal(raw, &f) != nil {
		return nil
	}
	switch {
	case f.Const != nil:
		return []string{*f.Const}
	case len(f.Enum) > 0:
		return f.Enum
	case f.Contains != nil && f.Contains.Const != nil:
		return []string{*f.Contains.Const}
	case f.Contains != nil && len(f.Contains.Enum) > 0:
		return f.Contains.Enum
	}
	return nil
}
