package vpcache_test

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
)

// Example puts the cache in front of a DCP presentation request. The
// counterparty's credential service answers with a jwt_vp_json (60 s
// lifetime, audience = our DID) holding a jwt_vc_json MembershipCredential
// from a did:key issuer; the cache verifies it with wstack's credential view
// and answers later requests from the cache, with the verified view, while
// the credential is valid and unrevoked, also after the presentation's own
// exp has passed.
func Example() {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now } // time.Now in production

	// Keys: the issuer's and the counterparty's, each a did:key over a key
	// in the local key engine.
	engine, err := local.New(local.Options{})
	must(err)
	type party struct {
		did, kid string
		signer   *jose.KeySigner
	}
	newParty := func(id string) party {
		ref := crypto.KeyRef{Context: crypto.Context{Namespace: "dcp", Group: "keys"}, ID: id}
		_, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		must(err)
		d, kid, err := did.NewKeyDIDFromEngine(ctx, engine, ref)
		must(err)
		s, err := jose.NewKeySigner(ctx, engine, ref, crypto.ES256)
		must(err)
		return party{d, kid, s}
	}
	issuer, counterparty := newParty("issuer"), newParty("counterparty")
	const ownDID = "did:web:connector-a.example.com"

	// The issuer's credential, with an entry in a status list (here a map;
	// in production statuslist's checker).
	revoked := map[uint64]bool{}
	status := vocab.StatusCheckerFunc(func(_ context.Context, ref vocab.StatusReference) (vocab.StatusResult, error) {
		if revoked[ref.Index] {
			return vocab.StatusResult{Value: 1}, nil
		}
		return vocab.StatusResult{}, nil
	})
	vc, err := w3c.SignCredentialJWT(ctx, issuer.signer, &w3c.Credential{
		Context:           w3c.Many[any](w3c.ContextV1, "https://w3id.org/vc/status-list/2021/v1"),
		Type:              w3c.Many("VerifiableCredential", "MembershipCredential"),
		Issuer:            &w3c.Issuer{ID: issuer.did},
		IssuanceDate:      "2026-01-01T00:00:00Z",
		ExpirationDate:    "2027-01-01T00:00:00Z",
		CredentialSubject: w3c.One(map[string]any{"id": counterparty.did, "holdsIdentifier": "BPNL000000000001"}),
		CredentialStatus: w3c.One(w3c.Object{ID: "https://issuer.example.com/status/1#7", Type: w3c.One("StatusList2021Entry"),
			Extra: map[string]any{"statusPurpose": "revocation", "statusListIndex": "7", "statusListCredential": "https://issuer.example.com/status/1"}}),
	}, w3c.SignOptions{Header: map[string]any{"kid": issuer.kid}, Now: now})
	must(err)

	// The verifier: proofs, audience, issuer trust, status.
	registry := did.NewDefaultRegistry(nil, did.WebOptions{})
	view, err := vpcache.NewView(vpcache.ViewConfig{
		Validator: presentation.NewValidator(presentation.ValidatorConfig{
			IssuerKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(registry, did.KeyResolverOptions{})},
			HolderKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(registry, did.KeyResolverOptions{Relationship: did.Authentication}),
				Relationship: w3c.Authentication},
			Status: status,
			Trust:  presentation.TrustedIssuers{issuer.did},
			Now:    clock,
		}),
		Audience: func(context.Context, string) (string, error) { return ownDID, nil },
	})
	must(err)
	cache, err := vpcache.New(vpcache.NewMemoryStore(), view, vpcache.WithParser(view),
		vpcache.WithStatusChecker(status), vpcache.WithClock(clock))
	must(err)
	defer cache.Close()

	// The upstream: in production it signs a self-issued token, resolves the
	// counterparty's credential service and POSTs a PresentationQueryMessage
	// (DCP v1.0, Resolution API). Here the counterparty answers directly.
	calls := 0
	svc, err := vpcache.NewRequestService(cache, func(ctx context.Context, req vpcache.Request) ([]vpcache.Presentation, error) {
		calls++
		vp, err := w3c.SignPresentationJWT(ctx, counterparty.signer, &w3c.Presentation{
			Context: w3c.One[any](w3c.ContextV1), Type: w3c.One("VerifiablePresentation"),
			Holder: &w3c.Issuer{ID: counterparty.did}, VerifiableCredential: w3c.One[any](vc),
		}, w3c.PresentationSignOptions{Audience: req.OwnDID, NoNonce: true, Now: clock(), Lifetime: time.Minute,
			Header: map[string]any{"kid": counterparty.kid}})
		return []vpcache.Presentation{{Format: vocab.FormatJWTVPJSON, Raw: vp}}, err
	})
	must(err)

	req := vpcache.Request{
		ParticipantContextID: "participant-context-1",
		OwnDID:               ownDID,
		CounterpartyDID:      counterparty.did,
		CounterpartyToken:    "<access token from the counterparty's SI token>",
		Scopes:               []string{"org.eclipse.tractusx.vc.type:MembershipCredential:read"},
	}
	show := func(resp vpcache.Response) {
		// Use the verified view; do not verify resp.Presentations again.
		cred := resp.Verified[0].Credentials[0]
		subject := cred.Document["credentialSubject"].(map[string]any)
		fmt.Printf("fromCache=%v checked=%v types=%v bpn=%v\n", resp.FromCache, resp.Checked, cred.Types, subject["holdsIdentifier"])
	}
	resp, err := svc.RequestPresentation(ctx, req) // miss: fetched and verified
	must(err)
	show(resp)
	now = now.Add(time.Hour) // the presentation's exp has passed, the credential is valid
	resp, err = svc.RequestPresentation(ctx, req)
	must(err)
	show(resp)

	// A later check (say the contract policy, which wants another business
	// partner number) rejects the response: evict the entry so that the
	// next request asks the credential service again.
	wantBPN := "BPNL000000000002"
	if resp.Verified[0].Credentials[0].Document["credentialSubject"].(map[string]any)["holdsIdentifier"] != wantBPN {
		must(svc.Reject(ctx, resp))
	}
	resp, err = svc.RequestPresentation(ctx, req)
	must(err)
	show(resp)

	// A revoked credential is noticed on the next request: the cache's
	// status check evicts the entry, the credential service is asked again,
	// and the verifier rejects its answer.
	revoked[7] = true
	_, err = svc.RequestPresentation(ctx, req)
	var rejected *vpcache.RejectedError
	fmt.Println("after revocation:", errors.As(err, &rejected), rejected.Reason, errors.Is(err, presentation.ErrRevoked), "upstream calls:", calls)
	// Output:
	// fromCache=false checked=true types=[VerifiableCredential MembershipCredential] bpn=BPNL000000000001
	// fromCache=true checked=true types=[VerifiableCredential MembershipCredential] bpn=BPNL000000000001
	// fromCache=false checked=true types=[VerifiableCredential MembershipCredential] bpn=BPNL000000000001
	// after revocation: true invalid true upstream calls: 3
}

// ExampleNewInvalidationHandler mounts the invalidation endpoint on the
// management API behind an API-key check.
func ExampleNewInvalidationHandler() {
	// The cache, with the credential view as its verifier (see Example).
	registry := did.NewDefaultRegistry(nil, did.WebOptions{})
	view, err := vpcache.NewView(vpcache.ViewConfig{
		Validator: presentation.NewValidator(presentation.ValidatorConfig{
			IssuerKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(registry, did.KeyResolverOptions{})},
			HolderKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(registry, did.KeyResolverOptions{Relationship: did.Authentication}),
				Relationship: w3c.Authentication},
			Trust: presentation.TrustedIssuers{"did:web:issuer.example.com"},
		}),
		Audience: func(context.Context, string) (string, error) { return "did:web:connector-a.example.com", nil },
	})
	if err != nil {
		panic(err)
	}
	cache, err := vpcache.New(vpcache.NewMemoryStore(), view, vpcache.WithParser(view))
	if err != nil {
		panic(err)
	}
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
