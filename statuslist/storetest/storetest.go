package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocmw/wstack/statuslist"
)

// Factory returns a fresh, empty store for one subtest.
type Factory func(t *testing.T) statuslist.Store

var ietfSmall = statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2, Capacity: 16}

func reserve(t *testing.T, s statuslist.Store, tenant, pool string, cfg statuslist.ListConfig, id string) statuslist.Reservation {
	t.Helper()
	key := make([]byte, 32)
	copy(key, id)
	r, err := s.Reserve(context.Background(), statuslist.ReserveRequest{Tenant: tenant, Pool: pool, Config: cfg, NewListID: id, NewListKey: key, Now: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Run runs the contract suite.
func Run(t *testing.T, newStore Factory) {
	t.Run("ReserveSequential", func(t *testing.T) { testReserve(t, newStore(t)) })
	t.Run("NewListWhenFull", func(t *testing.T) { testFull(t, newStore(t)) })
	t.Run("ReserveBatch", func(t *testing.T) { testBatch(t, newStore(t)) })
	t.Run("TenantsAndPoolsIsolated", func(t *testing.T) { testIsolation(t, newStore(t)) })
	t.Run("SetStatusSnapshot", func(t *testing.T) { testStatus(t, newStore(t)) })
	t.Run("FinalStatus", func(t *testing.T) { testFinal(t, newStore(t)) })
	t.Run("ConcurrentReserveUnique", func(t *testing.T) { testConcurrentReserve(t, newStore(t)) })
	t.Run("ConcurrentAllocatorsUnique", func(t *testing.T) { testConcurrentAllocators(t, newStore(t)) })
	t.Run("ConcurrentRevokeWins", func(t *testing.T) { testConcurrentFinal(t, newStore(t)) })
}

func testReserve(t *testing.T, s statuslist.Store) {
	r := reserve(t, s, "t1", "p", ietfSmall, "list-a")
	if r.Seq != 0 || r.Count != 1 || r.List.ListID != "list-a" || r.List.Allocated != 1 || r.List.Config != ietfSmall || len(r.List.Key) != 32 {
		t.Fatalf("first reservation %+v", r)
	}
	for i := uint64(1); i < 5; i++ {
		r := reserve(t, s, "t1", "p", ietfSmall, fmt.Sprintf("unused-%d", i))
		if r.Seq != i || r.List.ListID != "list-a" {
			t.Fatalf("reservation %d: %+v", i, r)
		}
	}
	info, err := s.Info(context.Background(), "t1", "list-a")
	if err != nil {
		t.Fatal(err)
	}
	if info.Allocated != 5 || info.Pool != "p" || info.Tenant != "t1" || info.CreatedAt.IsZero() || string(info.Key[:6]) != "list-a" {
		t.Fatalf("info %+v", info)
	}
	if _, err := s.Info(context.Background(), "t1", "nope"); !errors.Is(err, statuslist.ErrNotFound) {
		t.Fatalf("unknown list: %v", err)
	}
	if _, _, err := s.Snapshot(context.Background(), "t1", "nope"); !errors.Is(err, statuslist.ErrNotFound) {
		t.Fatalf("unknown list snapshot: %v", err)
	}
}

func testFull(t *testing.T, s statuslist.Store) {
	for i := 0; i < 16; i++ {
		if r := reserve(t, s, "t1", "p", ietfSmall, "first"); r.List.ListID != "first" || r.Seq != uint64(i) {
			t.Fatalf("%d: %+v", i, r)
		}
	}
	r := reserve(t, s, "t1", "p", ietfSmall, "second")
	if r.List.ListID != "second" || r.Seq != 0 {
		t.Fatalf("after full: %+v", r)
	}
	if r := reserve(t, s, "t1", "p", ietfSmall, "third"); r.List.ListID != "second" || r.Seq != 1 {
		t.Fatalf("second list continues: %+v", r)
	}
}

func testBatch(t *testing.T, s statuslist.Store) {
	res := func(count uint64, id string) statuslist.Reservation {
		t.Helper()
		key := make([]byte, 32)
		copy(key, id)
		r, err := s.Reserve(context.Background(), statuslist.ReserveRequest{Tenant: "t", Pool: "p", Config: ietfSmall, NewListID: id, NewListKey: key, Now: time.Unix(1700000000, 0), Count: count})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	want := []struct {
		count, seq, got uint64
		list            string
	}{{5, 0, 5, "a"}, {5, 5, 5, "a"}, {1, 10, 1, "a"}, {5, 11, 5, "a"}, {5, 0, 5, "e"}, {0, 5, 1, "e"}, {64, 6, 10, "e"}, {64, 0, 16, "h"}}
	for i, w := range want {
		r := res(w.count, []string{"a", "b", "c", "d", "e", "f", "g", "h"}[min(i, 7)])
		if r.List.ListID != w.list || r.Seq != w.seq || r.Count != w.got {
			t.Fatalf("step %d (count %d): list %s seq %d count %d; want %s %d %d", i, w.count, r.List.ListID, r.Seq, r.Count, w.list, w.seq, w.got)
		}
		if r.List.Allocated != w.seq+w.got {
			t.Fatalf("step %d: allocated %d", i, r.List.Allocated)
		}
	}
}

func testIsolation(t *testing.T, s statuslist.Store) {
	a := reserve(t, s, "t1", "p", ietfSmall, "l1")
	b := reserve(t, s, "t2", "p", ietfSmall, "l1") // same list id, other tenant
	c := reserve(t, s, "t1", "q", ietfSmall, "l2")
	if a.Seq != 0 || b.Seq != 0 || c.Seq != 0 || b.List.Tenant != "t2" || c.List.ListID != "l2" {
		t.Fatalf("%+v %+v %+v", a, b, c)
	}
	ctx := context.Background()
	if err := s.SetStatus(ctx, "t1", "l1", 3, 1); err != nil {
		t.Fatal(err)
	}
	_, es, err := s.Snapshot(ctx, "t2", "l1")
	if err != nil || len(es) != 0 {
		t.Fatalf("tenant leak: %v %v", es, err)
	}
	if err := s.SetStatus(ctx, "t3", "l1", 3, 1); !errors.Is(err, statuslist.ErrNotFound) {
		t.Fatalf("unknown tenant: %v", err)
	}
	// Stores that enumerate lists (statuslist.Lister) list per tenant,
	// ordered by id.
	if l, ok := s.(statuslist.Lister); ok {
		got, err := l.Lists(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ListID != "l1" || got[1].ListID != "l2" || got[1].Pool != "q" || got[0].Config != ietfSmall {
			t.Fatalf("Lists(t1) = %+v", got)
		}
		if got, _ := l.Lists(ctx, "nobody"); len(got) != 0 {
			t.Fatalf("Lists(nobody) = %+v", got)
		}
	}
}

func testStatus(t *testing.T, s statuslist.Store) {
	ctx := context.Background()
	w3c := statuslist.ListConfig{Format: statuslist.FormatBitstring, Bits: 2, Purpose: statuslist.PurposeMessage, Capacity: statuslist.MinBitstringEntries}
	reserve(t, s, "t", "msg", w3c, "m")
	info0, _ := s.Info(ctx, "t", "m")
	steps := []struct {
		idx uint64
		s   statuslist.Status
	}{{5, 3}, {131071, 1}, {0, 2}, {5, 0}, {7, 2}, {7, 2}}
	for _, st := range steps {
		if err := s.SetStatus(ctx, "t", "m", st.idx, st.s); err != nil {
			t.Fatalf("set %d=%d: %v", st.idx, st.s, err)
		}
	}
	info, es, err := s.Snapshot(ctx, "t", "m")
	if err != nil {
		t.Fatal(err)
	}
	if info.Version < info0.Version+uint64(len(steps))-1 {
		t.Fatalf("version %d → %d after %d changes", info0.Version, info.Version, len(steps))
	}
	got := map[uint64]statuslist.Status{}
	for _, e := range es {
		if e.Status == 0 {
			t.Fatalf("zero entry %d in snapshot", e.Index)
		}
		got[e.Index] = e.Status
	}
	want := map[uint64]statuslist.Status{131071: 1, 0: 2, 7: 2}
	if len(got) != len(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	for i, v := range want {
		if got[i] != v {
			t.Fatalf("entries %v, want %v", got, want)
		}
	}
	if err := s.SetStatus(ctx, "t", "m", 131072, 1); !errors.Is(err, statuslist.ErrIndexOutOfRange) {
		t.Fatalf("out of range: %v", err)
	}
	if err := s.SetStatus(ctx, "t", "m", 1, 4); !errors.Is(err, statuslist.ErrBadValue) {
		t.Fatalf("value 4 in 2 bits: %v", err)
	}
}

func testFinal(t *testing.T, s statuslist.Store) {
	ctx := context.Background()
	reserve(t, s, "t", "ietf", ietfSmall, "i")
	if err := s.SetStatus(ctx, "t", "i", 1, statuslist.Suspended); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, "t", "i", 1, statuslist.Valid); err != nil {
		t.Fatalf("unsuspend: %v", err)
	}
	if err := s.SetStatus(ctx, "t", "i", 1, statuslist.Invalid); err != nil {
		t.Fatal(err)
	}
	for _, v := range []statuslist.Status{statuslist.Valid, statuslist.Suspended, 3} {
		if err := s.SetStatus(ctx, "t", "i", 1, v); !errors.Is(err, statuslist.ErrFinal) {
			t.Fatalf("revoked → %v: %v", v, err)
		}
	}
	if err := s.SetStatus(ctx, "t", "i", 1, statuslist.Invalid); err != nil {
		t.Fatalf("revoking twice must be idempotent: %v", err)
	}
	rev := statuslist.ListConfig{Format: statuslist.FormatBitstring, Bits: 1, Purpose: statuslist.PurposeRevocation, Capacity: statuslist.MinBitstringEntries}
	sus := statuslist.ListConfig{Format: statuslist.FormatBitstring, Bits: 1, Purpose: statuslist.PurposeSuspension, Capacity: statuslist.MinBitstringEntries}
	reserve(t, s, "t", "rev", rev, "r")
	reserve(t, s, "t", "sus", sus, "s")
	if err := s.SetStatus(ctx, "t", "r", 9, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, "t", "r", 9, 0); !errors.Is(err, statuslist.ErrFinal) {
		t.Fatalf("W3C revocation is final: %v", err)
	}
	if err := s.SetStatus(ctx, "t", "s", 9, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, "t", "s", 9, 0); err != nil {
		t.Fatalf("W3C suspension is reversible: %v", err)
	}
}

func testConcurrentReserve(t *testing.T, s statuslist.Store) {
	cfg := statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 1, Capacity: 64}
	const workers, each = 8, 40 // 320 reservations over ≥ 5 lists
	type key struct {
		list string
		seq  uint64
	}
	var mu sync.Mutex
	seen := map[key]bool{}
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				key32 := make([]byte, 32)
				copy(key32, id)
				count := uint64(1 + (w+i)%3)
				r, err := s.Reserve(context.Background(), statuslist.ReserveRequest{Tenant: "t", Pool: "p", Config: cfg, NewListID: id, NewListKey: key32, Now: time.Now(), Count: count})
				if err != nil {
					errs <- err
					return
				}
				if r.Count < 1 || r.Count > count || r.Seq+r.Count > cfg.Capacity {
					errs <- fmt.Errorf("reservation %d+%d (asked %d) of %d", r.Seq, r.Count, count, cfg.Capacity)
					return
				}
				mu.Lock()
				for q := r.Seq; q < r.Seq+r.Count; q++ {
					k := key{r.List.ListID, q}
					if seen[k] {
						mu.Unlock()
						errs <- fmt.Errorf("duplicate reservation %+v", k)
						return
					}
					seen[k] = true
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every list's sequence numbers are dense from 0.
	per := map[string]uint64{}
	for k := range seen {
		per[k.list]++
	}
	for l, n := range per {
		info, err := s.Info(context.Background(), "t", l)
		if err != nil {
			t.Fatal(err)
		}
		if info.Allocated != n {
			t.Fatalf("list %s: allocated %d, handed out %d", l, info.Allocated, n)
		}
		for q := uint64(0); q < n; q++ {
			if !seen[key{l, q}] {
				t.Fatalf("list %s: gap at %d", l, q)
			}
		}
	}
}

// testConcurrentAllocators runs two Allocators (two replicas) on one store.
func testConcurrentAllocators(t *testing.T, s statuslist.Store) {
	cfg := statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2, Capacity: 100}
	// Three replicas, one reserving in batches of 7.
	replicas := []*statuslist.Allocator{statuslist.NewAllocator(s), statuslist.NewAllocator(s), statuslist.NewAllocator(s, statuslist.WithBatch(7))}
	const workers, each = 6, 50 // 300 indices over ≥ 3 lists
	type key struct {
		list string
		idx  uint64
	}
	var mu sync.Mutex
	seen := map[key]bool{}
	order := map[string][]uint64{}
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(a *statuslist.Allocator) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				al, err := a.Allocate(context.Background(), "tenant", "pool", cfg)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				k := key{al.ListID, al.Index}
				dup := seen[k]
				seen[k] = true
				order[al.ListID] = append(order[al.ListID], al.Index)
				mu.Unlock()
				if dup {
					errs <- fmt.Errorf("index handed out twice: %+v", k)
					return
				}
				if al.Index >= cfg.Capacity {
					errs <- fmt.Errorf("index %d beyond capacity", al.Index)
					return
				}
			}
		}(replicas[w%3])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != workers*each {
		t.Fatalf("%d allocations", len(seen))
	}
	// 300 indices do not fit in two lists of 100. The batching replica may
	// keep reserved numbers unused, so lists need not be full; but every
	// list's indices are in range (checked above), and the order they were
	// handed out in is not the index order.
	per := map[string][]uint64{}
	for k := range seen {
		per[k.list] = append(per[k.list], k.idx)
	}
	if len(per) < 3 {
		t.Fatalf("%d lists for %d indices of capacity %d", len(per), len(seen), cfg.Capacity)
	}
	for l, idx := range order {
		if len(idx) < 20 {
			continue
		}
		ascending := 0
		for i := 1; i < len(idx); i++ {
			if idx[i] > idx[i-1] {
				ascending++
			}
		}
		// A random order has about half its steps ascending.
		if ascending > len(idx)*9/10 || ascending < len(idx)/10 {
			t.Fatalf("list %s handed out in near-sorted order: %v", l, idx)
		}
	}
	// Status changes go through the allocator's allocation check.
	a := replicas[0]
	ctx := context.Background()
	for k := range seen {
		if err := a.Suspend(ctx, "tenant", k.list, k.idx); err != nil {
			t.Fatal(err)
		}
		if err := a.Unsuspend(ctx, "tenant", k.list, k.idx); err != nil {
			t.Fatal(err)
		}
		if err := a.Revoke(ctx, "tenant", k.list, k.idx); err != nil {
			t.Fatal(err)
		}
		if err := a.Unsuspend(ctx, "tenant", k.list, k.idx); !errors.Is(err, statuslist.ErrFinal) {
			t.Fatalf("unsuspend after revoke: %v", err)
		}
		_, l, err := a.Load(ctx, "tenant", k.list)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := l.Get(k.idx); v != statuslist.Invalid {
			t.Fatalf("loaded status %v", v)
		}
		break
	}
}

// testConcurrentFinal races revocations against suspensions and
// unsuspensions: once a revocation succeeded the entry stays INVALID.
func testConcurrentFinal(t *testing.T, s statuslist.Store) {
	ctx := context.Background()
	reserve(t, s, "t", "p", ietfSmall, "l")
	var wg sync.WaitGroup
	var revoked sync.Once
	revokedOK := false
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				v := []statuslist.Status{statuslist.Suspended, statuslist.Valid, statuslist.Invalid}[(w+i)%3]
				err := s.SetStatus(ctx, "t", "l", 2, v)
				if err == nil && v == statuslist.Invalid {
					revoked.Do(func() { revokedOK = true })
				}
				if err != nil && !errors.Is(err, statuslist.ErrFinal) {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	_, es, err := s.Snapshot(ctx, "t", "l")
	if err != nil {
		t.Fatal(err)
	}
	if !revokedOK {
		t.Fatal("no revocation succeeded")
	}
	if len(es) != 1 || es[0].Index != 2 || es[0].Status != statuslist.Invalid {
		t.Fatalf("after racing revocations: %+v", es)
	}
}
