package statuslist_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

// Decoding the 1-bit example list of draft-ietf-oauth-status-list-20 ("Status List" section).
func ExampleDecodeLst() {
	l, err := statuslist.DecodeLst("eNrbuRgAAhcBXQ", 1, statuslist.DecodeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for i := uint64(0); i < l.Len(); i++ {
		s, _ := l.Get(i)
		fmt.Print(uint8(s))
	}
	fmt.Println()
	// Output: 1001110111000101
}

// A W3C list: index 0 is the left-most bit.
func ExampleEncodeBitstring() {
	l, _ := statuslist.NewBitstringList(statuslist.MinBitstringEntries, 1)
	l.Set(0, 1)
	enc, _ := statuslist.EncodeBitstring(l)
	back, _ := statuslist.DecodeBitstring(enc, 1, statuslist.DecodeOptions{})
	s0, _ := back.Get(0)
	s1, _ := back.Get(1)
	fmt.Printf("first byte %08b, status[0]=%d status[1]=%d\n", back.Bytes()[0], s0, s1)
	// Output: first byte 10000000, status[0]=1 status[1]=0
}

// Issuer side: allocate indices for new credentials, revoke and suspend,
// and serve the signed lists. Verifier side: check a referenced token.
func Example() {
	ctx := context.Background()

	// Issuer: a key engine key for signing lists.
	engine, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "acme", Group: "status"}, ID: "lists"}
	if _, err := engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		log.Fatal(err)
	}
	signer, _ := jose.NewKeySigner(ctx, engine, ref, crypto.ES256)

	// Lists live in a Store: NewMemory here, sqlstore.OpenSQLite or
	// sqlstore.OpenPostgres in production.
	store := statuslist.NewMemory()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// One function gives the lists' public URIs to the allocator (for the
	// credentials' status claims) and to the publisher (for the tokens' sub).
	listURI := func(tenant, list string) string { return srv.URL + "/tenants/" + tenant + "/statuslists/" + list }
	alloc := statuslist.NewAllocator(store, statuslist.WithListURI(listURI))
	pub, err := statuslist.NewPublisher(statuslist.PublisherConfig{
		Store: store, Signer: signer, ListURI: listURI, TTL: 5 * time.Minute, Validity: 24 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("GET /tenants/{tenant}/statuslists/{list}", pub.Handler())

	// Issue three credentials: each gets a random, never repeated index.
	cfg := statuslist.ListConfig{Format: statuslist.FormatIETF, Bits: 2}
	var issued []statuslist.Allocation
	for i := 0; i < 3; i++ {
		a, err := alloc.Allocate(ctx, "acme", "sd-jwt-vc", cfg)
		if err != nil {
			log.Fatal(err)
		}
		// The credential's claims get "status": {"status_list": {"idx": …, "uri": …}}.
		status, err := statuslist.NewStatusListClaim(a)
		if err != nil {
			log.Fatal(err)
		}
		_ = map[string]any{"vct": "https://credentials.example.com/employee", "status": status}
		issued = append(issued, a)
	}
	alloc.Revoke(ctx, "acme", issued[0].ListID, issued[0].Index)
	alloc.Suspend(ctx, "acme", issued[1].ListID, issued[1].Index)

	// Verifier: fetch through the guarded fetcher (AllowLoopback only for
	// this example server), trust the issuer's list key.
	checker, err := statuslist.NewChecker(statuslist.CheckerConfig{
		Fetcher: statuslist.GuardedFetcher(fetch.New(fetch.Options{AllowLoopback: true})),
		Keys:    statuslist.StaticKey(signer.Public()),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range issued {
		s, err := checker.Status(ctx, vocab.StatusReference{Type: "status_list", URI: a.URI, Index: a.Index})
		fmt.Println(s, err)
	}
	// Output:
	// INVALID <nil>
	// SUSPENDED <nil>
	// VALID <nil>
}
