package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocmw/wstack/oid4vci/issuer"
)

// TestGroupCommit: concurrent writes, some failing (duplicate keys) and
// some finding no row, each get their own outcome whether they shared a
// transaction or were run again one by one after a failed batch; every
// success is committed, nothing else is.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "issuer.db"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const keys, writers = 50, 400
	exp := time.Now().Add(time.Hour)
	var put, dup, consumed, missing atomic.Int64
	var wg sync.WaitGroup
	for k := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := fmt.Sprint("nonce-", k%keys)
			if err := s.Nonces().Put(ctx, n, exp); err != nil {
				dup.Add(1) // UNIQUE constraint: another writer put it
			} else {
				put.Add(1)
			}
			switch err := s.Nonces().Consume(ctx, n, time.Now()); {
			case err == nil:
				consumed.Add(1)
			case errors.Is(err, issuer.ErrNotFound):
				missing.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// A Put may follow the Consume of its key by another writer, so some
	// keys come back; every Put is consumed at most once.
	if put.Load()+dup.Load() != writers || consumed.Load()+missing.Load() != writers {
		t.Fatalf("put %d dup %d consumed %d missing %d", put.Load(), dup.Load(), consumed.Load(), missing.Load())
	}
	if put.Load() < keys || consumed.Load() > put.Load() {
		t.Fatalf("put %d consumed %d", put.Load(), consumed.Load())
	}
	var left int64
	if err := s.rdb.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM {p}_nonces`)).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != put.Load()-consumed.Load() {
		t.Fatalf("%d rows left, want %d", left, put.Load()-consumed.Load())
	}
	t.Logf("batches %d, fallbacks %d", s.writer.batches.Load(), s.writer.fallbacks.Load())

	// A cancelled context fails that write alone.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Nonces().Put(cctx, "cancelled", exp); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	// After Close, writes fail with ErrClosed.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Nonces().Put(ctx, "late", exp); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}
