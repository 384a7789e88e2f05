package verifier

import (
	"context"
	"time"
)

// EventType names a transaction event.
type EventType string

// Transaction events (the W-Stack's verifier.proof.notification statuses).
const (
	EventRequestCreated   EventType = "request_created"
	EventRequestFetched   EventType = "request_fetched"
	EventResponseReceived EventType = "response_received"
	EventAccepted         EventType = "accepted"
	EventRejected         EventType = "rejected"
)

// Event is one transaction event. It carries no token, nonce, secret or
// claim.
type Event struct {
	Type          EventType
	Tenant        string
	TransactionID string
	Time          time.Time
	// Reason is why a response was rejected (EventRejected): an
	// *oid4vp.Error, matchable with errors.Is against the verifier's and
	// the presentation packages' sentinels.
	Reason error
}

// Hook receives events synchronously, in the request's goroutine; it must
// not block (hand the event to a queue).
type Hook func(ctx context.Context, e Event)

func (v *Verifier) emit(ctx context.Context, e Event) {
	if e.Time.IsZero() {
		e.Time = v.cfg.Now()
	}
	if v.cfg.Hook != nil {
		v.cfg.Hook(ctx, e)
	}
}
