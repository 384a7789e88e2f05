package vpcache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

func TestMemoryStoreContract(t *testing.T) {
	vpcachetest.Run(t, func(t *testing.T) vpcache.Store { return vpcache.NewMemoryStore() })
}

func TestMemoryStoreLRU(t *testing.T) {
	ctx := context.Background()
	m := vpcachetest.NewMetrics()
	s := vpcache.NewMemoryStore(vpcache.WithMaxEntries(3), vpcache.WithMemoryMetrics(m))
	keys := make([]vpcache.Key, 5)
	for i := range keys {
		k, err := vpcache.NewKey("pc", "did:web:a.example", []string{fmt.Sprintf("scope-%d", i)})
		require.NoError(t, err)
		keys[i] = k
	}
	e := func(k vpcache.Key) vpcache.Entry {
		return vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "f", Raw: "r"}},
			CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch.Add(time.Hour)}
	}
	for _, k := range keys[:3] {
		_, err := s.Put(ctx, e(k))
		require.NoError(t, err)
	}
	// Touch key 0 so key 1 is the least recently used.
	_, err := s.Get(ctx, keys[0])
	require.NoError(t, err)
	_, err = s.Put(ctx, e(keys[3]))
	require.NoError(t, err)
	require.Equal(t, 3, s.Len())
	_, err = s.Get(ctx, keys[1])
	require.ErrorIs(t, err, vpcache.ErrNotFound)
	for _, i := range []int{0, 2, 3} {
		_, err = s.Get(ctx, keys[i])
		require.NoError(t, err, "key %d", i)
	}
	// Overwriting does not grow the store.
	_, err = s.Put(ctx, e(keys[3]))
	require.NoError(t, err)
	require.Equal(t, 3, s.Len())
	_, err = s.Put(ctx, e(keys[4]))
	require.NoError(t, err)
	require.Equal(t, 3, s.Len())
	require.Equal(t, 2, m.Evictions(vpcache.ReasonLRU))
}

func TestMemoryStoreDefaultBound(t *testing.T) {
	s := vpcache.NewMemoryStore(vpcache.WithMaxEntries(0))
	ctx := context.Background()
	for i := range vpcache.DefaultMaxEntries + 10 {
		k, err := vpcache.NewKey("pc", "did:web:a.example", []string{fmt.Sprint(i)})
		require.NoError(t, err)
		_, err = s.Put(ctx, vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "f", Raw: "r"}},
			CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch})
		require.NoError(t, err)
	}
	require.Equal(t, vpcache.DefaultMaxEntries, s.Len())
}

func TestBackgroundReaper(t *testing.T) {
	clock := vpcachetest.NewClock(vpcachetest.Epoch)
	store := vpcache.NewMemoryStore()
	ver := &vpcachetest.Verifier{}
	c, err := vpcache.New(store, ver, vpcache.WithClock(clock.Now), vpcache.WithValidity(time.Minute),
		vpcache.WithReaperInterval(5*time.Millisecond), vpcache.InsecureSkipStatusCheck())
	require.NoError(t, err)
	defer c.Close()
	k, err := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, []string{vpcachetest.Scope})
	require.NoError(t, err)
	_, err = c.Store(context.Background(), k, []vpcache.Presentation{vpcachetest.ValidPresentation(vpcachetest.DID).Encode()})
	require.NoError(t, err)
	require.Equal(t, 1, store.Len())
	clock.Advance(time.Minute + time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for store.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("reaper did not remove the expired entry")
		}
		time.Sleep(2 * time.Millisecond)
	}
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")
}

func TestMemoryStorePerContextQuota(t *testing.T) {
	ctx := context.Background()
	s := vpcache.NewMemoryStore(vpcache.WithMaxEntries(10), vpcache.WithMaxEntriesPerContext(2))
	put := func(pc, scope string) vpcache.Key {
		k, err := vpcache.NewKey(pc, "did:web:a.example", []string{scope})
		require.NoError(t, err)
		_, err = s.Put(ctx, vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "f", Raw: "r"}},
			CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch.Add(time.Hour)})
		require.NoError(t, err)
		return k
	}
	b1 := put("b", "1")
	a1 := put("a", "1")
	a2 := put("a", "2")
	_, err := s.Get(ctx, a1) // a2 is now a's least recently used
	require.NoError(t, err)
	a3 := put("a", "3")
	require.Equal(t, 3, s.Len())
	for _, k := range []vpcache.Key{b1, a1, a3} {
		_, err := s.Get(ctx, k)
		require.NoError(t, err, k.String())
	}
	_, err = s.Get(ctx, a2)
	require.ErrorIs(t, err, vpcache.ErrNotFound)
	// Overwrites do not count against the quota; deletes free it.
	put("a", "3")
	require.Equal(t, 3, s.Len())
	_, err = s.Delete(ctx, vpcache.ByParticipantContext("a"))
	require.NoError(t, err)
	put("a", "4")
	put("a", "5")
	require.Equal(t, 3, s.Len())
	_, err = s.Get(ctx, b1)
	require.NoError(t, err, "other contexts are untouched")
}
