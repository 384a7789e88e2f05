// Package sqlitex holds what every SQLite-backed store of wstack opens its
// database with (modernc.org/sqlite, pure Go): one DSN with WAL
// journaling, synchronous=NORMAL, immediate write transactions (so that a
// read-modify-write transaction takes the write lock at BEGIN, not at its
// first write) and a busy timeout.
package sqlitex

import (
	"database/sql"
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

// OpenReaders opens a pool of n read-only connections ([ReadOnlyDSN]) to
// the database at path, kept open and idle up to n. The caller has
// registered the "sqlite" driver and opened the writer first.
func OpenReaders(path string, busy time.Duration, n int) (*sql.DB, error) {
	rdb, err := sql.Open("sqlite", ReadOnlyDSN(path, busy))
	if err != nil {
		return nil, err
	}
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	return rdb, nil
}
