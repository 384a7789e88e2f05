package svc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// MaxEvent bounds a CloudEvent received on NATS.
const MaxEvent = 1 << 20

// ErrRemote reports an error reply of another service.
var ErrRemote = errors.New("svc: remote service error")

// Event is a CloudEvent 1.0 in structured JSON mode, the envelope of every
// NATS message between the W-Stack's services.
type Event struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Source      string          `json:"source"`
	Type        string          `json:"type"`
	Time        string          `json:"time,omitempty"`
	ContentType string          `json:"datacontenttype,omitempty"`
	Data        json.RawMessage `json:"data"`
}

// NewEvent builds an encoded CloudEvent of type typ from source carrying
// data as JSON.
func NewEvent(source, typ string, data any) ([]byte, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Event{SpecVersion: "1.0", ID: RandomID(), Source: source, Type: typ,
		Time: time.Now().UTC().Format(time.RFC3339Nano), ContentType: "application/json", Data: raw})
}

// DecodeEvent decodes an encoded CloudEvent of at most MaxEvent bytes.
func DecodeEvent(msg []byte) (*Event, error) {
	if len(msg) > MaxEvent {
		return nil, fmt.Errorf("%w: event over %d bytes", ErrBadRequest, MaxEvent)
	}
	var e Event
	if err := json.Unmarshal(msg, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if e.SpecVersion != "1.0" || e.Type == "" || e.ID == "" {
		return nil, fmt.Errorf("%w: not a CloudEvent 1.0", ErrBadRequest)
	}
	return &e, nil
}

// Request is the W-Stack's request envelope (nats-message-library common).
type Request struct {
	TenantID  string `json:"tenant_id"`
	RequestID string `json:"request_id"`
	GroupID   string `json:"group_id,omitempty"`
}

// Reply is the W-Stack's reply envelope.
type Reply struct {
	TenantID  string      `json:"tenant_id"`
	RequestID string      `json:"request_id"`
	GroupID   string      `json:"group_id,omitempty"`
	Error     *ReplyError `json:"error,omitempty"`
}

// ReplyError is the error member of a Reply.
type ReplyError struct {
	Status int    `json:"status"`
	ID     string `json:"id"`
	Msg    string `json:"msg"`
}

// RandomID returns 128 random bits as hex.
func RandomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Responder answers one request event; a returned error becomes an error
// event of type typ+".error" with a ReplyError.
type Responder func(ctx context.Context, e *Event) (any, error)

// StatusError carries the HTTP-like status of a responder's failure.
type StatusError struct {
	Status int
	Err    error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// MaxInFlight bounds the requests one Respond subscription handles at
// once; further messages wait in the subscription's buffer.
const MaxInFlight = 64

// Respond subscribes to subject in queue group queue (replicas share the
// work) and answers each request with f's result as a CloudEvent of type
// replyType. Requests are handled concurrently (at most MaxInFlight at a
// time: NATS delivers a subscription's messages one after another, so a
// handler that waits on a database or another service would otherwise
// serialise every caller). Messages that are not CloudEvents are answered
// with an error.
func Respond(nc *nats.Conn, subject, queue, source, replyType string, timeout time.Duration, log *slog.Logger, f Responder) (*nats.Subscription, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sem := make(chan struct{}, MaxInFlight)
	answer := func(m *nats.Msg) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		var out any
		e, err := DecodeEvent(m.Data)
		if err == nil {
			out, err = f(ctx, e)
		}
		typ := replyType
		if err != nil {
			status := 400
			var se *StatusError
			if errors.As(err, &se) {
				status = se.Status
			}
			log.Warn("request failed", "subject", subject, "err", err)
			typ = replyType + ".error"
			out = ReplyError{Status: status, ID: RandomID(), Msg: err.Error()}
		}
		msg, err := NewEvent(source, typ, out)
		if err != nil {
			log.Error("encode reply", "err", err)
			return
		}
		_ = m.Respond(msg)
	}
	return nc.QueueSubscribe(subject, queue, func(m *nats.Msg) {
		if m.Reply == "" {
			return
		}
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			answer(m)
		}()
	})
}

// Call sends a request event of type typ carrying data on subject and
// decodes the reply's data into out. An error reply is ErrRemote with its
// message.
func Call(ctx context.Context, nc *nats.Conn, subject, source, typ string, data, out any) error {
	msg, err := NewEvent(source, typ, data)
	if err != nil {
		return err
	}
	rep, err := nc.RequestWithContext(ctx, subject, msg)
	if err != nil {
		return err
	}
	e, err := DecodeEvent(rep.Data)
	if err != nil {
		return err
	}
	if len(e.Type) > 6 && e.Type[len(e.Type)-6:] == ".error" {
		var re ReplyError
		_ = json.Unmarshal(e.Data, &re)
		return fmt.Errorf("%w: %s (%d)", ErrRemote, re.Msg, re.Status)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(e.Data, out)
}

// Publish sends an event of type typ carrying data on subject.
func Publish(nc *nats.Conn, subject, source, typ string, data any) error {
	msg, err := NewEvent(source, typ, data)
	if err != nil {
		return err
	}
	return nc.Publish(subject, msg)
}
