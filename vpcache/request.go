package vpcache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Request is one presentation request to a counterparty, as in EDC's
// PresentationRequestService.requestPresentation.
type Request struct {
	ParticipantContextID string
	// OwnDID is the participant context's DID (the audience of the SI token
	// the upstream sends to the counterparty's credential service).
	OwnDID          string
	CounterpartyDID string
	// CounterpartyToken is the access token the counterparty handed over;
	// never logged.
	CounterpartyToken string
	Scopes            []string
}

// RequestFunc fetches presentations from the counterparty's credential
// service (DCP v1.0 Verifiable Presentation Protocol: self-issued token,
// DID resolution, Resolution API presentation query). It is the upstream a
// [RequestService] wraps.
type RequestFunc func(ctx context.Context, req Request) ([]Presentation, error)

// Response is the result of [RequestService.RequestPresentation].
//
// # When callers must verify
//
// With Checked set, Verified is the verified view of Presentations: the
// cache's [Verifier] accepted them when they were fetched (proofs, audience,
// credential signatures, subjects, issuer trust), the cache checked scope
// coverage and holders then, and it checked validity windows, status and
// (with [WithIssuerTrust]) issuer trust again for this response. Use
// Verified (holders, credentials, their claims); do not verify
// Presentations again: on a hit their proofs may legitimately have expired
// (a DCP presentation lives 60 s, an entry up to the cache's validity), and
// a strict verifier would reject what the cache rightly serves. Checks the
// cache does not repeat on a hit stay with the caller: issuer trust unless
// [WithIssuerTrust] is set, the presentations' own exp unless
// [WithStrictExpiry] is set, and every policy decision on claims. If such a
// check rejects the response, pass it to [RequestService.Reject].
//
// Without Checked (cache disabled, request not cacheable, or a panic in the
// cache's user code while checking), the cache did not verify anything:
// Verified is nil and the caller must verify Presentations itself, as
// without a cache.
type Response struct {
	// Presentations are the presentations as received from the
	// counterparty (on a hit: as received when the entry was stored).
	Presentations []Presentation
	// Verified is the verified view of Presentations, index-aligned, when
	// Checked; nil otherwise. It is shared with the cache and with other
	// callers: read it, do not modify it.
	Verified []Verified
	// Checked reports that the cache verified the presentations and that
	// Verified holds the result (see the type documentation).
	Checked bool
	// FromCache is true when the presentations came from the cache.
	FromCache bool
	// Shared is true when they came from another caller's concurrent
	// upstream call.
	Shared bool
	// Key and Version identify the cache entry that holds these
	// presentations (Version 0: not cached, for example because the backend
	// failed); pass the Response to [RequestService.Reject] if a later check
	// rejects them.
	Key     Key
	Version int64
}

// clone returns r with its own Presentations and Key scopes (Verified stays
// shared, read only).
func (r Response) clone() Response {
	r.Presentations = clonePresentations(r.Presentations)
	if r.Key.Scopes != nil {
		r.Key.Scopes = append([]string(nil), r.Key.Scopes...)
	}
	return r
}

// RequestService puts a [Cache] in front of a [RequestFunc]. A hit returns
// the cached presentations without calling the upstream; a miss calls it
// once for all concurrent callers of the same key (single flight), verifies
// the result and stores it. A cache failure never fails a request: lookup
// errors count as misses and store errors are logged. An upstream error is
// returned as is and nothing is cached. Presentations the cache's checks
// reject are not returned as a success: RequestPresentation fails with a
// [*RejectedError].
//
// Concurrent misses for one key make one upstream call. Waiters share only
// its success; if it fails each waiter makes its own call (with its own
// token). Every caller, the one whose miss started the call included, is
// bounded by its own context: when it ends, RequestPresentation returns the
// context's error at once, even if the upstream ignores cancellation. The
// shared call runs on (the values of) the first caller's context and is
// cancelled when no caller waits for it any more.
type RequestService struct {
	cache    *Cache
	upstream RequestFunc

	mu      sync.Mutex
	flights map[string]*flight

	// Test hooks (nil in production): afterMiss runs between a caller's
	// cache miss and its look at the running flights, inFlight at the start
	// of a new flight, before its repeated lookup.
	afterMiss func(Request)
	inFlight  func(Request)
}

type flight struct {
	done   chan struct{}
	cancel context.CancelFunc
	// waiting counts the callers still waiting (guarded by
	// RequestService.mu); the last one to leave cancels the flight.
	waiting int
	// resp and err are written once before done is closed.
	resp Response
	err  error
}

// NewRequestService wraps upstream with cache. A nil or disabled cache makes
// the service a pure pass-through.
func NewRequestService(cache *Cache, upstream RequestFunc) (*RequestService, error) {
	if upstream == nil {
		return nil, fmt.Errorf("%w: nil upstream RequestFunc", ErrConfig)
	}
	return &RequestService{cache: cache, upstream: upstream, flights: map[string]*flight{}}, nil
}

// RequestPresentation returns presentations for req, from the cache when
// possible. See [Response] for what the caller must still verify.
//
// It fails with the upstream's error (nothing cached), with the context's
// error when ctx ends first, or with a [*RejectedError] when the cache's
// checks reject the presentations the upstream returned. With a
// RejectedError the Response still carries the rejected Presentations (and
// nothing else) for diagnostics; they are unverified and not cached.
func (s *RequestService) RequestPresentation(ctx context.Context, req Request) (Response, error) {
	if s.cache == nil || !s.cache.Enabled() {
		ps, err := s.callBounded(ctx, req)
		return Response{Presentations: ps}, err
	}
	k, err := NewKey(req.ParticipantContextID, req.CounterpartyDID, req.Scopes)
	if err != nil {
		// Not cacheable (for example an empty participant context): pass
		// through, the upstream and the caller's verifier decide.
		s.cache.log.WarnContext(ctx, "vpcache: request not cacheable, passing through", "error", err.Error())
		ps, err := s.callBounded(ctx, req)
		return Response{Presentations: ps}, err
	}
	var hit Hit
	if err := guard(func() (err error) { hit, err = s.cache.Query(ctx, k); return err }); err == nil {
		return hitResponse(hit), nil
	}
	if s.afterMiss != nil {
		s.afterMiss(req)
	}

	id := k.id()
	s.mu.Lock()
	f, joined := s.flights[id]
	if joined && f.waiting == 0 {
		// Every caller of that flight has left and cancelled it; it is only
		// winding down. Start a new one rather than share a cancelled call.
		joined = false
	}
	if !joined {
		// The flight keeps the caller's values (trace ids, loggers) but not
		// its cancellation: waiters with longer deadlines may still need it.
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		s.flights[id] = f
		go s.fly(fctx, f, id, req, k)
	}
	f.waiting++
	s.mu.Unlock()
	if joined {
		s.cache.o.metrics.SharedCall()
	}

	select {
	case <-ctx.Done():
		s.leave(f)
		return Response{}, ctx.Err()
	case <-f.done:
		s.leave(f)
	}
	if !joined {
		return f.resp.clone(), f.err
	}
	if f.err == nil {
		r := f.resp.clone()
		r.Shared = true
		return r, nil
	}
	// The leader's call failed (or its presentations were rejected): make
	// our own call with our own token.
	return s.fetchBounded(ctx, req, k)
}

// leave records that a caller stopped waiting for f; the last one cancels
// the flight's context.
func (s *RequestService) leave(f *flight) {
	s.mu.Lock()
	f.waiting--
	last := f.waiting == 0
	s.mu.Unlock()
	if last {
		f.cancel()
	}
}

// fly runs one flight: the lookup again, then the upstream call and the
// store. Between a caller's miss and the creation of this flight another
// flight for the same key may have stored its result and ended, so the
// lookup is repeated here; without it the upstream would be called once more
// for presentations the cache already holds.
func (s *RequestService) fly(ctx context.Context, f *flight, id string, req Request, k Key) {
	defer func() {
		s.mu.Lock()
		if s.flights[id] == f { // not replaced after it was abandoned
			delete(s.flights, id)
		}
		s.mu.Unlock()
		f.cancel()
		close(f.done)
	}()
	if s.inFlight != nil {
		s.inFlight(req)
	}
	var hit Hit
	if err := guard(func() (err error) { hit, err = s.cache.query(ctx, k, false); return err }); err == nil {
		f.resp = hitResponse(hit)
		return
	}
	f.resp, f.err = s.fetchAndStore(ctx, req, k)
}

func hitResponse(h Hit) Response {
	return Response{Presentations: h.Presentations, Verified: h.Parsed, Checked: true, FromCache: true, Key: h.Key, Version: h.Version}
}

// fetchBounded is fetchAndStore for one caller, bounded by its context.
func (s *RequestService) fetchBounded(ctx context.Context, req Request, k Key) (Response, error) {
	return bounded(ctx, func(ctx context.Context) (Response, error) { return s.fetchAndStore(ctx, req, k) })
}

// callBounded is the upstream call for one caller, bounded by its context.
func (s *RequestService) callBounded(ctx context.Context, req Request) ([]Presentation, error) {
	return bounded(ctx, func(ctx context.Context) ([]Presentation, error) { return s.call(ctx, req) })
}

// bounded runs fn on its own goroutine and returns its result, or ctx's
// error as soon as ctx ends (fn's context is cancelled then; its late result
// is dropped).
func bounded[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan result, 1)
	go func() {
		v, err := fn(fctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (s *RequestService) call(ctx context.Context, req Request) (ps []Presentation, err error) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrUpstreamPanic, r)
		}
		if s.cache != nil {
			s.cache.o.metrics.UpstreamLatency(time.Since(start), err)
		}
	}()
	return s.upstream(ctx, req)
}

func (s *RequestService) fetchAndStore(ctx context.Context, req Request, k Key) (Response, error) {
	ps, err := s.call(ctx, req)
	if err != nil {
		return Response{}, err
	}
	if err := ctx.Err(); err != nil {
		// Every caller has gone: do not verify (a cancelled status lookup
		// would read as a rejection) and do not store.
		return Response{}, err
	}
	var v int64
	var verified []Verified
	err = guard(func() (err error) { v, verified, err = s.cache.storeVerified(ctx, k, ps); return err })
	if rej, ok := errors.AsType[*RejectedError](err); ok {
		if cerr := ctx.Err(); cerr != nil {
			return Response{}, cerr // the check was cut short, not failed
		}
		// Logged and counted by the cache.
		return Response{Presentations: ps}, rej
	}
	resp := Response{Presentations: ps, Key: k}
	if verified != nil || err == nil {
		resp.Verified, resp.Checked = verified, true
	}
	if err != nil {
		s.cache.log.WarnContext(ctx, "vpcache: failed to cache presentations", "participant_context", k.ParticipantContextID,
			"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "error", err.Error())
		if !resp.Checked {
			// The checks did not complete (a panic in user code): the caller
			// verifies, as without a cache.
			return Response{Presentations: ps}, nil
		}
		return resp, nil
	}
	resp.Version = v
	return resp, nil
}

// Reject evicts the cache entry a response came from (if it is still that
// version), so that presentations a later check rejected are fetched afresh
// next time. It is a no-op for responses that were not cached.
func (s *RequestService) Reject(ctx context.Context, resp Response) error {
	if s.cache == nil || resp.Version == 0 {
		return nil
	}
	_, err := s.cache.ReportInvalid(ctx, resp.Key, resp.Version)
	return err
}

// guard runs f and turns a panic (in user code the cache calls: verifier,
// parser, status checker, store) into an error, so that a cache failure
// never fails a request and a single flight always completes.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panic in cache: %v", ErrStore, r)
		}
	}()
	return f()
}
