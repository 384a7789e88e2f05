package statuslist

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"math/bits"
	"sync"
	"time"
)

// permutation is a keyed pseudo-random permutation of [0, n): a balanced
// Feistel network over the smallest even-width power of two ≥ n, with
// HMAC-SHA-256 as round function and cycle walking back into [0, n).
// Sequence number s of a list maps to index perm(s): indices come out in an
// order that cannot be predicted without the list's secret key, and never
// repeat because perm is a bijection (draft-20 and BSL privacy considerations on herd
// privacy; no rejection sampling, no per-index bookkeeping).
type permutation struct {
	key  []byte
	n    uint64
	half uint   // bits per Feistel half
	mask uint64 // (1<<half)-1
}

const feistelRounds = 8

func newPermutation(key []byte, n uint64) permutation {
	w := uint(bits.Len64(n - 1))
	if n <= 1 {
		w = 0
	}
	h := (w + 1) / 2
	if h == 0 {
		h = 1
	}
	return permutation{key: key, n: n, half: h, mask: 1<<h - 1}
}

type roundFunc struct {
	m   hash.Hash
	buf [9]byte
	sum [sha256.Size]byte
}

func (p permutation) newRound() *roundFunc { return &roundFunc{m: hmac.New(sha256.New, p.key)} }

func (f *roundFunc) apply(i int, r, mask uint64) uint64 {
	f.m.Reset()
	f.buf[0] = byte(i)
	binary.BigEndian.PutUint64(f.buf[1:], r)
	f.m.Write(f.buf[:])
	return binary.BigEndian.Uint64(f.m.Sum(f.sum[:0])[:8]) & mask
}

func (p permutation) feistel(f *roundFunc, x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for i := 0; i < feistelRounds; i++ {
		l, r = r, l^f.apply(i, r, p.mask)
	}
	return l<<p.half | r
}

func (p permutation) feistelInv(f *roundFunc, y uint64) uint64 {
	l, r := y>>p.half, y&p.mask
	for i := feistelRounds - 1; i >= 0; i-- {
		l, r = r^f.apply(i, l, p.mask), l
	}
	return l<<p.half | r
}

// Forward maps a sequence number < n to its index.
func (p permutation) Forward(s uint64) uint64 {
	f := p.newRound()
	x := p.feistel(f, s)
	for x >= p.n {
		x = p.feistel(f, x)
	}
	return x
}

// Inverse maps an index < n back to its sequence number.
func (p permutation) Inverse(i uint64) uint64 {
	f := p.newRound()
	x := p.feistelInv(f, i)
	for x >= p.n {
		x = p.feistelInv(f, x)
	}
	return x
}

// Allocation is an index handed out for a new credential.
type Allocation struct {
	Tenant string
	Pool   string
	ListID string
	Index  uint64
	Config ListConfig
	// URI is the public URI of the list as the Publisher serves it, set when
	// the Allocator has WithListURI (pass the same function as
	// PublisherConfig.ListURI, so the route and the URI in credentials
	// cannot drift). NewStatusListClaim and NewBitstringEntry use it.
	URI string
}

// Allocator hands out status list indices and changes statuses on top of a
// Store. Indices are unique across concurrent callers and replicas sharing
// the store: uniqueness rests on the store's atomic sequence counter, the
// random order on each list's secret permutation key.
type Allocator struct {
	store Store
	now   func() time.Time
	rand  io.Reader
	log   *slog.Logger
	newID func() (string, error)
	batch uint64
	uri   func(tenant, listID string) string

	mu     sync.Mutex
	blocks map[[2]string][]block
}

// block is a run of reserved, not yet handed out sequence numbers.
type block struct {
	list      ListInfo
	next, end uint64
}

// AllocatorOption configures an Allocator.
type AllocatorOption func(*Allocator)

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) AllocatorOption { return func(a *Allocator) { a.now = now } }

// WithLogger sets a logger (default: discard). Indices and statuses are
// logged at debug level only, never tokens or keys.
func WithLogger(l *slog.Logger) AllocatorOption { return func(a *Allocator) { a.log = l } }

// WithListURI sets the function that gives a list's public URI, recorded in
// every Allocation. Use the function given to PublisherConfig.ListURI.
func WithListURI(f func(tenant, listID string) string) AllocatorOption {
	return func(a *Allocator) { a.uri = f }
}

// WithListIDs sets the generator of new list ids (default: 16 random
// bytes, hex). Ids must satisfy ValidName.
func WithListIDs(f func() (string, error)) AllocatorOption {
	return func(a *Allocator) { a.newID = f }
}

// WithBatch makes the allocator reserve n sequence numbers per store round
// trip and hand them out from memory (default 1). Uniqueness is unchanged
// (each run is reserved atomically); throughput on a shared database grows
// roughly n-fold. Numbers reserved but not handed out when the process
// stops are never used: those indices stay VALID forever, which is
// harmless.
func WithBatch(n int) AllocatorOption {
	return func(a *Allocator) {
		if n > 1 {
			a.batch = uint64(n)
		}
	}
}

// NewAllocator returns an allocator over store.
func NewAllocator(store Store, opts ...AllocatorOption) *Allocator {
	a := &Allocator{store: store, now: time.Now, rand: rand.Reader, log: slog.New(slog.DiscardHandler), batch: 1, blocks: map[[2]string][]block{}}
	a.newID = func() (string, error) {
		b := make([]byte, 16)
		if _, err := io.ReadFull(a.rand, b); err != nil {
			return "", err
		}
		return hex.EncodeToString(b), nil
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Store returns the underlying store.
func (a *Allocator) Store() Store { return a.store }

// Allocate hands out a fresh index from the tenant's pool, creating a list
// when the current ones are full. The same index of the same list is never
// returned twice.
func (a *Allocator) Allocate(ctx context.Context, tenant, pool string, cfg ListConfig) (Allocation, error) {
	if !ValidName(tenant) || !ValidName(pool) {
		return Allocation{}, fmt.Errorf("%w: tenant/pool name", ErrConfig)
	}
	cfg, err := cfg.Normalize()
	if err != nil {
		return Allocation{}, err
	}
	k := [2]string{tenant, pool}
	if al, ok := a.fromBlock(k, cfg); ok {
		return al, nil
	}
	id, err := a.newID()
	if err != nil {
		return Allocation{}, err
	}
	if !ValidName(id) {
		return Allocation{}, fmt.Errorf("%w: generated list id %q", ErrConfig, id)
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(a.rand, key); err != nil {
		return Allocation{}, err
	}
	r, err := a.store.Reserve(ctx, ReserveRequest{Tenant: tenant, Pool: pool, Config: cfg, NewListID: id, NewListKey: key, Now: a.now(), Count: a.batch})
	if err != nil {
		return Allocation{}, err
	}
	if r.List.Config != cfg {
		return Allocation{}, fmt.Errorf("%w: pool %q holds lists of another configuration (%+v)", ErrConfig, pool, r.List.Config)
	}
	if r.Count == 0 {
		r.Count = 1
	}
	if r.Seq+r.Count > cfg.Capacity || r.Count > a.batch || len(r.List.Key) == 0 {
		return Allocation{}, fmt.Errorf("%w: store returned sequence %d+%d of %d", ErrConfig, r.Seq, r.Count, cfg.Capacity)
	}
	if r.Count > 1 {
		a.mu.Lock()
		a.blocks[k] = append(a.blocks[k], block{list: r.List, next: r.Seq + 1, end: r.Seq + r.Count})
		a.mu.Unlock()
	}
	a.log.DebugContext(ctx, "statuslist: allocated", "tenant", tenant, "list", r.List.ListID)
	return a.allocation(tenant, pool, r.List, r.Seq), nil
}

func (a *Allocator) allocation(tenant, pool string, l ListInfo, seq uint64) Allocation {
	idx := newPermutation(l.Key, l.Config.Capacity).Forward(seq)
	al := Allocation{Tenant: tenant, Pool: pool, ListID: l.ListID, Index: idx, Config: l.Config}
	if a.uri != nil {
		al.URI = a.uri(tenant, l.ListID)
	}
	return al
}

// fromBlock hands out the next reserved sequence number of the pool, if any.
func (a *Allocator) fromBlock(k [2]string, cfg ListConfig) (Allocation, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	bs := a.blocks[k]
	for len(bs) > 0 && (bs[0].next >= bs[0].end || bs[0].list.Config != cfg) {
		bs = bs[1:]
	}
	if len(bs) == 0 {
		delete(a.blocks, k)
		return Allocation{}, false
	}
	seq := bs[0].next
	bs[0].next++
	a.blocks[k] = bs
	return a.allocation(k[0], k[1], bs[0].list, seq), true
}

// SetStatus sets the status of an allocated index. ErrNotAllocated for an
// index that was never handed out, ErrFinal when a revoked entry would be
// changed, ErrBadValue when s does not fit the list's bits.
func (a *Allocator) SetStatus(ctx context.Context, tenant, listID string, index uint64, s Status) error {
	info, err := a.store.Info(ctx, tenant, listID)
	if err != nil {
		return err
	}
	if index >= info.Config.Capacity {
		return ErrIndexOutOfRange
	}
	if int(s) >= 1<<info.Config.Bits {
		return fmt.Errorf("%w: 0x%02X in %d bits", ErrBadValue, uint8(s), info.Config.Bits)
	}
	if seq := newPermutation(info.Key, info.Config.Capacity).Inverse(index); seq >= info.Allocated {
		return ErrNotAllocated
	}
	if err := a.store.SetStatus(ctx, tenant, listID, index, s); err != nil {
		return err
	}
	a.log.DebugContext(ctx, "statuslist: status set", "tenant", tenant, "list", listID, "status", s.String())
	return nil
}

// Revoke sets INVALID (permanent).
func (a *Allocator) Revoke(ctx context.Context, tenant, listID string, index uint64) error {
	return a.SetStatus(ctx, tenant, listID, index, Invalid)
}

// Suspend sets SUSPENDED on an IETF list, or 1 on a W3C suspension list.
func (a *Allocator) Suspend(ctx context.Context, tenant, listID string, index uint64) error {
	info, err := a.store.Info(ctx, tenant, listID)
	if err != nil {
		return err
	}
	switch {
	case info.Config.Format == FormatIETF && info.Config.Bits >= 2:
		return a.SetStatus(ctx, tenant, listID, index, Suspended)
	case info.Config.Format == FormatBitstring && info.Config.Purpose == PurposeSuspension:
		return a.SetStatus(ctx, tenant, listID, index, 1)
	}
	return fmt.Errorf("%w: list %s cannot express suspension", ErrConfig, listID)
}

// Unsuspend sets VALID again (ErrFinal if the entry was revoked).
func (a *Allocator) Unsuspend(ctx context.Context, tenant, listID string, index uint64) error {
	return a.SetStatus(ctx, tenant, listID, index, Valid)
}

// Load builds the packed list from the store.
func (a *Allocator) Load(ctx context.Context, tenant, listID string) (ListInfo, *List, error) {
	return LoadList(ctx, a.store, tenant, listID)
}

// LoadList builds the packed list of a stored list.
func LoadList(ctx context.Context, s Store, tenant, listID string) (ListInfo, *List, error) {
	info, entries, err := s.Snapshot(ctx, tenant, listID)
	if err != nil {
		return ListInfo{}, nil, err
	}
	var l *List
	if info.Config.Format == FormatIETF {
		l, err = NewIETFList(info.Config.Capacity, info.Config.Bits)
	} else {
		l, err = NewBitstringList(info.Config.Capacity, info.Config.Bits)
	}
	if err != nil {
		return ListInfo{}, nil, err
	}
	for _, e := range entries {
		if err := l.Set(e.Index, e.Status); err != nil {
			return ListInfo{}, nil, fmt.Errorf("stored entry %d: %w", e.Index, err)
		}
	}
	return info, l, nil
}
