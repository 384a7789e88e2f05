package vpcache

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults.
const (
	// DefaultValidity is the Tractus-X default (tx.edc.dcp.cache.validity.seconds=86400).
	DefaultValidity = 24 * time.Hour
	// DefaultReaperInterval is how often expired entries are deleted.
	DefaultReaperInterval = 10 * time.Minute
	// MaxValidity bounds the configurable validity (one year).
	MaxValidity = 366 * 24 * time.Hour
)

type options struct {
	validity       time.Duration
	enabled        bool
	now            func() time.Time
	logger         *slog.Logger
	metrics        Metrics
	status         StatusChecker
	skipStatus     bool
	trust          IssuerTrust
	parser         Parser
	strict         bool
	reaperInterval time.Duration
	coverage       CoverageFunc
	err            error
}

// Option configures a [Cache].
type Option func(*options)

// WithValidity sets how long an entry may be served at most (default
// [DefaultValidity]). 0 disables the cache: [Cache.Enabled] is false, the
// cache stores nothing and [RequestService] is a pure pass-through. A
// negative validity or one above [MaxValidity] makes [New] fail with
// [ErrConfig]. Validities are used with millisecond precision.
func WithValidity(d time.Duration) Option {
	return func(o *options) {
		if d < 0 || d > MaxValidity {
			o.err = fmt.Errorf("%w: validity %v outside [0, %v]", ErrConfig, d, MaxValidity)
			return
		}
		o.validity = d
	}
}

// WithEnabled turns the cache on (default) or off (pure pass-through), as
// tx.edc.dcp.cache.enabled does.
func WithEnabled(on bool) Option { return func(o *options) { o.enabled = on } }

// WithClock sets the time source (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now == nil {
			o.err = fmt.Errorf("%w: nil clock", ErrConfig)
			return
		}
		o.now = now
	}
}

// WithLogger sets the logger (default: discard). Raw presentations and
// tokens are never logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithMetrics sets the metrics sink (default [NopMetrics]).
func WithMetrics(m Metrics) Option { return func(o *options) { o.metrics = m } }

// WithStatusChecker sets the revocation/suspension checker used on store
// and on every hit. Without it, a credential that carries a status
// reference is never cached (and never served), unless
// [InsecureSkipStatusCheck] is given.
func WithStatusChecker(s StatusChecker) Option { return func(o *options) { o.status = s } }

// InsecureSkipStatusCheck caches credentials with status references
// without checking them. Revocation then goes unnoticed until the entry
// expires. Only for verifiers that check status downstream on every request.
func InsecureSkipStatusCheck() Option { return func(o *options) { o.skipStatus = true } }

// WithIssuerTrust re-checks issuer trust on store and on every hit, so an
// issuer removed from the trusted list stops being served at once (EDC
// checks it only at store time, through the Verifier).
func WithIssuerTrust(t IssuerTrust) Option { return func(o *options) { o.trust = t } }

// WithParser sets the parser used to rebuild the parsed form on read (see
// [Parser]).
func WithParser(p Parser) Option { return func(o *options) { o.parser = p } }

// WithStrictExpiry also bounds an entry by the earliest exp of its
// presentations (DCP v1.0 requires verifiers to validate VP expiry; EDC does
// not, so the default is off). With IdentityHub's 60 s VP lifetime, strict
// expiry makes the cache nearly useless; it is for verifiers that enforce VP
// exp downstream.
func WithStrictExpiry(on bool) Option { return func(o *options) { o.strict = on } }

// WithReaperInterval sets how often the cache deletes expired entries from
// its store in the background (default [DefaultReaperInterval]; 0 turns the
// reaper off). [Cache.Close] stops it.
func WithReaperInterval(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.err = fmt.Errorf("%w: negative reaper interval", ErrConfig)
			return
		}
		o.reaperInterval = d
	}
}

// WithCoverage replaces [TractusXCoverage] as the scope-coverage rule.
func WithCoverage(f CoverageFunc) Option {
	return func(o *options) {
		if f == nil {
			o.err = fmt.Errorf("%w: nil coverage function", ErrConfig)
			return
		}
		o.coverage = f
	}
}
