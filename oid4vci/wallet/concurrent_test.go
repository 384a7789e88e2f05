package wallet_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

// TestConcurrentAccept: one Client serves several retrievals at once.
func TestConcurrentAccept(t *testing.T) {
	e := newEnv(t)
	w := e.wallet(walletOpts{dpop: true})
	const n = 4
	links := make([]string, n)
	for i := range links {
		links[i], _ = e.offer(issuer.OfferRequest{ConfigurationIDs: []string{cfgPID}, Claims: pidClaims})
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range links {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = w.AcceptOffer(context.Background(), links[i])
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	if got, _ := w.Store().List(context.Background(), wallet.Filter{}); len(got) != n {
		t.Fatalf("stored %d", len(got))
	}
}
