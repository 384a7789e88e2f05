package issuersvc_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci/wallet"
)

func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("WSTACK_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("WSTACK_TEST_POSTGRES_DSN is required in CI")
		}
		t.Skip("set WSTACK_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the shared-deployment test")
	}
	return dsn
}

// TestSharedDeployment: two issuer instances on one PostgreSQL and one
// NATS behind one public URL. An offer made on A is redeemed against A
// and B at once: exactly one token; the credential request with that
// token goes to the other instance and succeeds.
func TestSharedDeployment(t *testing.T) {
	dsn := postgresDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := newEnv(t, os.Getenv("WSTACK_TEST_NATS_URL"))
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	prefix := "t" + hex.EncodeToString(rnd[:])
	t.Cleanup(func() { dropTables(t, dsn, prefix) })
	storage := svc.Storage{PostgresDSN: dsn}

	// B's public URL is A's: the URL of the "load balancer" both sit behind.
	a, urlA := e.startIssuer(storage, prefix, "")
	_, urlB := e.startIssuer(storage, prefix, urlA)
	_ = a
	addrA, addrB := strings.TrimPrefix(urlA, "https://"), strings.TrimPrefix(urlB, "https://")

	var rep pluginsvc.IssuanceReply
	// Over NATS the queue group picks A or B; create the offer on A.
	created, err := a.CreateOffer(ctx, testTenant, issuersvc.OfferRequest{Subject: "erika",
		CredentialConfigurationIDs: []string{pluginsvc.DefaultSDJWTConfigurationID}, Claims: employee(),
		TwoFactor: issuersvc.TwoFactor{Enabled: true, RecipientAddress: "erika@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	rep.Offer = created.Link
	pin := <-e.pins
	for range 2 { // both wallets ask for the code once
		e.pins <- pin
	}

	wa, wb := e.newWallet(e.httpClient(addrA)), e.newWallet(e.httpClient(addrB))
	offer, err := wa.ResolveOffer(ctx, rep.Offer)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := wa.Start(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := wb.Start(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for k, run := range []func() error{func() error { return wa.Token(ctx, sa) }, func() error { return wb.Token(ctx, sb) }} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[k] = run() }()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("want exactly one redemption, got errors %v / %v", errs[0], errs[1])
	}
	// The winner's token goes to the other instance.
	var (
		other *wallet.Client
		s     *wallet.Session
	)
	if errs[0] == nil {
		other, s = wb, sa
	} else {
		other, s = wa, sb
	}
	loser := errs[0]
	if loser == nil {
		loser = errs[1]
	}
	if !strings.Contains(loser.Error(), "invalid_grant") {
		t.Fatalf("losing redemption: %v", loser)
	}
	is, err := other.RequestCredential(ctx, s, wallet.Request{ConfigurationID: pluginsvc.DefaultSDJWTConfigurationID})
	if err != nil {
		t.Fatal(err)
	}
	if len(is.Credentials) != 1 {
		t.Fatalf("issued %+v", is)
	}
}

func dropTables(t *testing.T, dsn, prefix string) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Log(err)
		return
	}
	defer db.Close()
	rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE tablename LIKE $1`, prefix+"\\_%")
	if err != nil {
		t.Log(err)
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		if _, err := db.Exec(`DROP TABLE IF EXISTS "` + n + `"`); err != nil {
			t.Log(err)
		}
	}
}
