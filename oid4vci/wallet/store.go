package wallet

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"
)

// StoredCredential is a verified credential as the wallet keeps it.
type StoredCredential struct {
	// ID is the store's identifier (assigned by the wallet, random).
	ID string
	// Issuer is the Credential Issuer Identifier it came from;
	// ConfigurationID the credential configuration requested.
	Issuer          string
	ConfigurationID string
	// Format is the configuration's format (dc+sd-jwt, jwt_vc_json, ldp_vc…);
	// VCT the SD-JWT VC type; Types the W3C types.
	Format string
	VCT    string
	Types  []string
	// Raw is the credential as received: the compact (SD-)JWT, or the JSON
	// document of an ldp_vc.
	Raw string
	// HolderKeyThumbprint is the RFC 7638 thumbprint of the holder key the
	// credential is bound to (empty for unbound credentials).
	HolderKeyThumbprint string
	// NotificationID is the issuer's notification_id (for Notify).
	NotificationID string
	// ReceivedAt is when the wallet stored it.
	ReceivedAt time.Time
}

// Filter selects credentials in Store.List; empty fields match anything.
type Filter struct {
	Issuer string
	Format string
	VCT    string
	// Type matches credentials whose Types contain it.
	Type string
}

func (f Filter) match(c *StoredCredential) bool {
	return (f.Issuer == "" || f.Issuer == c.Issuer) && (f.Format == "" || f.Format == c.Format) &&
		(f.VCT == "" || f.VCT == c.VCT) && (f.Type == "" || slices.Contains(c.Types, f.Type))
}

// Store keeps received credentials. Implementations must be safe for
// concurrent use; Get and Delete of an unknown id return ErrNotFound.
type Store interface {
	Put(ctx context.Context, c *StoredCredential) error
	List(ctx context.Context, f Filter) ([]*StoredCredential, error)
	Get(ctx context.Context, id string) (*StoredCredential, error)
	Delete(ctx context.Context, id string) error
}

// MemoryStore is an in-memory Store.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]*StoredCredential
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string]*StoredCredential{}} }

func clone(c *StoredCredential) *StoredCredential {
	d := *c
	d.Types = slices.Clone(c.Types)
	return &d
}

// Put stores (or replaces) c under c.ID.
func (s *MemoryStore) Put(_ context.Context, c *StoredCredential) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[c.ID] = clone(c)
	return nil
}

// List returns the matching credentials, oldest first.
func (s *MemoryStore) List(_ context.Context, f Filter) ([]*StoredCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*StoredCredential
	for _, c := range s.m {
		if f.match(c) {
			out = append(out, clone(c))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.Before(out[j].ReceivedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Get returns the credential with that id.
func (s *MemoryStore) Get(_ context.Context, id string) (*StoredCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[id]
	if !ok {
		return nil, ErrNotFound
	}
	return clone(c), nil
}

// Delete removes the credential with that id.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		return ErrNotFound
	}
	delete(s.m, id)
	return nil
}
