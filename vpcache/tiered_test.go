package vpcache_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

func TestTieredStoreContract(t *testing.T) {
	vpcachetest.Run(t, func(t *testing.T) vpcache.Store {
		s, err := vpcache.NewTieredStore(vpcache.NewMemoryStore(), vpcache.WithL1TTL(time.Hour))
		require.NoError(t, err)
		return s
	})
}

func TestTieredStoreL1(t *testing.T) {
	ctx := context.Background()
	clock := vpcachetest.NewClock(vpcachetest.Epoch)
	l2 := &vpcachetest.FaultStore{Store: vpcache.NewMemoryStore()}
	ts, err := vpcache.NewTieredStore(l2, vpcache.WithL1TTL(5*time.Second), vpcache.WithL1Clock(clock.Now))
	require.NoError(t, err)
	k, err := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, []string{vpcachetest.Scope})
	require.NoError(t, err)
	e := vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "f", Raw: "r1"}},
		CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch.Add(time.Hour)}
	v, err := ts.Put(ctx, e)
	require.NoError(t, err)

	// L1 serves while L2 is down, for at most the TTL.
	l2.FailGet.Store(true)
	got, err := ts.Get(ctx, k)
	require.NoError(t, err)
	require.Equal(t, v, got.Version, "L1 carries L2's version")
	clock.Advance(5 * time.Second)
	_, err = ts.Get(ctx, k)
	require.NoError(t, err, "exactly at the TTL still served")
	clock.Advance(time.Millisecond)
	_, err = ts.Get(ctx, k)
	require.ErrorIs(t, err, vpcachetest.ErrInjected, "stale L1 copy is not served")
	l2.FailGet.Store(false)

	// Another replica overwrote L2: L1 keeps the old copy until invalidated.
	e2 := e
	e2.Presentations = []vpcache.Presentation{{Format: "f", Raw: "r2"}}
	_, err = ts.Get(ctx, k) // refill L1 with r1
	require.NoError(t, err)
	_, err = l2.Store.Put(ctx, e2)
	require.NoError(t, err)
	got, _ = ts.Get(ctx, k)
	require.Equal(t, "r1", got.Presentations[0].Raw)
	ts.Invalidate(vpcache.ByCounterparty(vpcachetest.PC, vpcachetest.DID))
	got, _ = ts.Get(ctx, k)
	require.Equal(t, "r2", got.Presentations[0].Raw)

	// A remote delete: after Invalidate the entry is gone.
	_, err = l2.Store.Delete(ctx, vpcache.ByKey(k))
	require.NoError(t, err)
	_, err = ts.Get(ctx, k)
	require.NoError(t, err, "L1 copy still fresh")
	ts.Flush()
	_, err = ts.Get(ctx, k)
	require.ErrorIs(t, err, vpcache.ErrNotFound)

	// A failed L2 write drops the L1 copy.
	_, err = ts.Put(ctx, e)
	require.NoError(t, err)
	l2.FailPut.Store(true)
	_, err = ts.Put(ctx, e2)
	require.ErrorIs(t, err, vpcachetest.ErrInjected)
	l2.FailGet.Store(true)
	_, err = ts.Get(ctx, k)
	require.ErrorIs(t, err, vpcachetest.ErrInjected, "no L1 copy after a failed write")

	_, err = vpcache.NewTieredStore(nil)
	require.ErrorIs(t, err, vpcache.ErrConfig)
}

// blockingStore blocks Get until release is closed, and counts Gets.
type blockingStore struct {
	vpcache.Store
	entered chan struct{}
	release chan struct{}
	gets    atomic.Int64
}

func (b *blockingStore) Get(ctx context.Context, k vpcache.Key) (vpcache.Entry, error) {
	if b.gets.Add(1) == 1 {
		close(b.entered)
		<-b.release
	}
	return b.Store.Get(ctx, k)
}

// TestTieredStoreFillRacingInvalidation: a read that started before an
// invalidation must not put its (now stale) result into L1.
func TestTieredStoreFillRacingInvalidation(t *testing.T) {
	ctx := context.Background()
	l2 := &blockingStore{Store: vpcache.NewMemoryStore(), entered: make(chan struct{}), release: make(chan struct{})}
	ts, err := vpcache.NewTieredStore(l2, vpcache.WithL1TTL(time.Hour))
	require.NoError(t, err)
	k, err := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, nil)
	require.NoError(t, err)
	_, err = l2.Store.Put(ctx, vpcache.Entry{Key: k, Presentations: []vpcache.Presentation{{Format: "f", Raw: "r"}},
		CachedAt: vpcachetest.Epoch, ExpiresAt: vpcachetest.Epoch.Add(time.Hour)})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { _, err := ts.Get(ctx, k); done <- err }()
	<-l2.entered
	ts.Invalidate(vpcache.ByCounterpartyAllContexts(vpcachetest.DID))
	close(l2.release)
	require.NoError(t, <-done)
	_, err = ts.Get(ctx, k)
	require.NoError(t, err)
	require.EqualValues(t, 2, l2.gets.Load(), "the racing read did not fill L1")
	_, err = ts.Get(ctx, k)
	require.NoError(t, err)
	require.EqualValues(t, 2, l2.gets.Load(), "the second read did")
}
