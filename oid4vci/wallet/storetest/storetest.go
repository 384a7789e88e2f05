// Package storetest is the contract test suite for implementations of
// oid4vci/wallet's Store. MemoryStore runs it, and so should every other
// backend (an encrypted SQL store, …):
//
//	func TestStoreContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) wallet.Store { return newEmptyStore(t) })
//	}
//
// The factory returns an empty store for each subtest. Credential ids used
// are short ASCII letters and digits.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci/wallet"
)

// Options tune the suite.
type Options struct {
	// Concurrency is the number of concurrent writers (default 16).
	Concurrency int
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func full(id string, at time.Time) *wallet.StoredCredential {
	return &wallet.StoredCredential{
		ID: id, Issuer: "https://issuer.example.com/" + id, ConfigurationID: "cfg-" + id, Format: "dc+sd-jwt",
		VCT: "https://vct.example.com/" + id, Types: []string{"VerifiableCredential", "T" + id}, Raw: "raw-" + id + "~",
		HolderKeyThumbprint: "jkt-" + id, NotificationID: "n-" + id, ReceivedAt: at,
	}
}

// Run runs the contract suite.
func Run(t *testing.T, newStore func(t *testing.T) wallet.Store, opts ...Options) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("Replace", func(t *testing.T) { testReplace(t, newStore(t)) })
	t.Run("ListFilters", func(t *testing.T) { testList(t, newStore(t)) })
	t.Run("Copies", func(t *testing.T) { testCopies(t, newStore(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newStore(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newStore(t), o.Concurrency) })
}

func same(a, b *wallet.StoredCredential) error {
	switch {
	case a.ID != b.ID, a.Issuer != b.Issuer, a.ConfigurationID != b.ConfigurationID, a.Format != b.Format, a.VCT != b.VCT,
		a.Raw != b.Raw, a.HolderKeyThumbprint != b.HolderKeyThumbprint, a.NotificationID != b.NotificationID:
		return fmt.Errorf("got %+v, want %+v", a, b)
	case !slices.Equal(a.Types, b.Types):
		return fmt.Errorf("types %v, want %v", a.Types, b.Types)
	case !a.ReceivedAt.Equal(b.ReceivedAt):
		return fmt.Errorf("received_at %v, want %v", a.ReceivedAt, b.ReceivedAt)
	}
	return nil
}

func ids(cs []*wallet.StoredCredential) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// testRoundTrip: every field comes back from Get and List.
func testRoundTrip(t *testing.T, s wallet.Store) {
	ctx := context.Background()
	want := full("a1", t0)
	if err := s.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if err := same(got, want); err != nil {
		t.Fatal("Get: ", err)
	}
	l, err := s.List(ctx, wallet.Filter{})
	if err != nil || len(l) != 1 {
		t.Fatalf("List: %d %v", len(l), err)
	}
	if err := same(l[0], want); err != nil {
		t.Fatal("List: ", err)
	}
}

// testReplace: Put with an existing id replaces the credential.
func testReplace(t *testing.T, s wallet.Store) {
	ctx := context.Background()
	if err := s.Put(ctx, full("r1", t0)); err != nil {
		t.Fatal(err)
	}
	repl := full("r1", t0.Add(time.Hour))
	repl.Issuer, repl.Raw, repl.Types = "https://other.example.com", "raw-2", nil
	if err := s.Put(ctx, repl); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Issuer != repl.Issuer || got.Raw != "raw-2" || len(got.Types) != 0 || !got.ReceivedAt.Equal(repl.ReceivedAt) {
		t.Fatalf("not replaced: %+v", got)
	}
	if l, _ := s.List(ctx, wallet.Filter{}); len(l) != 1 {
		t.Fatalf("%d credentials after a replace", len(l))
	}
}

// testList: filters on issuer, format, vct and type (all must match);
// oldest first, ties by id.
func testList(t *testing.T, s wallet.Store) {
	ctx := context.Background()
	a := full("a", t0.Add(2*time.Second))
	b := full("b", t0)
	b.Format, b.VCT, b.Types = "jwt_vc_json", "", []string{"VerifiableCredential", "Employee"}
	c := full("c", t0.Add(time.Second))
	c.Issuer = a.Issuer
	d := full("d", t0.Add(time.Second)) // same time as c
	for _, x := range []*wallet.StoredCredential{a, b, c, d} {
		if err := s.Put(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		f    wallet.Filter
		want []string
	}{
		{"all, oldest first, ties by id", wallet.Filter{}, []string{"b", "c", "d", "a"}},
		{"issuer", wallet.Filter{Issuer: a.Issuer}, []string{"c", "a"}},
		{"format", wallet.Filter{Format: "jwt_vc_json"}, []string{"b"}},
		{"vct", wallet.Filter{VCT: d.VCT}, []string{"d"}},
		{"type", wallet.Filter{Type: "Employee"}, []string{"b"}},
		{"type shared", wallet.Filter{Type: "VerifiableCredential"}, []string{"b", "c", "d", "a"}},
		{"issuer and vct", wallet.Filter{Issuer: a.Issuer, VCT: a.VCT}, []string{"a"}},
		{"issuer and format mismatch", wallet.Filter{Issuer: a.Issuer, Format: "jwt_vc_json"}, []string{}},
		{"nothing", wallet.Filter{Issuer: "https://none.example"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.List(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Fatalf("%v, want %v", ids(got), tc.want)
			}
		})
	}
}

// testCopies: neither the value given to Put nor values returned are
// shared with the store.
func testCopies(t *testing.T, s wallet.Store) {
	ctx := context.Background()
	in := full("c1", t0)
	if err := s.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.Types[1], in.Raw = "changed", "changed"
	got, err := s.Get(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Types[1] != "Tc1" || got.Raw != "raw-c1~" {
		t.Fatal("Put kept the caller's value")
	}
	got.Types[1] = "changed"
	l, _ := s.List(ctx, wallet.Filter{})
	l[0].Types[0] = "changed"
	again, err := s.Get(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if again.Types[0] != "VerifiableCredential" || again.Types[1] != "Tc1" {
		t.Fatal("Get or List returned shared state")
	}
}

// testNotFound: Get and Delete of unknown or deleted ids give ErrNotFound;
// Delete removes only its credential.
func testNotFound(t *testing.T, s wallet.Store) {
	ctx := context.Background()
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, wallet.ErrNotFound) {
		t.Fatalf("Get unknown: %v", err)
	}
	if err := s.Delete(ctx, "nope"); !errors.Is(err, wallet.ErrNotFound) {
		t.Fatalf("Delete unknown: %v", err)
	}
	if l, err := s.List(ctx, wallet.Filter{}); err != nil || len(l) != 0 {
		t.Fatalf("empty List: %d %v", len(l), err)
	}
	for _, id := range []string{"k1", "k2"} {
		if err := s.Put(ctx, full(id, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "k1"); !errors.Is(err, wallet.ErrNotFound) {
		t.Fatalf("Get deleted: %v", err)
	}
	if err := s.Delete(ctx, "k1"); !errors.Is(err, wallet.ErrNotFound) {
		t.Fatalf("Delete twice: %v", err)
	}
	if l, _ := s.List(ctx, wallet.Filter{}); !slices.Equal(ids(l), []string{"k2"}) {
		t.Fatalf("after Delete: %v", ids(l))
	}
}

// testConcurrent: concurrent Put, List, Get and Delete (run it with -race).
func testConcurrent(t *testing.T, s wallet.Store, n int) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("p%d", k)
			if err := s.Put(ctx, full(id, t0.Add(time.Duration(k)*time.Second))); err != nil {
				errs <- err
				return
			}
			if _, err := s.List(ctx, wallet.Filter{}); err != nil {
				errs <- err
			}
			if _, err := s.Get(ctx, id); err != nil {
				errs <- err
			}
			if k%2 == 0 {
				if err := s.Delete(ctx, id); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	l, err := s.List(ctx, wallet.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != n/2 {
		t.Fatalf("%d credentials left, want %d", len(l), n/2)
	}
}
