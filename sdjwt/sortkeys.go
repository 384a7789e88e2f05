package sdjwt

import (
	"encoding/binary"
	"slices"
	"strings"
)

// sortKeys sorts the member names of an object in byte order, as
// encoding/json writes them. Claim names of one object often share a
// prefix ("claim_0", "claim_1", …, "given_name", "given_name_birth"),
// which makes every string comparison of a general sort scan it; for the
// usual small objects this is an insertion sort on the names' first eight
// bytes as a big-endian integer (zero-padded, so shorter names sort first
// among equal prefixes), with a full comparison only on equal prefixes.
// TestSortKeysMatchesSlicesSort and FuzzSortKeys compare it with
// slices.Sort.
func sortKeys(keys []string) {
	if len(keys) > 32 {
		slices.Sort(keys)
		return
	}
	var pbuf [32]uint64
	pre := pbuf[:len(keys)]
	for i, k := range keys {
		pre[i] = keyPrefix(k)
	}
	for i := 1; i < len(keys); i++ {
		p, k := pre[i], keys[i]
		j := i
		for ; j > 0 && (pre[j-1] > p || pre[j-1] == p && strings.Compare(keys[j-1], k) > 0); j-- {
			pre[j], keys[j] = pre[j-1], keys[j-1]
		}
		pre[j], keys[j] = p, k
	}
}

// keyPrefix is the first eight bytes of s as a big-endian integer, zero
// bytes standing in for those s does not have: a < b implies
// keyPrefix(a) <= keyPrefix(b).
func keyPrefix(s string) uint64 {
	if len(s) >= 8 {
		return binary.BigEndian.Uint64([]byte(s[:8]))
	}
	var b [8]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:])
}
