package vpcache

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocmw/wstack/vocab"
)

// Limits on what one entry may hold.
const (
	MaxPresentations   = 64      // presentations per entry
	MaxPresentationLen = 1 << 20 // bytes per raw presentation (1 MiB)
	MaxFormatLen       = 64      // bytes per format identifier
	MaxEntryLen        = 4 << 20 // bytes of raw presentations per entry (4 MiB)
)

// Presentation is a presentation as received from the counterparty's
// credential service: its format and its raw form (the compact JWT for JWT
// and JOSE formats, the JSON document for Data Integrity / LD formats). This
// is all a store persists; the parsed form is rebuilt on read through the
// [Parser] (or the [Verifier]).
type Presentation struct {
	Format vocab.Format `json:"format"`
	Raw    string       `json:"raw"`
}

// Entry is one cached presentation set.
type Entry struct {
	Key           Key
	Presentations []Presentation
	// CachedAt is when the entry was stored; ExpiresAt when it stops being
	// served (a query at exactly ExpiresAt still hits). Both have millisecond
	// precision.
	CachedAt  time.Time
	ExpiresAt time.Time
	// Version is assigned by the store on every write and changes on every
	// write. It is unpredictable on insert (random start), so that a
	// compare-and-delete cannot remove an entry that was deleted and written
	// again in between.
	Version int64
	// Parsed optionally holds the parsed presentations (index-aligned with
	// Presentations). A store may keep it (MemoryStore does) or drop it (SQL
	// stores do); the cache re-parses when it is nil. Stores never persist it
	// and callers must not modify it.
	Parsed []Verified
}

// SelectorKind says which entries a [Selector] addresses.
type SelectorKind int

// Selector kinds. There is no wildcard: every selector names at least a
// participant context or a counterparty DID exactly.
const (
	// SelectKey: the one entry of Key.
	SelectKey SelectorKind = iota + 1
	// SelectKeyVersion: the entry of Key only if its version is Version.
	SelectKeyVersion
	// SelectCounterparty: every scope set of CounterpartyDID in
	// ParticipantContextID.
	SelectCounterparty
	// SelectCounterpartyAllContexts: every entry of CounterpartyDID in every
	// participant context.
	SelectCounterpartyAllContexts
	// SelectParticipantContext: every entry of ParticipantContextID.
	SelectParticipantContext
	// SelectExpired: every entry whose ExpiresAt is before Before.
	SelectExpired
)

// Selector addresses the entries a [Store.Delete] removes. Build it with
// the constructors ([ByKey], [ByKeyVersion], [ByCounterparty],
// [ByCounterpartyAllContexts], [ByParticipantContext], [ByExpiry]).
type Selector struct {
	Kind                 SelectorKind
	Key                  Key
	Version              int64
	ParticipantContextID string
	CounterpartyDID      string
	Before               time.Time
}

// ByKey selects the entry of k.
func ByKey(k Key) Selector { return Selector{Kind: SelectKey, Key: k} }

// ByKeyVersion selects the entry of k if its version is v.
func ByKeyVersion(k Key, v int64) Selector {
	return Selector{Kind: SelectKeyVersion, Key: k, Version: v}
}

// ByCounterparty selects every scope set of a counterparty in one
// participant context.
func ByCounterparty(participantContextID, did string) Selector {
	return Selector{Kind: SelectCounterparty, ParticipantContextID: participantContextID, CounterpartyDID: did}
}

// ByCounterpartyAllContexts selects every entry of a counterparty in every
// participant context.
func ByCounterpartyAllContexts(did string) Selector {
	return Selector{Kind: SelectCounterpartyAllContexts, CounterpartyDID: did}
}

// ByParticipantContext selects every entry of a participant context.
func ByParticipantContext(participantContextID string) Selector {
	return Selector{Kind: SelectParticipantContext, ParticipantContextID: participantContextID}
}

// ByExpiry selects every entry with ExpiresAt strictly before t.
func ByExpiry(t time.Time) Selector { return Selector{Kind: SelectExpired, Before: t} }

// Validate reports whether s is well formed; stores call it before acting
// and return its error (matching [ErrInvalidKey]) unchanged.
func (s Selector) Validate() error {
	switch s.Kind {
	case SelectKey:
		return s.Key.Validate()
	case SelectKeyVersion:
		if s.Version == 0 {
			return fmt.Errorf("%w: zero version", ErrInvalidKey)
		}
		return s.Key.Validate()
	case SelectCounterparty:
		if err := ValidateParticipantContextID(s.ParticipantContextID); err != nil {
			return err
		}
		return ValidateDID(s.CounterpartyDID)
	case SelectCounterpartyAllContexts:
		return ValidateDID(s.CounterpartyDID)
	case SelectParticipantContext:
		return ValidateParticipantContextID(s.ParticipantContextID)
	case SelectExpired:
		if s.Before.IsZero() {
			return fmt.Errorf("%w: zero expiry bound", ErrInvalidKey)
		}
		return nil
	default:
		return fmt.Errorf("%w: unknown selector kind %d", ErrInvalidKey, s.Kind)
	}
}

// Matches reports whether the entry of key k with the given version and
// expiry is selected by s (for stores that filter in Go).
func (s Selector) Matches(k Key, version int64, expiresAt time.Time) bool {
	switch s.Kind {
	case SelectKey:
		return k.Equal(s.Key)
	case SelectKeyVersion:
		return k.Equal(s.Key) && version == s.Version
	case SelectCounterparty:
		return k.ParticipantContextID == s.ParticipantContextID && k.CounterpartyDID == s.CounterpartyDID
	case SelectCounterpartyAllContexts:
		return k.CounterpartyDID == s.CounterpartyDID
	case SelectParticipantContext:
		return k.ParticipantContextID == s.ParticipantContextID
	case SelectExpired:
		return expiresAt.Before(s.Before)
	}
	return false
}

// Store persists entries. Implementations must be safe for concurrent use,
// write atomically and pass the contract suite in package vpcachetest.
//
// Get returns the entry of k whether or not it has expired (the cache
// decides), or an error matching [ErrNotFound]. Put inserts or replaces the
// entry of e.Key atomically, ignoring e.Version, and returns the new version.
// Delete removes the selected entries and returns how many it removed
// (0 is not an error). All methods reject an invalid key or selector with an
// error matching [ErrInvalidKey]; other failures should match [ErrStore].
type Store interface {
	Get(ctx context.Context, k Key) (Entry, error)
	Put(ctx context.Context, e Entry) (int64, error)
	Delete(ctx context.Context, s Selector) (int64, error)
}

// ValidateEntry checks what a store is asked to write: a valid key, 1 to
// [MaxPresentations] presentations with a non-empty format of at most
// [MaxFormatLen] bytes and a raw form of 1 to [MaxPresentationLen] bytes,
// at most [MaxEntryLen] bytes in total,
// (valid UTF-8 without NUL, which PostgreSQL cannot store), and ExpiresAt
// not before CachedAt. Errors match [ErrInvalidKey] or
// [ErrInvalidPresentation].
func ValidateEntry(e Entry) error {
	if err := e.Key.Validate(); err != nil {
		return err
	}
	if err := validatePresentations(e.Presentations); err != nil {
		return err
	}
	if e.CachedAt.IsZero() || e.ExpiresAt.Before(e.CachedAt) {
		return fmt.Errorf("%w: bad entry times", ErrInvalidPresentation)
	}
	return nil
}

func validatePresentations(ps []Presentation) error {
	if len(ps) == 0 {
		return fmt.Errorf("%w: no presentations", ErrInvalidPresentation)
	}
	if len(ps) > MaxPresentations {
		return fmt.Errorf("%w: more than %d presentations", ErrInvalidPresentation, MaxPresentations)
	}
	total := 0
	for i, p := range ps {
		total += len(p.Raw)
		if total > MaxEntryLen {
			return fmt.Errorf("%w: presentations larger than %d bytes in total", ErrInvalidPresentation, MaxEntryLen)
		}
		if p.Format == "" || len(p.Format) > MaxFormatLen || !printable(string(p.Format)) {
			return fmt.Errorf("%w: presentation %d: bad format identifier", ErrInvalidPresentation, i)
		}
		if p.Raw == "" || len(p.Raw) > MaxPresentationLen {
			return fmt.Errorf("%w: presentation %d: raw form empty or larger than %d bytes", ErrInvalidPresentation, i, MaxPresentationLen)
		}
		if !utf8.ValidString(p.Raw) || strings.IndexByte(p.Raw, 0) >= 0 {
			return fmt.Errorf("%w: presentation %d: raw form is not UTF-8 or contains NUL", ErrInvalidPresentation, i)
		}
	}
	return nil
}

// clonePresentations returns a copy of ps (strings are immutable).
func clonePresentations(ps []Presentation) []Presentation {
	if ps == nil {
		return nil
	}
	out := make([]Presentation, len(ps))
	copy(out, ps)
	return out
}
