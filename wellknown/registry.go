package wellknown

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Registration is one broadcast of an issuance plugin: the credential
// configurations (id → configuration JSON) it serves for a tenant. The
// W-Stack's "issuer.registration" event carries a whole issuer (all its
// configurations), "issuer.credential.registration" a single one; both
// become a Registration.
type Registration struct {
	Tenant string
	// Source identifies the plugin (its topic or name). Two plugins
	// registering the same configuration id with different content
	// conflict.
	Source string
	// Configurations maps configuration ids to their JSON. Registries
	// receive it in canonical form (Aggregator.Register canonicalises), so
	// equal content is equal bytes.
	Configurations map[string][]byte
	// Seen is the time of the broadcast (last_seen; first_seen on the first
	// one).
	Seen time.Time
}

// Record is one stored configuration of one plugin.
type Record struct {
	Tenant, ID, Source string
	Configuration      []byte
	FirstSeen          time.Time
	LastSeen           time.Time
}

// ConflictError reports a configuration id that another source holds with
// different content. It matches ErrConflict.
type ConflictError struct {
	Tenant, ID string
	// Source is the rejected registration's; Holder the one that holds the
	// id ("" for the base document).
	Source, Holder string
}

func (e *ConflictError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "the base metadata"
	}
	return fmt.Sprintf("wellknown: conflicting credential configuration %.128q in tenant %.64q: %.64q registers content different from %.64q", e.ID, e.Tenant, e.Source, holder)
}

// Is matches ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Registry stores plugin registrations (the W-Stack's issuers /
// credentials_supported tables with first_seen / last_seen). Backends must
// be safe for concurrent use; RunContract in wellknown/registrytest checks
// them.
type Registry interface {
	// Upsert stores every configuration of reg atomically: a new (tenant,
	// id, source) gets FirstSeen = LastSeen = reg.Seen, an existing one its
	// content and LastSeen replaced. If another source holds one of the ids
	// with different content and was seen at or after liveSince, nothing is
	// stored and the error is a *ConflictError.
	Upsert(ctx context.Context, reg Registration, liveSince time.Time) error
	// List returns the tenant's records seen at or after seenSince, sorted
	// by id, then source.
	List(ctx context.Context, tenant string, seenSince time.Time) ([]Record, error)
	// Expire deletes every record last seen before notSeenSince and returns
	// how many it deleted.
	Expire(ctx context.Context, notSeenSince time.Time) (int, error)
}

// MemoryRegistry is an in-memory Registry.
type MemoryRegistry struct {
	mu sync.Mutex
	// tenant → id → source → record
	recs map[string]map[string]map[string]*Record
}

var _ Registry = (*MemoryRegistry)(nil)

// NewMemoryRegistry returns an empty MemoryRegistry.
func NewMemoryRegistry() *MemoryRegistry {
	return &MemoryRegistry{recs: map[string]map[string]map[string]*Record{}}
}

// Upsert implements Registry.
func (m *MemoryRegistry) Upsert(ctx context.Context, reg Registration, liveSince time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := m.recs[reg.Tenant]
	for _, id := range sortedKeys(reg.Configurations) {
		for src, r := range ids[id] {
			if src != reg.Source && !r.LastSeen.Before(liveSince) && !bytes.Equal(r.Configuration, reg.Configurations[id]) {
				return &ConflictError{Tenant: reg.Tenant, ID: id, Source: reg.Source, Holder: src}
			}
		}
	}
	if ids == nil {
		ids = map[string]map[string]*Record{}
		m.recs[reg.Tenant] = ids
	}
	for id, cfg := range reg.Configurations {
		srcs := ids[id]
		if srcs == nil {
			srcs = map[string]*Record{}
			ids[id] = srcs
		}
		c := bytes.Clone(cfg)
		if r, ok := srcs[reg.Source]; ok {
			r.Configuration, r.LastSeen = c, reg.Seen
			continue
		}
		srcs[reg.Source] = &Record{Tenant: reg.Tenant, ID: id, Source: reg.Source, Configuration: c, FirstSeen: reg.Seen, LastSeen: reg.Seen}
	}
	return nil
}

// List implements Registry.
func (m *MemoryRegistry) List(ctx context.Context, tenant string, seenSince time.Time) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, srcs := range m.recs[tenant] {
		for _, r := range srcs {
			if !r.LastSeen.Before(seenSince) {
				c := *r
				c.Configuration = bytes.Clone(r.Configuration)
				out = append(out, c)
			}
		}
	}
	sortRecords(out)
	return out, nil
}

// Expire implements Registry.
func (m *MemoryRegistry) Expire(ctx context.Context, notSeenSince time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for t, ids := range m.recs {
		for id, srcs := range ids {
			for src, r := range srcs {
				if r.LastSeen.Before(notSeenSince) {
					delete(srcs, src)
					n++
				}
			}
			if len(srcs) == 0 {
				delete(ids, id)
			}
		}
		if len(ids) == 0 {
			delete(m.recs, t)
		}
	}
	return n, nil
}

func sortRecords(rs []Record) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].ID != rs[j].ID {
			return rs[i].ID < rs[j].ID
		}
		return rs[i].Source < rs[j].Source
	})
}
