package vpcache_test

import (
	"context"
	"testing"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

func BenchmarkQueryHitMemory(b *testing.B) { vpcachetest.BenchQueryHit(b, vpcache.NewMemoryStore()) }

func BenchmarkStoreMemory(b *testing.B) { vpcachetest.BenchStore(b, vpcache.NewMemoryStore()) }

func BenchmarkQueryHitMemory64Readers(b *testing.B) {
	vpcachetest.BenchParallelHit(b, vpcache.NewMemoryStore(), 64)
}

// BenchmarkRequestServiceHit is the full hit path a verifier pays per
// protocol message: key building, lookup, checks, copy.
func BenchmarkRequestServiceHit(b *testing.B) {
	ver := &vpcachetest.Verifier{}
	c, err := vpcache.New(vpcache.NewMemoryStore(), ver, vpcache.WithStatusChecker(vpcachetest.NewStatusList()),
		vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now), vpcache.WithReaperInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	up := &vpcachetest.Upstream{Result: []vpcache.Presentation{vpcachetest.ValidPresentation(vpcachetest.DID).Encode()}}
	s, err := vpcache.NewRequestService(c, up.Func())
	if err != nil {
		b.Fatal(err)
	}
	req := vpcachetest.Request()
	ctx := context.Background()
	if _, err := s.RequestPresentation(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := s.RequestPresentation(ctx, req)
		if err != nil || !resp.FromCache {
			b.Fatal("expected a hit", err)
		}
	}
}

// BenchmarkRequestServiceMiss is the miss path with an in-process upstream:
// lookup, flight (repeated lookup, upstream call on its own goroutine),
// verification and store. The entry is removed before every request.
func BenchmarkRequestServiceMiss(b *testing.B) {
	ver := &vpcachetest.Verifier{}
	c, err := vpcache.New(vpcache.NewMemoryStore(), ver, vpcache.WithStatusChecker(vpcachetest.NewStatusList()),
		vpcache.WithParser(ver), vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now), vpcache.WithReaperInterval(0))
	if err != nil {
		b.Fatal(err)
	}
	up := &vpcachetest.Upstream{Result: []vpcache.Presentation{vpcachetest.ValidPresentation(vpcachetest.DID).Encode()}}
	s, err := vpcache.NewRequestService(c, up.Func())
	if err != nil {
		b.Fatal(err)
	}
	req := vpcachetest.Request()
	k, err := vpcache.NewKey(req.ParticipantContextID, req.CounterpartyDID, req.Scopes)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Remove(ctx, k); err != nil {
			b.Fatal(err)
		}
		resp, err := s.RequestPresentation(ctx, req)
		if err != nil || resp.FromCache || !resp.Checked {
			b.Fatal("expected a verified miss", err)
		}
	}
}
