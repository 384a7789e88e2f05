package sqlitex

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestWriterDSN(t *testing.T) {
	got := WriterDSN("/var/lib/x.db", 5*time.Second)
	want := DSN("/var/lib/x.db", 5*time.Second) + "&_pragma=wal_autocheckpoint(8192)"
	if got != want {
		t.Fatalf("WriterDSN = %q, want %q", got, want)
	}
}

// TestCheckpointer: with the writer's automatic checkpoint pushed out, the
// writer's checkpointer copies what it commits into the database in the
// background, and stops on Close.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ck.db")
	wr, err := OpenWriter(path, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	w, c := wr.DB, wr.ckpt
	if n := w.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("writer pool of %d connections", n)
	}
	var ac int
	if err := w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&ac); err != nil || ac != WriterAutoCheckpoint {
		t.Fatalf("wal_autocheckpoint %d %v", ac, err)
	}
	if _, err := w.ExecContext(ctx, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	val := strings.Repeat("x", 2000)
	for i := range 600 { // ~600 pages: below the writer's own bound
		if _, err := w.ExecContext(ctx, "INSERT INTO t (k, v) VALUES (?, ?)", i, val); err != nil {
			t.Fatal(err)
		}
	}
	// The rows are in the database file itself within a few intervals:
	// the writer does not checkpoint below its bound, so only the
	// checkpointer can have copied them there.
	deadline := time.Now().Add(30 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= 600*2000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes: not checkpointed", fi.Size())
		}
		time.Sleep(CheckpointInterval)
	}
	walFrames, done, err := c.Checkpoint(ctx)
	if err != nil || walFrames == 0 || done != walFrames {
		t.Fatalf("WAL %d frames, %d checkpointed, %v", walFrames, done, err)
	}
	var n int
	if err := w.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 600 {
		t.Fatalf("%d rows, %v", n, err)
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Checkpoint(ctx); err == nil {
		t.Fatal("checkpoint after Close")
	}
}

// TestOpenWriterMemory: ":memory:" keeps SQLite's default checkpointing
// (no checkpointer can share its database) on its one connection.
func TestOpenWriterMemory(t *testing.T) {
	wr, err := OpenWriter(":memory:", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer wr.Close()
	if wr.ckpt != nil {
		t.Fatal("a checkpointer for :memory:")
	}
	w := wr.DB
	var ac int
	if err := w.QueryRow("PRAGMA wal_autocheckpoint").Scan(&ac); err != nil || ac == WriterAutoCheckpoint {
		t.Fatalf("wal_autocheckpoint %d %v", ac, err)
	}
	if n := w.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("%d connections", n)
	}
}
