package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit on SQLite. A store opened by OpenSQLite has one writer
// connection; its write statements go through one goroutine that runs
// whatever statements are waiting at that moment in one transaction (an
// SQLite commit costs several times a small statement: locks, WAL frames,
// checksums). Every statement keeps its own effect and result, each is
// still the single conditional statement the package comment describes,
// and no caller learns its result before the transaction holding it has
// committed. When a statement of a batch fails, the batch is rolled back
// and its statements are run again one by one, each in its own
// transaction, so that one failure never decides another's outcome. A
// single waiting statement runs on its own (no BEGIN/COMMIT).

// maxBatch bounds the statements of one transaction.
const maxBatch = 32

// batchTimeout bounds one transaction.
const batchTimeout = 30 * time.Second

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("sqlstore: store closed")

type writeReq struct {
	ctx   context.Context
	query string
	args  []any
	scan  func(*sql.Row) error // RETURNING statements; nil: Exec
	rows  int64                // rows affected (Exec)
	err   error
	done  chan struct{}
}

type committer struct {
	s    *Store
	reqs chan *writeReq
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup

	// batches counts committed transactions of several statements,
	// fallbacks the batches run again one by one (tests).
	batches, fallbacks atomic.Int64
}

func (s *Store) startCommitter() {
	c := &committer{s: s, reqs: make(chan *writeReq), stop: make(chan struct{})}
	s.writer = c
	c.wg.Add(1)
	go c.loop()
}

func (c *committer) close() {
	c.once.Do(func() { close(c.stop) })
	c.wg.Wait()
}

func (c *committer) loop() {
	defer c.wg.Done()
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case <-c.stop:
			return
		case r := <-c.reqs:
			batch = append(batch[:0], r)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		c.run(batch)
		for _, r := range batch {
			close(r.done)
		}
		clear(batch)
	}
}

// run executes a batch and sets each request's outcome.
func (c *committer) run(batch []*writeReq) {
	if len(batch) == 1 {
		c.one(batch[0])
		return
	}
	// Prepare first: preparing needs the writer connection, which the
	// transaction holds.
	for _, r := range batch {
		if _, err := c.s.stmt(r.ctx, c.s.db, r.query); err != nil {
			c.each(batch)
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	tx, err := c.s.db.BeginTx(ctx, nil)
	if err != nil {
		c.each(batch)
		return
	}
	for _, r := range batch {
		if err := c.exec(r, func(st *sql.Stmt) *sql.Stmt { return tx.StmtContext(r.ctx, st) }); err != nil {
			// Whatever the error (a constraint, a cancelled context,
			// which makes SQLite roll back the whole transaction), undo
			// the batch and give every statement its own transaction.
			_ = tx.Rollback()
			c.fallbacks.Add(1)
			c.each(batch)
			return
		}
	}
	if err := tx.Commit(); err == nil {
		c.batches.Add(1)
	} else {
		// Nothing of the batch is known to be committed: no statement
		// reports success.
		for _, r := range batch {
			r.rows, r.err = 0, err
		}
	}
}

// each runs every request of a rolled-back batch on its own.
func (c *committer) each(batch []*writeReq) {
	for _, r := range batch {
		r.rows, r.err = 0, nil
		c.one(r)
	}
}

// one runs a request as its own autocommit statement (exec records the
// outcome in r).
func (c *committer) one(r *writeReq) {
	_ = c.exec(r, func(st *sql.Stmt) *sql.Stmt { return st })
}

// exec runs r's statement (the prepared statement wrapped by in) and
// records its outcome in r. It returns the error that fails a batch: for
// RETURNING statements sql.ErrNoRows is an outcome (the condition did not
// hold), not a failure.
func (c *committer) exec(r *writeReq, in func(*sql.Stmt) *sql.Stmt) error {
	st, err := c.s.stmt(r.ctx, c.s.db, r.query)
	if err != nil {
		r.err = err
		return err
	}
	st = in(st)
	if r.scan != nil {
		err := r.scan(st.QueryRowContext(r.ctx, r.args...))
		r.err = err
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	res, err := st.ExecContext(r.ctx, r.args...)
	if err != nil {
		r.err = err
		return err
	}
	r.rows, r.err = 0, nil
	if n, err := res.RowsAffected(); err == nil {
		r.rows = n
	}
	return nil
}

// write runs a write statement: through the committer on SQLite stores
// opened by OpenSQLite, else directly. scan reads the row of a RETURNING
// statement (its error, sql.ErrNoRows included, is returned); without it
// the statement is executed and the rows affected are returned.
func (s *Store) write(ctx context.Context, query string, scan func(*sql.Row) error, args ...any) (int64, error) {
	if s.writer == nil {
		if scan != nil {
			return 0, scan(s.queryRow(ctx, s.db, query, args...))
		}
		res, err := s.exec(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		return n, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	r := &writeReq{ctx: ctx, query: query, args: args, scan: scan, done: make(chan struct{})}
	select {
	case s.writer.reqs <- r:
	case <-s.writer.stop:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	// Once taken, the statement's outcome is awaited whatever ctx does:
	// it may have committed.
	<-r.done
	return r.rows, r.err
}
