package vpcachetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
)

// Epoch is the start time of every [Clock] the suite creates.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Clock is a manual clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d (which may be negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// FakeFormat is the presentation format understood by [Verifier]: the raw
// form is the JSON encoding of a [FakePresentation].
const FakeFormat vocab.Format = "vpcachetest+json"

// FakePresentation is a test presentation.
type FakePresentation struct {
	Holder      string           `json:"holder"`
	Exp         time.Time        `json:"exp,omitzero"`
	Credentials []FakeCredential `json:"credentials"`
	// BadProof makes the Verifier reject the presentation.
	BadProof bool `json:"badProof,omitempty"`
	// Nonce makes otherwise equal presentations differ.
	Nonce string `json:"nonce,omitempty"`
}

// FakeCredential is a credential inside a [FakePresentation].
type FakeCredential struct {
	Types      []string    `json:"types,omitempty"`
	VCT        string      `json:"vct,omitempty"`
	Issuer     string      `json:"issuer"`
	IssuedAt   time.Time   `json:"iat,omitzero"`
	ValidFrom  time.Time   `json:"validFrom,omitzero"`
	ValidUntil time.Time   `json:"validUntil,omitzero"`
	Status     []FakeState `json:"status,omitempty"`
}

// FakeState is a status reference.
type FakeState struct {
	URI   string `json:"uri"`
	Index uint64 `json:"idx"`
}

// Encode returns p as a vpcache.Presentation of [FakeFormat].
func (p FakePresentation) Encode() vpcache.Presentation {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // only plain data
	}
	return vpcache.Presentation{Format: FakeFormat, Raw: string(b)}
}

// ErrBadProof is returned by [Verifier] for a presentation with BadProof.
var ErrBadProof = errors.New("vpcachetest: bad presentation proof")

// Verifier verifies and parses [FakeFormat] presentations. It counts calls
// and fails every call while Fail is set.
type Verifier struct {
	Verifies atomic.Int64
	Parses   atomic.Int64
	Fail     atomic.Bool
}

// VerifyPresentations implements vpcache.Verifier.
func (v *Verifier) VerifyPresentations(ctx context.Context, pcID string, ps []vpcache.Presentation) ([]vpcache.Verified, error) {
	v.Verifies.Add(1)
	if v.Fail.Load() {
		return nil, ErrBadProof
	}
	out, err := parse(ps)
	if err != nil {
		return nil, err
	}
	for i, p := range ps {
		var fp FakePresentation
		_ = json.Unmarshal([]byte(p.Raw), &fp)
		if fp.BadProof {
			return nil, fmt.Errorf("presentation %d: %w", i, ErrBadProof)
		}
	}
	return out, nil
}

// ParsePresentations implements vpcache.Parser.
func (v *Verifier) ParsePresentations(ctx context.Context, ps []vpcache.Presentation) ([]vpcache.Verified, error) {
	v.Parses.Add(1)
	return parse(ps)
}

func parse(ps []vpcache.Presentation) ([]vpcache.Verified, error) {
	out := make([]vpcache.Verified, len(ps))
	for i, p := range ps {
		if p.Format != FakeFormat {
			return nil, fmt.Errorf("presentation %d: unsupported format %q", i, p.Format)
		}
		var fp FakePresentation
		if err := json.Unmarshal([]byte(p.Raw), &fp); err != nil {
			return nil, fmt.Errorf("presentation %d: %w", i, err)
		}
		out[i] = vpcache.Verified{Holder: fp.Holder, Expiry: fp.Exp}
		for _, fc := range fp.Credentials {
			c := presentation.Credential{
				Format:     vocab.FormatJWTVCJSON,
				Issuer:     fc.Issuer,
				Subject:    fp.Holder,
				Types:      fc.Types,
				VCT:        fc.VCT,
				IssuedAt:   fc.IssuedAt,
				ValidFrom:  fc.ValidFrom,
				ValidUntil: fc.ValidUntil,
			}
			for _, s := range fc.Status {
				c.Status = append(c.Status, vocab.StatusReference{
					Type: "status_list", URI: s.URI, Index: s.Index,
				})
			}
			out[i].Credentials = append(out[i].Credentials, c)
		}
	}
	return out, nil
}

// IETF Token Status List values the StatusList fake reports (the fake
// presentations' status references are "status_list" references).
const (
	StatusValid     uint8 = 0x00
	StatusRevoked   uint8 = 0x01
	StatusSuspended uint8 = 0x02
	StatusOther     uint8 = 0x03 // application specific
)

// StatusList is a vpcache.StatusChecker over an in-memory map from
// "uri#index" to status value; absent entries are valid. While Err is set, every
// check fails with it. OnCheck, if set, runs before each check.
type StatusList struct {
	mu       sync.Mutex
	statuses map[string]uint8
	err      error
	OnCheck  func(ref vocab.StatusReference)
	Checks   atomic.Int64
}

// NewStatusList returns an empty list (everything valid).
func NewStatusList() *StatusList {
	return &StatusList{statuses: map[string]uint8{}}
}

// Set sets the status of uri#index.
func (s *StatusList) Set(uri string, index uint64, st uint8) {
	s.mu.Lock()
	s.statuses[uri+"#"+strconv.FormatUint(index, 10)] = st
	s.mu.Unlock()
}

// SetError makes every check fail with err (nil clears it).
func (s *StatusList) SetError(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// Check implements vpcache.StatusChecker.
func (s *StatusList) Check(ctx context.Context, ref vocab.StatusReference) (vocab.StatusResult, error) {
	s.Checks.Add(1)
	if s.OnCheck != nil {
		s.OnCheck(ref)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return vocab.StatusResult{}, s.err
	}
	return vocab.StatusResult{Value: s.statuses[ref.URI+"#"+strconv.FormatUint(ref.Index, 10)]}, nil
}

// Metrics counts events; safe for concurrent use.
type Metrics struct {
	mu       sync.Mutex
	Hits     atomic.Int64
	Shared   atomic.Int64
	Upstream atomic.Int64
	misses   map[vpcache.Reason]int
	evicted  map[vpcache.Reason]int
	rejected map[vpcache.Reason]int
}

// NewMetrics returns zeroed counters.
func NewMetrics() *Metrics {
	return &Metrics{misses: map[vpcache.Reason]int{}, evicted: map[vpcache.Reason]int{}, rejected: map[vpcache.Reason]int{}}
}

// Hit implements vpcache.Metrics.
func (m *Metrics) Hit() { m.Hits.Add(1) }

// Miss implements vpcache.Metrics.
func (m *Metrics) Miss(r vpcache.Reason) { m.mu.Lock(); m.misses[r]++; m.mu.Unlock() }

// Evicted implements vpcache.Metrics.
func (m *Metrics) Evicted(r vpcache.Reason, n int) { m.mu.Lock(); m.evicted[r] += n; m.mu.Unlock() }

// StoreRejected implements vpcache.Metrics.
func (m *Metrics) StoreRejected(r vpcache.Reason) { m.mu.Lock(); m.rejected[r]++; m.mu.Unlock() }

// SharedCall implements vpcache.Metrics.
func (m *Metrics) SharedCall() { m.Shared.Add(1) }

// UpstreamLatency implements vpcache.Metrics.
func (m *Metrics) UpstreamLatency(time.Duration, error) { m.Upstream.Add(1) }

// StoreLatency implements vpcache.Metrics.
func (m *Metrics) StoreLatency(string, time.Duration, error) {}

// Misses returns the number of misses for r.
func (m *Metrics) Misses(r vpcache.Reason) int { m.mu.Lock(); defer m.mu.Unlock(); return m.misses[r] }

// Evictions returns the number of evicted entries for r.
func (m *Metrics) Evictions(r vpcache.Reason) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.evicted[r]
}

// Rejections returns the number of rejected stores for r.
func (m *Metrics) Rejections(r vpcache.Reason) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rejected[r]
}

// ErrInjected is the error a [FaultStore] returns.
var ErrInjected = errors.New("vpcachetest: injected store failure")

// FaultStore wraps a store and fails the selected operations with
// [ErrInjected].
type FaultStore struct {
	vpcache.Store
	FailGet, FailPut, FailDelete atomic.Bool
}

// Get implements vpcache.Store.
func (f *FaultStore) Get(ctx context.Context, k vpcache.Key) (vpcache.Entry, error) {
	if f.FailGet.Load() {
		return vpcache.Entry{}, ErrInjected
	}
	return f.Store.Get(ctx, k)
}

// Put implements vpcache.Store.
func (f *FaultStore) Put(ctx context.Context, e vpcache.Entry) (int64, error) {
	if f.FailPut.Load() {
		return 0, ErrInjected
	}
	return f.Store.Put(ctx, e)
}

// Delete implements vpcache.Store.
func (f *FaultStore) Delete(ctx context.Context, s vpcache.Selector) (int64, error) {
	if f.FailDelete.Load() {
		return 0, ErrInjected
	}
	return f.Store.Delete(ctx, s)
}
