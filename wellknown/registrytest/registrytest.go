// Package registrytest is the contract suite every wellknown.Registry
// backend runs (memory, SQLite, PostgreSQL).
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocmw/wstack/wellknown"
)

// Run runs the contract against registries made by newRegistry (a fresh,
// empty registry per call).
func Run(t *testing.T, newRegistry func(t *testing.T) wellknown.Registry) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cfgA := []byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/a"}`)
	cfgB := []byte(`{"format":"dc+sd-jwt","vct":"https://vct.example/b"}`)
	reg := func(tenant, source string, seen time.Time, kv ...any) wellknown.Registration {
		r := wellknown.Registration{Tenant: tenant, Source: source, Seen: seen, Configurations: map[string][]byte{}}
		for i := 0; i < len(kv); i += 2 {
			r.Configurations[kv[i].(string)] = kv[i+1].([]byte)
		}
		return r
	}
	mustUpsert := func(t *testing.T, r wellknown.Registry, g wellknown.Registration, live time.Time) {
		t.Helper()
		if err := r.Upsert(ctx, g, live); err != nil {
			t.Fatal(err)
		}
	}
	list := func(t *testing.T, r wellknown.Registry, tenant string, since time.Time) []wellknown.Record {
		t.Helper()
		rs, err := r.List(ctx, tenant, since)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}

	t.Run("UpsertAndList", func(t *testing.T) {
		r := newRegistry(t)
		mustUpsert(t, r, reg("t1", "plugin-a", t0, "b", cfgB, "a", cfgA), t0)
		rs := list(t, r, "t1", time.Time{})
		if len(rs) != 2 || rs[0].ID != "a" || rs[1].ID != "b" || string(rs[0].Configuration) != string(cfgA) {
			t.Fatalf("%+v", rs)
		}
		for _, x := range rs {
			if x.Tenant != "t1" || x.Source != "plugin-a" || !x.FirstSeen.Equal(t0) || !x.LastSeen.Equal(t0) {
				t.Fatalf("%+v", x)
			}
		}
		if rs := list(t, r, "t2", time.Time{}); len(rs) != 0 {
			t.Fatalf("tenant isolation: %+v", rs)
		}
	})
	t.Run("FirstSeenKeptLastSeenUpdated", func(t *testing.T) {
		r := newRegistry(t)
		mustUpsert(t, r, reg("t1", "p", t0, "a", cfgA), t0)
		t1 := t0.Add(30 * time.Second)
		mustUpsert(t, r, reg("t1", "p", t1, "a", cfgB), t1)
		rs := list(t, r, "t1", time.Time{})
		if len(rs) != 1 || !rs[0].FirstSeen.Equal(t0) || !rs[0].LastSeen.Equal(t1) || string(rs[0].Configuration) != string(cfgB) {
			t.Fatalf("%+v", rs)
		}
	})
	t.Run("ListSeenSince", func(t *testing.T) {
		r := newRegistry(t)
		mustUpsert(t, r, reg("t1", "p", t0, "a", cfgA), t0)
		mustUpsert(t, r, reg("t1", "q", t0.Add(time.Minute), "b", cfgB), t0)
		if rs := list(t, r, "t1", t0.Add(time.Second)); len(rs) != 1 || rs[0].ID != "b" {
			t.Fatalf("%+v", rs)
		}
		if rs := list(t, r, "t1", t0); len(rs) != 2 {
			t.Fatalf("seenSince is inclusive: %+v", rs)
		}
	})
	t.Run("SameContentTwoSources", func(t *testing.T) {
		r := newRegistry(t)
		mustUpsert(t, r, reg("t1", "p", t0, "a", cfgA), t0)
		mustUpsert(t, r, reg("t1", "q", t0, "a", cfgA), t0)
		if rs := list(t, r, "t1", time.Time{}); len(rs) != 2 || rs[0].Source != "p" || rs[1].Source != "q" {
			t.Fatalf("%+v", rs)
		}
	})
	t.Run("ConflictRejectedAtomically", func(t *testing.T) {
		r := newRegistry(t)
		mustUpsert(t, r, reg("t1", "p", t0, "a", cfgA), t0)
		err := r.Upsert(ctx, reg("t1", "q", t0, "a", cfgB, "z", cfgA), t0)
		var ce *wellknown.ConflictError
		if !errors.Is(err, wellknown.ErrConflict) || !errors.As(err, &ce) || ce.ID != "a" || ce.Source != "q" || ce.Holder != "p" || ce.Tenant != "t1" {
			t.Fatalf("got %v", err)
		}
		if rs := list(t, r, "t1", time.Time{}); len(rs) != 1 || rs[0].Source != "p" {
			t.Fatalf("partial upsert on conflict: %+v", rs)
		}
	})
	t.Run("ConflictOnlyWithLiveRecords", func(t *testing.T) {
		r := newRegistry(t)
		mustUpsert(t, r, reg("t1", "p", t0, "a", cfgA), t0)
		later := t0.Add(time.Hour)
		mustUpsert(t, r, reg("t1", "q", later, "a", cfgB), later.Add(-time.Minute))
		if rs := list(t, r, "t1", later.Add(-time.Minute)); len(rs) != 1 || rs[0].Source != "q" {
			t.Fatalf("%+v", rs)
		}
	})
	t.Run("ConflictIsPerTenant", func(t *testing.T) {
		r := newRegistry(t)
		mustUpsert(t, r, reg("t1", "p", t0, "a", cfgA), t0)
		mustUpsert(t, r, reg("t2", "q", t0, "a", cfgB), t0)
	})
	t.Run("Expire", func(t *testing.T) {
		r := newRegistry(t)
		mustUpsert(t, r, reg("t1", "p", t0, "a", cfgA, "b", cfgB), t0)
		mustUpsert(t, r, reg("t2", "p", t0.Add(time.Minute), "a", cfgA), t0)
		n, err := r.Expire(ctx, t0.Add(time.Second))
		if err != nil || n != 2 {
			t.Fatalf("Expire = %d, %v; want 2", n, err)
		}
		if rs := list(t, r, "t1", time.Time{}); len(rs) != 0 {
			t.Fatalf("%+v", rs)
		}
		if rs := list(t, r, "t2", time.Time{}); len(rs) != 1 {
			t.Fatalf("%+v", rs)
		}
		if n, err := r.Expire(ctx, t0.Add(time.Second)); err != nil || n != 0 {
			t.Fatalf("second Expire = %d, %v", n, err)
		}
	})
	t.Run("ConcurrentConflictingUpserts", func(t *testing.T) {
		r := newRegistry(t)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := []byte(fmt.Sprintf(`{"format":"dc+sd-jwt","vct":"https://vct.example/%d"}`, i))
				errs[i] = r.Upsert(ctx, reg("t1", fmt.Sprintf("p%d", i), t0, "a", c), t0)
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, wellknown.ErrConflict):
				t.Fatalf("unexpected error %v", err)
			}
		}
		if rs := list(t, r, "t1", time.Time{}); ok != 1 || len(rs) != 1 {
			t.Fatalf("%d upserts succeeded, %d records; want exactly one", ok, len(rs))
		}
	})
	t.Run("CanceledContext", func(t *testing.T) {
		r := newRegistry(t)
		c, cancel := context.WithCancel(ctx)
		cancel()
		if err := r.Upsert(c, reg("t1", "p", t0, "a", cfgA), t0); err == nil {
			t.Fatal("Upsert with a canceled context succeeded")
		}
	})
}
