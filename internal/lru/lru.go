// Package lru is the one bounded cache of wstack: least-recently-used
// eviction under both an entry count and a byte budget, with a per-entry
// expiry. Every cache of decoded objects (status lists, DID documents,
// JSON-LD contexts, type metadata, fetched documents) uses it so that the
// memory a cache may hold is a configured number of bytes, not a number of
// entries times the largest entry an attacker can make a server decode.
package lru

import (
	"container/list"
	"sync"
	"time"
)

// DefaultMaxBytes is the byte budget a cache uses when none is configured
// (64 MiB).
const DefaultMaxBytes int64 = 64 << 20

// EntryOverhead is added to the size of every entry: the list element, the
// map slot and the entry header. It makes entries of size 0 (cached
// errors) count against the budget too.
const EntryOverhead int64 = 128

// Cache is a least-recently-used cache bounded by MaxEntries and MaxBytes.
// It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	maxBytes   int64
	maxEntries int

	mu    sync.Mutex
	ll    *list.List // of *entry[K, V], most recently used at the front
	items map[K]*list.Element
	bytes int64
}

type entry[K comparable, V any] struct {
	key     K
	val     V
	size    int64 // including EntryOverhead
	expires time.Time
}

// New returns a cache holding at most maxEntries entries whose sizes add up
// to at most maxBytes. maxBytes ≤ 0 means DefaultMaxBytes; maxEntries ≤ 0
// means no entry limit (the byte budget still applies).
func New[K comparable, V any](maxBytes int64, maxEntries int) *Cache[K, V] {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Cache[K, V]{maxBytes: maxBytes, maxEntries: maxEntries, ll: list.New(), items: map[K]*list.Element{}}
}

// MaxBytes returns the byte budget.
func (c *Cache[K, V]) MaxBytes() int64 { return c.maxBytes }

// Get returns the value of key if present and not expired at now (an entry
// is live while now is before its expiry; a zero expiry never expires) and
// marks it most recently used. An expired entry is removed.
func (c *Cache[K, V]) Get(key K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*entry[K, V])
	if !e.expires.IsZero() && !now.Before(e.expires) {
		c.remove(el)
		var zero V
		return zero, false
	}
	c.ll.MoveToFront(el)
	return e.val, true
}

// Add stores val under key with the estimated size (bytes, see SizeOf;
// EntryOverhead is added) until expires (zero: no expiry), replacing an
// existing entry, then evicts least recently used entries until both limits
// hold. An entry larger than the whole budget is not stored (and any older
// entry of key is dropped); Add reports whether val was stored.
func (c *Cache[K, V]) Add(key K, val V, size int64, expires time.Time) bool {
	if size < 0 {
		size = 0
	}
	size += EntryOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	if size > c.maxBytes {
		return false
	}
	for c.ll.Len() > 0 && (c.bytes+size > c.maxBytes || c.maxEntries > 0 && c.ll.Len() >= c.maxEntries) {
		c.remove(c.ll.Back())
	}
	c.items[key] = c.ll.PushFront(&entry[K, V]{key: key, val: val, size: size, expires: expires})
	c.bytes += size
	return true
}

// Remove drops key.
func (c *Cache[K, V]) Remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
}

// RemoveFunc drops every key for which drop returns true.
func (c *Cache[K, V]) RemoveFunc(drop func(K) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, el := range c.items {
		if drop(k) {
			c.remove(el)
		}
	}
}

// Purge drops every entry.
func (c *Cache[K, V]) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.items)
	c.bytes = 0
}

// Len returns the number of entries (expired ones included until they are
// touched or evicted).
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Bytes returns the summed sizes of the entries, EntryOverhead included.
func (c *Cache[K, V]) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Keys returns the keys from most to least recently used.
func (c *Cache[K, V]) Keys() []K {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]K, 0, c.ll.Len())
	for el := c.ll.Front(); el != nil; el = el.Next() {
		out = append(out, el.Value.(*entry[K, V]).key)
	}
	return out
}

func (c *Cache[K, V]) remove(el *list.Element) {
	e := c.ll.Remove(el).(*entry[K, V])
	delete(c.items, e.key)
	c.bytes -= e.size
}
