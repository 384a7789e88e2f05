package did

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// CacheOptions configure a CachingResolver. Zero values are defaults.
type CacheOptions struct {
	// TTL is how long a resolved document is reused (default 5 minutes).
	TTL time.Duration
	// MaxEntries bounds the cache; the least recently used entry is evicted
	// first (default 1024).
	MaxEntries int
	// ResolveTimeout bounds one shared upstream resolution, which runs
	// detached from the cancellation of the caller that started it
	// (default 30 s).
	ResolveTimeout time.Duration
	// ErrorTTL, when positive, also caches failed resolutions (notFound,
	// invalid documents, network errors) for that long, so that a DID that
	// keeps failing is not fetched again on every request. Cancellations
	// of the caller are never cached. Default 0: errors are not cached.
	ErrorTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// CachingResolver caches successful resolutions of another Resolver for a
// TTL in a bounded LRU; concurrent requests for one DID make a single
// upstream resolution. Errors are cached only with CacheOptions.ErrorTTL.
// Cached documents are shared: callers must not modify them.
type CachingResolver struct {
	next  Resolver
	o     CacheOptions
	group singleflight.Group

	mu    sync.Mutex
	lru   *list.List // of *cacheEntry, most recent at the front
	items map[string]*list.Element
}

type cacheEntry struct {
	did     string
	doc     *Document
	err     error
	expires time.Time
}

// NewCachingResolver wraps next.
func NewCachingResolver(next Resolver, o CacheOptions) *CachingResolver {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Minute
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 1024
	}
	if o.ResolveTimeout <= 0 {
		o.ResolveTimeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &CachingResolver{next: next, o: o, lru: list.New(), items: map[string]*list.Element{}}
}

// Resolve returns the cached document or resolves it once for all
// concurrent callers. Each caller's ctx bounds only its own wait.
func (c *CachingResolver) Resolve(ctx context.Context, did string) (*Document, error) {
	if len(did) > MaxDIDLength {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidDID, MaxDIDLength)
	}
	if doc, err, ok := c.get(did); ok {
		return doc, err
	}
	ch := c.group.DoChan(did, func() (any, error) {
		if doc, err, ok := c.get(did); ok { // filled while we queued
			return doc, err
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.o.ResolveTimeout)
		defer cancel()
		doc, err := c.next.Resolve(rctx, did)
		if err != nil {
			if c.o.ErrorTTL > 0 && !errors.Is(err, context.Canceled) {
				c.put(did, nil, err, c.o.ErrorTTL)
			}
			return nil, err
		}
		c.put(did, doc, nil, c.o.TTL)
		return doc, nil
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrResolution, ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Document), nil
	}
}

// Invalidate drops the cached document of did.
func (c *CachingResolver) Invalidate(did string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[did]; ok {
		c.lru.Remove(e)
		delete(c.items, did)
	}
}

// Len returns the number of cached documents (expired ones included until
// they are touched or evicted).
func (c *CachingResolver) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

func (c *CachingResolver) get(did string) (*Document, error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[did]
	if !ok {
		return nil, nil, false
	}
	ent := e.Value.(*cacheEntry)
	if !c.o.Now().Before(ent.expires) {
		c.lru.Remove(e)
		delete(c.items, did)
		return nil, nil, false
	}
	c.lru.MoveToFront(e)
	return ent.doc, ent.err, true
}

func (c *CachingResolver) put(did string, doc *Document, err error, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp := c.o.Now().Add(ttl)
	if e, ok := c.items[did]; ok {
		ent := e.Value.(*cacheEntry)
		ent.doc, ent.err, ent.expires = doc, err, exp
		c.lru.MoveToFront(e)
		return
	}
	for c.lru.Len() >= c.o.MaxEntries {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).did)
	}
	c.items[did] = c.lru.PushFront(&cacheEntry{did: did, doc: doc, err: err, expires: exp})
}
