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
type Response struct {
	Presentations []Presentation
	// FromCache is true when the presentations came from the cache.
	FromCache bool
	// Shared is true when they came from another caller's concurrent
	// upstream call.
	Shared bool
	// Key and Version identify the cache entry that holds these
	// presentations (Version 0: not cached); pass the Response to
	// [RequestService.Reject] if a later check rejects them.
	Key     Key
	Version int64
}

// RequestService puts a [Cache] in front of a [RequestFunc]. A hit returns
// the cached presentations without calling the upstream; a miss calls it
// once for all concurrent callers of the same key (single flight) and
// stores a successful result. A cache failure never fails a request: lookup
// errors count as misses and store errors are logged. An upstream error is
// returned as is and nothing is cached.
//
// Concurrent misses for one key make one upstream call. Waiters share only
// its success; if it fails each waiter makes its own call (with its own
// token). A waiter whose context ends is released at once with the
// context's error.
type RequestService struct {
	cache    *Cache
	upstream RequestFunc

	mu      sync.Mutex
	flights map[string]*flight
}

type flight struct {
	done chan struct{}
	ps   []Presentation
	ver  int64
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
// possible.
func (s *RequestService) RequestPresentation(ctx context.Context, req Request) (Response, error) {
	if s.cache == nil || !s.cache.Enabled() {
		ps, err := s.call(ctx, req)
		return Response{Presentations: ps}, err
	}
	k, err := NewKey(req.ParticipantContextID, req.CounterpartyDID, req.Scopes)
	if err != nil {
		// Not cacheable (for example an empty participant context): pass
		// through, the upstream and the verifier decide.
		s.cache.log.WarnContext(ctx, "vpcache: request not cacheable, passing through", "error", err.Error())
		ps, err := s.call(ctx, req)
		return Response{Presentations: ps}, err
	}
	var hit Hit
	if err := guard(func() (err error) { hit, err = s.cache.Query(ctx, k); return err }); err == nil {
		return Response{Presentations: hit.Presentations, FromCache: true, Key: k, Version: hit.Version}, nil
	}

	id := k.id()
	s.mu.Lock()
	if f, ok := s.flights[id]; ok {
		s.mu.Unlock()
		s.cache.o.metrics.SharedCall()
		select {
		case <-ctx.Done():
			return Response{}, ctx.Err()
		case <-f.done:
		}
		if f.err == nil {
			return Response{Presentations: clonePresentations(f.ps), Shared: true, Key: k, Version: f.ver}, nil
		}
		// The leader failed: make our own call with our own token.
		return s.fetchAndStore(ctx, req, k)
	}
	f := &flight{done: make(chan struct{})}
	s.flights[id] = f
	s.mu.Unlock()

	resp, err := s.fetchAndStore(ctx, req, k)
	f.ps, f.ver, f.err = clonePresentations(resp.Presentations), resp.Version, err // the caller owns resp
	s.mu.Lock()
	delete(s.flights, id)
	s.mu.Unlock()
	close(f.done)
	return resp, err
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
	resp := Response{Presentations: ps, Key: k}
	var v int64
	err = guard(func() (err error) { v, err = s.cache.Store(ctx, k, ps); return err })
	if err != nil {
		if !errors.Is(err, ErrRejected) { // rejections are logged by the cache
			s.cache.log.WarnContext(ctx, "vpcache: failed to cache presentations", "participant_context", k.ParticipantContextID,
				"counterparty", k.CounterpartyDID, "scopes_hash", k.ScopesHash(), "error", err.Error())
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
