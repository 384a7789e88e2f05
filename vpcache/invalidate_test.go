package vpcache_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

const apiKey = "management-api-key"

// apiKeyAuth is an X-Api-Key check that only lets tenant "participant-context-1"
// touch its own context, and everyone with the key invalidate all contexts.
var apiKeyAuth = vpcache.AuthenticatorFunc(func(r *http.Request, req vpcache.InvalidationRequest) error {
	if r.Header.Get("X-Api-Key") != apiKey {
		return vpcache.ErrUnauthenticated
	}
	if req.ParticipantContextID == vpcachetest.PC2 {
		return vpcache.ErrForbidden
	}
	return nil
})

type handlerFixture struct {
	store   *vpcachetest.FaultStore
	cache   *vpcache.Cache
	handler http.Handler
	keys    []vpcache.Key
}

func newHandlerFixture(t testing.TB) *handlerFixture {
	t.Helper()
	clock := vpcachetest.NewClock(vpcachetest.Epoch)
	ver := &vpcachetest.Verifier{}
	f := &handlerFixture{store: &vpcachetest.FaultStore{Store: vpcache.NewMemoryStore()}}
	c, err := vpcache.New(f.store, ver, vpcache.WithClock(clock.Now), vpcache.WithReaperInterval(0),
		vpcache.WithStatusChecker(vpcachetest.NewStatusList()))
	require.NoError(t, err)
	f.cache = c
	f.handler, err = vpcache.NewInvalidationHandler(c, apiKeyAuth)
	require.NoError(t, err)
	for _, pc := range []string{vpcachetest.PC, vpcachetest.PC2} {
		for _, did := range []string{vpcachetest.DID, vpcachetest.DID2} {
			for _, scopes := range [][]string{{vpcachetest.Scope}, nil} {
				k, err := vpcache.NewKey(pc, did, scopes)
				require.NoError(t, err)
				_, err = c.Store(context.Background(), k, []vpcache.Presentation{vpcachetest.ValidPresentation(did).Encode()})
				require.NoError(t, err)
				f.keys = append(f.keys, k)
			}
		}
	}
	return f
}

// snapshot reports for every seeded key whether it is still stored.
func (f *handlerFixture) snapshot() map[string]bool {
	out := map[string]bool{}
	for _, k := range f.keys {
		_, err := f.store.Store.Get(context.Background(), k)
		out[k.String()] = err == nil
	}
	return out
}

func (f *handlerFixture) do(method, rawQuery string, key bool) *httptest.ResponseRecorder {
	r := &http.Request{Method: method, URL: &url.URL{Path: "/v1/dcp/vp-cache", RawQuery: rawQuery}, Header: http.Header{}}
	r = r.WithContext(context.Background())
	if key {
		r.Header.Set("X-Api-Key", apiKey)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, r)
	return rec
}

func q(did string) string { return "participantId=" + url.QueryEscape(did) }

func TestInvalidationHandlerRequiresAuthenticator(t *testing.T) {
	f := newHandlerFixture(t)
	_, err := vpcache.NewInvalidationHandler(f.cache, nil)
	require.ErrorIs(t, err, vpcache.ErrConfig)
	_, err = vpcache.NewInvalidationHandler(nil, apiKeyAuth)
	require.ErrorIs(t, err, vpcache.ErrConfig)
}

func TestInvalidationHandler(t *testing.T) {
	t.Run("204_all_contexts", func(t *testing.T) {
		f := newHandlerFixture(t)
		rec := f.do(http.MethodDelete, q(vpcachetest.DID), true)
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.Empty(t, rec.Body.String())
		for _, k := range f.keys {
			_, err := f.store.Store.Get(context.Background(), k)
			if k.CounterpartyDID == vpcachetest.DID {
				require.ErrorIs(t, err, vpcache.ErrNotFound, k.String())
			} else {
				require.NoError(t, err, k.String())
			}
		}
	})
	t.Run("204_one_context", func(t *testing.T) {
		f := newHandlerFixture(t)
		rec := f.do(http.MethodDelete, q(vpcachetest.DID)+"&participantContextId="+vpcachetest.PC, true)
		require.Equal(t, http.StatusNoContent, rec.Code)
		for _, k := range f.keys {
			_, err := f.store.Store.Get(context.Background(), k)
			gone := k.CounterpartyDID == vpcachetest.DID && k.ParticipantContextID == vpcachetest.PC
			require.Equal(t, gone, err != nil, k.String())
		}
	})
	t.Run("204_nothing_to_delete", func(t *testing.T) {
		f := newHandlerFixture(t)
		before := f.snapshot()
		rec := f.do(http.MethodDelete, q("did:web:unknown.example"), true)
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.Equal(t, before, f.snapshot())
	})
	t.Run("did_with_percent_encoding", func(t *testing.T) {
		f := newHandlerFixture(t)
		did := "did:web:example.com%3A8443"
		k, err := vpcache.NewKey(vpcachetest.PC, did, nil)
		require.NoError(t, err)
		_, err = f.cache.Store(context.Background(), k, []vpcache.Presentation{vpcachetest.ValidPresentation(did).Encode()})
		require.NoError(t, err)
		require.Equal(t, http.StatusNoContent, f.do(http.MethodDelete, q(did), true).Code)
		_, err = f.store.Store.Get(context.Background(), k)
		require.ErrorIs(t, err, vpcache.ErrNotFound)
	})

	bad := []struct{ name, query string }{
		{"400_missing_did", ""},
		{"400_empty_did", "participantId="},
		{"400_not_a_did", "participantId=BPNL000000000001"},
		{"400_did_url", q("did:web:counterparty.example#key-1")},
		{"400_duplicate_did", q(vpcachetest.DID) + "&" + q(vpcachetest.DID2)},
		{"400_unknown_param", q(vpcachetest.DID) + "&all=true"},
		{"400_empty_context", q(vpcachetest.DID) + "&participantContextId="},
		{"400_duplicate_context", q(vpcachetest.DID) + "&participantContextId=a&participantContextId=b"},
		{"400_bad_escape", "participantId=did:web:%zz"},
		{"400_semicolon", "participantId=did:web:a;participantContextId=x"},
		{"400_oversized", q(vpcachetest.DID) + "&participantContextId=" + strings.Repeat("a", vpcache.MaxInvalidationQueryLen)},
		{"row60_wildcard_star", "participantId=*"},
		{"row60_wildcard_did", q("did:web:*")},
		{"row60_wildcard_like", q("did:web:%")},
		{"row60_sql_injection", q("did:web:x' OR '1'='1")},
		{"row60_sql_drop", q("'; DROP TABLE edc_vp_cache; --")},
		{"row60_control_chars_context", q(vpcachetest.DID) + "&participantContextId=a%0Ab"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			f := newHandlerFixture(t)
			before := f.snapshot()
			rec := f.do(http.MethodDelete, c.query, true)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			require.Equal(t, before, f.snapshot())
		})
	}

	t.Run("row60_unauthenticated_401", func(t *testing.T) {
		f := newHandlerFixture(t)
		before := f.snapshot()
		rec := f.do(http.MethodDelete, q(vpcachetest.DID), false)
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		require.Equal(t, before, f.snapshot())
	})
	t.Run("row60_forbidden_403", func(t *testing.T) {
		f := newHandlerFixture(t)
		before := f.snapshot()
		rec := f.do(http.MethodDelete, q(vpcachetest.DID)+"&participantContextId="+vpcachetest.PC2, true)
		require.Equal(t, http.StatusForbidden, rec.Code)
		require.Equal(t, before, f.snapshot())
	})
	t.Run("row60_csrf_other_methods_405", func(t *testing.T) {
		f := newHandlerFixture(t)
		before := f.snapshot()
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodHead, http.MethodOptions} {
			rec := f.do(m, q(vpcachetest.DID), true)
			require.Equal(t, http.StatusMethodNotAllowed, rec.Code, m)
			require.Equal(t, http.MethodDelete, rec.Header().Get("Allow"))
		}
		require.Equal(t, before, f.snapshot())
	})
	t.Run("500_store_failure", func(t *testing.T) {
		f := newHandlerFixture(t)
		f.store.FailDelete.Store(true)
		rec := f.do(http.MethodDelete, q(vpcachetest.DID), true)
		require.Equal(t, http.StatusInternalServerError, rec.Code)
		require.NotContains(t, rec.Body.String(), "injected", "no internals in the body")
	})
}

func TestParseInvalidationRequest(t *testing.T) {
	r := httptest.NewRequest(http.MethodDelete, "/x?participantId=did%3Aweb%3Aa.example&participantContextId=tenant%201", nil)
	req, err := vpcache.ParseInvalidationRequest(r)
	require.NoError(t, err)
	require.Equal(t, vpcache.InvalidationRequest{CounterpartyDID: "did:web:a.example", ParticipantContextID: "tenant 1"}, req)
	_, err = vpcache.ParseInvalidationRequest(httptest.NewRequest(http.MethodDelete, "/x", nil))
	require.ErrorIs(t, err, vpcache.ErrBadRequest)
}

// FuzzInvalidationRequest (security.md fuzz #12): a request that is not
// answered 204 leaves the store unchanged; a 204 removes exactly the
// entries of the named DID (and context), nothing else.
func FuzzInvalidationRequest(f *testing.F) {
	for _, s := range []string{
		q(vpcachetest.DID),
		q(vpcachetest.DID) + "&participantContextId=" + vpcachetest.PC,
		q(vpcachetest.DID) + "&participantContextId=" + vpcachetest.PC2,
		"participantId=*", "participantId=did:web:%25", "participantId=did%3Aweb%3Aother.example",
		"participantId=did:web:a&participantId=did:web:b", "participantId='; DROP TABLE x; --",
		"%", "&&&", "participantId=did:web:counterparty.example&x", ";",
	} {
		f.Add(http.MethodDelete, s, true)
		f.Add(http.MethodGet, s, true)
		f.Add(http.MethodDelete, s, false)
	}
	fx := newHandlerFixture(f)
	f.Fuzz(func(t *testing.T, method, rawQuery string, withKey bool) {
		// Re-seed: earlier iterations may have deleted entries.
		for _, k := range fx.keys {
			_, err := fx.cache.Store(context.Background(), k, []vpcache.Presentation{vpcachetest.ValidPresentation(k.CounterpartyDID).Encode()})
			require.NoError(t, err)
		}
		before := fx.snapshot()
		rec := fx.do(method, rawQuery, withKey)
		after := fx.snapshot()
		if rec.Code != http.StatusNoContent {
			require.Equal(t, before, after, "status %d changed the store", rec.Code)
			return
		}
		require.Equal(t, http.MethodDelete, method)
		require.True(t, withKey)
		r := &http.Request{Method: method, URL: &url.URL{RawQuery: rawQuery}}
		req, err := vpcache.ParseInvalidationRequest(r)
		require.NoError(t, err)
		for _, k := range fx.keys {
			selected := k.CounterpartyDID == req.CounterpartyDID &&
				(req.ParticipantContextID == "" || req.ParticipantContextID == k.ParticipantContextID)
			require.Equal(t, !selected, after[k.String()], "key %s", k.String())
		}
	})
}

func TestInvalidationHandlerBPN(t *testing.T) {
	const bpn = "BPNL000000000001"
	var calls int
	resolver := vpcache.BPNResolverFunc(func(_ context.Context, b string) (string, error) {
		calls++
		switch b {
		case bpn:
			return vpcachetest.DID, nil
		case "BPNL00000000000X":
			return "not a did", nil
		}
		return "", errors.New("unknown BPN")
	})
	f := newHandlerFixture(t)
	h, err := vpcache.NewInvalidationHandler(f.cache, apiKeyAuth, vpcache.WithBPNResolver(resolver))
	require.NoError(t, err)
	do := func(query string, key bool) int {
		r := httptest.NewRequest(http.MethodDelete, "/?"+query, nil)
		if key {
			r.Header.Set("X-Api-Key", apiKey)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	before := f.snapshot()
	require.Equal(t, http.StatusUnauthorized, do("participantId="+bpn, false))
	require.Zero(t, calls, "no BDRS call for unauthenticated requests")
	require.Equal(t, http.StatusBadGateway, do("participantId=BPNL000000000002", true))
	require.Equal(t, http.StatusBadGateway, do("participantId=BPNL00000000000X", true))
	require.Equal(t, http.StatusBadRequest, do("participantId=BPNL0000000001", true), "too short: neither BPN nor DID")
	require.Equal(t, before, f.snapshot())
	require.Equal(t, http.StatusNoContent, do("participantId="+bpn, true))
	for _, k := range f.keys {
		_, err := f.store.Store.Get(context.Background(), k)
		require.Equal(t, k.CounterpartyDID == vpcachetest.DID, errors.Is(err, vpcache.ErrNotFound), k.String())
	}

	// Without a resolver a BPN is a 400.
	f = newHandlerFixture(t)
	before = f.snapshot()
	rec := f.do(http.MethodDelete, "participantId="+bpn, true)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, before, f.snapshot())
}

func TestIsBPN(t *testing.T) {
	for s, want := range map[string]bool{
		"BPNL000000000001": true, "BPNS0000000000AB": true, "BPNA1234567890AB": true,
		"BPNX000000000001": false, "bpnl000000000001": false, "BPNL00000000001": false, "BPNL0000000000011": false,
		"BPNL00000000000a": false, "": false,
	} {
		require.Equal(t, want, vpcache.IsBPN(s), s)
	}
}
