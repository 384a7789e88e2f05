package verifiersvc

import (
	"testing"
	"time"
)

// BenchmarkVerification measures complete direct_post.jwt verifications
// over loopback HTTP with SQLite: create the request through the internal
// API, the library wallet fetches the signed Request Object and posts the
// encrypted response (SD-JWT+KB, status list checked), then the proof is
// read; 8 concurrent wallets per CPU.
func BenchmarkVerification(b *testing.B) {
	w := newWorld(b)
	in := w.start(instanceOptions{})
	wl := w.wallet()
	body := map[string]any{"dcql_query": query(b)}
	b.SetParallelism(8) // 8 wallets per CPU: 16 concurrent wallets on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			created := in.request(b, body)
			if _, err := wl.Present(w.ctx, created.AuthorizationRequest); err != nil {
				b.Error(err, in.proof(b, created.PresentationID).Error)
				return
			}
			if p := in.proof(b, created.PresentationID); p.Status != StatusVerified {
				b.Errorf("status %s", p.Status)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "verifications/s")
}

// BenchmarkCacheHit measures a request answered from the presentation
// cache (SQLite store; status re-checked from the status list cache).
func BenchmarkCacheHit(b *testing.B) {
	w := newWorld(b)
	in := w.start(instanceOptions{})
	body := map[string]any{"dcql_query": query(b), "holder": w.holderDID}
	created := in.request(b, body)
	if _, err := w.wallet().Present(w.ctx, created.AuthorizationRequest); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !in.request(b, body).FromCache {
				b.Error("miss")
				return
			}
		}
	})
}
