package issuersvc_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/svc"
)

// BenchmarkIssuance measures complete pre-authorized issuances over
// loopback TLS with SQLite: offer (POST /offers) → metadata (cached by the
// wallet's fetcher) → token → nonce → credential (plugin over NATS, status
// entry over NATS, signature) → the wallet's verification. Parallel: one
// wallet per goroutine.
func BenchmarkIssuance(b *testing.B) {
	e := newEnv(b, "")
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
