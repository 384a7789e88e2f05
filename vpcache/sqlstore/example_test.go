package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/sqlstore"
	"github.com/ocmw/wstack/vpcache/vpcachetest"
)

// ExampleOpenSQLite puts the cache on an embedded SQLite file, so cached
// presentations survive a restart of a scaled-to-zero connector. With
// sqlstore.OpenPostgres instead, replicas share the cache.
func ExampleOpenSQLite() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "vpcache-example")
	defer os.RemoveAll(dir)

	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "vpcache.db"))
	if err != nil {
		panic(err)
	}
	defer store.Close()

	verifier := &vpcachetest.Verifier{} // the real presentation verifier and parser in production
	cache, err := vpcache.New(store, verifier, vpcache.WithParser(verifier),
		vpcache.WithStatusChecker(vpcachetest.NewStatusList()),
		vpcache.WithClock(vpcachetest.NewClock(vpcachetest.Epoch).Now))
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	k, _ := vpcache.NewKey("participant-context-1", "did:web:counterparty.example",
		[]string{"org.eclipse.tractusx.vc.type:SomeCredential:read"})
	_, err = cache.Store(ctx, k, []vpcache.Presentation{vpcachetest.ValidPresentation("did:web:counterparty.example").Encode()})
	fmt.Println("stored:", err == nil)
	hit, err := cache.Query(ctx, k)
	fmt.Println("hit:", err == nil, "expires:", hit.ExpiresAt.Format("2006-01-02 15:04"))
	// Output:
	// stored: true
	// hit: true expires: 2026-01-02 00:00
}
