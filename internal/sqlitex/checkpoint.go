package sqlitex

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"time"
)

// WriterDSN is [DSN] for a store whose single writer connection is paired
// with a [Checkpointer]: the writer's own automatic checkpoint is pushed
// out to WriterAutoCheckpoint pages, a bound on the WAL for when the
// checkpointer falls behind, so that commits do not pay for copying the
// WAL back into the database. With the default (1,000 pages) every
// thousandth write stalls the writer, and every write queued behind it,
// for the whole checkpoint: in BenchmarkConcurrentMixSQLite of
// vpcache/sqlstore that was most of the p99 latency.
func WriterDSN(path string, busy time.Duration) string {
	return DSN(path, busy) + "&_pragma=wal_autocheckpoint(" + strconv.Itoa(WriterAutoCheckpoint) + ")"
}

// Writer is the one connection a store writes through, with the
// [Checkpointer] that keeps WAL checkpoints out of its commits (none for
// ":memory:", whose connection is the only database).
type Writer struct {
	// DB is the writer's pool of exactly one connection.
	DB   *sql.DB
	ckpt *Checkpointer
}

// OpenWriter opens a store's writer on the database at path: [WriterDSN]
// and a [Checkpointer] for a file, [DSN] alone for ":memory:". One
// connection because SQLite admits one writer, and writers on several
// connections of a process collide and sleep in SQLite's busy handler (in
// steps of up to 100 ms), where on one they queue in Go. The caller has
// registered the "sqlite" driver.
func OpenWriter(path string, busy time.Duration) (*Writer, error) {
	if path == ":memory:" {
		db, err := openOne(DSN(path, busy))
		if err != nil {
			return nil, err
		}
		return &Writer{DB: db}, nil
	}
	db, err := openOne(WriterDSN(path, busy))
	if err != nil {
		return nil, err
	}
	ck, err := startCheckpointer(path, busy)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Writer{DB: db, ckpt: ck}, nil
}

// Close stops the checkpointer and closes the connection.
func (w *Writer) Close() error {
	var err error
	if w.ckpt != nil {
		err = w.ckpt.Close()
	}
	return errors.Join(err, w.DB.Close())
}

// openOne opens a pool of exactly one connection, kept open.
func openOne(dsn string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// WriterAutoCheckpoint is the writer's wal_autocheckpoint under
// [WriterDSN], in pages.
const WriterAutoCheckpoint = 8192

// CheckpointInterval is how often a [Checkpointer] checkpoints.
const CheckpointInterval = 100 * time.Millisecond

// Checkpointer runs PASSIVE WAL checkpoints (copying committed WAL frames
// into the database without waiting for or blocking readers and writers)
// on a connection of its own, every [CheckpointInterval], off the request
// path. Close stops it and releases the connection.
type Checkpointer struct {
	db     *sql.DB
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startCheckpointer opens one connection ([DSN], which puts the database
// in WAL mode) to the database at path and starts checkpointing. The
// caller has registered the "sqlite" driver; [OpenWriter] starts one with
// the writer.
func startCheckpointer(path string, busy time.Duration) (*Checkpointer, error) {
	db, err := openOne(DSN(path, busy))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Checkpointer{db: db, cancel: cancel}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(CheckpointInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// PASSIVE never invokes the busy handler; an error (the
				// database closed under it, a transient lock) is retried
				// at the next tick, and the writer's own bound remains.
				_, _, _ = c.Checkpoint(ctx)
			}
		}
	}()
	return c, nil
}

// Checkpoint runs one PASSIVE checkpoint now and reports the WAL's size
// and how many of its frames are in the database, in frames.
func (c *Checkpointer) Checkpoint(ctx context.Context) (walFrames, checkpointed int, err error) {
	var busy int
	err = c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walFrames, &checkpointed)
	return walFrames, checkpointed, err
}

// Close stops the checkpointer and closes its connection.
func (c *Checkpointer) Close() error {
	c.cancel()
	c.wg.Wait()
	return c.db.Close()
}
