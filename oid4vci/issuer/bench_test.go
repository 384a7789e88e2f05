package issuer_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// tenClaims are 10 selectively disclosable claims.
var tenClaims = func() map[string]any {
	m := map[string]any{}
	for k := 0; k < 10; k++ {
		m[fmt.Sprintf("claim_%d", k)] = fmt.Sprintf("value %d", k)
	}
	return m
}()

// BenchmarkIssuePreAuthorized is one complete pre-authorized issuance over
// loopback HTTPS (keep-alive): offer → token → nonce → credential with one
// jwt proof → SD-JWT VC with 10 disclosable claims and a status list entry.
// The wallet side (net/http, proof signing, response parsing) is included.
// Sub-benchmarks: memory, SQLite and PostgreSQL stores.
func BenchmarkIssuePreAuthorized(b *testing.B) {
	for _, be := range []struct {
		name string
		opts []envOpt
	}{
		{"memory", nil},
		{"SQLite", []envOpt{func(c *issuer.Config) { withSQL(sqliteStore(b))(c) }}},
		{"PostgreSQL", []envOpt{func(c *issuer.Config) { withSQL(postgresStore(b))(c) }}},
	} {
		b.Run(be.name, func(b *testing.B) {
			e := newEnv(b, be.opts...)
			w := e.wallet(1)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				created, err := e.iss.CreateOffer(ctx, issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: tenClaims})
				if err != nil {
					b.Fatal(err)
				}
				tr := w.token(created.Offer, "")
				creds, _ := credentials(b, w.credential(tr, cfgPID, w.proof(0, w.nonce(), nil)))
				if len(creds) != 1 {
					b.Fatal("no credential")
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "issuances/s")
		})
	}
}

// BenchmarkIssuePreAuthorizedParallel runs complete issuances from
// GOMAXPROCS concurrent wallets: the throughput the issuer sustains.
func BenchmarkIssuePreAuthorizedParallel(b *testing.B) {
	e := newEnv(b)
	w := e.wallet(1)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			created, err := e.iss.CreateOffer(ctx, issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: tenClaims})
			if err != nil {
				b.Error(err)
				return
			}
			tr := w.token(created.Offer, "")
			creds, _ := credentials(b, w.credential(tr, cfgPID, w.proof(0, w.nonce(), nil)))
			if len(creds) != 1 {
				b.Error("no credential")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "issuances/s")
}

// BenchmarkTokenEndpoint measures the token endpoint alone (offer creation
// outside the timer).
func BenchmarkTokenEndpoint(b *testing.B) {
	e := newEnv(b)
	w := e.wallet(0)
	ctx := context.Background()
	offers := make([]*oid4vci.CredentialOffer, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		if len(offers) == 0 {
			b.StopTimer()
			for k := 0; k < 1024; k++ {
				c, err := e.iss.CreateOffer(ctx, issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}})
				if err != nil {
					b.Fatal(err)
				}
				offers = append(offers, c.Offer)
			}
			b.StartTimer()
		}
		o := offers[len(offers)-1]
		offers = offers[:len(offers)-1]
		w.token(o, "")
	}
}

// BenchmarkCredentialBatch10 measures the credential endpoint with a batch
// of 10 proofs (proof signing and the nonce request outside the timer).
func BenchmarkCredentialBatch10(b *testing.B) {
	e := newEnv(b)
	w := e.wallet(10)
	tr := w.token(mustOffer(w), "")
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		n := w.nonce()
		proofs := make([]string, 10)
		for k := range proofs {
			proofs[k] = w.proof(k, n, nil)
		}
		b.StartTimer()
		creds, _ := credentials(b, w.credential(tr, cfgPID, proofs...))
		if len(creds) != 10 {
			b.Fatal(len(creds))
		}
	}
}

// BenchmarkFloorES256 is the cryptographic floor of one issuance: the ES256
// operations it cannot avoid (proof sign and verify, access token sign and
// verify, credential sign), for the ratio in reports.
func BenchmarkFloorES256(b *testing.B) {
	e := newEnv(b)
	w := e.wallet(1)
	ctx := context.Background()
	s := w.keys[0]
	msg := []byte("eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL2lzc3Vlci5leGFtcGxlLmNvbSJ9")
	for b.Loop() {
		for k := 0; k < 3; k++ {
			sig, err := s.SignMessage(ctx, msg)
			if err != nil {
				b.Fatal(err)
			}
			if k < 2 {
				if err := crypto.VerifySignature(s.Public(), crypto.ES256, msg, sig); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
