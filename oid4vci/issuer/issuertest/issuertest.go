// Package issuertest is the contract test suite for the stores of
// oid4vci/issuer. Every backend (memory, SQL) runs it:
//
//	func TestContract(t *testing.T) {
//		issuertest.Run(t, func(t *testing.T) issuertest.Stores { … })
//	}
package issuertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci/issuer"
)

// Stores are the backends under test; each call of the factory returns
// empty stores.
type Stores struct {
	Offers        issuer.OfferStore
	Nonces        issuer.NonceStore
	Replays       issuer.ReplayStore
	Transactions  issuer.TransactionStore
	Notifications issuer.NotificationStore
	// RefreshTokens is tested when set.
	RefreshTokens issuer.RefreshTokenStore
}

// Options tune the suite.
type Options struct {
	// Concurrency is the number of concurrent redemptions of one code
	// (default 100; the SQL backends run 1,000).
	Concurrency int
}

// Run runs the contract suite.
func Run(t *testing.T, newStores func(t *testing.T) Stores, opts ...Options) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 100
	}
	t.Run("OfferRedeemOnce", func(t *testing.T) { testRedeemOnce(t, newStores(t).Offers) })
	t.Run("OfferConcurrentRedeem", func(t *testing.T) { testConcurrentRedeem(t, newStores(t).Offers, o.Concurrency) })
	t.Run("OfferExpiry", func(t *testing.T) { testOfferExpiry(t, newStores(t).Offers) })
	t.Run("OfferAttempts", func(t *testing.T) { testAttempts(t, newStores(t).Offers) })
	t.Run("Nonces", func(t *testing.T) { testNonces(t, newStores(t).Nonces, o.Concurrency) })
	t.Run("Replays", func(t *testing.T) { testReplays(t, newStores(t).Replays) })
	t.Run("Transactions", func(t *testing.T) { testTransactions(t, newStores(t).Transactions) })
	t.Run("Notifications", func(t *testing.T) { testNotifications(t, newStores(t).Notifications) })
	t.Run("OfferIssuerState", func(t *testing.T) { testIssuerState(t, newStores(t).Offers) })
	if newStores(t).RefreshTokens != nil {
		t.Run("RefreshRotation", func(t *testing.T) { testRefreshRotation(t, newStores(t).RefreshTokens) })
		t.Run("RefreshConcurrentUse", func(t *testing.T) { testRefreshConcurrent(t, newStores(t).RefreshTokens, o.Concurrency) })
	}
}

// testIssuerState: the issuer_state hash round-trips and Redeem records the
// external holder.
func testIssuerState(t *testing.T, s issuer.OfferStore) {
	ctx := context.Background()
	o := offer("s1")
	o.IssuerStateHash = "state-hash"
	if err := s.Put(ctx, o); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "s1", t0)
	if err != nil || got.IssuerStateHash != "state-hash" || got.Holder != "" {
		t.Fatalf("Get: %+v %v", got, err)
	}
	r := red(t0)
	r.Holder = "holder-1"
	if _, err := s.Redeem(ctx, "code-s1", r); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, "s1", t0.Add(time.Minute))
	if err != nil || got.Holder != "holder-1" || got.IssuerStateHash != "state-hash" || !got.Redeemed {
		t.Fatalf("after Redeem: %+v %v", got, err)
	}
}

func rt(hash, family string, exp time.Time) *issuer.RefreshToken {
	return &issuer.RefreshToken{Hash: hash, Family: family, OfferID: "o-" + family, ClientID: "c", DPoPJKT: "j", ExpiresAt: exp}
}

// testRefreshRotation: single use, rotation within a family, reuse revokes
// the family (a token stored later in it too), expiry, other families
// untouched.
func testRefreshRotation(t *testing.T, s issuer.RefreshTokenStore) {
	ctx := context.Background()
	exp := t0.Add(time.Hour)
	for _, r := range []*issuer.RefreshToken{rt("a1", "fa", exp), rt("b1", "fb", exp), rt("x1", "fx", t0.Add(time.Minute))} {
		if err := s.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(ctx, rt("a1", "fa", exp)); err == nil {
		t.Fatal("duplicate refresh token accepted")
	}
	got, err := s.Use(ctx, "a1", t0)
	if err != nil || got.Family != "fa" || got.OfferID != "o-fa" || got.ClientID != "c" || got.DPoPJKT != "j" || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("Use: %+v %v", got, err)
	}
	if err := s.Put(ctx, rt("a2", "fa", exp)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Use(ctx, "nope", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := s.Use(ctx, "x1", t0.Add(time.Minute)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
	// a1 again: reuse; the family (a2) is revoked, fb is not.
	if _, err := s.Use(ctx, "a1", t0); !errors.Is(err, issuer.ErrRefreshTokenReused) {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := s.Use(ctx, "a2", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("token of a revoked family: %v", err)
	}
	if err := s.Put(ctx, rt("a3", "fa", exp)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Use(ctx, "a3", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("token stored in a revoked family: %v", err)
	}
	if _, err := s.Use(ctx, "b1", t0); err != nil {
		t.Fatalf("other family: %v", err)
	}
}

// testRefreshConcurrent: n concurrent uses of one token, exactly one
// success; the others are reuses.
func testRefreshConcurrent(t *testing.T, s issuer.RefreshTokenStore, n int) {
	ctx := context.Background()
	if err := s.Put(ctx, rt("c1", "fc", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	var ok, reused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.Use(ctx, "c1", t0)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, issuer.ErrRefreshTokenReused):
				reused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || int(reused.Load()) != n-1 {
		t.Fatalf("%d successes, %d reuses of %d", ok.Load(), reused.Load(), n)
	}
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func offer(id string) *issuer.Offer {
	return &issuer.Offer{
		ID: id, CodeHash: "code-" + id, Subject: "s-" + id, ConfigurationIDs: []string{"a", "b"},
		Claims: map[string]any{"given_name": "Erika"}, Document: []byte(`{"x":1}`), ExpiresAt: t0.Add(time.Minute),
	}
}

func red(now time.Time) issuer.Redemption {
	return issuer.Redemption{Now: now, MaxAttempts: 3, GrantExpiresAt: now.Add(5 * time.Minute), ClientID: "c", DPoPJKT: "j"}
}

func testRedeemOnce(t *testing.T, s issuer.OfferStore) {
	ctx := context.Background()
	if err := s.Put(ctx, offer("o1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, offer("o1")); err == nil {
		t.Fatal("duplicate offer id accepted")
	}
	got, err := s.ByCode(ctx, "code-o1", red(t0))
	if err != nil || got.ID != "o1" || got.Subject != "s-o1" || len(got.ConfigurationIDs) != 2 || got.Claims["given_name"] != "Erika" {
		t.Fatalf("ByCode: %+v %v", got, err)
	}
	if _, err := s.ByCode(ctx, "code-nope", red(t0)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	r, err := s.Redeem(ctx, "code-o1", red(t0))
	if err != nil || !r.Redeemed || r.ClientID != "c" || r.DPoPJKT != "j" {
		t.Fatalf("Redeem: %+v %v", r, err)
	}
	if _, err := s.Redeem(ctx, "code-o1", red(t0)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("second Redeem: %v", err)
	}
	if _, err := s.ByCode(ctx, "code-o1", red(t0)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("ByCode after Redeem: %v", err)
	}
	g, err := s.Get(ctx, "o1", t0.Add(2*time.Minute)) // past the offer, within the grant
	if err != nil || !g.Redeemed || len(g.Document) != 0 {
		t.Fatalf("grant: %+v %v", g, err)
	}
	if _, err := s.Get(ctx, "o1", t0.Add(6*time.Minute)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("expired grant: %v", err)
	}
}

func testConcurrentRedeem(t *testing.T, s issuer.OfferStore, n int) {
	ctx := context.Background()
	if err := s.Put(ctx, offer("c1")); err != nil {
		t.Fatal(err)
	}
	var ok, notFound atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.Redeem(ctx, "code-c1", red(t0))
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, issuer.ErrNotFound):
				notFound.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || int(notFound.Load()) != n-1 {
		t.Fatalf("%d successes, %d not found of %d", ok.Load(), notFound.Load(), n)
	}
}

func testOfferExpiry(t *testing.T, s issuer.OfferStore) {
	ctx := context.Background()
	if err := s.Put(ctx, offer("e1")); err != nil {
		t.Fatal(err)
	}
	late := t0.Add(time.Minute)
	if _, err := s.ByCode(ctx, "code-e1", red(late)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("expired ByCode: %v", err)
	}
	if _, err := s.Redeem(ctx, "code-e1", red(late)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("expired Redeem: %v", err)
	}
	if _, err := s.Get(ctx, "e1", late); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("expired Get: %v", err)
	}
	if o, err := s.Get(ctx, "e1", t0); err != nil || string(o.Document) != `{"x":1}` {
		t.Fatalf("Get: %+v %v", o, err)
	}
}

func testAttempts(t *testing.T, s issuer.OfferStore) {
	ctx := context.Background()
	if err := s.Put(ctx, offer("a1")); err != nil {
		t.Fatal(err)
	}
	for k, want := range []int{2, 1} {
		left, err := s.Fail(ctx, "code-a1", 3)
		if err != nil || left != want {
			t.Fatalf("Fail %d: %d %v", k, left, err)
		}
	}
	if o, err := s.ByCode(ctx, "code-a1", red(t0)); err != nil || o.Attempts != 2 {
		t.Fatalf("after 2 failures: %+v %v", o, err)
	}
	if left, err := s.Fail(ctx, "code-a1", 3); err != nil || left != 0 {
		t.Fatalf("third Fail: %d %v", left, err)
	}
	if _, err := s.Redeem(ctx, "code-a1", red(t0)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("locked code redeemed: %v", err)
	}
	if _, err := s.Fail(ctx, "code-nope", 3); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("Fail unknown: %v", err)
	}
}

func testNonces(t *testing.T, s issuer.NonceStore, n int) {
	ctx := context.Background()
	if err := s.Put(ctx, "n1", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Consume(ctx, "n1", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Consume(ctx, "n1", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("reused nonce: %v", err)
	}
	if err := s.Consume(ctx, "never", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown nonce: %v", err)
	}
	if err := s.Put(ctx, "n2", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Consume(ctx, "n2", t0.Add(time.Minute)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("expired nonce: %v", err)
	}
	if err := s.Put(ctx, "n3", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.Consume(ctx, "n3", t0) == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("nonce consumed %d times", ok.Load())
	}
}

func testReplays(t *testing.T, s issuer.ReplayStore) {
	ctx := context.Background()
	for k, want := range []bool{false, true, true} {
		seen, err := s.Seen(ctx, "jkt|jti", t0.Add(time.Minute), t0)
		if err != nil || seen != want {
			t.Fatalf("Seen %d: %v %v", k, seen, err)
		}
	}
	if seen, _ := s.Seen(ctx, "jkt|other", t0.Add(time.Minute), t0); seen {
		t.Fatal("other jti seen")
	}
	if seen, _ := s.Seen(ctx, "jkt|jti", t0.Add(3*time.Minute), t0.Add(2*time.Minute)); seen {
		t.Fatal("expired entry still counts")
	}
}

func testTransactions(t *testing.T, s issuer.TransactionStore) {
	ctx := context.Background()
	tx := &issuer.Transaction{ID: "t1", OfferID: "o1", Interval: 5, ExpiresAt: t0.Add(time.Hour),
		Request: issuer.IssueRequest{ConfigurationID: "a", Subject: "s", Claims: map[string]any{"k": "v"}}}
	if err := s.Put(ctx, tx); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "t1", t0)
	if err != nil || got.OfferID != "o1" || got.Request.ConfigurationID != "a" || got.Request.Claims["k"] != "v" || got.Interval != 5 {
		t.Fatalf("Get: %+v %v", got, err)
	}
	if _, err := s.Get(ctx, "t1", t0.Add(time.Hour)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
	if err := s.Delete(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "t1"); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if _, err := s.Get(ctx, "t1", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
}

func testNotifications(t *testing.T, s issuer.NotificationStore) {
	ctx := context.Background()
	if err := s.Put(ctx, &issuer.Notification{ID: "n1", OfferID: "o1", ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 2; k++ {
		if err := s.Record(ctx, "n1", "o1", "credential_accepted", t0); err != nil {
			t.Fatalf("Record %d: %v", k, err)
		}
	}
	for name, c := range map[string]struct {
		id, offer string
		now       time.Time
	}{
		"unknown id":    {"nx", "o1", t0},
		"another offer": {"n1", "o2", t0},
		"expired":       {"n1", "o1", t0.Add(time.Hour)},
	} {
		if err := s.Record(ctx, c.id, c.offer, "credential_deleted", c.now); !errors.Is(err, issuer.ErrNotFound) {
			t.Fatalf("%s: %v", name, fmt.Sprint(err))
		}
	}
}
