package sqlstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/statuslist/sqlstore"
)

// An issuer allocating W3C revocation entries from an embedded SQLite
// database. Replicas sharing a PostgreSQL database use
// sqlstore.OpenPostgres(ctx, dsn) instead; indices stay unique across them.
func ExampleOpenSQLite() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "statuslist")
	defer os.RemoveAll(dir)
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "status.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	alloc := statuslist.NewAllocator(store)
	a, err := alloc.Allocate(ctx, "acme", "employee-id", statuslist.ListConfig{Format: statuslist.FormatBitstring, Purpose: statuslist.PurposeRevocation})
	if err != nil {
		log.Fatal(err)
	}
	entry, _ := statuslist.NewBitstringEntry(a, "https://acme.example/status/"+a.ListID, nil)
	fmt.Println(entry.Type, entry.StatusPurpose)
	if err := alloc.Revoke(ctx, "acme", a.ListID, a.Index); err != nil {
		log.Fatal(err)
	}
	_, l, _ := alloc.Load(ctx, "acme", a.ListID)
	s, _ := l.Get(a.Index)
	fmt.Println(l.Len(), s)
	// Output:
	// BitstringStatusListEntry revocation
	// 131072 INVALID
}
