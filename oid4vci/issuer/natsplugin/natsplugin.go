// Package natsplugin runs oid4vci/issuer plugins in other processes over
// NATS request/reply, the W-Stack's plugin routing: each plugin answers on
// a subject of its own (<subject>.metadata for its credential
// configurations, <subject>.issue for issuance), and the issuer holds a
// Client per subject that implements issuer.Plugin.
//
// Messages are JSON. An issue request carries the configuration id, the
// credential identifier, the offer's subject and claims, the client id and
// each proven holder key as a public JWK; the reply carries the credentials,
// a deferral, or a protocol error (code and description). Nothing secret
// beyond the claims data travels: no codes, tokens or proofs. Use NATS
// TLS and authorization to protect the subjects.
package natsplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// IssueTimeout bounds one remote issuance on the plugin side.
const IssueTimeout = 30 * time.Second

// DefaultConcurrency is how many issue requests a Server handles at once
// unless WithConcurrency says otherwise.
const DefaultConcurrency = 64

// MaxMessage bounds every decoded message (default NATS payload limit).
const MaxMessage = 1 << 20

// Errors.
var (
	// ErrRemote reports a failure of the remote plugin or of the transport.
	ErrRemote = errors.New("natsplugin: remote plugin failed")
	// ErrMessage reports a malformed message.
	ErrMessage = errors.New("natsplugin: malformed message")
)

type issueMsg struct {
	ConfigurationID      string           `json:"configuration_id"`
	CredentialIdentifier string           `json:"credential_identifier,omitempty"`
	TransactionID        string           `json:"transaction_id,omitempty"`
	Subject              string           `json:"subject,omitempty"`
	Claims               map[string]any   `json:"claims,omitempty"`
	ClientID             string           `json:"client_id,omitempty"`
	HolderKeys           []map[string]any `json:"holder_keys,omitempty"`
	HolderKIDs           []string         `json:"holder_kids,omitempty"`
}

type replyMsg struct {
	Credentials []json.RawMessage `json:"credentials,omitempty"`
	Deferred    bool              `json:"deferred,omitempty"`
	Interval    int               `json:"interval,omitempty"`
	Error       *errMsg           `json:"error,omitempty"`
}

type errMsg struct {
	Code        string `json:"code"`
	Description string `json:"description,omitempty"`
}

type metadataMsg struct {
	Configurations map[string]*oid4vci.CredentialConfiguration `json:"configurations"`
	Error          *errMsg                                     `json:"error,omitempty"`
}

func decode(data []byte, v any) error {
	if len(data) > MaxMessage {
		return fmt.Errorf("%w: %d bytes", ErrMessage, len(data))
	}
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxMessage, MaxDepth: 64}); err != nil {
		return fmt.Errorf("%w: %v", ErrMessage, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMessage, err)
	}
	return nil
}

// Client is an issuer.Plugin whose work is done by a remote plugin.
type Client struct {
	nc      *nats.Conn
	subject string
	configs map[string]*oid4vci.CredentialConfiguration
}

// NewClient asks the remote plugin on subject for its credential
// configurations and returns the client. Each configuration is validated.
func NewClient(ctx context.Context, nc *nats.Conn, subject string) (*Client, error) {
	if nc == nil || subject == "" {
		return nil, fmt.Errorf("%w: connection and subject are required", issuer.ErrConfig)
	}
	msg, err := nc.RequestWithContext(ctx, subject+".metadata", []byte("{}"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRemote, err)
	}
	var md metadataMsg
	if err := decode(msg.Data, &md); err != nil {
		return nil, err
	}
	if md.Error != nil {
		return nil, fmt.Errorf("%w: %s", ErrRemote, md.Error.Code)
	}
	if len(md.Configurations) == 0 {
		return nil, fmt.Errorf("%w: no credential configurations", ErrRemote)
	}
	for id, c := range md.Configurations {
		if c == nil {
			return nil, fmt.Errorf("%w: configuration %q is null", ErrMessage, id)
		}
		if err := c.Validate(oid4vci.ProfileFinal); err != nil {
			return nil, fmt.Errorf("%w: configuration %q: %v", ErrMessage, id, err)
		}
	}
	return &Client{nc: nc, subject: subject, configs: md.Configurations}, nil
}

// Configurations implements issuer.Plugin.
func (c *Client) Configurations() map[string]*oid4vci.CredentialConfiguration { return c.configs }

// Issue implements issuer.Plugin by request/reply on <subject>.issue.
func (c *Client) Issue(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	m := issueMsg{
		ConfigurationID: req.ConfigurationID, CredentialIdentifier: req.CredentialIdentifier, TransactionID: req.TransactionID,
		Subject: req.Subject, Claims: req.Claims, ClientID: req.ClientID,
	}
	for _, k := range req.HolderKeys {
		m.HolderKeys = append(m.HolderKeys, k.JWK)
		m.HolderKIDs = append(m.HolderKIDs, k.KID)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	msg, err := c.nc.RequestWithContext(ctx, c.subject+".issue", b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRemote, err)
	}
	var r replyMsg
	if err := decode(msg.Data, &r); err != nil {
		return nil, err
	}
	if r.Error != nil {
		if r.Error.Code == string(oid4vci.CodeServerError) || r.Error.Code == "" {
			return nil, fmt.Errorf("%w: %s", ErrRemote, r.Error.Description)
		}
		return nil, oid4vci.NewError(oid4vci.ErrorCode(r.Error.Code), r.Error.Description)
	}
	out := &issuer.IssueResult{Deferred: r.Deferred, Interval: r.Interval}
	for _, raw := range r.Credentials {
		out.Credentials = append(out.Credentials, oid4vci.IssuedCredential{Credential: raw})
	}
	return out, nil
}

// Server answers a plugin's subjects.
type Server struct {
	subs []*nats.Subscription
	wg   sync.WaitGroup
}

// ServeOption tunes Serve.
type ServeOption func(*serveConfig)

type serveConfig struct{ concurrency int }

// WithConcurrency bounds how many issue requests run at once (default
// DefaultConcurrency; 1 handles them one after the other). When all are
// busy, further requests wait in the subscription's pending queue.
func WithConcurrency(n int) ServeOption {
	return func(c *serveConfig) {
		if n > 0 {
			c.concurrency = n
		}
	}
}

// Serve subscribes plugin to <subject>.metadata and <subject>.issue, in
// queue group queue (replicas of one plugin share the load; "" for none).
// Issue requests are handled concurrently (see WithConcurrency), so
// plugin.Issue must be safe for concurrent use. Errors of the plugin are
// answered as protocol errors when they are *oid4vci.Error, else as
// server_error (details go to log only).
func Serve(nc *nats.Conn, subject, queue string, plugin issuer.Plugin, log *slog.Logger, opts ...ServeOption) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sc := serveConfig{concurrency: DefaultConcurrency}
	for _, o := range opts {
		o(&sc)
	}
	mdReply, err := json.Marshal(metadataMsg{Configurations: plugin.Configurations()})
	if err != nil {
		return nil, err
	}
	s := &Server{}
	sub, err := nc.QueueSubscribe(subject+".metadata", queue, func(m *nats.Msg) { _ = m.Respond(mdReply) })
	if err != nil {
		return nil, err
	}
	s.subs = append(s.subs, sub)
	configs := plugin.Configurations()
	// NATS calls a subscription's handler for one message at a time; the
	// handler hands each request to a goroutine, at most sc.concurrency at
	// once (it blocks when all are busy: back-pressure).
	sem := make(chan struct{}, sc.concurrency)
	sub, err = nc.QueueSubscribe(subject+".issue", queue, func(m *nats.Msg) {
		sem <- struct{}{}
		s.wg.Add(1)
		go func() {
			defer func() { <-sem; s.wg.Done() }()
			reply := handle(configs, plugin, m.Data, log)
			b, _ := json.Marshal(reply)
			_ = m.Respond(b)
		}()
	})
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	s.subs = append(s.subs, sub)
	return s, nil
}

func handle(configs map[string]*oid4vci.CredentialConfiguration, plugin issuer.Plugin, data []byte, log *slog.Logger) *replyMsg {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fail := func(code oid4vci.ErrorCode, desc string) *replyMsg {
		return &replyMsg{Error: &errMsg{Code: string(code), Description: desc}}
	}
	var m issueMsg
	if err := decode(data, &m); err != nil {
		return fail(oid4vci.CodeServerError, "malformed request")
	}
	cfg := configs[m.ConfigurationID]
	if cfg == nil {
		return fail(oid4vci.CodeUnknownCredentialConfiguration, "configuration not served here")
	}
	if len(m.HolderKIDs) != 0 && len(m.HolderKIDs) != len(m.HolderKeys) {
		return fail(oid4vci.CodeServerError, "malformed request")
	}
	req := &issuer.IssueRequest{
		ConfigurationID: m.ConfigurationID, Configuration: cfg, CredentialIdentifier: m.CredentialIdentifier,
		TransactionID: m.TransactionID, Subject: m.Subject, Claims: m.Claims, ClientID: m.ClientID,
	}
	for k, jwk := range m.HolderKeys {
		pub, err := crypto.PublicKeyFromJWK(jwk)
		if err != nil {
			return fail(oid4vci.CodeServerError, "malformed holder key")
		}
		tp, err := crypto.Thumbprint(pub)
		if err != nil {
			return fail(oid4vci.CodeServerError, "malformed holder key")
		}
		hk := issuer.HolderKey{Public: pub, JWK: jwk, Thumbprint: tp}
		if len(m.HolderKIDs) > 0 && m.HolderKIDs[k] != "" {
			hk.KID = m.HolderKIDs[k]
			hk.DID = hk.KID
			if i := indexByte(hk.KID, '#'); i >= 0 {
				hk.DID = hk.KID[:i]
			}
		}
		req.HolderKeys = append(req.HolderKeys, hk)
	}
	ctx, cancel := context.WithTimeout(context.Background(), IssueTimeout)
	defer cancel()
	res, err := plugin.Issue(ctx, req)
	if err != nil {
		var e *oid4vci.Error
		if errors.As(err, &e) {
			return fail(e.Code, e.Description)
		}
		log.Error("natsplugin: issuance failed", "configuration", m.ConfigurationID, "err", err)
		return fail(oid4vci.CodeServerError, "issuance failed")
	}
	r := &replyMsg{Deferred: res.Deferred, Interval: res.Interval}
	for _, c := range res.Credentials {
		r.Credentials = append(r.Credentials, c.Credential)
	}
	return r
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

// Close unsubscribes and waits for the issue requests in progress (each
// bounded by IssueTimeout).
func (s *Server) Close() error {
	var errs []error
	for _, sub := range s.subs {
		errs = append(errs, sub.Unsubscribe())
	}
	s.wg.Wait()
	return errors.Join(errs...)
}
