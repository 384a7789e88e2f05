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

// ReadOnlyDSN is the file: URI of a read-only connection to the database
// at path (query_only, the same busy timeout), for the reader pool of a
// store whose writes go through one connection opened with [DSN]. Open it
// after the writer has created the file and set WAL journaling.
func ReadOnlyDSN(path string, busy time.Duration) string {
	return "file:" + path + "?_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")&_pragma=query_only(1)"
}
