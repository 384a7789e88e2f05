package vpcache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits on key parts. They bound what a store has to hold and what a
// request handler has to parse.
const (
	MaxParticipantContextIDLen = 256  // bytes
	MaxDIDLen                  = 2048 // bytes
	MaxScopeLen                = 1024 // bytes per scope
	MaxScopes                  = 64   // scopes per key
)

// scopeSep joins canonical scopes; control characters are rejected in
// scopes, so the join is injective.
const scopeSep = "\x1f"

// Key identifies a cache entry: participant context, counterparty DID and
// the scope set. Build it with [NewKey]; its Scopes are canonical (sorted,
// duplicates removed). A Key built by hand must pass [Key.Validate].
type Key struct {
	// ParticipantContextID is the verifier's own participant context (the
	// presentations' audience is that context's DID).
	ParticipantContextID string
	// CounterpartyDID is the DID of the party presenting; in DCP it is the
	// authenticated iss of its self-issued ID token.
	CounterpartyDID string
	// Scopes is the canonical scope set (sorted, unique).
	Scopes []string
}

// NewKey returns the key for a participant context, counterparty DID and
// scope list. The scope list is treated as a set: order is irrelevant,
// duplicates collapse, comparison is exact. A nil and an empty scope list are
// the same, valid, key. Errors match [ErrInvalidKey].
func NewKey(participantContextID, counterpartyDID string, scopes []string) (Key, error) {
	k := Key{
		ParticipantContextID: participantContextID,
		CounterpartyDID:      counterpartyDID,
		Scopes:               CanonicalScopes(scopes),
	}
	if err := k.Validate(); err != nil {
		return Key{}, err
	}
	return k, nil
}

// CanonicalScopes returns the scopes sorted by byte order with duplicates
// removed. It never returns nil.
func CanonicalScopes(scopes []string) []string {
	out := make([]string, len(scopes))
	copy(out, scopes)
	slices.Sort(out)
	return slices.Compact(out)
}

// Validate reports whether k is a well-formed key with canonical scopes.
func (k Key) Validate() error {
	if err := ValidateParticipantContextID(k.ParticipantContextID); err != nil {
		return err
	}
	if err := ValidateDID(k.CounterpartyDID); err != nil {
		return err
	}
	if len(k.Scopes) > MaxScopes {
		return fmt.Errorf("%w: more than %d scopes", ErrInvalidKey, MaxScopes)
	}
	for i, s := range k.Scopes {
		if err := validateScope(s); err != nil {
			return err
		}
		if i > 0 && k.Scopes[i-1] >= s {
			return fmt.Errorf("%w: scopes not canonical (use NewKey)", ErrInvalidKey)
		}
	}
	return nil
}

// ScopesHash returns the lowercase hex SHA-256 of the canonical scopes
// joined with U+001F. SQL stores use it as part of the primary key.
func (k Key) ScopesHash() string {
	sum := sha256.Sum256([]byte(strings.Join(k.Scopes, scopeSep)))
	return hex.EncodeToString(sum[:])
}

// Equal reports whether two keys are the same (both canonical).
func (k Key) Equal(o Key) bool {
	return k.ParticipantContextID == o.ParticipantContextID &&
		k.CounterpartyDID == o.CounterpartyDID && slices.Equal(k.Scopes, o.Scopes)
}

// id is a map key that is unique per Key.
func (k Key) id() string {
	return k.ParticipantContextID + "\x00" + k.CounterpartyDID + "\x00" + strings.Join(k.Scopes, scopeSep)
}

// String returns a log-safe description (the scope hash, not the scopes).
func (k Key) String() string {
	return fmt.Sprintf("%s|%s|%s", k.ParticipantContextID, k.CounterpartyDID, k.ScopesHash()[:16])
}

// ValidateParticipantContextID checks a participant context id: non-empty,
// at most [MaxParticipantContextIDLen] bytes, valid UTF-8, no control
// characters. Errors match [ErrInvalidKey].
func ValidateParticipantContextID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty participant context id", ErrInvalidKey)
	}
	if len(id) > MaxParticipantContextIDLen {
		return fmt.Errorf("%w: participant context id longer than %d bytes", ErrInvalidKey, MaxParticipantContextIDLen)
	}
	if !printable(id) {
		return fmt.Errorf("%w: participant context id has control characters or invalid UTF-8", ErrInvalidKey)
	}
	return nil
}

func validateScope(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty scope", ErrInvalidKey)
	}
	if len(s) > MaxScopeLen {
		return fmt.Errorf("%w: scope longer than %d bytes", ErrInvalidKey, MaxScopeLen)
	}
	if !printable(s) {
		return fmt.Errorf("%w: scope has control characters or invalid UTF-8", ErrInvalidKey)
	}
	return nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// ValidateDID checks the DID syntax of W3C DID Core 1.0 §3.1:
//
//	did                = "did:" method-name ":" method-specific-id
//	method-name        = 1*method-char            ; %x61-7A / DIGIT
//	method-specific-id = *( *idchar ":" ) 1*idchar
//	idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
//
// A DID URL (path, query or fragment) is not a DID and is rejected, as is
// anything longer than [MaxDIDLen]. Errors match [ErrInvalidKey].
func ValidateDID(did string) error {
	if did == "" {
		return fmt.Errorf("%w: empty DID", ErrInvalidKey)
	}
	if len(did) > MaxDIDLen {
		return fmt.Errorf("%w: DID longer than %d bytes", ErrInvalidKey, MaxDIDLen)
	}
	rest, ok := strings.CutPrefix(did, "did:")
	if !ok {
		return fmt.Errorf("%w: DID without the \"did:\" prefix", ErrInvalidKey)
	}
	method, msid, ok := strings.Cut(rest, ":")
	if !ok || method == "" {
		return fmt.Errorf("%w: DID has no method", ErrInvalidKey)
	}
	for i := 0; i < len(method); i++ {
		c := method[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Errorf("%w: DID method has invalid character", ErrInvalidKey)
		}
	}
	if msid == "" || msid[len(msid)-1] == ':' {
		return fmt.Errorf("%w: DID method-specific id is empty or ends with ':'", ErrInvalidKey)
	}
	for i := 0; i < len(msid); i++ {
		c := msid[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '-', c == '_', c == ':':
		case c == '%':
			if i+2 >= len(msid) || !isHex(msid[i+1]) || !isHex(msid[i+2]) {
				return fmt.Errorf("%w: DID has malformed percent-encoding", ErrInvalidKey)
			}
			i += 2
		default:
			return fmt.Errorf("%w: DID has invalid character %q", ErrInvalidKey, c)
		}
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
