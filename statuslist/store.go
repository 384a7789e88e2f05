package statuslist

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"time"
)

// Format is a status list format.
type Format string

// Formats.
const (
	// FormatIETF is the IETF Token Status List (LSB-first, ZLIB).
	FormatIETF Format = "ietf"
	// FormatBitstring is the W3C Bitstring Status List (MSB-first, GZIP).
	FormatBitstring Format = "bitstring"
)

// Purposes of W3C status entries (BSL "BitstringStatusListEntry").
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
	PurposeMessage    = "message"
	PurposeRefresh    = "refresh"
)

// DefaultCapacity is the default number of entries per list: the W3C
// minimum, which also gives IETF lists a herd of 131,072.
const DefaultCapacity = MinBitstringEntries

// ListConfig describes the lists of one pool. All lists of a pool share it.
type ListConfig struct {
	Format Format
	// Bits per entry: IETF bits (1, 2, 4, 8) or W3C statusSize (1..8).
	// Zero means 1 for W3C and 2 for IETF (VALID/INVALID/SUSPENDED).
	Bits int
	// Purpose is the W3C statusPurpose; empty for IETF.
	Purpose string
	// Capacity is the number of entries per list (default DefaultCapacity;
	// W3C lists need at least MinBitstringEntries).
	Capacity uint64
}

// Normalize fills defaults and validates the configuration.
func (c ListConfig) Normalize() (ListConfig, error) {
	switch c.Format {
	case FormatIETF:
		if c.Bits == 0 {
			c.Bits = 2
		}
		if !ietfBits(c.Bits) {
			return c, fmt.Errorf("%w: IETF bits=%d", ErrBadBits, c.Bits)
		}
		if c.Purpose != "" {
			return c, fmt.Errorf("%w: IETF lists have no purpose", ErrConfig)
		}
	case FormatBitstring:
		if c.Bits == 0 {
			c.Bits = 1
		}
		if c.Bits < 1 || c.Bits > 8 {
			return c, fmt.Errorf("%w: statusSize=%d", ErrBadBits, c.Bits)
		}
		if c.Purpose == "" {
			return c, fmt.Errorf("%w: W3C lists need a statusPurpose", ErrConfig)
		}
	default:
		return c, fmt.Errorf("%w: format %q", ErrConfig, c.Format)
	}
	if c.Capacity == 0 {
		c.Capacity = DefaultCapacity
	}
	if c.Capacity > MaxEntries || c.Format == FormatBitstring && c.Capacity < MinBitstringEntries {
		return c, fmt.Errorf("%w: capacity %d", ErrConfig, c.Capacity)
	}
	return c, nil
}

// Final reports the status value that is permanent in lists of this
// configuration: INVALID for IETF lists (draft-20 "Status Types": revocation is not
// reversible) and 1 for W3C revocation lists.
func (c ListConfig) Final() (Status, bool) {
	if c.Format == FormatIETF || c.Purpose == PurposeRevocation {
		return Invalid, true
	}
	return 0, false
}

// ListInfo describes one stored list.
type ListInfo struct {
	Tenant string
	ListID string
	Pool   string
	Config ListConfig
	// Key is the list's secret permutation key (32 bytes).
	Key []byte
	// Allocated is how many indices have been handed out.
	Allocated uint64
	// Version increases with every status change.
	Version   uint64
	CreatedAt time.Time
}

// Entry is one non-zero status.
type Entry struct {
	Index  uint64
	Status Status
}

// ReserveRequest asks a Store for the next free sequence number of a pool.
type ReserveRequest struct {
	Tenant string
	Pool   string
	Config ListConfig
	// NewListID and NewListKey create a list when no list of the pool has
	// room; the creator gets sequence number 0 of the new list.
	NewListID  string
	NewListKey []byte
	Now        time.Time
	// Count is how many consecutive sequence numbers to take (0 means 1).
	// The store grants up to Count from one list: fewer when the list has
	// fewer left.
	Count uint64
}

// Reservation is a run of sequence numbers Seq … Seq+Count−1 taken from a
// list. The Allocator turns each into an index with the list's keyed
// permutation.
type Reservation struct {
	List  ListInfo
	Seq   uint64
	Count uint64
}

// Store persists lists, allocation counters and statuses. Implementations
// must make Reserve atomic across concurrent callers and processes (no
// sequence number is returned twice) and SetStatus atomic (the Final rule
// of the list's configuration holds under concurrency). Run the contract
// suite in statuslist/storetest against every implementation.
type Store interface {
	// Reserve takes the next Count (≥ 1) sequence numbers, at most what is
	// left, of the oldest list of the pool that has room, or creates a list
	// from the request.
	Reserve(ctx context.Context, req ReserveRequest) (Reservation, error)
	// SetStatus sets the status of an index; ErrNotFound for an unknown
	// list; ErrFinal when the entry holds the list's final status and s
	// differs; idempotent for an equal status. It increments the version.
	SetStatus(ctx context.Context, tenant, listID string, index uint64, s Status) error
	// Info returns a list's description (ErrNotFound if unknown).
	Info(ctx context.Context, tenant, listID string) (ListInfo, error)
	// Snapshot returns the description and every non-zero entry. The
	// version is read before the entries, so entries are never older than
	// the version says.
	Snapshot(ctx context.Context, tenant, listID string) (ListInfo, []Entry, error)
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$`)

// ValidName reports whether s is usable as a tenant, pool or list id (it
// appears in URLs).
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Memory is an in-memory Store for tests and single-process use.
type Memory struct {
	mu    sync.Mutex
	lists map[[2]string]*memList
}

type memList struct {
	info    ListInfo
	entries map[uint64]Status
}

// NewMemory returns an empty memory store.
func NewMemory() *Memory { return &Memory{lists: map[[2]string]*memList{}} }

// Reserve implements Store.
func (m *Memory) Reserve(ctx context.Context, req ReserveRequest) (Reservation, error) {
	if err := ctx.Err(); err != nil {
		return Reservation{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var open []*memList
	for _, l := range m.lists {
		if l.info.Tenant == req.Tenant && l.info.Pool == req.Pool && l.info.Allocated < l.info.Config.Capacity {
			open = append(open, l)
		}
	}
	if len(open) > 0 {
		sort.Slice(open, func(i, j int) bool {
			a, b := open[i].info, open[j].info
			if !a.CreatedAt.Equal(b.CreatedAt) {
				return a.CreatedAt.Before(b.CreatedAt)
			}
			return a.ListID < b.ListID
		})
		l := open[0]
		seq := l.info.Allocated
		n := min(req.count(), l.info.Config.Capacity-seq)
		l.info.Allocated += n
		return Reservation{List: cloneInfo(l.info), Seq: seq, Count: n}, nil
	}
	k := [2]string{req.Tenant, req.NewListID}
	if _, dup := m.lists[k]; dup {
		return Reservation{}, fmt.Errorf("%w: list id %q exists", ErrConfig, req.NewListID)
	}
	n := min(req.count(), req.Config.Capacity)
	l := &memList{info: ListInfo{
		Tenant: req.Tenant, ListID: req.NewListID, Pool: req.Pool, Config: req.Config,
		Key: append([]byte(nil), req.NewListKey...), Allocated: n, CreatedAt: req.Now.UTC().Truncate(time.Millisecond),
	}, entries: map[uint64]Status{}}
	m.lists[k] = l
	return Reservation{List: cloneInfo(l.info), Seq: 0, Count: n}, nil
}

func (r ReserveRequest) count() uint64 { return max(r.Count, 1) }

func cloneInfo(i ListInfo) ListInfo { i.Key = append([]byte(nil), i.Key...); return i }

// SetStatus implements Store.
func (m *Memory) SetStatus(ctx context.Context, tenant, listID string, index uint64, s Status) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.lists[[2]string{tenant, listID}]
	if !ok {
		return ErrNotFound
	}
	if index >= l.info.Config.Capacity {
		return ErrIndexOutOfRange
	}
	if int(s) >= 1<<l.info.Config.Bits {
		return ErrBadValue
	}
	cur := l.entries[index]
	if f, ok := l.info.Config.Final(); ok && cur == f && s != f {
		return ErrFinal
	}
	if s == 0 {
		delete(l.entries, index)
	} else {
		l.entries[index] = s
	}
	l.info.Version++
	return nil
}

// Info implements Store.
func (m *Memory) Info(ctx context.Context, tenant, listID string) (ListInfo, error) {
	if err := ctx.Err(); err != nil {
		return ListInfo{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.lists[[2]string{tenant, listID}]
	if !ok {
		return ListInfo{}, ErrNotFound
	}
	return cloneInfo(l.info), nil
}

// Snapshot implements Store.
func (m *Memory) Snapshot(ctx context.Context, tenant, listID string) (ListInfo, []Entry, error) {
	if err := ctx.Err(); err != nil {
		return ListInfo{}, nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.lists[[2]string{tenant, listID}]
	if !ok {
		return ListInfo{}, nil, ErrNotFound
	}
	es := make([]Entry, 0, len(l.entries))
	for i, s := range l.entries {
		es = append(es, Entry{Index: i, Status: s})
	}
	return cloneInfo(l.info), es, nil
}
