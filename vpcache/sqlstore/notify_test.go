package sqlstore_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/sqlstore"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

// replica is one connector replica: its own pool with notifications, an L1
// with a TTL far longer than the test, a listener and a cache.
type replica struct {
	store  *sqlstore.Store
	tiered *vpcache.TieredStore
	cache  *vpcache.Cache
	resets atomic.Int64
}

func newReplica(t *testing.T, table string) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := sqlstore.OpenPostgres(ctx, postgresDSN(t), sqlstore.WithTable(table), sqlstore.WithNotify())
	require.NoError(t, err)
	r := &replica{store: s}
	r.tiered, err = vpcache.NewTieredStore(s, vpcache.WithL1TTL(time.Hour))
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Listen(ctx, r.tiered.Invalidate, func() { r.resets.Add(1); r.tiered.Flush() })
	}()
	t.Cleanup(func() { cancel(); <-done; _ = s.Close() })
	ver := &vpcachetest.Verifier{}
	r.cache, err = vpcache.New(r.tiered, ver, vpcache.WithParser(ver), vpcache.WithStatusChecker(vpcachetest.NewStatusList()),
		vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now), vpcache.WithReaperInterval(0))
	require.NoError(t, err)
	waitUntil(t, func() bool { return r.resets.Load() > 0 }) // listening
	return r
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPostgresNotifyInvalidatesOtherReplicasL1(t *testing.T) {
	table := uniqueTable()
	owner := newPostgres(t, table) // creates the table, drops it at the end
	_ = owner
	a, b := newReplica(t, table), newReplica(t, table)
	ctx := context.Background()
	k, err := vpcache.NewKey(vpcachetest.PC, vpcachetest.DID, []string{vpcachetest.Scope})
	require.NoError(t, err)
	p1 := vpcachetest.ValidPresentation(vpcachetest.DID)
	_, err = a.cache.Store(ctx, k, []vpcache.Presentation{p1.Encode()})
	require.NoError(t, err)
	h, err := b.cache.Query(ctx, k) // fills b's L1
	require.NoError(t, err)
	require.Equal(t, p1.Encode(), h.Presentations[0])

	// a overwrites: b's L1 copy is dropped and b reads the new entry.
	p2 := p1
	p2.Nonce = "second"
	v2, err := a.cache.Store(ctx, k, []vpcache.Presentation{p2.Encode()})
	require.NoError(t, err)
	waitUntil(t, func() bool {
		h, err := b.cache.Query(ctx, k)
		return err == nil && h.Version == v2
	})

	// a invalidates the counterparty: b misses although its L1 TTL is 1 h.
	_, err = a.cache.RemoveCounterparty(ctx, vpcachetest.PC, vpcachetest.DID)
	require.NoError(t, err)
	waitUntil(t, func() bool {
		_, err := b.cache.Query(ctx, k)
		return err != nil
	})
	_, err = b.cache.Query(ctx, k)
	require.ErrorIs(t, err, vpcache.ErrNotFound)
}

func TestNotifyConfig(t *testing.T) {
	_, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "db"), sqlstore.WithNotify())
	require.ErrorIs(t, err, vpcache.ErrConfig)
	s := newSQLite(t)
	require.ErrorIs(t, s.Listen(context.Background(), func(vpcache.Selector) {}, func() {}), sqlstore.ErrListen)
}

func TestPostgresNotifyContract(t *testing.T) {
	postgresDSN(t)
	vpcachetest.Run(t, func(t *testing.T) vpcache.Store {
		table := uniqueTable()
		newPostgres(t, table)
		s, err := sqlstore.OpenPostgres(context.Background(), postgresDSN(t), sqlstore.WithTable(table), sqlstore.WithNotify())
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		ts, err := vpcache.NewTieredStore(s, vpcache.WithL1TTL(time.Hour))
		require.NoError(t, err)
		return ts
	})
}
