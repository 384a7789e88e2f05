package did

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ocmw/wstack/internal/lru"
)

// CacheOptions configure a CachingResolver. Zero values are defaults.
type CacheOptions struct {
	// TTL is how long a resolved document is reused (default 5 minutes).
	TTL time.Duration
	// MaxEntries bounds the number of cached documents (default 1024).
	MaxEntries int
	// MaxBytes bounds the memory of the cache (default 64 MiB). A document
	// is sized by lru.SizeOf: every string, slice, map and parsed key it
	// references plus a fixed overhead. The least recently used entry is
	// evicted first, whichever bound is reached; a document larger than
	// the whole budget is returned but not cached.
	MaxBytes int64
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
// TTL in an LRU bounded by entries and bytes; concurrent requests for one
// DID make a single upstream resolution. Errors are cached only with
// CacheOptions.ErrorTTL. Cached documents are shared: callers must not
// modify them.
type CachingResolver struct {
	next  Resolver
	o     CacheOptions
	group singleflight.Group
	cache *lru.Cache[string, cacheEntry]
	// afterMiss, when set by a test, runs between a cache miss and the
	// single flight (issue #10 item 8).
	afterMiss func()
}

type cacheEntry struct {
	doc *Document
	err error
}

// NewCachingResolver wraps next.
func NewCachingResolver(next Resolver, o CacheOptions) *CachingResolver {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Minute
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 1024
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = lru.DefaultMaxBytes
	}
	if o.ResolveTimeout <= 0 {
		o.ResolveTimeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &CachingResolver{next: next, o: o, cache: lru.New[string, cacheEntry](o.MaxBytes, o.MaxEntries)}
}

// Resolve returns the cached document or resolves it once for all
// concurrent callers. Each caller's ctx bounds only its own wait.
func (c *CachingResolver) Resolve(ctx context.Context, did string) (*Document, error) {
	if len(did) > MaxDIDLength {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidDID, MaxDIDLength)
	}
	if e, ok := c.cache.Get(did, c.o.Now()); ok {
		return e.doc, e.err
	}
	if c.afterMiss != nil {
		c.afterMiss()
	}
	ch := c.group.DoChan(did, func() (any, error) {
		// Filled by a flight that ended between our miss and this one.
		if e, ok := c.cache.Get(did, c.o.Now()); ok {
			return e.doc, e.err
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.o.ResolveTimeout)
		defer cancel()
		doc, err := c.next.Resolve(rctx, did)
		if err != nil {
			if c.o.ErrorTTL > 0 && !errors.Is(err, context.Canceled) {
				e := cacheEntry{err: err}
				c.cache.Add(did, e, lru.SizeOf(e), c.o.Now().Add(c.o.ErrorTTL))
			}
			return nil, err
		}
		e := cacheEntry{doc: doc}
		c.cache.Add(did, e, lru.SizeOf(e), c.o.Now().Add(c.o.TTL))
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
	c.cache.Remove(did)
}

// Len returns the number of cached documents (expired ones included until
// they are touched or evicted).
func (c *CachingResolver) Len() int {
	return c.cache.Len()
}

// Bytes returns the estimated memory held by the cache (see
// CacheOptions.MaxBytes).
func (c *CachingResolver) Bytes() int64 {
	return c.cache.Bytes()
}
