package statussvc_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/ocmw/wstack/examples/internal/statussvc"
	"github.com/ocmw/wstack/examples/internal/svc"
)

// BenchmarkAllocate: allocations over loopback HTTP into SQLite
// (authenticated, JSON), one index per database round trip; and over NATS
// request/reply.
func BenchmarkAllocate(b *testing.B) {
	b.Run("http", func(b *testing.B) {
		e := start(b, nil)
		body, _ := json.Marshal(statussvc.AllocateRequest{})
		u := e.url + "/v1/tenants/acme/status/allocate"
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("POST", u, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+adminToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	})
	b.Run("nats", func(b *testing.B) {
		e := start(b, nil)
		nc := e.withNATS(b)
		req := statussvc.AllocateRequest{Request: svc.Request{TenantID: "acme"}}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var rep statussvc.AllocateReply
				if err := svc.Call(bg, nc, statussvc.Subject, "bench", statussvc.EventCreate, req, &rep); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
