package vpcachetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
)

// Identifiers used by the suite.
const (
	PC      = "participant-context-1"
	PC2     = "participant-context-2"
	DID     = "did:web:counterparty.example"
	DID2    = "did:web:other.example"
	Issuer  = "did:web:issuer.example"
	Scope   = "org.eclipse.tractusx.vc.type:SomeCredential:read"
	Scope2  = "org.eclipse.tractusx.vc.type:OtherCredential:read"
	Status1 = "https://status.example/lists/1"
)

// Validity is the configured validity of the suite's caches (123 s, as in
// the Tractus-X tests).
const Validity = 123 * time.Second

// NewStoreFunc returns a fresh, empty store for one subtest.
type NewStoreFunc func(t *testing.T) vpcache.Store

// Run runs the contract suite against the stores newStore returns. Each
// subtest gets a fresh store.
func Run(t *testing.T, newStore NewStoreFunc) {
	t.Helper()
	t.Run("store", func(t *testing.T) { runStore(t, newStore) })
	t.Run("cache", func(t *testing.T) { runCache(t, newStore) })
	t.Run("request", func(t *testing.T) { runRequest(t, newStore) })
}

// ValidPresentation returns a presentation by holder with one credential of
// types VerifiableCredential and SomeCredential, valid from one hour before
// Epoch to 30 days after, with a status reference at Status1#7.
func ValidPresentation(holder string) FakePresentation {
	return FakePresentation{
		Holder: holder,
		Credentials: []FakeCredential{{
			Types:      []string{"VerifiableCredential", "SomeCredential"},
			Issuer:     Issuer,
			IssuedAt:   Epoch.Add(-time.Hour),
			ValidFrom:  Epoch.Add(-time.Hour),
			ValidUntil: Epoch.Add(30 * 24 * time.Hour),
			Status:     []FakeState{{URI: Status1, Index: 7}},
		}},
	}
}

func key(t *testing.T, pc, did string, scopes ...string) vpcache.Key {
	t.Helper()
	k, err := vpcache.NewKey(pc, did, scopes)
	require.NoError(t, err)
	return k
}

func entry(k vpcache.Key, raw string, cachedAt time.Time, ttl time.Duration) vpcache.Entry {
	return vpcache.Entry{
		Key:           k,
		Presentations: []vpcache.Presentation{{Format: FakeFormat, Raw: raw}},
		CachedAt:      cachedAt.Truncate(time.Millisecond),
		ExpiresAt:     cachedAt.Add(ttl).Truncate(time.Millisecond),
	}
}

func put(t *testing.T, s vpcache.Store, e vpcache.Entry) int64 {
	t.Helper()
	v, err := s.Put(context.Background(), e)
	require.NoError(t, err)
	require.NotZero(t, v)
	return v
}

func requireAbsent(t *testing.T, s vpcache.Store, k vpcache.Key) {
	t.Helper()
	_, err := s.Get(context.Background(), k)
	require.ErrorIs(t, err, vpcache.ErrNotFound)
}

func requirePresent(t *testing.T, s vpcache.Store, k vpcache.Key) vpcache.Entry {
	t.Helper()
	e, err := s.Get(context.Background(), k)
	require.NoError(t, err)
	require.True(t, e.Key.Equal(k), "got key %v want %v", e.Key, k)
	return e
}

func runStore(t *testing.T, newStore NewStoreFunc) {
	ctx := context.Background()

	t.Run("tx14_store_then_query", func(t *testing.T) {
		s := newStore(t)
		k := key(t, PC, DID, Scope)
		e := entry(k, `{"a":1}`, Epoch, Validity)
		v := put(t, s, e)
		got := requirePresent(t, s, k)
		require.Equal(t, v, got.Version)
		require.Equal(t, e.Presentations, got.Presentations)
		require.True(t, got.CachedAt.Equal(e.CachedAt), "cachedAt %v want %v", got.CachedAt, e.CachedAt)
		require.True(t, got.ExpiresAt.Equal(e.ExpiresAt), "expiresAt %v want %v", got.ExpiresAt, e.ExpiresAt)
	})

	t.Run("tx15_same_key_overwrites", func(t *testing.T) {
		s := newStore(t)
		k := key(t, PC, DID, Scope)
		v1 := put(t, s, entry(k, `"first"`, Epoch, Validity))
		v2 := put(t, s, entry(k, `"second"`, Epoch.Add(time.Second), Validity))
		require.NotEqual(t, v1, v2)
		got := requirePresent(t, s, k)
		require.Equal(t, `"second"`, got.Presentations[0].Raw)
		require.Equal(t, v2, got.Version)
		require.True(t, got.CachedAt.Equal(Epoch.Add(time.Second)))
	})

	t.Run("tx16_query_returns_entry_of_each_key", func(t *testing.T) {
		s := newStore(t)
		k1, k2 := key(t, PC, DID, Scope), key(t, PC, DID, Scope2)
		put(t, s, entry(k1, `"one"`, Epoch, Validity))
		put(t, s, entry(k2, `"two"`, Epoch, Validity))
		require.Equal(t, `"one"`, requirePresent(t, s, k1).Presentations[0].Raw)
		require.Equal(t, `"two"`, requirePresent(t, s, k2).Presentations[0].Raw)
	})

	t.Run("tx17_scope_order_irrelevant", func(t *testing.T) {
		s := newStore(t)
		put(t, s, entry(key(t, PC, DID, Scope, Scope2), `"x"`, Epoch, Validity))
		requirePresent(t, s, key(t, PC, DID, Scope2, Scope))
	})

	t.Run("tx18_absent_not_found", func(t *testing.T) {
		s := newStore(t)
		requireAbsent(t, s, key(t, PC, DID, Scope))
	})

	t.Run("tx19_remove_single_entry", func(t *testing.T) {
		s := newStore(t)
		k1, k2 := key(t, PC, DID, Scope), key(t, PC, DID, Scope2)
		put(t, s, entry(k1, `"one"`, Epoch, Validity))
		put(t, s, entry(k2, `"two"`, Epoch, Validity))
		n, err := s.Delete(ctx, vpcache.ByKey(k1))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		requireAbsent(t, s, k1)
		requirePresent(t, s, k2)
		n, err = s.Delete(ctx, vpcache.ByKey(k1))
		require.NoError(t, err)
		require.EqualValues(t, 0, n, "deleting an absent entry is not an error")
	})

	t.Run("tx20_remove_all_scope_sets_of_did", func(t *testing.T) {
		s := newStore(t)
		k1, k2, k3 := key(t, PC, DID, Scope), key(t, PC, DID, Scope2), key(t, PC, DID)
		for _, k := range []vpcache.Key{k1, k2, k3} {
			put(t, s, entry(k, `"x"`, Epoch, Validity))
		}
		n, err := s.Delete(ctx, vpcache.ByCounterparty(PC, DID))
		require.NoError(t, err)
		require.EqualValues(t, 3, n)
		for _, k := range []vpcache.Key{k1, k2, k3} {
			requireAbsent(t, s, k)
		}
	})

	t.Run("tx21_remove_leaves_other_dids", func(t *testing.T) {
		s := newStore(t)
		put(t, s, entry(key(t, PC, DID, Scope), `"x"`, Epoch, Validity))
		put(t, s, entry(key(t, PC, DID2, Scope), `"y"`, Epoch, Validity))
		_, err := s.Delete(ctx, vpcache.ByCounterparty(PC, DID))
		require.NoError(t, err)
		requireAbsent(t, s, key(t, PC, DID, Scope))
		requirePresent(t, s, key(t, PC, DID2, Scope))
	})

	t.Run("tx22_remove_leaves_other_participant_contexts", func(t *testing.T) {
		s := newStore(t)
		put(t, s, entry(key(t, PC, DID, Scope), `"x"`, Epoch, Validity))
		put(t, s, entry(key(t, PC2, DID, Scope), `"y"`, Epoch, Validity))
		_, err := s.Delete(ctx, vpcache.ByCounterparty(PC, DID))
		require.NoError(t, err)
		requireAbsent(t, s, key(t, PC, DID, Scope))
		requirePresent(t, s, key(t, PC2, DID, Scope))
	})

	t.Run("gap_participant_contexts_apart_on_query", func(t *testing.T) {
		s := newStore(t)
		put(t, s, entry(key(t, PC, DID, Scope), `"pc1"`, Epoch, Validity))
		requireAbsent(t, s, key(t, PC2, DID, Scope))
		put(t, s, entry(key(t, PC2, DID, Scope), `"pc2"`, Epoch, Validity))
		require.Equal(t, `"pc1"`, requirePresent(t, s, key(t, PC, DID, Scope)).Presentations[0].Raw)
		require.Equal(t, `"pc2"`, requirePresent(t, s, key(t, PC2, DID, Scope)).Presentations[0].Raw)
	})

	t.Run("gap_scope_sets_exact", func(t *testing.T) {
		s := newStore(t)
		put(t, s, entry(key(t, PC, DID, Scope, Scope, Scope2), `"dup"`, Epoch, Validity))
		requirePresent(t, s, key(t, PC, DID, Scope2, Scope))
		requireAbsent(t, s, key(t, PC, DID, Scope))
		requireAbsent(t, s, key(t, PC, DID, strings.ToUpper(Scope), Scope2))
		requireAbsent(t, s, key(t, PC, DID, Scope+" ", Scope2))
		requireAbsent(t, s, key(t, PC, DID))
		// The empty scope set is its own key; nil and empty are the same.
		put(t, s, entry(key(t, PC, DID), `"empty"`, Epoch, Validity))
		k, err := vpcache.NewKey(PC, DID, []string{})
		require.NoError(t, err)
		require.Equal(t, `"empty"`, requirePresent(t, s, k).Presentations[0].Raw)
		require.Equal(t, `"dup"`, requirePresent(t, s, key(t, PC, DID, Scope, Scope2)).Presentations[0].Raw)
	})

	t.Run("gap_remove_counterparty_all_contexts", func(t *testing.T) {
		s := newStore(t)
		put(t, s, entry(key(t, PC, DID, Scope), `"a"`, Epoch, Validity))
		put(t, s, entry(key(t, PC2, DID, Scope2), `"b"`, Epoch, Validity))
		put(t, s, entry(key(t, PC, DID2, Scope), `"c"`, Epoch, Validity))
		n, err := s.Delete(ctx, vpcache.ByCounterpartyAllContexts(DID))
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		requireAbsent(t, s, key(t, PC, DID, Scope))
		requireAbsent(t, s, key(t, PC2, DID, Scope2))
		requirePresent(t, s, key(t, PC, DID2, Scope))
	})

	t.Run("gap_remove_participant_context", func(t *testing.T) {
		s := newStore(t)
		put(t, s, entry(key(t, PC, DID, Scope), `"a"`, Epoch, Validity))
		put(t, s, entry(key(t, PC, DID2, Scope), `"b"`, Epoch, Validity))
		put(t, s, entry(key(t, PC2, DID, Scope), `"c"`, Epoch, Validity))
		n, err := s.Delete(ctx, vpcache.ByParticipantContext(PC))
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		requireAbsent(t, s, key(t, PC, DID, Scope))
		requireAbsent(t, s, key(t, PC, DID2, Scope))
		requirePresent(t, s, key(t, PC2, DID, Scope))
	})

	t.Run("gap_compare_and_delete_by_version", func(t *testing.T) {
		s := newStore(t)
		k := key(t, PC, DID, Scope)
		v1 := put(t, s, entry(k, `"old"`, Epoch, Validity))
		v2 := put(t, s, entry(k, `"new"`, Epoch, Validity))
		n, err := s.Delete(ctx, vpcache.ByKeyVersion(k, v1))
		require.NoError(t, err)
		require.EqualValues(t, 0, n, "a stale version must not delete the fresher entry")
		require.Equal(t, `"new"`, requirePresent(t, s, k).Presentations[0].Raw)
		n, err = s.Delete(ctx, vpcache.ByKeyVersion(k, v2))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		requireAbsent(t, s, k)
	})

	t.Run("gap_reinsert_gets_fresh_version", func(t *testing.T) {
		s := newStore(t)
		k := key(t, PC, DID, Scope)
		v1 := put(t, s, entry(k, `"a"`, Epoch, Validity))
		_, err := s.Delete(ctx, vpcache.ByKey(k))
		require.NoError(t, err)
		v2 := put(t, s, entry(k, `"b"`, Epoch, Validity))
		require.NotEqual(t, v1, v2, "version must not restart after delete (ABA)")
		n, err := s.Delete(ctx, vpcache.ByKeyVersion(k, v1))
		require.NoError(t, err)
		require.EqualValues(t, 0, n)
		requirePresent(t, s, k)
	})

	t.Run("gap_delete_expired", func(t *testing.T) {
		s := newStore(t)
		kOld, kEdge, kNew := key(t, PC, DID, Scope), key(t, PC, DID, Scope2), key(t, PC, DID2, Scope)
		put(t, s, entry(kOld, `"old"`, Epoch, time.Second))
		put(t, s, entry(kEdge, `"edge"`, Epoch, 2*time.Second))
		put(t, s, entry(kNew, `"new"`, Epoch, time.Hour))
		n, err := s.Delete(ctx, vpcache.ByExpiry(Epoch.Add(2*time.Second)))
		require.NoError(t, err)
		require.EqualValues(t, 1, n, "only entries that expired strictly before the bound")
		requireAbsent(t, s, kOld)
		requirePresent(t, s, kEdge)
		requirePresent(t, s, kNew)
	})

	t.Run("row60_invalid_keys_and_selectors_rejected", func(t *testing.T) {
		s := newStore(t)
		good := key(t, PC, DID, Scope)
		bad := []vpcache.Key{
			{ParticipantContextID: "", CounterpartyDID: DID, Scopes: []string{Scope}},
			{ParticipantContextID: PC, CounterpartyDID: "", Scopes: []string{Scope}},
			{ParticipantContextID: PC, CounterpartyDID: "'; DROP TABLE edc_vp_cache; --", Scopes: []string{Scope}},
			{ParticipantContextID: PC, CounterpartyDID: "did:web:%", Scopes: []string{Scope}},
			{ParticipantContextID: PC, CounterpartyDID: DID, Scopes: []string{""}},
			{ParticipantContextID: PC, CounterpartyDID: DID, Scopes: []string{Scope, Scope2}}, // not canonical (Other < Some)
			{ParticipantContextID: PC, CounterpartyDID: DID, Scopes: []string{"a\x1fb"}},
			{ParticipantContextID: "pc\x00", CounterpartyDID: DID},
		}
		for i, k := range bad {
			_, err := s.Get(ctx, k)
			require.ErrorIs(t, err, vpcache.ErrInvalidKey, "get %d", i)
			e := entry(good, `"x"`, Epoch, Validity)
			e.Key = k
			_, err = s.Put(ctx, e)
			require.ErrorIs(t, err, vpcache.ErrInvalidKey, "put %d", i)
			_, err = s.Delete(ctx, vpcache.ByKey(k))
			require.ErrorIs(t, err, vpcache.ErrInvalidKey, "delete %d", i)
		}
		for i, sel := range []vpcache.Selector{
			{},
			vpcache.ByCounterparty("", DID),
			vpcache.ByCounterparty(PC, ""),
			vpcache.ByCounterparty(PC, "%"),
			vpcache.ByCounterpartyAllContexts("*"),
			vpcache.ByParticipantContext(""),
			vpcache.ByKeyVersion(good, 0),
			vpcache.ByExpiry(time.Time{}),
		} {
			_, err := s.Delete(ctx, sel)
			require.ErrorIs(t, err, vpcache.ErrInvalidKey, "selector %d", i)
		}
	})

	t.Run("row60_sql_metacharacters_stored_verbatim", func(t *testing.T) {
		s := newStore(t)
		pc := `pc'; DROP TABLE edc_vp_cache; --`
		scope := `x' OR '1'='1`
		k := key(t, pc, DID, scope, `%`, `_`, `\`)
		raw := `{"q":"'; DELETE FROM edc_vp_cache; --"}`
		put(t, s, entry(k, raw, Epoch, Validity))
		other := key(t, PC, DID, Scope)
		put(t, s, entry(other, `"other"`, Epoch, Validity))
		require.Equal(t, raw, requirePresent(t, s, k).Presentations[0].Raw)
		// LIKE wildcards are not wildcards.
		n, err := s.Delete(ctx, vpcache.ByParticipantContext("pc%"))
		require.NoError(t, err)
		require.EqualValues(t, 0, n)
		n, err = s.Delete(ctx, vpcache.ByParticipantContext(pc))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		requirePresent(t, s, other)
	})

	t.Run("gap_invalid_entries_rejected", func(t *testing.T) {
		s := newStore(t)
		k := key(t, PC, DID, Scope)
		for name, mod := range map[string]func(*vpcache.Entry){
			"no presentations": func(e *vpcache.Entry) { e.Presentations = nil },
			"empty raw":        func(e *vpcache.Entry) { e.Presentations[0].Raw = "" },
			"empty format":     func(e *vpcache.Entry) { e.Presentations[0].Format = "" },
			"oversized":        func(e *vpcache.Entry) { e.Presentations[0].Raw = strings.Repeat("a", vpcache.MaxPresentationLen+1) },
			"too many": func(e *vpcache.Entry) {
				for range vpcache.MaxPresentations {
					e.Presentations = append(e.Presentations, e.Presentations[0])
				}
			},
			"oversized in total": func(e *vpcache.Entry) {
				big := strings.Repeat("a", vpcache.MaxPresentationLen)
				e.Presentations = nil
				for range vpcache.MaxEntryLen/vpcache.MaxPresentationLen + 1 {
					e.Presentations = append(e.Presentations, vpcache.Presentation{Format: FakeFormat, Raw: big})
				}
			},
			"nul byte":       func(e *vpcache.Entry) { e.Presentations[0].Raw = "a\x00b" },
			"invalid utf8":   func(e *vpcache.Entry) { e.Presentations[0].Raw = "\xff" },
			"control format": func(e *vpcache.Entry) { e.Presentations[0].Format = "jwt\n" },
			"expiry before":  func(e *vpcache.Entry) { e.ExpiresAt = e.CachedAt.Add(-time.Millisecond) },
		} {
			e := entry(k, `"x"`, Epoch, Validity)
			mod(&e)
			_, err := s.Put(ctx, e)
			require.ErrorIs(t, err, vpcache.ErrInvalidPresentation, name)
		}
		requireAbsent(t, s, k)
	})

	t.Run("gap_large_presentations_roundtrip", func(t *testing.T) {
		s := newStore(t)
		k := key(t, PC, DID, Scope)
		e := entry(k, strings.Repeat("é", vpcache.MaxPresentationLen/2), Epoch, Validity)
		e.Presentations = append(e.Presentations, vpcache.Presentation{Format: "jwt_vp_json", Raw: "eyJ.eyJ.sig"})
		put(t, s, e)
		require.Equal(t, e.Presentations, requirePresent(t, s, k).Presentations)
	})

	t.Run("gap_cancelled_context", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		k := key(t, PC, DID, Scope)
		_, err := s.Put(cctx, entry(k, `"x"`, Epoch, Validity))
		require.Error(t, err)
		_, err = s.Get(cctx, k)
		require.Error(t, err)
		require.NotErrorIs(t, err, vpcache.ErrNotFound, "a failed lookup is not 'absent'")
	})

	t.Run("gap_concurrent_writers_and_readers", func(t *testing.T) {
		s := newStore(t)
		const workers, rounds = 8, 20
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds*3)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					k := key(t, PC, DID, fmt.Sprintf("scope-%d", r%4))
					if _, err := s.Put(ctx, entry(k, fmt.Sprintf(`"%d-%d"`, w, r), Epoch, Validity)); err != nil {
						errs <- err
					}
					if _, err := s.Get(ctx, k); err != nil && !errors.Is(err, vpcache.ErrNotFound) {
						errs <- err
					}
					if r%5 == 0 {
						if _, err := s.Delete(ctx, vpcache.ByKey(k)); err != nil {
							errs <- err
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	})
}

// fixture is a cache over the store under test with every double wired in.
type fixture struct {
	store   *FaultStore
	clock   *Clock
	ver     *Verifier
	status  *StatusList
	metrics *Metrics
	cache   *vpcache.Cache
}

func newFixture(t *testing.T, newStore NewStoreFunc, opts ...vpcache.Option) *fixture {
	t.Helper()
	f := &fixture{
		store:   &FaultStore{Store: newStore(t)},
		clock:   NewClock(Epoch),
		ver:     &Verifier{},
		status:  NewStatusList(),
		metrics: NewMetrics(),
	}
	base := []vpcache.Option{
		vpcache.WithValidity(Validity),
		vpcache.WithClock(f.clock.Now),
		vpcache.WithParser(f.ver),
		vpcache.WithStatusChecker(f.status),
		vpcache.WithMetrics(f.metrics),
		vpcache.WithReaperInterval(0),
	}
	c, err := vpcache.New(f.store, f.ver, append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	f.cache = c
	return f
}

func pres(ps ...FakePresentation) []vpcache.Presentation {
	out := make([]vpcache.Presentation, len(ps))
	for i, p := range ps {
		out[i] = p.Encode()
	}
	return out
}

func (f *fixture) mustStore(t *testing.T, k vpcache.Key, ps ...FakePresentation) int64 {
	t.Helper()
	v, err := f.cache.Store(context.Background(), k, pres(ps...))
	require.NoError(t, err)
	return v
}

func (f *fixture) requireMiss(t *testing.T, k vpcache.Key, cause error) {
	t.Helper()
	_, err := f.cache.Query(context.Background(), k)
	require.ErrorIs(t, err, vpcache.ErrMiss)
	if cause != nil {
		require.ErrorIs(t, err, cause)
	}
}

func (f *fixture) requireHit(t *testing.T, k vpcache.Key) vpcache.Hit {
	t.Helper()
	h, err := f.cache.Query(context.Background(), k)
	require.NoError(t, err)
	return h
}

func runCache(t *testing.T, newStore NewStoreFunc) {
	ctx := context.Background()
	k := func(t *testing.T) vpcache.Key { return key(t, PC, DID, Scope) }

	t.Run("tx01_store_valid", func(t *testing.T) {
		f := newFixture(t, newStore)
		v := f.mustStore(t, k(t), ValidPresentation(DID))
		e := requirePresent(t, f.store.Store, k(t))
		require.Equal(t, v, e.Version)
		require.True(t, e.CachedAt.Equal(Epoch))
		require.True(t, e.ExpiresAt.Equal(Epoch.Add(Validity)))
		require.EqualValues(t, 1, f.ver.Verifies.Load())
	})

	t.Run("tx02_store_type_not_matching_scope", func(t *testing.T) {
		f := newFixture(t, newStore)
		p := ValidPresentation(DID)
		p.Credentials[0].Types = []string{"VerifiableCredential", "WrongCredential"}
		_, err := f.cache.Store(ctx, k(t), pres(p))
		require.ErrorIs(t, err, vpcache.ErrRejected)
		require.ErrorIs(t, err, vpcache.ErrScopeNotCovered)
		requireAbsent(t, f.store.Store, k(t))
		require.Equal(t, 1, f.metrics.Rejections(vpcache.ReasonScope))
	})

	t.Run("tx02b_store_more_scopes_than_credentials", func(t *testing.T) {
		f := newFixture(t, newStore)
		p := ValidPresentation(DID)
		p.Credentials[0].Types = []string{"SomeCredential", "OtherCredential"}
		_, err := f.cache.Store(ctx, key(t, PC, DID, Scope, Scope2), pres(p))
		require.ErrorIs(t, err, vpcache.ErrScopeNotCovered)
	})

	t.Run("tx03_store_holder_not_counterparty", func(t *testing.T) {
		f := newFixture(t, newStore)
		_, err := f.cache.Store(ctx, k(t), pres(ValidPresentation(DID2)))
		require.ErrorIs(t, err, vpcache.ErrHolderMismatch)
		requireAbsent(t, f.store.Store, k(t))
	})

	t.Run("tx04_store_validation_fails", func(t *testing.T) {
		f := newFixture(t, newStore)
		p := ValidPresentation(DID)
		p.BadProof = true
		_, err := f.cache.Store(ctx, k(t), pres(p))
		require.ErrorIs(t, err, vpcache.ErrRejected)
		require.ErrorIs(t, err, vpcache.ErrInvalidPresentation)
		require.ErrorIs(t, err, ErrBadProof)
		requireAbsent(t, f.store.Store, k(t))
	})

	t.Run("tx05_store_backend_fails", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.store.FailPut.Store(true)
		_, err := f.cache.Store(ctx, k(t), pres(ValidPresentation(DID)))
		require.ErrorIs(t, err, vpcache.ErrStore)
		require.ErrorIs(t, err, ErrInjected)
	})

	t.Run("tx06_query_valid_entry", func(t *testing.T) {
		f := newFixture(t, newStore)
		ps := pres(ValidPresentation(DID))
		v, err := f.cache.Store(ctx, k(t), ps)
		require.NoError(t, err)
		f.clock.Advance(time.Minute)
		h := f.requireHit(t, k(t))
		require.Equal(t, ps, h.Presentations)
		require.Equal(t, v, h.Version)
		require.Len(t, h.Parsed, 1)
		require.Equal(t, DID, h.Parsed[0].Holder)
		require.EqualValues(t, 1, f.ver.Verifies.Load(), "a hit does not re-verify proofs")
		require.EqualValues(t, 1, f.metrics.Hits.Load())
	})

	t.Run("tx07_query_absent", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.requireMiss(t, k(t), vpcache.ErrNotFound)
		require.Equal(t, 1, f.metrics.Misses(vpcache.ReasonAbsent))
	})

	t.Run("tx08_query_store_error_is_miss", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.store.FailGet.Store(true)
		f.requireMiss(t, k(t), vpcache.ErrStore)
		require.Equal(t, 1, f.metrics.Misses(vpcache.ReasonStoreError))
		f.store.FailGet.Store(false)
		f.requireHit(t, k(t))
	})

	t.Run("tx09_query_ttl_expired_removes", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.clock.Advance(Validity + time.Millisecond)
		f.requireMiss(t, k(t), vpcache.ErrExpired)
		requireAbsent(t, f.store.Store, k(t))
		require.Equal(t, 1, f.metrics.Evictions(vpcache.ReasonTTL))
	})

	t.Run("tx10_query_vc_expired_removes", func(t *testing.T) {
		f := newFixture(t, newStore, vpcache.WithValidity(time.Hour))
		p := ValidPresentation(DID)
		p.Credentials[0].ValidUntil = Epoch.Add(10 * time.Minute)
		f.mustStore(t, k(t), p)
		require.True(t, requirePresent(t, f.store.Store, k(t)).ExpiresAt.Equal(p.Credentials[0].ValidUntil))
		f.clock.Advance(10*time.Minute + time.Millisecond)
		f.requireMiss(t, k(t), vpcache.ErrExpired)
		requireAbsent(t, f.store.Store, k(t))
	})

	t.Run("tx11_query_vc_revoked_removes", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.status.Set(Status1, 7, StatusRevoked)
		f.requireMiss(t, k(t), vpcache.ErrRevoked)
		requireAbsent(t, f.store.Store, k(t))
		require.Equal(t, 1, f.metrics.Evictions(vpcache.ReasonRevoked))
	})

	t.Run("tx12_remove_success", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.mustStore(t, key(t, PC, DID), ValidPresentation(DID))
		n, err := f.cache.RemoveCounterparty(ctx, PC, DID)
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		f.requireMiss(t, k(t), vpcache.ErrNotFound)
		require.Equal(t, 2, f.metrics.Evictions(vpcache.ReasonManual))
	})

	t.Run("tx13_remove_failure_passed_through", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.store.FailDelete.Store(true)
		_, err := f.cache.RemoveCounterparty(ctx, PC, DID)
		require.ErrorIs(t, err, vpcache.ErrStore)
		_, err = f.cache.Remove(ctx, k(t))
		require.ErrorIs(t, err, ErrInjected)
	})

	t.Run("gap_ttl_boundary_still_valid", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.clock.Advance(Validity)
		f.requireHit(t, k(t))
		f.clock.Advance(time.Millisecond)
		f.requireMiss(t, k(t), vpcache.ErrExpired)
	})

	t.Run("gap_vc_not_yet_valid", func(t *testing.T) {
		f := newFixture(t, newStore)
		p := ValidPresentation(DID)
		p.Credentials[0].ValidFrom = Epoch.Add(time.Second)
		_, err := f.cache.Store(ctx, k(t), pres(p))
		require.ErrorIs(t, err, vpcache.ErrCredentialNotYetValid)
		p = ValidPresentation(DID)
		p.Credentials[0].IssuedAt = Epoch.Add(time.Second)
		_, err = f.cache.Store(ctx, k(t), pres(p))
		require.ErrorIs(t, err, vpcache.ErrCredentialNotYetValid)
		requireAbsent(t, f.store.Store, k(t))
		// A clock stepping back behind validFrom makes a stored entry invalid.
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.clock.Advance(-2 * time.Hour)
		f.requireMiss(t, k(t), vpcache.ErrCredentialNotYetValid)
		requireAbsent(t, f.store.Store, k(t))
	})

	t.Run("gap_vc_without_expiry_uses_validity", func(t *testing.T) {
		f := newFixture(t, newStore)
		p := ValidPresentation(DID)
		p.Credentials[0].ValidUntil = time.Time{}
		f.mustStore(t, k(t), p)
		require.True(t, requirePresent(t, f.store.Store, k(t)).ExpiresAt.Equal(Epoch.Add(Validity)))
		f.clock.Advance(Validity)
		f.requireHit(t, k(t))
	})

	t.Run("gap_expiry_is_earliest_credential_expiry", func(t *testing.T) {
		f := newFixture(t, newStore)
		p := ValidPresentation(DID)
		p.Credentials = append(p.Credentials, p.Credentials[0])
		p.Credentials[1].ValidUntil = Epoch.Add(time.Minute + 500*time.Microsecond)
		f.mustStore(t, k(t), p)
		require.True(t, requirePresent(t, f.store.Store, k(t)).ExpiresAt.Equal(Epoch.Add(time.Minute)))
		f.clock.Advance(time.Minute)
		f.requireHit(t, k(t))
		f.clock.Advance(time.Millisecond)
		f.requireMiss(t, k(t), vpcache.ErrExpired)
	})

	t.Run("gap_vc_expired_at_store", func(t *testing.T) {
		f := newFixture(t, newStore)
		p := ValidPresentation(DID)
		p.Credentials[0].ValidUntil = Epoch.Add(-time.Millisecond)
		_, err := f.cache.Store(ctx, k(t), pres(p))
		require.ErrorIs(t, err, vpcache.ErrCredentialExpired)
	})

	t.Run("gap_strict_vp_expiry", func(t *testing.T) {
		p := ValidPresentation(DID)
		p.Exp = Epoch.Add(60 * time.Second)

		lax := newFixture(t, newStore)
		lax.mustStore(t, k(t), p)
		lax.clock.Advance(2 * time.Minute)
		lax.requireHit(t, k(t))

		strict := newFixture(t, newStore, vpcache.WithStrictExpiry(true))
		strict.mustStore(t, k(t), p)
		require.True(t, requirePresent(t, strict.store.Store, k(t)).ExpiresAt.Equal(p.Exp))
		strict.clock.Advance(60 * time.Second)
		strict.requireHit(t, k(t))
		strict.clock.Advance(time.Millisecond)
		strict.requireMiss(t, k(t), vpcache.ErrExpired)

		p.Exp = Epoch.Add(-time.Second)
		_, err := strict.cache.Store(ctx, k(t), pres(p))
		require.ErrorIs(t, err, vpcache.ErrPresentationExpired)
	})

	t.Run("gap_remove_fails_during_query", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.status.Set(Status1, 7, StatusRevoked)
		f.store.FailDelete.Store(true)
		f.requireMiss(t, k(t), vpcache.ErrRevoked)
		requirePresent(t, f.store.Store, k(t))     // could not be removed ...
		f.requireMiss(t, k(t), vpcache.ErrRevoked) // ... but is never served
		f.store.FailDelete.Store(false)
		f.requireMiss(t, k(t), vpcache.ErrRevoked)
		requireAbsent(t, f.store.Store, k(t))
	})

	t.Run("gap_fresher_entry_survives_eviction", func(t *testing.T) {
		f := newFixture(t, newStore)
		old := ValidPresentation(DID)
		old.Credentials[0].Status = []FakeState{{URI: "https://status.example/old", Index: 1}}
		vOld := f.mustStore(t, k(t), old)
		f.status.Set("https://status.example/old", 1, StatusRevoked)
		fresh := ValidPresentation(DID)
		fresh.Nonce = "fresh"
		var once sync.Once
		var vFresh int64
		f.status.OnCheck = func(ref vocab.StatusReference) {
			if ref.URI == "https://status.example/old" {
				once.Do(func() { vFresh = f.mustStore(t, k(t), fresh) })
			}
		}
		f.requireMiss(t, k(t), vpcache.ErrRevoked)
		require.NotEqual(t, vOld, vFresh)
		h := f.requireHit(t, k(t))
		require.Equal(t, vFresh, h.Version)
		require.Equal(t, pres(fresh), h.Presentations)
	})

	t.Run("gap_several_presentations_one_wrong_holder", func(t *testing.T) {
		f := newFixture(t, newStore)
		p2 := ValidPresentation(DID2)
		_, err := f.cache.Store(ctx, k(t), pres(ValidPresentation(DID), p2))
		require.ErrorIs(t, err, vpcache.ErrHolderMismatch)
		requireAbsent(t, f.store.Store, k(t))
		f.mustStore(t, k(t), ValidPresentation(DID), ValidPresentation(DID))
	})

	t.Run("gap_suspended_and_other_status", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.status.Set(Status1, 7, StatusSuspended)
		_, err := f.cache.Store(ctx, k(t), pres(ValidPresentation(DID)))
		require.ErrorIs(t, err, vpcache.ErrSuspended)
		f.status.Set(Status1, 7, StatusOther)
		_, err = f.cache.Store(ctx, k(t), pres(ValidPresentation(DID)))
		require.ErrorIs(t, err, vpcache.ErrStatusInvalid)
		f.status.Set(Status1, 7, StatusValid)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.status.Set(Status1, 7, StatusSuspended)
		f.requireMiss(t, k(t), vpcache.ErrSuspended)
	})

	t.Run("gap_status_unavailable", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.status.SetError(errors.New("status list host down"))
		_, err := f.cache.Store(ctx, k(t), pres(ValidPresentation(DID)))
		require.ErrorIs(t, err, vpcache.ErrStatusUnavailable)
		f.status.SetError(nil)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.status.SetError(errors.New("status list host down"))
		f.requireMiss(t, k(t), vpcache.ErrStatusUnavailable)
	})

	t.Run("gap_status_unchecked_without_checker", func(t *testing.T) {
		f := newFixture(t, newStore, vpcache.WithStatusChecker(nil))
		_, err := f.cache.Store(ctx, k(t), pres(ValidPresentation(DID)))
		require.ErrorIs(t, err, vpcache.ErrStatusUnchecked)
		p := ValidPresentation(DID)
		p.Credentials[0].Status = nil
		f.mustStore(t, k(t), p)
		f.requireHit(t, k(t))

		insecure := newFixture(t, newStore, vpcache.WithStatusChecker(nil), vpcache.InsecureSkipStatusCheck())
		insecure.mustStore(t, k(t), ValidPresentation(DID))
		insecure.requireHit(t, k(t))
	})

	t.Run("gap_issuer_trust_rechecked", func(t *testing.T) {
		var distrust atomic.Bool
		trust := vpcache.IssuerTrustFunc(func(_ context.Context, pc string, c *presentation.Credential) (bool, error) {
			return c.Issuer == Issuer && pc == PC && !distrust.Load(), nil
		})
		f := newFixture(t, newStore, vpcache.WithIssuerTrust(trust))
		p := ValidPresentation(DID)
		p.Credentials[0].Issuer = "did:web:rogue.example"
		_, err := f.cache.Store(ctx, k(t), pres(p))
		require.ErrorIs(t, err, vpcache.ErrUntrustedIssuer)
		f.mustStore(t, k(t), ValidPresentation(DID))
		f.requireHit(t, k(t))
		distrust.Store(true)
		f.requireMiss(t, k(t), vpcache.ErrUntrustedIssuer)
		requireAbsent(t, f.store.Store, k(t))
		require.Equal(t, 1, f.metrics.Evictions(vpcache.ReasonIssuer))
	})

	t.Run("gap_report_invalid_evicts_only_that_version", func(t *testing.T) {
		f := newFixture(t, newStore)
		v1 := f.mustStore(t, k(t), ValidPresentation(DID))
		p := ValidPresentation(DID)
		p.Nonce = "2"
		v2 := f.mustStore(t, k(t), p)
		removed, err := f.cache.ReportInvalid(ctx, k(t), v1)
		require.NoError(t, err)
		require.False(t, removed)
		f.requireHit(t, k(t))
		removed, err = f.cache.ReportInvalid(ctx, k(t), v2)
		require.NoError(t, err)
		require.True(t, removed)
		f.requireMiss(t, k(t), vpcache.ErrNotFound)
		require.Equal(t, 1, f.metrics.Evictions(vpcache.ReasonDownstream))
	})

	t.Run("gap_remove_participant_context_and_all_contexts", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, key(t, PC, DID, Scope), ValidPresentation(DID))
		f.mustStore(t, key(t, PC2, DID, Scope), ValidPresentation(DID))
		f.mustStore(t, key(t, PC2, DID2, Scope), ValidPresentation(DID2))
		n, err := f.cache.RemoveCounterpartyAllContexts(ctx, DID)
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		f.requireHit(t, key(t, PC2, DID2, Scope))
		n, err = f.cache.RemoveParticipantContext(ctx, PC2)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		f.requireMiss(t, key(t, PC2, DID2, Scope), vpcache.ErrNotFound)
	})

	t.Run("gap_reaper_removes_only_expired", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, key(t, PC, DID, Scope), ValidPresentation(DID))
		f.clock.Advance(time.Minute)
		f.mustStore(t, key(t, PC, DID2, Scope), ValidPresentation(DID2))
		f.clock.Advance(Validity - time.Minute + time.Millisecond)
		n, err := f.cache.ReapExpired(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		requireAbsent(t, f.store.Store, key(t, PC, DID, Scope))
		f.requireHit(t, key(t, PC, DID2, Scope))
	})

	t.Run("gap_empty_scope_set_and_bad_scopes", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, key(t, PC, DID), ValidPresentation(DID))
		f.requireHit(t, key(t, PC, DID))
		f.requireMiss(t, k(t), vpcache.ErrNotFound)
		_, err := vpcache.NewKey(PC, DID, []string{Scope, ""})
		require.ErrorIs(t, err, vpcache.ErrInvalidKey)
		_, err = f.cache.Query(ctx, vpcache.Key{ParticipantContextID: PC, CounterpartyDID: DID, Scopes: []string{""}})
		require.ErrorIs(t, err, vpcache.ErrInvalidKey)
		require.NotErrorIs(t, err, vpcache.ErrMiss)
	})

	t.Run("row60_unverified_never_cached", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.ver.Fail.Store(true)
		_, err := f.cache.Store(ctx, k(t), pres(ValidPresentation(DID)))
		require.ErrorIs(t, err, vpcache.ErrRejected)
		_, err = f.cache.Store(ctx, k(t), []vpcache.Presentation{{Format: "jwt_vp_json", Raw: "not-a-jwt"}})
		require.ErrorIs(t, err, vpcache.ErrRejected)
		_, err = f.cache.Store(ctx, k(t), nil)
		require.ErrorIs(t, err, vpcache.ErrRejected)
		requireAbsent(t, f.store.Store, k(t))
	})

	t.Run("gap_disabled_validity_zero", func(t *testing.T) {
		f := newFixture(t, newStore, vpcache.WithValidity(0))
		require.False(t, f.cache.Enabled())
		_, err := f.cache.Store(ctx, k(t), pres(ValidPresentation(DID)))
		require.ErrorIs(t, err, vpcache.ErrDisabled)
		_, err = f.cache.Query(ctx, k(t))
		require.ErrorIs(t, err, vpcache.ErrDisabled)
		requireAbsent(t, f.store.Store, k(t))
		require.Zero(t, f.ver.Verifies.Load())
	})
}

func runRequest(t *testing.T, newStore NewStoreFunc) {
	ctx := context.Background()
	req := Request()

	t.Run("tx23_hit_does_not_call_upstream", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.mustStore(t, key(t, PC, DID, Scope), ValidPresentation(DID))
		up := &Upstream{Result: pres(ValidPresentation(DID))}
		s := newService(t, f.cache, up.Func())
		resp, err := s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.True(t, resp.FromCache)
		require.Zero(t, up.Calls.Load())
	})

	t.Run("tx24_miss_calls_upstream_then_stores", func(t *testing.T) {
		f := newFixture(t, newStore)
		ps := pres(ValidPresentation(DID))
		up := &Upstream{Result: ps}
		s := newService(t, f.cache, up.Func())
		resp, err := s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.False(t, resp.FromCache)
		require.Equal(t, ps, resp.Presentations)
		require.NotZero(t, resp.Version)
		require.EqualValues(t, 1, up.Calls.Load())
		require.Equal(t, req, up.Last())
		e := requirePresent(t, f.store.Store, key(t, PC, DID, Scope))
		require.Equal(t, resp.Version, e.Version)
		resp, err = s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.True(t, resp.FromCache)
		require.EqualValues(t, 1, up.Calls.Load())
	})

	t.Run("tx25_store_fails_request_succeeds", func(t *testing.T) {
		f := newFixture(t, newStore)
		f.store.FailPut.Store(true)
		f.store.FailGet.Store(true)
		ps := pres(ValidPresentation(DID))
		up := &Upstream{Result: ps}
		s := newService(t, f.cache, up.Func())
		resp, err := s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.Equal(t, ps, resp.Presentations)
		require.Zero(t, resp.Version)
	})

	t.Run("gap_rejected_fresh_presentations_typed_error", func(t *testing.T) {
		f := newFixture(t, newStore)
		ps := pres(ValidPresentation(DID2)) // wrong holder: not cached
		up := &Upstream{Result: ps}
		s := newService(t, f.cache, up.Func())
		resp, err := s.RequestPresentation(ctx, req)
		var rej *vpcache.RejectedError
		require.ErrorAs(t, err, &rej, "a rejection is reported, not returned as a success")
		require.Equal(t, vpcache.ReasonHolder, rej.Reason)
		require.ErrorIs(t, err, vpcache.ErrRejected)
		require.ErrorIs(t, err, vpcache.ErrHolderMismatch)
		require.Equal(t, ps, resp.Presentations, "the rejected presentations, for diagnostics")
		require.False(t, resp.Checked)
		require.Nil(t, resp.Verified)
		require.Zero(t, resp.Version)
		require.Equal(t, 1, f.metrics.Rejections(vpcache.ReasonHolder), "counted once in the metrics")
		requireAbsent(t, f.store.Store, key(t, PC, DID, Scope))

		f.ver.Fail.Store(true) // the verifier rejects the proof
		_, err = s.RequestPresentation(ctx, req)
		require.ErrorAs(t, err, &rej)
		require.Equal(t, vpcache.ReasonInvalid, rej.Reason)
		require.ErrorIs(t, err, ErrBadProof)
		require.Equal(t, 1, f.metrics.Rejections(vpcache.ReasonInvalid))
	})

	t.Run("gap_verified_view_on_miss_and_hit", func(t *testing.T) {
		f := newFixture(t, newStore)
		vp := ValidPresentation(DID)
		vp.Exp = Epoch.Add(time.Minute) // the presentation's own exp (DCP: 60 s)
		up := &Upstream{Result: pres(vp)}
		s := newService(t, f.cache, up.Func())
		check := func(resp vpcache.Response) {
			t.Helper()
			require.True(t, resp.Checked)
			require.Len(t, resp.Verified, 1)
			require.Equal(t, DID, resp.Verified[0].Holder)
			require.Equal(t, vp.Exp, resp.Verified[0].Expiry)
			require.Len(t, resp.Verified[0].Credentials, 1)
			require.Equal(t, Issuer, resp.Verified[0].Credentials[0].Issuer)
			require.Equal(t, []string{"VerifiableCredential", "SomeCredential"}, resp.Verified[0].Credentials[0].Types)
		}
		resp, err := s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.False(t, resp.FromCache)
		check(resp)
		// Past the presentation's exp the entry is still served (strict
		// expiry off), with the view verified at store time and re-checked now.
		f.clock.Advance(2 * time.Minute)
		resp, err = s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.True(t, resp.FromCache)
		check(resp)
		require.EqualValues(t, 1, up.Calls.Load())

		// The backend failing does not lose the view of a fresh fetch.
		f.store.FailGet.Store(true)
		f.store.FailPut.Store(true)
		resp, err = s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.False(t, resp.FromCache)
		require.Zero(t, resp.Version)
		check(resp)
	})

	t.Run("gap_leader_bounded_by_own_deadline", func(t *testing.T) {
		f := newFixture(t, newStore)
		release := make(chan struct{})
		defer close(release)
		// An upstream that ignores cancellation (say, an HTTP client without
		// a timeout) and answers only when released.
		up := &Upstream{Result: pres(ValidPresentation(DID)), Block: release, IgnoreContext: true}
		s := newService(t, f.cache, up.Func())
		// The leader's deadline passes while the upstream is busy (a
		// deadline under the test's control, so a slow store cannot make it
		// pass before the upstream is called).
		lctx := newDeadline(ctx)
		leaderErr := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(lctx, req)
			leaderErr <- err
		}()
		waitFor(t, func() bool { return up.Calls.Load() == 1 })
		lctx.expire()
		select {
		case err := <-leaderErr:
			require.ErrorIs(t, err, context.DeadlineExceeded)
		case <-time.After(10 * time.Second):
			t.Fatal("the leader waited for the upstream past its own deadline")
		}
		require.EqualValues(t, 1, up.Calls.Load())
	})

	t.Run("gap_flight_goes_on_for_waiters_after_leader_left", func(t *testing.T) {
		f := newFixture(t, newStore)
		release := make(chan struct{})
		up := &Upstream{Result: pres(ValidPresentation(DID)), Block: release, IgnoreContext: true}
		s := newService(t, f.cache, up.Func())
		lctx, cancel := context.WithCancel(ctx)
		leaderErr := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(lctx, req)
			leaderErr <- err
		}()
		waitFor(t, func() bool { return up.Calls.Load() == 1 })
		waiter := make(chan vpcache.Response, 1)
		waiterErr := make(chan error, 1)
		go func() {
			r, err := s.RequestPresentation(ctx, req) // no deadline
			waiter <- r
			waiterErr <- err
		}()
		waitFor(t, func() bool { return f.metrics.Shared.Load() == 1 })
		cancel() // the leader gives up while the upstream is still busy
		select {
		case err := <-leaderErr:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			t.Fatal("the leader waited for the upstream after its context ended")
		}
		// The call goes on for the waiter, which gets its result.
		close(release)
		r := <-waiter
		require.NoError(t, <-waiterErr)
		require.True(t, r.Shared)
		require.True(t, r.Checked)
		require.NotZero(t, r.Version)
		require.EqualValues(t, 1, up.Calls.Load())
	})

	t.Run("gap_flight_cancelled_when_every_caller_left", func(t *testing.T) {
		f := newFixture(t, newStore)
		release := make(chan struct{})
		defer close(release)
		up := &Upstream{Result: pres(ValidPresentation(DID)), Block: release}
		s := newService(t, f.cache, up.Func())
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(lctx, req)
			done <- err
		}()
		waitFor(t, func() bool { return up.Calls.Load() == 1 })
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		waitFor(t, func() bool { return up.Cancelled.Load() == 1 })
		requireAbsent(t, f.store.Store, key(t, PC, DID, Scope))
		require.Zero(t, f.ver.Verifies.Load(), "nothing verified for nobody")
		// The next request starts a new call.
		resp, err := newService(t, f.cache, (&Upstream{Result: pres(ValidPresentation(DID))}).Func()).RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.True(t, resp.Checked)
	})

	t.Run("gap_abandoned_flight_not_joined", func(t *testing.T) {
		f := newFixture(t, newStore)
		release := make(chan struct{})
		up := &Upstream{Result: pres(ValidPresentation(DID))}
		var calls atomic.Int64
		s := newService(t, f.cache, func(ctx context.Context, r vpcache.Request) ([]vpcache.Presentation, error) {
			if calls.Add(1) == 1 {
				<-release // the first call ignores cancellation
			}
			return up.Func()(ctx, r)
		})
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(lctx, req)
			done <- err
		}()
		waitFor(t, func() bool { return calls.Load() == 1 })
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		// The abandoned flight still hangs in its upstream call; a new
		// caller starts its own flight instead of waiting for it.
		bctx, bcancel := context.WithTimeout(ctx, 10*time.Second)
		defer bcancel()
		resp, err := s.RequestPresentation(bctx, req)
		require.NoError(t, err, "the new caller waited for the abandoned flight")
		require.False(t, resp.Shared)
		require.True(t, resp.Checked)
		require.EqualValues(t, 2, calls.Load())
		close(release)
		resp, err = s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.True(t, resp.FromCache)
	})

	t.Run("gap_waiter_bounded_by_own_context_in_fallback", func(t *testing.T) {
		f := newFixture(t, newStore)
		release := make(chan struct{})
		defer close(release)
		// The first call fails at once; the waiter's own call then hangs,
		// ignoring cancellation.
		up := &Upstream{Result: pres(ValidPresentation(DID)), FailFirst: errors.New("leader token rejected")}
		gate := make(chan struct{})
		var calls atomic.Int64
		s := newService(t, f.cache, func(ctx context.Context, r vpcache.Request) ([]vpcache.Presentation, error) {
			if calls.Add(1) == 1 {
				<-gate // hold the leader until the waiter has joined
				return up.Func()(ctx, r)
			}
			<-release
			return up.Func()(ctx, r)
		})
		leaderErr := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(ctx, req)
			leaderErr <- err
		}()
		waitFor(t, func() bool { return calls.Load() == 1 }) // the leader's flight is running
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		waiterErr := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(wctx, req)
			waiterErr <- err
		}()
		waitFor(t, func() bool { return f.metrics.Shared.Load() == 1 })
		close(gate)
		require.Error(t, <-leaderErr)
		waitFor(t, func() bool { return calls.Load() == 2 }) // the waiter's own call hangs
		cancel()
		select {
		case err := <-waiterErr:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			t.Fatal("the waiter's own call outlived its deadline")
		}
	})

	t.Run("gap_fetch_failure_nothing_stored", func(t *testing.T) {
		f := newFixture(t, newStore)
		boom := errors.New("credential service unreachable")
		up := &Upstream{Err: boom}
		s := newService(t, f.cache, up.Func())
		_, err := s.RequestPresentation(ctx, req)
		require.ErrorIs(t, err, boom)
		requireAbsent(t, f.store.Store, key(t, PC, DID, Scope))
		require.Zero(t, f.ver.Verifies.Load())
	})

	t.Run("gap_upstream_panic_is_error", func(t *testing.T) {
		f := newFixture(t, newStore)
		s := newService(t, f.cache, func(context.Context, vpcache.Request) ([]vpcache.Presentation, error) { panic("bug") })
		_, err := s.RequestPresentation(ctx, req)
		require.ErrorIs(t, err, vpcache.ErrUpstreamPanic)
	})

	t.Run("gap_100_concurrent_misses_one_upstream_call", func(t *testing.T) {
		f := newFixture(t, newStore)
		release := make(chan struct{})
		up := &Upstream{Result: pres(ValidPresentation(DID)), Block: release}
		s := newService(t, f.cache, up.Func())
		const n = 100
		var wg sync.WaitGroup
		results := make(chan vpcache.Response, n)
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.RequestPresentation(ctx, req)
				if err != nil {
					errs <- err
					return
				}
				results <- r
			}()
		}
		waitFor(t, func() bool { return f.metrics.Shared.Load() == n-1 })
		close(release)
		wg.Wait()
		close(errs)
		close(results)
		for err := range errs {
			require.NoError(t, err)
		}
		require.EqualValues(t, 1, up.Calls.Load(), "exactly one upstream call")
		shared := 0
		for r := range results {
			require.Len(t, r.Presentations, 1)
			require.NotZero(t, r.Version)
			if r.Shared {
				shared++
			}
		}
		require.Equal(t, n-1, shared)
	})

	t.Run("gap_leader_failure_waiters_call_themselves", func(t *testing.T) {
		f := newFixture(t, newStore)
		release := make(chan struct{})
		up := &Upstream{Result: pres(ValidPresentation(DID)), Block: release, FailFirst: errors.New("leader token rejected")}
		s := newService(t, f.cache, up.Func())
		leaderErr := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(ctx, req)
			leaderErr <- err
		}()
		waitFor(t, func() bool { return up.Calls.Load() == 1 })
		const waiters = 3
		var wg sync.WaitGroup
		errs := make(chan error, waiters)
		for range waiters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.RequestPresentation(ctx, req)
				errs <- err
			}()
		}
		waitFor(t, func() bool { return f.metrics.Shared.Load() == waiters })
		close(release)
		require.Error(t, <-leaderErr)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "a waiter falls back to its own call")
		}
		require.EqualValues(t, 1+waiters, up.Calls.Load())
	})

	t.Run("gap_cancelled_waiter_released_at_once", func(t *testing.T) {
		f := newFixture(t, newStore)
		release := make(chan struct{})
		up := &Upstream{Result: pres(ValidPresentation(DID)), Block: release}
		s := newService(t, f.cache, up.Func())
		leaderDone := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(ctx, req)
			leaderDone <- err
		}()
		waitFor(t, func() bool { return up.Calls.Load() == 1 })
		wctx, cancel := context.WithCancel(ctx)
		waiterDone := make(chan error, 1)
		go func() {
			_, err := s.RequestPresentation(wctx, req)
			waiterDone <- err
		}()
		waitFor(t, func() bool { return f.metrics.Shared.Load() == 1 })
		cancel()
		select {
		case err := <-waiterDone:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(5 * time.Second):
			t.Fatal("cancelled waiter was not released while the leader was still running")
		}
		close(release)
		require.NoError(t, <-leaderDone)
	})

	t.Run("gap_reject_hook_evicts_entry", func(t *testing.T) {
		f := newFixture(t, newStore)
		up := &Upstream{Result: pres(ValidPresentation(DID))}
		s := newService(t, f.cache, up.Func())
		resp, err := s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		resp, err = s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.True(t, resp.FromCache)
		require.NoError(t, s.Reject(ctx, resp))
		resp, err = s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		require.False(t, resp.FromCache, "the rejected entry is not served again")
		require.EqualValues(t, 2, up.Calls.Load())
	})

	t.Run("gap_disabled_pure_pass_through", func(t *testing.T) {
		f := newFixture(t, newStore, vpcache.WithEnabled(false))
		up := &Upstream{Result: pres(ValidPresentation(DID))}
		s := newService(t, f.cache, up.Func())
		for range 3 {
			resp, err := s.RequestPresentation(ctx, req)
			require.NoError(t, err)
			require.False(t, resp.FromCache)
		}
		require.EqualValues(t, 3, up.Calls.Load())
		require.Zero(t, f.ver.Verifies.Load())
		requireAbsent(t, f.store.Store, key(t, PC, DID, Scope))
	})
}

func newService(t *testing.T, c *vpcache.Cache, fn vpcache.RequestFunc) *vpcache.RequestService {
	t.Helper()
	s, err := vpcache.NewRequestService(c, fn)
	require.NoError(t, err)
	return s
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// Request returns the suite's presentation request (PC, DID, Scope).
func Request() vpcache.Request {
	return vpcache.Request{
		ParticipantContextID: PC,
		OwnDID:               "did:web:verifier.example",
		CounterpartyDID:      DID,
		CounterpartyToken:    "counterparty-access-token",
		Scopes:               []string{Scope},
	}
}

// Upstream is a fake presentation request function. It returns Result (or
// Err), blocks on Block when set, and fails the first call with FailFirst.
// While blocked it returns the context's error when its context ends,
// unless IgnoreContext is set (an upstream that ignores cancellation).
// Cancelled counts the calls that returned because their context ended.
type Upstream struct {
	Result        []vpcache.Presentation
	Err           error
	FailFirst     error
	Block         <-chan struct{}
	IgnoreContext bool
	Calls         atomic.Int64
	Cancelled     atomic.Int64

	mu   sync.Mutex
	last vpcache.Request
}

// Func returns the RequestFunc.
func (u *Upstream) Func() vpcache.RequestFunc {
	return func(ctx context.Context, req vpcache.Request) ([]vpcache.Presentation, error) {
		n := u.Calls.Add(1)
		u.mu.Lock()
		u.last = req
		u.mu.Unlock()
		switch {
		case u.Block != nil && u.IgnoreContext:
			<-u.Block
		case u.Block != nil:
			select {
			case <-u.Block:
			case <-ctx.Done():
				u.Cancelled.Add(1)
				return nil, ctx.Err()
			}
		}
		if n == 1 && u.FailFirst != nil {
			return nil, u.FailFirst
		}
		if u.Err != nil {
			return nil, u.Err
		}
		out := make([]vpcache.Presentation, len(u.Result))
		copy(out, u.Result)
		return out, nil
	}
}

// Last returns the last request received.
func (u *Upstream) Last() vpcache.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}

// deadlineCtx is a context whose deadline passes when expire is called.
type deadlineCtx struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newDeadline(parent context.Context) *deadlineCtx {
	return &deadlineCtx{Context: parent, done: make(chan struct{})}
}

func (c *deadlineCtx) expire() { c.once.Do(func() { close(c.done) }) }

func (c *deadlineCtx) Deadline() (time.Time, bool) { return Epoch, true }

func (c *deadlineCtx) Done() <-chan struct{} { return c.done }

func (c *deadlineCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}
