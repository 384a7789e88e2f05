package lru

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestEvictionOrder(t *testing.T) {
	// Budget for exactly three entries of 100 bytes.
	c := New[string, int](3*(100+EntryOverhead), 0)
	for i, k := range []string{"a", "b", "c"} {
		require.True(t, c.Add(k, i, 100, time.Time{}))
	}
	require.Equal(t, []string{"c", "b", "a"}, c.Keys())
	_, ok := c.Get("a", t0) // a becomes most recent; b is now the oldest
	require.True(t, ok)
	require.True(t, c.Add("d", 3, 100, time.Time{}))
	require.Equal(t, []string{"d", "a", "c"}, c.Keys())
	_, ok = c.Get("b", t0)
	require.False(t, ok, "least recently used entry evicted")
	require.Equal(t, 3*(100+EntryOverhead), c.Bytes())
}

func TestByteBudget(t *testing.T) {
	tests := []struct {
		name      string
		budget    int64
		sizes     []int64
		wantKeys  []string
		wantBytes int64
		stored    []bool
	}{
		{"fits", 1000, []int64{100, 100}, []string{"k1", "k0"}, 200 + 2*EntryOverhead, []bool{true, true}},
		{"big entry evicts several", 3 * (100 + EntryOverhead), []int64{100, 100, 100, 300}, []string{"k3", "k2"}, 400 + 2*EntryOverhead, []bool{true, true, true, true}},
		{"entry over budget not stored", 500, []int64{100, 10_000}, []string{"k0"}, 100 + EntryOverhead, []bool{true, false}},
		{"zero sizes still count", 2 * EntryOverhead, []int64{0, 0, 0}, []string{"k2", "k1"}, 2 * EntryOverhead, []bool{true, true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New[string, int](tc.budget, 0)
			for i, s := range tc.sizes {
				require.Equal(t, tc.stored[i], c.Add(fmt.Sprintf("k%d", i), i, s, time.Time{}))
				require.LessOrEqual(t, c.Bytes(), tc.budget)
			}
			require.Equal(t, tc.wantKeys, c.Keys())
			require.Equal(t, tc.wantBytes, c.Bytes())
		})
	}
}

func TestMaxEntriesAndReplace(t *testing.T) {
	c := New[int, string](0, 2)
	require.Equal(t, DefaultMaxBytes, c.MaxBytes())
	c.Add(1, "a", 10, time.Time{})
	c.Add(2, "b", 10, time.Time{})
	c.Add(1, "A", 50, time.Time{}) // replace: no eviction, size updated
	require.Equal(t, []int{1, 2}, c.Keys())
	require.Equal(t, 60+2*EntryOverhead, c.Bytes())
	c.Add(3, "c", 10, time.Time{})
	require.Equal(t, []int{3, 1}, c.Keys())
	v, _ := c.Get(1, t0)
	require.Equal(t, "A", v)
	// Replacing with an oversized value drops the old one.
	c2 := New[int, string](1000, 0)
	c2.Add(1, "a", 10, time.Time{})
	require.False(t, c2.Add(1, "huge", 5000, time.Time{}))
	require.Zero(t, c2.Len())
	require.Zero(t, c2.Bytes())
}

func TestExpiry(t *testing.T) {
	c := New[string, int](0, 0)
	c.Add("x", 1, 1, t0.Add(time.Minute))
	_, ok := c.Get("x", t0.Add(59*time.Second))
	require.True(t, ok)
	_, ok = c.Get("x", t0.Add(time.Minute))
	require.False(t, ok, "expired at its deadline")
	require.Zero(t, c.Len())
	require.Zero(t, c.Bytes())
}

func TestRemoveAndPurge(t *testing.T) {
	c := New[string, int](0, 0)
	for _, k := range []string{"u1\x00a", "u1\x00b", "u2\x00a"} {
		c.Add(k, 0, 10, time.Time{})
	}
	c.RemoveFunc(func(k string) bool { return k[:3] == "u1\x00" })
	require.Equal(t, []string{"u2\x00a"}, c.Keys())
	c.Remove("u2\x00a")
	require.Zero(t, c.Bytes())
	c.Add("z", 0, 10, time.Time{})
	c.Purge()
	require.Zero(t, c.Len())
	require.Zero(t, c.Bytes())
}

func TestConcurrent(t *testing.T) {
	c := New[int, int](50*(8+EntryOverhead), 0)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				k := (g*31 + i) % 97
				if _, ok := c.Get(k, t0); !ok {
					c.Add(k, i, 8, time.Time{})
				}
			}
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, c.Bytes(), c.MaxBytes())
	require.Equal(t, int64(c.Len())*(8+EntryOverhead), c.Bytes())
}

func BenchmarkGetHit(b *testing.B) {
	c := New[string, int](0, 0)
	c.Add("k", 1, 8, time.Time{})
	for b.Loop() {
		c.Get("k", t0)
	}
}
