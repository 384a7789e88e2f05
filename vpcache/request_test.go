package vpcache_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

// TestFlightRepeatsLookup forces the interleaving of issue #10 item 8: a
// caller misses, and before it looks at the running flights another caller's
// flight fetches, stores and ends (is forgotten). The new flight must repeat
// the lookup and serve the stored entry instead of calling the upstream again.
func TestFlightRepeatsLookup(t *testing.T) {
	ctx := context.Background()
	clock := vpcachetest.NewClock(vpcachetest.Epoch)
	ver := &vpcachetest.Verifier{}
	metrics := vpcachetest.NewMetrics()
	c, err := vpcache.New(vpcache.NewMemoryStore(), ver, vpcache.WithParser(ver), vpcache.WithClock(clock.Now),
		vpcache.WithStatusChecker(vpcachetest.NewStatusList()), vpcache.WithMetrics(metrics), vpcache.WithReaperInterval(0))
	require.NoError(t, err)
	defer c.Close()
	up := &vpcachetest.Upstream{Result: []vpcache.Presentation{vpcachetest.ValidPresentation(vpcachetest.DID).Encode()}}
	s, err := vpcache.NewRequestService(c, up.Func())
	require.NoError(t, err)
	req := vpcachetest.Request()

	var other atomic.Bool
	var otherResp vpcache.Response
	var inFlight atomic.Int64
	vpcache.SetRequestHooks(s, func(vpcache.Request) {
		if !other.CompareAndSwap(false, true) {
			return // the other caller's own miss
		}
		// Between our miss and our look at the flights, another caller
		// runs a whole flight: miss, upstream call, store, flight removed.
		r, err := s.RequestPresentation(ctx, req)
		require.NoError(t, err)
		otherResp = r
	}, func(vpcache.Request) { inFlight.Add(1) })

	resp, err := s.RequestPresentation(ctx, req)
	require.NoError(t, err)
	require.False(t, otherResp.FromCache, "the other caller fetched")
	require.NotZero(t, otherResp.Version)
	require.EqualValues(t, 1, up.Calls.Load(), "the second flight found the stored entry and did not fetch again")
	require.EqualValues(t, 2, inFlight.Load(), "two flights ran")
	require.True(t, resp.FromCache)
	require.True(t, resp.Checked)
	require.Len(t, resp.Verified, 1)
	require.Equal(t, otherResp.Version, resp.Version)
	require.Equal(t, 2, metrics.Misses(vpcache.ReasonAbsent), "the repeated lookup is not a second miss")
	require.EqualValues(t, 1, metrics.Hits.Load())
}

// TestFlightRepeatedLookupMissFetches checks the other branch: when the
// repeated lookup misses too, the flight calls the upstream once.
func TestFlightRepeatedLookupMissFetches(t *testing.T) {
	ctx := context.Background()
	ver := &vpcachetest.Verifier{}
	metrics := vpcachetest.NewMetrics()
	c, err := vpcache.New(vpcache.NewMemoryStore(), ver, vpcache.WithParser(ver),
		vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now),
		vpcache.WithStatusChecker(vpcachetest.NewStatusList()), vpcache.WithMetrics(metrics), vpcache.WithReaperInterval(0))
	require.NoError(t, err)
	defer c.Close()
	up := &vpcachetest.Upstream{Result: []vpcache.Presentation{vpcachetest.ValidPresentation(vpcachetest.DID).Encode()}}
	s, err := vpcache.NewRequestService(c, up.Func())
	require.NoError(t, err)
	resp, err := s.RequestPresentation(ctx, vpcachetest.Request())
	require.NoError(t, err)
	require.False(t, resp.FromCache)
	require.EqualValues(t, 1, up.Calls.Load())
	require.Equal(t, 1, metrics.Misses(vpcache.ReasonAbsent))
}
