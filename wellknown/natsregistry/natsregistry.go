package natsregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
)

// Subjects and event types of the W-Stack.
const (
	SubjectRegistration = "wellknown.issuer.registration"
	SubjectMetadata     = "wellknown.issuer.metadata"
	// TypeIssuerRegistration and TypeCredentialRegistration are matched as
	// suffixes of the CloudEvent type (the W-Stack prefixes them).
	TypeIssuerRegistration     = "issuer.registration"
	TypeCredentialRegistration = "issuer.credential.registration"
	// TypeMetadataReply is the type of reply events.
	TypeMetadataReply = "wellknown.issuer.metadata.reply"
	// DefaultMaxMessageBytes bounds a message before it is decoded.
	DefaultMaxMessageBytes = 1 << 20
)

// Errors of event decoding.
var (
	ErrEvent    = errors.New("natsregistry: malformed event")
	ErrTooLarge = errors.New("natsregistry: message too large")
)

// Aggregator is what the adapter needs (*wellknown.Aggregator).
type Aggregator interface {
	wellknown.MetadataSource
	RegisterIssuer(ctx context.Context, tenant, source string, metadata []byte) error
	RegisterConfiguration(ctx context.Context, tenant, source, id string, configuration []byte) error
}

// Event is a decoded CloudEvent (structured mode).
type Event struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Source      string          `json:"source"`
	Type        string          `json:"type"`
	Time        string          `json:"time,omitempty"`
	ContentType string          `json:"datacontenttype,omitempty"`
	Data        json.RawMessage `json:"data"`
}

// envelope is the W-Stack's Request envelope (nats-message-library).
type envelope struct {
	TenantID  string `json:"tenant_id"`
	RequestID string `json:"request_id,omitempty"`
	GroupID   string `json:"group_id,omitempty"`
}

type issuerRegistration struct {
	envelope
	Issuer json.RawMessage `json:"issuer"`
}

type credentialRegistration struct {
	envelope
	Issuer                  string          `json:"issuer"`
	ConfigurationID         string          `json:"configurationId"`
	CredentialConfiguration json.RawMessage `json:"credentialConfiguration"`
}

type metadataRequest struct {
	envelope
	Format string `json:"format,omitempty"`
}

// ReplyError is the W-Stack's Reply error.
type ReplyError struct {
	Status int    `json:"status"`
	ID     string `json:"id,omitempty"`
	Msg    string `json:"msg"`
}

// MetadataReply is the data of a wellknown.issuer.metadata reply.
type MetadataReply struct {
	TenantID  string                  `json:"tenant_id"`
	RequestID string                  `json:"request_id,omitempty"`
	GroupID   string                  `json:"group_id,omitempty"`
	Issuer    *oid4vci.IssuerMetadata `json:"issuer,omitempty"`
	Error     *ReplyError             `json:"error,omitempty"`
}

// DecodeEvent decodes a structured-mode CloudEvent within maxBytes (0:
// DefaultMaxMessageBytes): strict JSON, specversion 1.0, id, source, type
// and an object data member.
func DecodeEvent(msg []byte, maxBytes int) (*Event, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	if len(msg) > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, len(msg), maxBytes)
	}
	if err := jsonx.Validate(msg, jsonx.Limits{MaxBytes: maxBytes, MaxDepth: wellknown.MaxDocumentDepth}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEvent, err)
	}
	var ev Event
	if err := json.Unmarshal(msg, &ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEvent, err)
	}
	switch {
	case ev.SpecVersion != "1.0":
		return nil, fmt.Errorf("%w: specversion %q", ErrEvent, ev.SpecVersion)
	case ev.ID == "" || ev.Source == "" || ev.Type == "":
		return nil, fmt.Errorf("%w: id, source and type are required", ErrEvent)
	case len(ev.Data) == 0 || ev.Data[0] != '{':
		return nil, fmt.Errorf("%w: data must be a JSON object", ErrEvent)
	}
	return &ev, nil
}

// Config configures the adapter.
type Config struct {
	// Conn is the NATS connection (required; the caller closes it).
	Conn *nats.Conn
	// Aggregator receives registrations and answers metadata requests
	// (required).
	Aggregator Aggregator
	// RegistrationSubject and MetadataSubject default to the W-Stack's.
	RegistrationSubject, MetadataSubject string
	// QueueGroup, when set, load-balances both subscriptions over
	// replicas (use it with a shared SQL registry; with a memory registry
	// every replica must see every registration, so leave it empty).
	QueueGroup string
	// DefaultTenant is used for events without tenant_id.
	DefaultTenant string
	// MaxMessageBytes bounds messages (default DefaultMaxMessageBytes).
	MaxMessageBytes int
	// Timeout bounds handling of one message (default 10 s).
	Timeout time.Duration
	// ExpireEvery, when positive, runs Aggregator.Expire periodically if
	// the Aggregator has an Expire method.
	ExpireEvery time.Duration
	// OnRegistration is called after each registration event with its
	// outcome (nil, or the rejection error).
	OnRegistration func(ev *Event, err error)
	// Logger (default: discard). Never logs message bodies.
	Logger *slog.Logger
}

// Adapter is a running NATS connection of an Aggregator.
type Adapter struct {
	cfg  Config
	subs []*nats.Subscription
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// Start subscribes and returns the running adapter.
func Start(cfg Config) (*Adapter, error) {
	if cfg.Conn == nil || cfg.Aggregator == nil {
		return nil, fmt.Errorf("%w: natsregistry needs Conn and Aggregator", wellknown.ErrConfig)
	}
	if cfg.RegistrationSubject == "" {
		cfg.RegistrationSubject = SubjectRegistration
	}
	if cfg.MetadataSubject == "" {
		cfg.MetadataSubject = SubjectMetadata
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Adapter{cfg: cfg, stop: make(chan struct{})}
	for subj, h := range map[string]nats.MsgHandler{cfg.RegistrationSubject: a.onRegistration, cfg.MetadataSubject: a.onMetadata} {
		var sub *nats.Subscription
		var err error
		if cfg.QueueGroup != "" {
			sub, err = cfg.Conn.QueueSubscribe(subj, cfg.QueueGroup, h)
		} else {
			sub, err = cfg.Conn.Subscribe(subj, h)
		}
		if err != nil {
			a.Close()
			return nil, err
		}
		a.subs = append(a.subs, sub)
	}
	if err := cfg.Conn.Flush(); err != nil {
		a.Close()
		return nil, err
	}
	if exp, ok := cfg.Aggregator.(interface {
		Expire(ctx context.Context) (int, error)
	}); ok && cfg.ExpireEvery > 0 {
		a.wg.Add(1)
		go a.expireLoop(exp.Expire)
	}
	return a, nil
}

func (a *Adapter) expireLoop(expire func(ctx context.Context) (int, error)) {
	defer a.wg.Done()
	t := time.NewTicker(a.cfg.ExpireEvery)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Timeout)
			if n, err := expire(ctx); err != nil {
				a.cfg.Logger.Warn("natsregistry: expiring registrations failed", "error", err)
			} else if n > 0 {
				a.cfg.Logger.Info("natsregistry: registrations expired", "count", n)
			}
			cancel()
		}
	}
}

// Close unsubscribes and stops the expiry loop.
func (a *Adapter) Close() error {
	var errs []error
	a.once.Do(func() {
		close(a.stop)
		for _, s := range a.subs {
			if err := s.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
				errs = append(errs, err)
			}
		}
		a.wg.Wait()
	})
	return errors.Join(errs...)
}

func (a *Adapter) tenant(e envelope) string {
	if e.TenantID != "" {
		return e.TenantID
	}
	return a.cfg.DefaultTenant
}

// HandleRegistration processes one registration message (what the
// subscription calls; exported for transports other than NATS).
func (a *Adapter) HandleRegistration(ctx context.Context, data []byte) (*Event, error) {
	ev, err := DecodeEvent(data, a.cfg.MaxMessageBytes)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasSuffix(ev.Type, TypeCredentialRegistration):
		var r credentialRegistration
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			return ev, fmt.Errorf("%w: %v", ErrEvent, err)
		}
		if r.ConfigurationID == "" || len(r.CredentialConfiguration) == 0 {
			return ev, fmt.Errorf("%w: configurationId and credentialConfiguration are required", ErrEvent)
		}
		return ev, a.cfg.Aggregator.RegisterConfiguration(ctx, a.tenant(r.envelope), ev.Source, r.ConfigurationID, r.CredentialConfiguration)
	case strings.HasSuffix(ev.Type, TypeIssuerRegistration):
		var r issuerRegistration
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			return ev, fmt.Errorf("%w: %v", ErrEvent, err)
		}
		if len(r.Issuer) == 0 {
			return ev, fmt.Errorf("%w: issuer is required", ErrEvent)
		}
		return ev, a.cfg.Aggregator.RegisterIssuer(ctx, a.tenant(r.envelope), ev.Source, r.Issuer)
	}
	return ev, fmt.Errorf("%w: unknown event type %.128q", ErrEvent, ev.Type)
}

func (a *Adapter) onRegistration(m *nats.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Timeout)
	defer cancel()
	ev, err := a.HandleRegistration(ctx, m.Data)
	if err != nil {
		src, typ := "", ""
		if ev != nil {
			src, typ = ev.Source, ev.Type
		}
		a.cfg.Logger.Warn("natsregistry: registration rejected", "source", src, "type", typ, "error", err)
	}
	if a.cfg.OnRegistration != nil {
		a.cfg.OnRegistration(ev, err)
	}
}

// HandleMetadataRequest answers one metadata request message with the
// reply event's JSON.
func (a *Adapter) HandleMetadataRequest(ctx context.Context, data []byte) []byte {
	rep := MetadataReply{}
	id := "reply"
	ev, err := DecodeEvent(data, a.cfg.MaxMessageBytes)
	var req metadataRequest
	if err == nil {
		id = ev.ID
		if err = json.Unmarshal(ev.Data, &req); err != nil {
			err = fmt.Errorf("%w: %v", ErrEvent, err)
		}
	}
	rep.TenantID, rep.RequestID, rep.GroupID = a.tenant(req.envelope), req.RequestID, req.GroupID
	if err == nil {
		var md *oid4vci.IssuerMetadata
		md, err = a.cfg.Aggregator.IssuerMetadata(ctx, rep.TenantID)
		if err == nil {
			rep.Issuer = filterFormat(md, req.Format)
		}
	}
	if err != nil {
		status := 500
		switch {
		case errors.Is(err, ErrEvent), errors.Is(err, ErrTooLarge):
			status = 400
		case errors.Is(err, wellknown.ErrUnknownTenant):
			status = 404
		}
		rep.Error = &ReplyError{Status: status, ID: rep.RequestID, Msg: err.Error()}
	}
	b, _ := json.Marshal(rep)
	out, _ := json.Marshal(Event{SpecVersion: "1.0", ID: id, Source: "wellknown", Type: TypeMetadataReply,
		Time: time.Now().UTC().Format(time.RFC3339), ContentType: "application/json", Data: b})
	return out
}

func filterFormat(md *oid4vci.IssuerMetadata, format string) *oid4vci.IssuerMetadata {
	if format == "" {
		return md
	}
	c := *md
	c.CredentialConfigurations = map[string]*oid4vci.CredentialConfiguration{}
	for id, cc := range md.CredentialConfigurations {
		if cc.Format == format {
			c.CredentialConfigurations[id] = cc
		}
	}
	return &c
}

func (a *Adapter) onMetadata(m *nats.Msg) {
	if m.Reply == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Timeout)
	defer cancel()
	if err := m.Respond(a.HandleMetadataRequest(ctx, m.Data)); err != nil {
		a.cfg.Logger.Warn("natsregistry: reply failed", "error", err)
	}
}

// NewEvent builds a structured-mode CloudEvent carrying data (for plugins
// and tests).
func NewEvent(id, source, typ string, data any) ([]byte, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Event{SpecVersion: "1.0", ID: id, Source: source, Type: typ,
		Time: time.Now().UTC().Format(time.RFC3339), ContentType: "application/json", Data: b})
}
