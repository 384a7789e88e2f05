package sqlstore

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ocmw/wstack/vpcache"
)

// change is the NOTIFY payload: the participant context and counterparty
// whose entries changed (either may be empty for a broader change). Scope
// sets are not sent: receivers drop every L1 copy of the pair, which is
// cheap and never wrong.
type change struct {
	PC  string `json:"pc,omitempty"`
	DID string `json:"did,omitempty"`
}

func changePayload(pc, did string) string {
	b, _ := json.Marshal(change{PC: pc, DID: did}) // plain strings: cannot fail
	return string(b)
}

// channel is the NOTIFY channel of the table (an identifier built from the
// validated table name).
func (s *Store) channel() string { return s.table + "_changes" }

// selector turns a payload into the selector of the L1 copies to drop; ok is
// false for a payload that names nothing valid.
func selector(payload string) (vpcache.Selector, bool) {
	var c change
	if len(payload) > 8000 || json.Unmarshal([]byte(payload), &c) != nil {
		return vpcache.Selector{}, false
	}
	var sel vpcache.Selector
	switch {
	case c.PC != "" && c.DID != "":
		sel = vpcache.ByCounterparty(c.PC, c.DID)
	case c.PC != "":
		sel = vpcache.ByParticipantContext(c.PC)
	case c.DID != "":
		sel = vpcache.ByCounterpartyAllContexts(c.DID)
	default:
		return vpcache.Selector{}, false
	}
	return sel, sel.Validate() == nil
}

// ErrListen: Listen needs a PostgreSQL store opened with WithNotify.
var ErrListen = errors.New("sqlstore: Listen needs a PostgreSQL store with WithNotify")

// Listen receives the change announcements of every replica's store on
// the same table (see [WithNotify]) until ctx ends, calling onChange with
// the selector of the entries that changed (typically
// vpcache.TieredStore.Invalidate) and onReset whenever announcements may
// have been missed: once listening has started (anything before was not
// heard) and after every reconnect (typically vpcache.TieredStore.Flush). It
// holds one pooled connection while listening, reconnects with backoff
// (1 s doubling to 30 s) and returns ctx's error. A payload that does not
// name a valid participant context or DID triggers onReset.
func (s *Store) Listen(ctx context.Context, onChange func(vpcache.Selector), onReset func()) error {
	if !s.notify || s.dialect != Postgres {
		return ErrListen
	}
	backoff := time.Second
	for {
		started, err := s.listenOnce(ctx, onChange, onReset)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // the session ended; anything may have been missed
		onReset()
		if started {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, onChange func(vpcache.Selector), onReset func()) (started bool, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: not a pgx connection: %T", dc)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+s.channel()); err != nil {
			return fmt.Errorf("%w: %w", driver.ErrBadConn, err)
		}
		started = true
		onReset()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				// Never hand a listening connection back to the pool.
				return fmt.Errorf("%w: %w", driver.ErrBadConn, err)
			}
			if sel, ok := selector(n.Payload); ok {
				onChange(sel)
			} else {
				onReset()
			}
		}
	})
	return started, err
}
