package wallet_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/oid4vci/wallet/storetest"
)

// TestMemoryStore: put, list with filters, get, delete; returned values
// are copies.
func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	s := wallet.NewMemoryStore()
	t0 := time.Unix(1700000000, 0)
	must(t, s.Put(ctx, &wallet.StoredCredential{ID: "b", Issuer: "https://i", Format: "dc+sd-jwt", VCT: "v1", ReceivedAt: t0.Add(time.Second)}))
	must(t, s.Put(ctx, &wallet.StoredCredential{ID: "a", Issuer: "https://i", Format: "jwt_vc_json", Types: []string{"VerifiableCredential", "X"}, ReceivedAt: t0}))
	cases := []struct {
		name string
		f    wallet.Filter
		want []string
	}{
		{"all", wallet.Filter{}, []string{"a", "b"}},
		{"format", wallet.Filter{Format: "dc+sd-jwt"}, []string{"b"}},
		{"vct", wallet.Filter{VCT: "v1"}, []string{"b"}},
		{"type", wallet.Filter{Type: "X"}, []string{"a"}},
		{"issuer", wallet.Filter{Issuer: "https://other"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.List(ctx, tc.f)
			must(t, err)
			var ids []string
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) {
				t.Fatalf("%v", ids)
			}
		})
	}
	c, err := s.Get(ctx, "a")
	must(t, err)
	c.Types[1] = "changed"
	if c2, _ := s.Get(ctx, "a"); c2.Types[1] != "X" {
		t.Fatal("Get returned shared state")
	}
	must(t, s.Delete(ctx, "a"))
	if _, err := s.Get(ctx, "a"); !errors.Is(err, wallet.ErrNotFound) {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "a"); !errors.Is(err, wallet.ErrNotFound) {
		t.Fatal(err)
	}
}

// TestMemoryStoreConcurrent runs under -race.
func TestMemoryStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	s := wallet.NewMemoryStore()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := string(rune('a' + i))
			_ = s.Put(ctx, &wallet.StoredCredential{ID: id})
			_, _ = s.List(ctx, wallet.Filter{})
			_, _ = s.Get(ctx, id)
			_ = s.Delete(ctx, id)
		}(i)
	}
	wg.Wait()
	if got, _ := s.List(ctx, wallet.Filter{}); len(got) != 0 {
		t.Fatal(len(got))
	}
}

// TestMemoryStoreContract: MemoryStore passes the exported contract suite.
func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) wallet.Store { return wallet.NewMemoryStore() })
}
