package vpcache_test

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

// Example wires the cache in front of a DCP presentation request: the first
// request for a counterparty and scope set goes to its credential service,
// the following ones are answered from the cache while every credential is
// valid and unrevoked.
func Example() {
	ctx := context.Background()

	// In production: the presentation verifier (proofs, audience = own DID,
	// trusted issuers), a parser for stored presentations, and the status
	// list checker. Here: the test doubles of vpcachetest.
	verifier := &vpcachetest.Verifier{}
	status := vpcachetest.NewStatusList()
	clock := vpcachetest.NewClock(vpcachetest.Epoch)

	cache, err := vpcache.New(vpcache.NewMemoryStore(vpcache.WithMaxEntries(10000)), verifier,
		vpcache.WithParser(verifier),
		vpcache.WithStatusChecker(status),
		vpcache.WithValidity(24*time.Hour),
		vpcache.WithClock(clock.Now),
	)
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	// The upstream: sign a self-issued token, resolve the counterparty's
	// credential service, POST a PresentationQueryMessage (DCP v1.0,
	// Verifiable Presentation Protocol, "Resolution API").
	calls := 0
	upstream := func(ctx context.Context, req vpcache.Request) ([]vpcache.Presentation, error) {
		calls++
		return []vpcache.Presentation{vpcachetest.ValidPresentation(req.CounterpartyDID).Encode()}, nil
	}
	svc, err := vpcache.NewRequestService(cache, upstream)
	if err != nil {
		panic(err)
	}

	req := vpcache.Request{
		ParticipantContextID: "participant-context-1",
		OwnDID:               "did:web:verifier.example",
		CounterpartyDID:      "did:web:counterparty.example",
		CounterpartyToken:    "<access token from the counterparty's SI token>",
		Scopes:               []string{"org.eclipse.tractusx.vc.type:SomeCredential:read"},
	}
	for range 3 {
		resp, err := svc.RequestPresentation(ctx, req)
		if err != nil {
			panic(err)
		}
		fmt.Printf("presentations=%d fromCache=%v\n", len(resp.Presentations), resp.FromCache)
	}

	// A revoked credential is noticed on the next request: the entry is
	// evicted and the credential service is asked again.
	status.Set(vpcachetest.Status1, 7, vpcache.StatusRevoked)
	resp, _ := svc.RequestPresentation(ctx, req)
	fmt.Printf("after revocation: fromCache=%v upstream calls=%d\n", resp.FromCache, calls)
	// Output:
	// presentations=1 fromCache=false
	// presentations=1 fromCache=true
	// presentations=1 fromCache=true
	// after revocation: fromCache=false upstream calls=2
}

// ExampleRequestService_Reject evicts an entry that the verifier's later
// checks rejected, so it cannot block the counterparty until it expires.
func ExampleRequestService_Reject() {
	ctx := context.Background()
	verifier := &vpcachetest.Verifier{}
	cache, _ := vpcache.New(vpcache.NewMemoryStore(), verifier, vpcache.WithStatusChecker(vpcachetest.NewStatusList()),
		vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now))
	defer cache.Close()
	svc, _ := vpcache.NewRequestService(cache, func(ctx context.Context, req vpcache.Request) ([]vpcache.Presentation, error) {
		return []vpcache.Presentation{vpcachetest.ValidPresentation(req.CounterpartyDID).Encode()}, nil
	})
	req := vpcachetest.Request()
	_, _ = svc.RequestPresentation(ctx, req)
	resp, _ := svc.RequestPresentation(ctx, req)
	fmt.Println("from cache:", resp.FromCache)

	downstreamOK := false // e.g. the policy engine rejected the claims
	if !downstreamOK {
		_ = svc.Reject(ctx, resp)
	}
	resp, _ = svc.RequestPresentation(ctx, req)
	fmt.Println("from cache after reject:", resp.FromCache)
	// Output:
	// from cache: true
	// from cache after reject: false
}

// ExampleNewInvalidationHandler mounts the invalidation endpoint on the
// management API behind an API-key check.
func ExampleNewInvalidationHandler() {
	verifier := &vpcachetest.Verifier{}
	cache, _ := vpcache.New(vpcache.NewMemoryStore(), verifier, vpcache.WithStatusChecker(vpcachetest.NewStatusList()))
	defer cache.Close()

	const key = "s3cr3t"
	auth := vpcache.AuthenticatorFunc(func(r *http.Request, _ vpcache.InvalidationRequest) error {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Api-Key")), []byte(key)) != 1 {
			return vpcache.ErrUnauthenticated
		}
		return nil
	})
	h, err := vpcache.NewInvalidationHandler(cache, auth)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/dcp/vp-cache", h)

	for _, c := range []struct{ query, key string }{
		{"participantId=did:web:counterparty.example", key},
		{"participantId=did:web:counterparty.example", "wrong"},
		{"participantId=not-a-did", key},
	} {
		r := httptest.NewRequest(http.MethodDelete, "/v1/dcp/vp-cache?"+c.query, nil)
		r.Header.Set("X-Api-Key", c.key)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// 204
	// 401
	// 400
}

// ExampleConfigFromEnv reads the Tractus-X and wstack settings.
func ExampleConfigFromEnv() {
	environment := map[string]string{
		"TX_EDC_DCP_CACHE_ENABLED":          "true",
		"TX_EDC_DCP_CACHE_VALIDITY_SECONDS": "3600",
		"WSTACK_VPCACHE_BACKEND":            "sqlite",
		"WSTACK_VPCACHE_DSN":                "/var/lib/connector/vpcache.db",
	}
	cfg, err := vpcache.ConfigFromEnv(func(k string) (string, bool) { v, ok := environment[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Active(), cfg.Validity, cfg.Backend, cfg.MaxEntries, cfg.ReaperInterval)
	// Output: true 1h0m0s sqlite 10000 10m0s
}

// ExampleNewKey shows that scopes form a set.
func ExampleNewKey() {
	a, _ := vpcache.NewKey("pc", "did:web:counterparty.example", []string{"b:read", "a:read", "b:read"})
	b, _ := vpcache.NewKey("pc", "did:web:counterparty.example", []string{"a:read", "b:read"})
	_, err := vpcache.NewKey("pc", "did:web:counterparty.example", []string{""})
	fmt.Println(a.Scopes, a.Equal(b), err != nil)
	// Output: [a:read b:read] true true
}
