package dcql

import (
	"context"
	"log/slog"
	"slices"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

type family uint8

const (
	famUnknown family = iota
	famSDJWT
	famMdoc
	famW3C
)

// familyOf classifies a credential format identifier (OpenID4VCI 1.0
// Appendix A, OpenID4VP 1.0 Appendix B).
func familyOf(f vocab.Format) family {
	switch f {
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy:
		return famSDJWT
	case vocab.FormatMsoMdoc:
		return famMdoc
	case vocab.FormatJWTVCJSON, vocab.FormatLDPVC, vocab.FormatDIFJWTVC:
		return famW3C
	}
	return famUnknown
}

// sameFormat reports whether a credential of format have answers a query
// for format want. jwt_vc (the DIF registry name some decoders report) is
// taken as jwt_vc_json; the legacy vc+sd-jwt only when allowed.
func sameFormat(want, have vocab.Format, legacy bool) bool {
	if want == have {
		return true
	}
	switch want {
	case vocab.FormatJWTVCJSON:
		return have == vocab.FormatDIFJWTVC
	case vocab.FormatSDJWTVC:
		return legacy && have == vocab.FormatSDJWTVCLegacy
	}
	return false
}

// TrustChecker decides whether a credential was issued under one of the
// trusted authorities of a trusted_authorities entry (§6.1.1). The wallet
// registers one per type it supports (aki, etsi_tl, openid_federation);
// values are the entry's values.
type TrustChecker interface {
	Trusted(ctx context.Context, cred *presentation.Credential, values []string) (bool, error)
}

// TrustCheckerFunc adapts a function to TrustChecker.
type TrustCheckerFunc func(ctx context.Context, cred *presentation.Credential, values []string) (bool, error)

// Trusted calls f.
func (f TrustCheckerFunc) Trusted(ctx context.Context, cred *presentation.Credential, values []string) (bool, error) {
	return f(ctx, cred, values)
}

// TypeExpander returns the fully expanded type IRIs of a W3C credential
// (its type values after applying its @context, OpenID4VP 1.0 Appendix
// B.1.1). ldp.NewTypeExpander (package presentation/w3c/ldp) implements it
// with JSON-LD expansion through the offline context loader of
// crypto/dataintegrity/contexts (bundled contexts plus pinned ones).
type TypeExpander interface {
	ExpandTypes(ctx context.Context, cred *presentation.Credential) ([]string, error)
}

type config struct {
	expander    TypeExpander
	trust       map[string]TrustChecker
	parallelism int
	legacy      bool
	logger      *slog.Logger
	budget      int64
}

// Option configures Compile.
type Option func(*config)

// WithTrustChecker registers the checker for a trusted_authorities type.
// A credential query with trusted_authorities matches only credentials that
// a registered checker accepts for at least one entry; entries of types
// without a checker never match.
func WithTrustChecker(typ string, c TrustChecker) Option {
	return func(cfg *config) {
		if cfg.trust == nil {
			cfg.trust = make(map[string]TrustChecker)
		}
		cfg.trust[typ] = c
	}
}

// WithTypeExpander lets type_values name fully expanded type IRIs: a W3C
// credential matches an inner array when every value is among its type
// values as written (the short names the spec's jwt_vc_json example uses)
// or among its expanded type IRIs. Without an expander only the values as
// written are compared. The expander is consulted only for W3C credentials
// whose types as written do not match; an expansion error (a context that
// is not bundled or pinned, an undefined type) makes the credential not
// match (ErrMetaMismatch wrapping the error):
//
//	exp, err := ldp.NewTypeExpander(loader) // nil: bundled contexts only
//	compiled, err := dcql.Compile(q, dcql.WithTypeExpander(exp))
func WithTypeExpander(e TypeExpander) Option {
	return func(cfg *config) { cfg.expander = e }
}

// WithParallelism evaluates credentials on n goroutines (default 1).
// Results are identical to sequential evaluation.
func WithParallelism(n int) Option {
	return func(cfg *config) { cfg.parallelism = n }
}

// WithLegacySDJWTFormat lets a dc+sd-jwt query match credentials stored
// with the pre-1.0 format name vc+sd-jwt.
func WithLegacySDJWTFormat() Option {
	return func(cfg *config) { cfg.legacy = true }
}

// DefaultBudget is the work budget of one evaluation when WithBudget is
// not used. Ordinary wallets stay far below it (the spec's claim-set query
// over 1,000 credentials spends about 14,000 units; 1,000 PIDs all
// answering an eight-claim query about 130,000), and a hostile query is
// stopped within tens of milliseconds and about ten megabytes.
const DefaultBudget = 1 << 19

// WithBudget sets the work budget of one Evaluate, Candidates or
// MatchCredential call (n <= 0 keeps DefaultBudget). A unit is one element
// a claims path pointer selects, one value compared, or one step over a
// credential's disclosable paths. A verifier chooses the query, so the work
// a query causes is bounded: an evaluation that runs out fails with
// ErrBudgetExceeded, never with a partial answer.
func WithBudget(n int64) Option {
	return func(cfg *config) { cfg.budget = n }
}

// WithLogger sets the logger (nothing is logged about credential content).
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) { cfg.logger = l }
}

type claimQ struct {
	id     string
	path   vocab.ClaimPath
	values []any
	wild   bool // path has a null component
	// never: processing the path always fails for the credential format
	// (an mdoc pointer that is not two strings, OpenID4VP 1.0 §7.2).
	never bool
}

// mdocPointer reports whether p can be processed against an mdoc
// (OpenID4VP 1.0 §7.2 step 1): exactly two strings, namespace and data
// element identifier.
func mdocPointer(p vocab.ClaimPath) bool {
	if len(p) != 2 {
		return false
	}
	_, ok0 := p[0].(string)
	_, ok1 := p[1].(string)
	return ok0 && ok1
}

type credQ struct {
	q          *CredentialQuery
	fam        family
	vct        map[string]bool
	typeValues [][]string
	claims     []claimQ
	claimSets  [][]int // indices into claims; nil means all
	binding    bool
}

// Compiled is a validated query prepared for repeated evaluation. It is
// safe for concurrent use.
type Compiled struct {
	q     *Query
	creds []credQ
	byID  map[string]int
	cfg   config
	hints Hints
}

// Hints tell a credential store what it can pre-filter on: a credential
// can only match when its format is one of Formats and, for its format,
// its vct is in VCTValues, its doctype in DocTypes, or its types include
// one of TypeSets. Queries lists the same per credential query. TypeSets
// hold what the verifier sent, which may be expanded type IRIs
// (WithTypeExpander): a store that indexes short type names only should not
// pre-filter on them.
type Hints struct {
	Formats   []vocab.Format
	VCTValues []string
	DocTypes  []string
	TypeSets  [][]string
	Queries   []QueryHints
}

// QueryHints are the pre-filter values of one credential query.
type QueryHints struct {
	ID        string
	Format    vocab.Format
	VCTValues []string
	DocType   string
	TypeSets  [][]string
}

// Compile validates q (as Validate does) and prepares it for evaluation.
// The query must not be modified afterwards.
func Compile(q *Query, opts ...Option) (*Compiled, error) {
	if q == nil {
		return nil, invalid(ErrMissingMember, "nil query")
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	c := &Compiled{q: q, byID: make(map[string]int, len(q.Credentials))}
	for _, o := range opts {
		o(&c.cfg)
	}
	if c.cfg.parallelism < 1 {
		c.cfg.parallelism = 1
	}
	if c.cfg.logger == nil {
		c.cfg.logger = slog.New(slog.DiscardHandler)
	}
	if c.cfg.budget <= 0 {
		c.cfg.budget = DefaultBudget
	}
	for i := range q.Credentials {
		cq := &q.Credentials[i]
		cc := credQ{q: cq, fam: familyOf(cq.Format), binding: cq.HolderBindingRequired(), typeValues: cq.Meta.TypeValues}
		if len(cq.Meta.VCTValues) > 0 {
			cc.vct = make(map[string]bool, len(cq.Meta.VCTValues))
			for _, v := range cq.Meta.VCTValues {
				cc.vct[v] = true
			}
		}
		ids := make(map[string]int, len(cq.Claims))
		for j, cl := range cq.Claims {
			cc.claims = append(cc.claims, claimQ{id: cl.ID, path: cl.Path, values: cl.Values, wild: slices.Contains(cl.Path, nil),
				never: cc.fam == famMdoc && !mdocPointer(cl.Path)})
			if cl.ID != "" {
				ids[cl.ID] = j
			}
		}
		for _, set := range cq.ClaimSets {
			idx := make([]int, len(set))
			for k, id := range set {
				idx[k] = ids[id]
			}
			cc.claimSets = append(cc.claimSets, idx)
		}
		c.byID[cq.ID] = i
		c.creds = append(c.creds, cc)

		h := QueryHints{ID: cq.ID, Format: cq.Format, VCTValues: cq.Meta.VCTValues, DocType: cq.Meta.DoctypeValue, TypeSets: cq.Meta.TypeValues}
		c.hints.Queries = append(c.hints.Queries, h)
		addUnique(&c.hints.Formats, cq.Format)
		if cq.Format == vocab.FormatJWTVCJSON {
			addUnique(&c.hints.Formats, vocab.FormatDIFJWTVC)
		}
		if cq.Format == vocab.FormatSDJWTVC && c.cfg.legacy {
			addUnique(&c.hints.Formats, vocab.FormatSDJWTVCLegacy)
		}
		for _, v := range cq.Meta.VCTValues {
			addUnique(&c.hints.VCTValues, v)
		}
		if cq.Meta.DoctypeValue != "" {
			addUnique(&c.hints.DocTypes, cq.Meta.DoctypeValue)
		}
		c.hints.TypeSets = append(c.hints.TypeSets, cq.Meta.TypeValues...)
	}
	return c, nil
}

func addUnique[T comparable](s *[]T, v T) {
	if !slices.Contains(*s, v) {
		*s = append(*s, v)
	}
}

// Hints returns the pre-filter values of the query.
func (c *Compiled) Hints() Hints { return c.hints }

// Query returns the compiled query.
func (c *Compiled) Query() *Query { return c.q }
