package vpcache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultL1TTL is how long a [TieredStore] serves an entry from its L1
// before reading the shared store again.
const DefaultL1TTL = 5 * time.Second

// TieredStore puts a small in-process L1 ([MemoryStore]) in front of a
// shared store (L2, typically PostgreSQL). Reads are served from L1 for at
// most the L1 TTL after it was filled; writes and deletes go to L2 first
// and then update or drop the L1 copy. L1 copies carry L2's version, so
// compare-and-delete keeps working.
//
// Other replicas' changes reach L1 through [TieredStore.Invalidate] (for
// example from sqlstore's PostgreSQL LISTEN/NOTIFY listener) and, if a
// notification is lost, at the latest after the L1 TTL; call
// [TieredStore.Flush] whenever the notification channel was interrupted. An
// L1 copy is a copy of an entry that was verified when stored; the cache
// re-checks expiry, validity windows and status on every hit regardless.
//
// Entries written through this store keep their parsed form in L1, so hits
// on them skip re-parsing.
type TieredStore struct {
	l1  *MemoryStore
	l2  Store
	ttl time.Duration
	now func() time.Time

	// mu and gen order fills against invalidations: a fill whose L2 read
	// started before an invalidation is dropped, so an invalidated entry
	// cannot be put back into L1 by a read that raced with it.
	mu  sync.Mutex
	gen uint64
}

// TieredOption configures a [TieredStore].
type TieredOption func(*TieredStore)

// WithL1TTL sets the L1 TTL (default [DefaultL1TTL]); d <= 0 keeps it.
func WithL1TTL(d time.Duration) TieredOption {
	return func(t *TieredStore) {
		if d > 0 {
			t.ttl = d
		}
	}
}

// WithL1MaxEntries bounds L1 (default 1000 entries, LRU).
func WithL1MaxEntries(n int) TieredOption {
	return func(t *TieredStore) { t.l1 = NewMemoryStore(WithMaxEntries(n)) }
}

// WithL1Clock sets the clock that ages L1 copies (default time.Now).
func WithL1Clock(now func() time.Time) TieredOption {
	return func(t *TieredStore) {
		if now != nil {
			t.now = now
		}
	}
}

// NewTieredStore returns an L1 in front of l2.
func NewTieredStore(l2 Store, opts ...TieredOption) (*TieredStore, error) {
	if l2 == nil {
		return nil, fmt.Errorf("%w: nil L2 store", ErrConfig)
	}
	t := &TieredStore{l1: NewMemoryStore(WithMaxEntries(1000)), l2: l2, ttl: DefaultL1TTL, now: time.Now}
	for _, o := range opts {
		o(t)
	}
	return t, nil
}

func (t *TieredStore) generation() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.gen
}

// fill puts an L1 copy unless an invalidation happened since gen.
func (t *TieredStore) fill(e Entry, version int64, gen uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gen == gen {
		_, _ = t.l1.put(e, version, t.now())
	}
}

// Get implements [Store]: a fresh L1 copy, else L2 (filling L1).
func (t *TieredStore) Get(ctx context.Context, k Key) (Entry, error) {
	gen := t.generation()
	e, filled, err := t.l1.get(ctx, k)
	switch {
	case err == nil && !t.now().After(filled.Add(t.ttl)):
		return e, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return Entry{}, err
	}
	e, err = t.l2.Get(ctx, k)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			_, _ = t.l1.Delete(context.Background(), ByKey(k))
		}
		return Entry{}, err
	}
	if ValidateEntry(e) == nil && e.Version != 0 {
		t.fill(e, e.Version, gen)
	}
	return e, nil
}

// Put implements [Store]: L2 first, then L1 with L2's version.
func (t *TieredStore) Put(ctx context.Context, e Entry) (int64, error) {
	gen := t.generation()
	v, err := t.l2.Put(ctx, e)
	if err != nil {
		t.Invalidate(ByKey(e.Key))
		return 0, err
	}
	t.fill(e, v, gen)
	return v, nil
}

// Delete implements [Store]: L2, then L1 (also when L2 failed; dropping an
// L1 copy is always safe). A compare-and-delete drops the L1 copy whatever
// its version.
func (t *TieredStore) Delete(ctx context.Context, s Selector) (int64, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	n, err := t.l2.Delete(ctx, s)
	t.Invalidate(s)
	return n, err
}

// Invalidate drops the L1 copies a selector addresses (a compare-and-delete
// selector drops the key whatever its version). It is the callback for
// another replica's change notifications.
func (t *TieredStore) Invalidate(s Selector) {
	if s.Kind == SelectKeyVersion {
		s = ByKey(s.Key)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	_, _ = t.l1.Delete(context.Background(), s)
}

// Flush drops every L1 copy (call it when change notifications may have
// been lost).
func (t *TieredStore) Flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	t.l1.flush()
}
