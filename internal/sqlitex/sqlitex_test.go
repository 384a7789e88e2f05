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
