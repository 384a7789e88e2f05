package vpcache

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// DefaultMaxEntries bounds a [MemoryStore] unless configured otherwise.
const DefaultMaxEntries = 10000

// MemoryStore is an in-process [Store]: concurrency safe, bounded to a
// maximum number of entries with least-recently-used eviction. It keeps the
// parsed form of entries, so a hit does not re-parse. Expired entries are
// removed by the cache's reaper (ByExpiry) or when a query finds them.
type MemoryStore struct {
	mu      sync.Mutex
	max     int
	perPC   int            // 0: no per-context quota
	pcCount map[string]int // entries per participant context
	lru     *list.List     // front = most recently used; values are *memEntry
	byID    map[string]*list.Element
	metrics Metrics
}

type memEntry struct {
	id     string
	e      Entry
	filled time.Time // when a TieredStore filled this L1 entry
}

// MemoryOption configures a [MemoryStore].
type MemoryOption func(*MemoryStore)

// WithMaxEntries bounds the store (default [DefaultMaxEntries]); n <= 0
// keeps the default.
func WithMaxEntries(n int) MemoryOption {
	return func(m *MemoryStore) {
		if n > 0 {
			m.max = n
		}
	}
}

// WithMaxEntriesPerContext bounds the entries of one participant context
// (a per-tenant quota, default none): a new entry of a context at its quota
// evicts that context's least recently used entry, so one tenant cannot
// push the others' entries out of a shared store. n <= 0 means no quota.
func WithMaxEntriesPerContext(n int) MemoryOption {
	return func(m *MemoryStore) {
		if n > 0 {
			m.perPC = n
		}
	}
}

// WithMemoryMetrics reports LRU evictions (ReasonLRU) to m.
func WithMemoryMetrics(mt Metrics) MemoryOption {
	return func(m *MemoryStore) {
		if mt != nil {
			m.metrics = mt
		}
	}
}

// NewMemoryStore returns an empty memory store.
func NewMemoryStore(opts ...MemoryOption) *MemoryStore {
	m := &MemoryStore{max: DefaultMaxEntries, lru: list.New(), byID: map[string]*list.Element{}, pcCount: map[string]int{}, metrics: NopMetrics{}}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Len returns the number of entries held.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}

// Get implements [Store]; it marks the entry as recently used.
func (m *MemoryStore) Get(ctx context.Context, k Key) (Entry, error) {
	e, _, err := m.get(ctx, k)
	return e, err
}

func (m *MemoryStore) get(ctx context.Context, k Key) (Entry, time.Time, error) {
	if err := k.Validate(); err != nil {
		return Entry{}, time.Time{}, err
	}
	if err := ctx.Err(); err != nil {
		return Entry{}, time.Time{}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.byID[k.id()]
	if !ok {
		return Entry{}, time.Time{}, ErrNotFound
	}
	m.lru.MoveToFront(el)
	me := el.Value.(*memEntry)
	return copyEntry(me.e), me.filled, nil
}

// flush removes every entry.
func (m *MemoryStore) flush() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lru.Init()
	clear(m.byID)
	clear(m.pcCount)
}

func copyEntry(e Entry) Entry {
	e.Presentations = clonePresentations(e.Presentations)
	e.Key.Scopes = append([]string{}, e.Key.Scopes...)
	return e
}

// Put implements [Store]. When the store is full, the least recently used
// entry is evicted.
func (m *MemoryStore) Put(ctx context.Context, e Entry) (int64, error) {
	if err := ValidateEntry(e); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return m.put(e, 0, time.Time{})
}

// put stores a copy of e. version 0 assigns one (random on insert,
// incremented on overwrite); otherwise e gets exactly version (an L1 copy of
// an L2 entry).
func (m *MemoryStore) put(e Entry, version int64, filled time.Time) (int64, error) {
	e = copyEntry(e)
	id := e.Key.id()
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.byID[id]; ok {
		me := el.Value.(*memEntry)
		if version == 0 {
			version = nextVersion(me.e.Version)
		}
		e.Version = version
		me.e, me.filled = e, filled
		m.lru.MoveToFront(el)
		return e.Version, nil
	}
	v := version
	if v == 0 {
		var err error
		if v, err = NewVersion(); err != nil {
			return 0, err
		}
	}
	e.Version = v
	evicted := 0
	pc := e.Key.ParticipantContextID
	if m.perPC > 0 && m.pcCount[pc] >= m.perPC {
		for el := m.lru.Back(); el != nil; el = el.Prev() {
			if el.Value.(*memEntry).e.Key.ParticipantContextID == pc {
				m.remove(el)
				evicted++
				break
			}
		}
	}
	m.byID[id] = m.lru.PushFront(&memEntry{id: id, e: e, filled: filled})
	m.pcCount[pc]++
	for m.lru.Len() > m.max {
		m.remove(m.lru.Back())
		evicted++
	}
	if evicted > 0 {
		m.metrics.Evicted(ReasonLRU, evicted)
	}
	return v, nil
}

// Delete implements [Store].
func (m *MemoryStore) Delete(ctx context.Context, s Selector) (int64, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrStore, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.Kind == SelectKey || s.Kind == SelectKeyVersion {
		el, ok := m.byID[s.Key.id()]
		if !ok || !s.Matches(el.Value.(*memEntry).e.Key, el.Value.(*memEntry).e.Version, el.Value.(*memEntry).e.ExpiresAt) {
			return 0, nil
		}
		m.remove(el)
		return 1, nil
	}
	var n int64
	for el := m.lru.Front(); el != nil; {
		next := el.Next()
		me := el.Value.(*memEntry)
		if s.Matches(me.e.Key, me.e.Version, me.e.ExpiresAt) {
			m.remove(el)
			n++
		}
		el = next
	}
	return n, nil
}

// remove unlinks el; the caller holds m.mu.
func (m *MemoryStore) remove(el *list.Element) {
	me := el.Value.(*memEntry)
	m.lru.Remove(el)
	delete(m.byID, me.id)
	pc := me.e.Key.ParticipantContextID
	if m.pcCount[pc]--; m.pcCount[pc] <= 0 {
		delete(m.pcCount, pc)
	}
}

// NewVersion returns a random positive version in [1, 2^62) from
// crypto/rand, the first version of a newly inserted entry. Later writes to
// the same entry increment it. A random start makes a version from before a
// delete-and-reinsert practically never equal the new one.
func NewVersion() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("%w: version: %w", ErrStore, err)
	}
	return int64(binary.BigEndian.Uint64(b[:])>>2) | 1, nil
}

// nextVersion increments a version, wrapping before overflow.
func nextVersion(v int64) int64 {
	if v >= 1<<62-1 || v < 1 {
		return 1
	}
	return v + 1
}
