package sqlitex

import (
	"testing"
	"time"
)

func TestDSN(t *testing.T) {
	got := DSN("/var/lib/x.db", 5*time.Second)
	want := "file:/var/lib/x.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if got != want {
		t.Fatalf("DSN = %q, want %q", got, want)
	}
}

func TestReadOnlyDSN(t *testing.T) {
	got := ReadOnlyDSN("/var/lib/x.db", 10*time.Second)
	want := "file:/var/lib/x.db?_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	if got != want {
		t.Fatalf("ReadOnlyDSN = %q, want %q", got, want)
	}
}
