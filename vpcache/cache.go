package vpcache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

// Cache is the verified-presentation cache. It is safe for concurrent use.
// Create it with [New]; call [Cache.Close] to stop the background reaper.
type Cache struct {
	store    Store
	verifier Verifier
	o        options
	log      *slog.Logger

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// Hit is a served entry.
type Hit struct {
	Key Key
	// Presentations are the cached presentations, as received.
	Presentations []Presentation
	// Parsed is their parsed form (shared; do not modify).
	Parsed    []Verified
	CachedAt  time.Time
	ExpiresAt time.Time
	// Version identifies this entry for [Cache.ReportInvalid].
	Version int64
}

// New returns a cache over store that verifies presentations with v. Both
// are required unless the options disable the cache. Invalid options fail
// with [ErrConfig].
func New(store Store, v Verifier, opts ...Option) (*Cache, error) {
	o := options{
		validity:       DefaultValidity,
		enabled:        true,
		now:            time.Now,
		metrics:        NopMetrics{},
		reaperInterval: DefaultReaperInterval,
		coverage:       TractusXCoverage,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		return nil, o.err
	}
	if o.validity == 0 {
		o.enabled = false
	}
	if o.metrics == nil {
		o.metrics = NopMetrics{}
	}
	log := o.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Cache{store: store, verifier: v, o: o, log: log, stop: make(chan struct{})}
	if !o.enabled {
		log.Info("vpcache: verifiable presentation cache is disabled")
		return c, nil
	}
	if store == nil || v == nil {
		return nil, fmt.Errorf("%w: an enabled cache needs a Store and a Verifier", ErrConfig)
	}
	log.Info("vpcache: verifiable presentation cache enabled",
		"validity", o.validity, "strict_expiry", o.strict, "reaper_interval", o.reaperInterval,
		"status_check", o.status != nil, "issuer_recheck", o.trust != nil)
	if o.reaperInterval > 0 {
		c.wg.Add(1)
		go c.reap()
	}
	return c, nil
}

// Enabled reports whether the cache stores and serves entries.
func (c *Cache) Enabled() bool { return c.o.enabled }

// Validity returns the configured maximum entry age (0 when disabled).
func (c *Cache) Validity() time.Duration {
	if !c.o.enabled {
		return 0
	}
	return c.o.validity
}

// Close stops the background reaper. It does not close the store.
func (c *Cache) Close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	c.wg.Wait()
	return nil
}

func (c *Cache) now() time.Time { return c.o.now().Truncate(time.Millisecond) }

// Store verifies presentations received from the counterparty for the
// given key and caches them. Nothing is written unless every check passes
// (see the package documentation for the order). A failed check returns an
// [*RejectedError] (matching [ErrRejected] and the reason); a backend
// failure one matching [ErrStore]. It returns the stored entry's version.
func (c *Cache) Store(ctx context.Context, k Key, ps []Presentation) (int64, error) {
	v, _, err := c.storeVerified(ctx, k, ps)
	return v, err
}

// storeVerified is [Cache.Store] that also returns the verified view: non-nil
// whenever every check passed, also when the backend then failed.
func (c *Cache) storeVerified(ctx context.Context, k Key, ps []Presentation) (int64, []Verified, error) {
	if !c.o.enabled {
		return 0, nil, ErrDisabled
	}
	if err := k.Validate(); err != nil {
		return 0, nil, err
	}
	if err := validatePresentations(ps); err != nil {
		return 0, nil, c.reject(k, ReasonInvalid, err)
	}
	ps = clonePresentations(ps)
	parsed, err := c.verifier.VerifyPresentations(ctx, k.ParticipantContextID, ps)
	if err == nil && len(parsed) != len(ps) {
		err = fmt.Errorf("verifier returned %d results for %d presentations", len(parsed), len(ps))
	}
	if err != nil {
		return 0, nil, c.reject(k, ReasonInvalid, fmt.Errorf("%w: %w", ErrInvalidPresentation, err))
	}
	creds := credentials(parsed)
	if !c.o.coverage(k.Scopes, creds) {
		return 0, nil, c.reject(k, ReasonScope, fmt.Errorf("%w: %d scopes, %d credentials, types %v",
			ErrScopeNotCovered, len(k.Scopes), len(creds), credentialTypes(creds)))
	}
	for i := range parsed {
		if parsed[i].Holder != k.CounterpartyDID {
			return 0, nil, c.reject(k, ReasonHolder, fmt.Errorf("%w: presentation %d", ErrHolderMismatch, i))
		}
	}
	now := c.now()
	if reason, err := c.check(ctx, k, parsed, now); err != nil {
		return 0, nil, c.reject(k, reason, err)
	}
	e := Entry{
		Key:           k,
		Presentations: ps,
		Parsed:        parsed,
		CachedAt:      now,
		ExpiresAt:     c.expiry(now, parsed),
	}
	start := time.Now()
	v, err := c.store.Put(ctx, e)
	c.o.metrics.StoreLatency("put", time.Since(start), err)
	if err != nil {
		c.o.metrics.StoreRejected(ReasonStoreError)
		return 0, parsed, storeErr(err)
	}
	c.log.DebugContext(ctx, "vpcache: stored", "participant_context", k.ParticipantContextID,
		"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "expires_at", e.ExpiresAt, "version", v)
	return v, parsed, nil
}

// storeErr makes sure a backend error matches ErrStore (unless it is an
// input error).
func storeErr(err error) error {
	if errors.Is(err, ErrStore) || errors.Is(err, ErrInvalidKey) || errors.Is(err, ErrInvalidPresentation) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrStore, err)
}

func (c *Cache) reject(k Key, reason Reason, err error) error {
	c.o.metrics.StoreRejected(reason)
	c.log.Warn("vpcache: presentations not cached", "participant_context", k.ParticipantContextID,
		"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "reason", string(reason), "error", err.Error())
	return &RejectedError{Reason: reason, Err: err}
}

// expiry is the earliest of now+validity, every credential's validUntil and,
// in strict mode, every presentation's exp (millisecond precision, rounded
// down).
func (c *Cache) expiry(now time.Time, parsed []Verified) time.Time {
	exp := now.Add(c.o.validity)
	for i := range parsed {
		if c.o.strict && !parsed[i].Expiry.IsZero() && parsed[i].Expiry.Before(exp) {
			exp = parsed[i].Expiry
		}
		for j := range parsed[i].Credentials {
			if u := parsed[i].Credentials[j].ValidUntil; !u.IsZero() && u.Before(exp) {
				exp = u
			}
		}
	}
	return exp.Truncate(time.Millisecond)
}

// check runs the time, status and issuer checks shared by store and query.
func (c *Cache) check(ctx context.Context, k Key, parsed []Verified, now time.Time) (Reason, error) {
	for i := range parsed {
		if c.o.strict && !parsed[i].Expiry.IsZero() && now.After(parsed[i].Expiry) {
			return ReasonVPExpired, fmt.Errorf("%w: presentation %d", ErrPresentationExpired, i)
		}
		for j := range parsed[i].Credentials {
			cr := &parsed[i].Credentials[j]
			if (!cr.ValidFrom.IsZero() && cr.ValidFrom.After(now)) || (!cr.IssuedAt.IsZero() && cr.IssuedAt.After(now)) {
				return ReasonNotYetValid, fmt.Errorf("%w: presentation %d credential %d", ErrCredentialNotYetValid, i, j)
			}
			if !cr.ValidUntil.IsZero() && now.After(cr.ValidUntil) {
				return ReasonVCExpired, fmt.Errorf("%w: presentation %d credential %d", ErrCredentialExpired, i, j)
			}
		}
	}
	for i := range parsed {
		for j := range parsed[i].Credentials {
			cr := &parsed[i].Credentials[j]
			for _, ref := range cr.Status {
				if reason, err := c.checkStatus(ctx, ref); err != nil {
					return reason, fmt.Errorf("presentation %d credential %d: %w", i, j, err)
				}
			}
		}
	}
	if c.o.trust != nil {
		for i := range parsed {
			for j := range parsed[i].Credentials {
				ok, err := c.o.trust.Trusted(ctx, k.ParticipantContextID, &parsed[i].Credentials[j])
				if err != nil || !ok {
					if err == nil {
						err = errors.New("issuer not trusted")
					}
					return ReasonIssuer, fmt.Errorf("%w: presentation %d credential %d: %w", ErrUntrustedIssuer, i, j, err)
				}
			}
		}
	}
	return "", nil
}

func (c *Cache) checkStatus(ctx context.Context, ref vocab.StatusReference) (Reason, error) {
	if c.o.status == nil {
		if c.o.skipStatus {
			return "", nil
		}
		return ReasonStatus, ErrStatusUnchecked
	}
	res, err := c.o.status.Check(ctx, ref)
	if err != nil {
		return ReasonStatus, fmt.Errorf("%w: %w", ErrStatusUnavailable, err)
	}
	switch err := vocab.InterpretStatus(ref, res); {
	case err == nil:
		return "", nil
	case errors.Is(err, vocab.ErrRevoked):
		return ReasonRevoked, err
	case errors.Is(err, vocab.ErrSuspended):
		return ReasonSuspended, err
	default:
		return ReasonStatus, err
	}
}

// Query returns the cached presentations of k if the entry is still valid:
// not older than its expiry (a query at exactly the expiry still hits),
// every credential inside its validity window, none revoked or suspended
// and, with [WithIssuerTrust], every issuer still trusted. A failing entry is
// deleted if its version is unchanged, and Query reports a miss: every
// non-nil error except an [ErrInvalidKey] or [ErrDisabled] one matches
// [ErrMiss]. A store failure is a miss too.
func (c *Cache) Query(ctx context.Context, k Key) (Hit, error) {
	return c.query(ctx, k, true)
}

// query is [Cache.Query]; countMiss false leaves a miss out of the metrics
// (the repeated lookup inside a single flight, whose miss was counted).
func (c *Cache) query(ctx context.Context, k Key, countMiss bool) (Hit, error) {
	if !c.o.enabled {
		return Hit{}, ErrDisabled
	}
	if err := k.Validate(); err != nil {
		return Hit{}, err
	}
	start := time.Now()
	e, err := c.store.Get(ctx, k)
	if errors.Is(err, ErrNotFound) {
		c.o.metrics.StoreLatency("get", time.Since(start), nil)
		return Hit{}, c.miss(ctx, k, countMiss, ReasonAbsent, err)
	}
	c.o.metrics.StoreLatency("get", time.Since(start), err)
	if err != nil {
		c.log.WarnContext(ctx, "vpcache: store lookup failed", "participant_context", k.ParticipantContextID,
			"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "error", err.Error())
		return Hit{}, c.miss(ctx, k, countMiss, ReasonStoreError, storeErr(err))
	}
	if !e.Key.Equal(k) {
		// A store returned a different key: treat as absent, never serve.
		return Hit{}, c.miss(ctx, k, countMiss, ReasonStoreError, fmt.Errorf("%w: store returned another key", ErrStore))
	}
	now := c.now()
	if now.After(e.ExpiresAt) {
		return Hit{}, c.evictMiss(ctx, e, countMiss, ReasonTTL, ErrExpired)
	}
	parsed := e.Parsed
	if len(parsed) != len(e.Presentations) {
		parsed, err = c.parse(ctx, k, e.Presentations)
		if err != nil {
			return Hit{}, c.evictMiss(ctx, e, countMiss, ReasonInvalid, fmt.Errorf("%w: %w", ErrInvalidPresentation, err))
		}
	}
	if reason, err := c.check(ctx, k, parsed, now); err != nil {
		return Hit{}, c.evictMiss(ctx, e, countMiss, reason, err)
	}
	c.o.metrics.Hit()
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.DebugContext(ctx, "vpcache: hit", "participant_context", k.ParticipantContextID,
			"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "version", e.Version)
	}
	return Hit{
		Key:           k,
		Presentations: clonePresentations(e.Presentations),
		Parsed:        parsed,
		CachedAt:      e.CachedAt,
		ExpiresAt:     e.ExpiresAt,
		Version:       e.Version,
	}, nil
}

func (c *Cache) parse(ctx context.Context, k Key, ps []Presentation) ([]Verified, error) {
	var parsed []Verified
	var err error
	if c.o.parser != nil {
		parsed, err = c.o.parser.ParsePresentations(ctx, ps)
	} else {
		parsed, err = c.verifier.VerifyPresentations(ctx, k.ParticipantContextID, ps)
	}
	if err == nil && len(parsed) != len(ps) {
		err = fmt.Errorf("parser returned %d results for %d presentations", len(parsed), len(ps))
	}
	if err != nil {
		return nil, err
	}
	for i := range parsed {
		if parsed[i].Holder != k.CounterpartyDID {
			return nil, fmt.Errorf("%w: presentation %d", ErrHolderMismatch, i)
		}
	}
	return parsed, nil
}

func (c *Cache) miss(ctx context.Context, k Key, count bool, reason Reason, cause error) error {
	if count {
		c.o.metrics.Miss(reason)
	}
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.DebugContext(ctx, "vpcache: miss", "participant_context", k.ParticipantContextID,
			"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "reason", string(reason))
	}
	return fmt.Errorf("%w: %w", ErrMiss, cause)
}

// evictMiss deletes e if it still has the same version and reports a miss.
func (c *Cache) evictMiss(ctx context.Context, e Entry, count bool, reason Reason, cause error) error {
	c.evict(ctx, e.Key, e.Version, reason)
	return c.miss(ctx, e.Key, count, reason, cause)
}

func (c *Cache) evict(ctx context.Context, k Key, version int64, reason Reason) {
	start := time.Now()
	n, err := c.store.Delete(ctx, ByKeyVersion(k, version))
	c.o.metrics.StoreLatency("delete", time.Since(start), err)
	if err != nil {
		c.log.WarnContext(ctx, "vpcache: failed to remove invalid entry", "participant_context", k.ParticipantContextID,
			"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "reason", string(reason), "error", err.Error())
		return
	}
	if n > 0 {
		c.o.metrics.Evicted(reason, int(n))
	}
	c.log.DebugContext(ctx, "vpcache: evicted", "participant_context", k.ParticipantContextID,
		"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "reason", string(reason), "removed", n)
}

// ReportInvalid removes the entry of k if it still has the given version:
// the hook for a verifier whose downstream checks rejected presentations the
// cache served (or had just stored), so a bad entry cannot block the
// counterparty until it expires. It reports whether an entry was removed.
func (c *Cache) ReportInvalid(ctx context.Context, k Key, version int64) (bool, error) {
	if !c.o.enabled {
		return false, nil
	}
	if err := ByKeyVersion(k, version).Validate(); err != nil {
		return false, err
	}
	start := time.Now()
	n, err := c.store.Delete(ctx, ByKeyVersion(k, version))
	c.o.metrics.StoreLatency("delete", time.Since(start), err)
	if err != nil {
		return false, storeErr(err)
	}
	if n > 0 {
		c.o.metrics.Evicted(ReasonDownstream, int(n))
		c.log.InfoContext(ctx, "vpcache: entry reported invalid, removed", "participant_context", k.ParticipantContextID,
			"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash())
	}
	return n > 0, nil
}

// Remove deletes the entry of one scope set.
func (c *Cache) Remove(ctx context.Context, k Key) (int64, error) {
	return c.remove(ctx, ByKey(k))
}

// RemoveCounterparty deletes every scope set of a counterparty in one
// participant context.
func (c *Cache) RemoveCounterparty(ctx context.Context, participantContextID, did string) (int64, error) {
	return c.remove(ctx, ByCounterparty(participantContextID, did))
}

// RemoveCounterpartyAllContexts deletes every entry of a counterparty in
// every participant context.
func (c *Cache) RemoveCounterpartyAllContexts(ctx context.Context, did string) (int64, error) {
	return c.remove(ctx, ByCounterpartyAllContexts(did))
}

// RemoveParticipantContext deletes every entry of a participant context.
func (c *Cache) RemoveParticipantContext(ctx context.Context, participantContextID string) (int64, error) {
	return c.remove(ctx, ByParticipantContext(participantContextID))
}

func (c *Cache) remove(ctx context.Context, s Selector) (int64, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if !c.o.enabled {
		return 0, nil
	}
	start := time.Now()
	n, err := c.store.Delete(ctx, s)
	c.o.metrics.StoreLatency("delete", time.Since(start), err)
	if err != nil {
		return 0, storeErr(err)
	}
	if n > 0 {
		c.o.metrics.Evicted(ReasonManual, int(n))
	}
	c.log.InfoContext(ctx, "vpcache: entries removed", "participant_context", s.ParticipantContextID,
		"counterparty", s.CounterpartyDID, "removed", n)
	return n, nil
}

// ReapExpired deletes every entry whose expiry has passed and returns how
// many it deleted. The background reaper calls it every reaper interval.
func (c *Cache) ReapExpired(ctx context.Context) (int64, error) {
	if !c.o.enabled {
		return 0, nil
	}
	start := time.Now()
	n, err := c.store.Delete(ctx, ByExpiry(c.now()))
	c.o.metrics.StoreLatency("delete", time.Since(start), err)
	if err != nil {
		return 0, storeErr(err)
	}
	if n > 0 {
		c.o.metrics.Evicted(ReasonReaper, int(n))
	}
	return n, nil
}

func (c *Cache) reap() {
	defer c.wg.Done()
	t := time.NewTicker(c.o.reaperInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.o.reaperInterval)
			if _, err := c.ReapExpired(ctx); err != nil {
				c.log.Warn("vpcache: reaper failed", "error", err.Error())
			}
			cancel()
		}
	}
}

func credentials(parsed []Verified) []*presentation.Credential {
	var out []*presentation.Credential
	for i := range parsed {
		for j := range parsed[i].Credentials {
			out = append(out, &parsed[i].Credentials[j])
		}
	}
	return out
}

func credentialTypes(creds []*presentation.Credential) []string {
	var out []string
	for _, c := range creds {
		out = append(out, c.Types...)
		if c.VCT != "" {
			out = append(out, c.VCT)
		}
	}
	return out
}
