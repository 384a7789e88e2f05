package walletsvc_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/walletsvc"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// BenchmarkStore: sealed put and get of a 2 KiB credential on SQLite.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	eng, _ := local.New(local.Options{})
	s, _ := sqliteStore(b, eng)
	a := s.Account("acme", "bench", crypto.KeyRef{})
	raw := strings.Repeat("x", 2048)
	b.Run("put", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := a.Put(ctx, &wallet.StoredCredential{ID: fmt.Sprintf("p%d", i), Raw: raw, Format: "dc+sd-jwt", ReceivedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
		}
	})
	if err := a.Put(ctx, &wallet.StoredCredential{ID: "g", Raw: raw, Format: "dc+sd-jwt", ReceivedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := a.Get(ctx, "g"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPresent: one full presentation over loopback HTTP — verifier
// creates the DCQL request, the wallet API authorizes (resolve, verify the
// request object, decrypt and match, KB-JWT in the engine, encrypted
// direct_post.jwt), the verifier verifies.
func BenchmarkPresent(b *testing.B) {
	e := newEnv(b, envOpts{})
	e.receive(groupA)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, link := e.request(pidQuery)
		var ar walletsvc.AuthorizeResult
		if st := e.call("POST", "/v1/tenants/acme/presentation/authorize/alice", walletsvc.AuthorizeRequest{AuthorizationRequest: link}, &ar); st != http.StatusOK {
			b.Fatal(st)
		}
	}
}

// BenchmarkAccept: retrieve + accept of a pre-authorized offer with
// tx_code over loopback (metadata, token, nonce, proof, credential,
// verification, sealed store).
func BenchmarkAccept(b *testing.B) {
	e := newEnv(b, envOpts{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.receive(groupA)
	}
}
