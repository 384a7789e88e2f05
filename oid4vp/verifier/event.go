package verifier

import (
	"context"
	"time"

	"github.com/ocmw/wstack/presentation/dcql"
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

// Accepted is a verified response of a DCQL request, handed to
// Config.OnAccepted. Unlike Event it carries the presentations: pass it
// only to code that may see them.
type Accepted struct {
	Tenant        string
	TransactionID string
	// VPToken is the vp_token as the wallet sent it (decrypted), every
	// presentation in it verified.
	VPToken dcql.VPToken
	// Credentials are the verified credentials per credential query id,
	// as in the Result.
	Credentials map[string][]VerifiedCredential
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
