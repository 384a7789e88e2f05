package vpcache_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ocmw/wstack/vpcache"
)

// FuzzNewKey: NewKey never panics; an accepted key validates, its scopes
// are canonical, and the scope hash does not depend on order or duplicates.
func FuzzNewKey(f *testing.F) {
	f.Add("pc", "did:web:a.example", "b\na\nb")
	f.Add("", "did:web:a.example", "")
	f.Add("pc", "did:web:%41", "x")
	f.Add("p\x00c", "did:x:y", "\x1f")
	f.Fuzz(func(t *testing.T, pc, did, scopeLines string) {
		var scopes []string
		if scopeLines != "" {
			scopes = strings.Split(scopeLines, "\n")
		}
		k, err := vpcache.NewKey(pc, did, scopes)
		if err != nil {
			if vpcache.ValidateDID(did) == nil && vpcache.ValidateParticipantContextID(pc) == nil && len(scopes) <= vpcache.MaxScopes {
				// Only a bad scope can be the reason.
				bad := false
				for _, s := range scopes {
					if _, e := vpcache.NewKey("pc", "did:web:a.example", []string{s}); e != nil {
						bad = true
					}
				}
				if !bad && len(slices.Compact(slices.Sorted(slices.Values(scopes)))) <= vpcache.MaxScopes {
					t.Fatalf("rejected a valid key: %v", err)
				}
			}
			return
		}
		if err := k.Validate(); err != nil {
			t.Fatalf("accepted key does not validate: %v", err)
		}
		rev := slices.Clone(scopes)
		slices.Reverse(rev)
		rev = append(rev, scopes...)
		k2, err := vpcache.NewKey(pc, did, rev)
		if err != nil || !k.Equal(k2) || k.ScopesHash() != k2.ScopesHash() {
			t.Fatalf("order or duplicates changed the key: %v", err)
		}
	})
}
