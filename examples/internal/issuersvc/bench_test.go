package issuersvc_test

import (
	"context"
	"flag"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// BenchmarkIssuance measures complete pre-authorized issuances over
// loopback TLS with SQLite: offer (POST /offers) → metadata (cached by the
// wallet's fetcher) → token → nonce → credential (plugin over NATS, status
// entry over NATS, signature) → the wallet's verification. Parallel: one
// wallet per goroutine.
func BenchmarkIssuance(b *testing.B) {
	e := newEnv(b, "")
	profileBlocking()
	_, u := e.startIssuer(svc.Storage{SQLiteDir: b.TempDir()}, "", "")
	hc := e.httpClient("")
	req := issuersvc.OfferRequest{Subject: "erika", CredentialConfigurationIDs: []string{pluginsvc.DefaultSDJWTConfigurationID}, Claims: employee()}
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := e.newWallet(hc)
		ctx := context.Background()
		for pb.Next() {
			st, body := post(b, hc, u+"/v1/tenants/"+testTenant+"/offers", testToken, req)
			if st != 201 {
				b.Fatalf("%d %s", st, body)
			}
			var r struct {
				CredentialOffer string `json:"credential_offer"`
			}
			if err := jsonUnmarshal(body, &r); err != nil {
				b.Fatal(err)
			}
			if _, err := w.AcceptOffer(ctx, r.CredentialOffer); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "issuances/s")
}

// BenchmarkIssuanceConcurrent is BenchmarkIssuance driven by 16 concurrent
// wallets (issue #17's load shape) sharing one keep-alive HTTP client: it
// reports issuances/s and the p50/p99 latency of one complete issuance
// (offer → token → nonce → credential → verification → notification).
func BenchmarkIssuanceConcurrent(b *testing.B) {
	const wallets = 16
	e := newEnv(b, "")
	profileBlocking()
	_, u := e.startIssuer(svc.Storage{SQLiteDir: b.TempDir()}, "", "")
	hc := e.httpClient("")
	req := issuersvc.OfferRequest{Subject: "erika", CredentialConfigurationIDs: []string{pluginsvc.DefaultSDJWTConfigurationID}, Claims: employee()}
	ws := make([]*wallet.Client, wallets)
	for k := range ws {
		ws[k] = e.newWallet(hc)
	}
	lat := make([][]time.Duration, wallets)
	var next atomic.Int64
	var failed atomic.Bool
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	var wg sync.WaitGroup
	for k := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for next.Add(1) <= int64(b.N) && !failed.Load() {
				t0 := time.Now()
				st, body := post(b, hc, u+"/v1/tenants/"+testTenant+"/offers", testToken, req)
				if st != 201 {
					failed.Store(true)
					b.Errorf("%d %s", st, body)
					return
				}
				var r struct {
					CredentialOffer string `json:"credential_offer"`
				}
				if err := jsonUnmarshal(body, &r); err != nil {
					failed.Store(true)
					b.Error(err)
					return
				}
				if _, err := ws[k].AcceptOffer(ctx, r.CredentialOffer); err != nil {
					failed.Store(true)
					b.Error(err)
					return
				}
				lat[k] = append(lat[k], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu := processCPU() - cpu0
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "issuances/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
}

// processCPU is the user+system CPU time of the process so far (service,
// plugin, NATS server and wallets all run in it): per-operation CPU is
// steadier than throughput on a shared machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// profileBlocking turns block and mutex profiling back on when the test
// binary was asked for them: starting the embedded NATS server resets the
// block profile rate to its own option (0).
func profileBlocking() {
	if f := flag.Lookup("test.blockprofile"); f != nil && f.Value.String() != "" {
		runtime.SetBlockProfileRate(1)
	}
	if f := flag.Lookup("test.mutexprofile"); f != nil && f.Value.String() != "" {
		runtime.SetMutexProfileFraction(1)
	}
}
