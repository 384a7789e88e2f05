// Package sqlitex holds what every SQLite-backed store of wstack opens its
// database with (modernc.org/sqlite, pure Go): one DSN with WAL
// journaling, synchronous=NORMAL, immediate write transactions (so that a
// read-modify-write transaction takes the write lock at BEGIN, not at its
// first write) and a busy timeout.
package sqlitex

import (
	"strconv"
	"time"
)

// DSN is the file: URI of the database at path. The caller has checked
// path (non-empty, no '?' or '#'; the stores refuse '%' too).
func DSN(path string, busy time.Duration) string {
	return "file:" + path + "?_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}
