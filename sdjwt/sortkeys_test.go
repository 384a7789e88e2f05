package sdjwt

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSortKeysMatchesSlicesSort(t *testing.T) {
	cases := [][]string{
		nil,
		{"a"},
		{"b", "a"},
		{"claim_9", "claim_10", "claim_1", "claim_0", "address", "iss", "iat", "exp", "_sd_alg", "cnf"},
		{"given_name_birth", "given_name", "given_nam", "given_name\x00", "given_name\x00\x00", "", "\x00", "\x00\x00"},
		{"abcdefgh", "abcdefg", "abcdefgh\x00", "abcdefghi", "abcdefgg\xff", "abcdefgh"},
		{"\xff\xff\xff\xff\xff\xff\xff\xff", "\xff", "\x80", "\x7f", "é", "e", "z"},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200; n++ {
		size := r.IntN(40)
		c := make([]string, size)
		for i := range c {
			// Shared prefixes of every length around the eight bytes.
			c[i] = strings.Repeat("x", r.IntN(10)) + strconv.Itoa(r.IntN(30))
		}
		cases = append(cases, c)
	}
	for _, c := range cases {
		got, want := slices.Clone(c), slices.Clone(c)
		sortKeys(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("sortKeys(%q) = %q, want %q", c, got, want)
		}
	}
}

func FuzzSortKeys(f *testing.F) {
	f.Add("claim_1\nclaim_0\nclaim_10\naddress")
	f.Add("a\na\x00\n\x00\nabcdefgh\nabcdefghi")
	f.Fuzz(func(t *testing.T, s string) {
		keys := strings.Split(s, "\n")
		got, want := slices.Clone(keys), slices.Clone(keys)
		sortKeys(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("sortKeys(%q) = %q, want %q", keys, got, want)
		}
	})
}

func BenchmarkSortKeys(b *testing.B) {
	keys := []string{"iss", "iat", "exp", "address"}
	for i := 0; i < 10; i++ {
		keys = append(keys, "claim_"+strconv.Itoa(i))
	}
	r := rand.New(rand.NewPCG(1, 2))
	work := make([]string, len(keys))
	b.Run("sortKeys", func(b *testing.B) {
		for b.Loop() {
			copy(work, keys)
			r.Shuffle(len(work), func(i, j int) { work[i], work[j] = work[j], work[i] })
			sortKeys(work)
		}
	})
	b.Run("slices.Sort", func(b *testing.B) {
		for b.Loop() {
			copy(work, keys)
			r.Shuffle(len(work), func(i, j int) { work[i], work[j] = work[j], work[i] })
			slices.Sort(work)
		}
	})
}
