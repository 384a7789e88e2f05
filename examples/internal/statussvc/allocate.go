package statussvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/statuslist"
)

// Wire formats of AllocateRequest.Format.
const (
	FormatIETF = "ietf"
	FormatW3C  = "w3c"
)

// Reply types (AllocateReply.Type).
const (
	TypeIETF = "TokenStatusList"
	TypeW3C  = statuslist.TypeBitstringEntry
)

// AllocateRequest is the data of a "create" event on status.data.create and
// the body of POST /v1/tenants/{tenant}/status/allocate.
type AllocateRequest struct {
	svc.Request
	// Format is "ietf" (default) or "w3c".
	Format string `json:"format,omitempty"`
	// Purpose is the W3C statusPurpose (revocation — the default —,
	// suspension, message, refresh, …). For IETF lists it selects nothing
	// but is checked: "suspension" needs at least 2 bits.
	Purpose string `json:"purpose,omitempty"`
	// Bits per entry: IETF 1, 2, 4 or 8 (default 2: VALID, INVALID,
	// SUSPENDED); W3C statusSize 1..8 (default 1).
	Bits int `json:"bits,omitempty"`
	// Messages is the W3C statusMessage, required when bits > 1.
	Messages []statuslist.StatusMessage `json:"messages,omitempty"`
}

// AllocateReply is the answer to an allocation.
type AllocateReply struct {
	svc.Reply
	Index     uint64 `json:"index"`
	ListID    string `json:"listId"`
	StatusURL string `json:"statusUrl"`
	// Type is "TokenStatusList" or "BitstringStatusListEntry".
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
	// Status is the object to embed: the IETF "status" claim
	// ({"status_list":{"idx","uri"}}) or the W3C "credentialStatus" entry.
	Status json.RawMessage `json:"status"`
}

// VerifyRequest is the data of a "verify" event: the status of one entry
// of one of this service's lists.
type VerifyRequest struct {
	svc.Request
	ListID string `json:"listId"`
	Index  uint64 `json:"index"`
}

// VerifyReply answers a "verify" event (the W-Stack's {revocated,
// suspended}, plus the status name).
type VerifyReply struct {
	svc.Reply
	Status    string `json:"status"`
	Revocated bool   `json:"revocated"`
	Suspended bool   `json:"suspended"`
}

// listConfig turns a request into the pool and list configuration.
func (s *Service) listConfig(req AllocateRequest) (string, statuslist.ListConfig, error) {
	cfg := statuslist.ListConfig{Bits: req.Bits, Capacity: s.cfg.Capacity}
	purpose := req.Purpose
	if purpose == "" {
		purpose = statuslist.PurposeRevocation
	}
	switch req.Format {
	case FormatIETF, "":
		cfg.Format = statuslist.FormatIETF
		if cfg.Bits == 0 {
			cfg.Bits = 2
		}
		if purpose == statuslist.PurposeSuspension && cfg.Bits < 2 {
			return "", cfg, fmt.Errorf("%w: an IETF list of 1 bit cannot express suspension", statuslist.ErrConfig)
		}
		if purpose != statuslist.PurposeRevocation && purpose != statuslist.PurposeSuspension {
			return "", cfg, fmt.Errorf("%w: IETF lists carry revocation and suspension, not %q", statuslist.ErrConfig, purpose)
		}
		if len(req.Messages) > 0 {
			return "", cfg, fmt.Errorf("%w: messages are a W3C feature", statuslist.ErrConfig)
		}
	case FormatW3C:
		cfg.Format = statuslist.FormatBitstring
		if cfg.Bits == 0 {
			cfg.Bits = 1
		}
		cfg.Purpose = purpose
		if !statuslist.ValidName(purpose) {
			return "", cfg, fmt.Errorf("%w: purpose %q", statuslist.ErrConfig, purpose)
		}
		if err := statuslist.CheckStatusMessages(cfg.Bits, req.Messages); err != nil {
			return "", cfg, err
		}
	default:
		return "", cfg, fmt.Errorf("%w: format %q (ietf or w3c)", statuslist.ErrConfig, req.Format)
	}
	n, err := cfg.Normalize()
	if err != nil {
		return "", cfg, err
	}
	group := req.GroupID
	if group == "" {
		group = "default"
	}
	if !statuslist.ValidName(group) {
		return "", cfg, fmt.Errorf("%w: group_id %q", statuslist.ErrConfig, group)
	}
	// One pool per group and configuration: the allocator refuses a pool
	// whose lists have another configuration. IETF lists serve both
	// purposes, so the purpose is not part of their pool.
	pool := fmt.Sprintf("%s.%s.%d", group, n.Format, n.Bits)
	if n.Format == statuslist.FormatBitstring {
		pool += "." + n.Purpose
	}
	if !statuslist.ValidName(pool) {
		return "", cfg, fmt.Errorf("%w: group_id %q too long", statuslist.ErrConfig, group)
	}
	return pool, n, nil
}

// Allocate hands out an index for a new credential of tenant and returns
// what to embed in it. Every check runs before the index is taken, so a
// refused request allocates nothing.
func (s *Service) Allocate(ctx context.Context, tenant string, req AllocateRequest) (*AllocateReply, error) {
	if !statuslist.ValidName(tenant) {
		return nil, fmt.Errorf("%w: tenant %q", statuslist.ErrConfig, tenant)
	}
	pool, cfg, err := s.listConfig(req)
	if err != nil {
		return nil, err
	}
	// The signing key must be usable before indices are handed out that
	// could never be published.
	if _, err := s.publisher(ctx, tenant); err != nil {
		return nil, err
	}
	a, err := s.alloc.Allocate(ctx, tenant, pool, cfg)
	if err != nil {
		return nil, err
	}
	rep := &AllocateReply{Reply: svc.Reply{TenantID: tenant, RequestID: req.RequestID, GroupID: req.GroupID},
		Index: a.Index, ListID: a.ListID, StatusURL: a.URI}
	var status any
	if cfg.Format == statuslist.FormatIETF {
		rep.Type, rep.Purpose = TypeIETF, req.Purpose
		if rep.Purpose == "" {
			rep.Purpose = statuslist.PurposeRevocation
		}
		status, err = statuslist.NewStatusListClaim(a)
	} else {
		rep.Type, rep.Purpose = TypeW3C, cfg.Purpose
		status, err = statuslist.NewBitstringEntry(a, a.URI, req.Messages)
	}
	if err == nil {
		rep.Status, err = json.Marshal(status)
	}
	if err != nil {
		return nil, err
	}
	s.log.DebugContext(ctx, "status allocated", "tenant", tenant, "list", a.ListID, "pool", pool)
	return rep, nil
}

// Verify reports the status of an entry of one of the service's lists.
func (s *Service) Verify(ctx context.Context, tenant, listID string, index uint64) (statuslist.Status, statuslist.ListConfig, error) {
	if !statuslist.ValidName(tenant) || !statuslist.ValidName(listID) {
		return 0, statuslist.ListConfig{}, statuslist.ErrNotFound
	}
	info, l, err := statuslist.LoadList(ctx, s.store, tenant, listID)
	if err != nil {
		return 0, statuslist.ListConfig{}, err
	}
	st, err := l.Get(index)
	return st, info.Config, err
}

// Subscribe answers status.data.create on nc (queue group QueueGroup):
// "create" allocates, "verify" reports a status. Unsubscribe the result
// (or close nc) to stop.
func (s *Service) Subscribe(nc *nats.Conn) (*nats.Subscription, error) {
	return svc.Respond(nc, Subject, QueueGroup, Name, ReplyType, 10*time.Second, s.log, s.respond)
}

func (s *Service) respond(ctx context.Context, e *svc.Event) (any, error) {
	switch e.Type {
	case EventCreate:
		var req AllocateRequest
		if err := json.Unmarshal(e.Data, &req); err != nil {
			return nil, &svc.StatusError{Status: http.StatusBadRequest, Err: fmt.Errorf("%w: %v", svc.ErrBadRequest, err)}
		}
		rep, err := s.Allocate(ctx, req.TenantID, req)
		if err != nil {
			return nil, &svc.StatusError{Status: status(err), Err: err}
		}
		return rep, nil
	case EventVerify:
		var req VerifyRequest
		if err := json.Unmarshal(e.Data, &req); err != nil {
			return nil, &svc.StatusError{Status: http.StatusBadRequest, Err: fmt.Errorf("%w: %v", svc.ErrBadRequest, err)}
		}
		st, cfg, err := s.Verify(ctx, req.TenantID, req.ListID, req.Index)
		if err != nil {
			return nil, &svc.StatusError{Status: status(err), Err: err}
		}
		return verifyReply(req, st, cfg), nil
	}
	return nil, &svc.StatusError{Status: http.StatusBadRequest, Err: fmt.Errorf("%w: event type %q (create or verify)", svc.ErrBadRequest, e.Type)}
}

func verifyReply(req VerifyRequest, st statuslist.Status, cfg statuslist.ListConfig) VerifyReply {
	r := VerifyReply{Reply: svc.Reply{TenantID: req.TenantID, RequestID: req.RequestID, GroupID: req.GroupID}}
	switch {
	case cfg.Format == statuslist.FormatIETF:
		r.Status = st.String()
		r.Revocated, r.Suspended = st == statuslist.Invalid, st == statuslist.Suspended
	case st == 0:
		r.Status = "VALID"
	default:
		r.Status = "0x" + strconv.FormatUint(uint64(st), 16)
		r.Revocated = cfg.Purpose == statuslist.PurposeRevocation
		r.Suspended = cfg.Purpose == statuslist.PurposeSuspension
	}
	return r
}

// status maps library errors to HTTP statuses.
func status(err error) int {
	switch {
	case errors.Is(err, statuslist.ErrNotFound), errors.Is(err, statuslist.ErrNotAllocated):
		return http.StatusNotFound
	case errors.Is(err, statuslist.ErrFinal):
		return http.StatusConflict
	case errors.Is(err, svc.ErrBadRequest), errors.Is(err, statuslist.ErrConfig), errors.Is(err, statuslist.ErrIndexOutOfRange),
		errors.Is(err, statuslist.ErrBadBits), errors.Is(err, statuslist.ErrBadValue), errors.Is(err, statuslist.ErrStatusMessage),
		errors.Is(err, statuslist.ErrListLength):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func code(st int) string {
	switch st {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "status_final"
	case http.StatusBadRequest:
		return "invalid_request"
	}
	return "server_error"
}

func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := status(err)
	msg := err.Error()
	if st == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "status request failed", "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	svc.WriteError(w, st, code(st), msg)
}

func (s *Service) handleAllocate(w http.ResponseWriter, r *http.Request) {
	var req AllocateRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	tenant := r.PathValue("tenant")
	if req.TenantID != "" && req.TenantID != tenant {
		s.writeError(w, r, fmt.Errorf("%w: tenant_id %q differs from the route's tenant", svc.ErrBadRequest, req.TenantID))
		return
	}
	rep, err := s.Allocate(r.Context(), tenant, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	svc.WriteJSON(w, http.StatusCreated, rep)
}

type op int

const (
	opRevoke op = iota
	opSuspend
	opReinstate
)

// ChangeReply is the answer to a status change.
type ChangeReply struct {
	ListID string `json:"listId"`
	Index  uint64 `json:"index"`
	Status string `json:"status"`
}

// Revoke, Suspend and Reinstate change the status of an allocated entry.
// Revocation is final (statuslist.ErrFinal on any later change); a W3C
// list expresses only its purpose (revoke on revocation lists, suspend and
// reinstate on suspension lists).
func (s *Service) Revoke(ctx context.Context, tenant, listID string, index uint64) error {
	return s.change(ctx, opRevoke, tenant, listID, index)
}

// Suspend sets SUSPENDED (IETF lists of 2+ bits) or 1 (W3C suspension lists).
func (s *Service) Suspend(ctx context.Context, tenant, listID string, index uint64) error {
	return s.change(ctx, opSuspend, tenant, listID, index)
}

// Reinstate lifts a suspension (VALID again).
func (s *Service) Reinstate(ctx context.Context, tenant, listID string, index uint64) error {
	return s.change(ctx, opReinstate, tenant, listID, index)
}

func (s *Service) change(ctx context.Context, o op, tenant, listID string, index uint64) error {
	if !statuslist.ValidName(tenant) || !statuslist.ValidName(listID) {
		return statuslist.ErrNotFound
	}
	info, err := s.store.Info(ctx, tenant, listID)
	if err != nil {
		return err
	}
	w3c := info.Config.Format == statuslist.FormatBitstring
	switch o {
	case opRevoke:
		if w3c && info.Config.Purpose != statuslist.PurposeRevocation {
			return fmt.Errorf("%w: list %s has purpose %s, not revocation", statuslist.ErrConfig, listID, info.Config.Purpose)
		}
		err = s.alloc.Revoke(ctx, tenant, listID, index)
	case opSuspend:
		err = s.alloc.Suspend(ctx, tenant, listID, index)
	case opReinstate:
		if w3c && info.Config.Purpose != statuslist.PurposeSuspension {
			return fmt.Errorf("%w: list %s has purpose %s, only suspensions are lifted", statuslist.ErrConfig, listID, info.Config.Purpose)
		}
		if !w3c && info.Config.Bits < 2 {
			return fmt.Errorf("%w: list %s cannot express suspension", statuslist.ErrConfig, listID)
		}
		err = s.alloc.Unsuspend(ctx, tenant, listID, index)
	}
	if err == nil {
		s.log.InfoContext(ctx, "status changed", "tenant", tenant, "list", listID, "op", [...]string{"revoke", "suspend", "reinstate"}[o])
	}
	return err
}

func (s *Service) handleChange(o op) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant, listID := r.PathValue("tenant"), r.PathValue("list")
		index, err := statuslist.ParseStatusListIndex(r.PathValue("index"))
		if err == nil {
			err = s.change(r.Context(), o, tenant, listID, index)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		st, _, err := s.Verify(r.Context(), tenant, listID, index)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		svc.WriteJSON(w, http.StatusOK, ChangeReply{ListID: listID, Index: index, Status: st.String()})
	}
}

// handleList publishes a list with the publisher of its tenant's key.
func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !statuslist.ValidName(tenant) {
		http.NotFound(w, r)
		return
	}
	tp, err := s.publisher(r.Context(), tenant)
	if err != nil {
		s.log.ErrorContext(r.Context(), "status list signer unavailable", "tenant", tenant, "err", err)
		http.Error(w, "status list signer unavailable", http.StatusServiceUnavailable)
		return
	}
	tp.pub.ServeList(w, r)
	if tp.signer.stale.Load() {
		s.log.WarnContext(r.Context(), "status list signing key was rotated; next publication uses the new version", "tenant", tenant)
	}
}

// handleJWKS serves every version of the tenant's list signing key
// (current first), so lists signed before a rotation keep verifying.
func (s *Service) handleJWKS(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !statuslist.ValidName(tenant) {
		http.NotFound(w, r)
		return
	}
	if _, err := s.publisher(r.Context(), tenant); err != nil {
		http.Error(w, "status list signer unavailable", http.StatusServiceUnavailable)
		return
	}
	vs, err := s.cfg.Engine.KeyVersions(r.Context(), s.keyRef(tenant))
	if err != nil {
		s.log.ErrorContext(r.Context(), "status list key versions", "tenant", tenant, "err", err)
		http.Error(w, "status list signer unavailable", http.StatusServiceUnavailable)
		return
	}
	keys := make([]any, 0, len(vs))
	for i := len(vs) - 1; i >= 0; i-- {
		jwk, err := vs[i].JWK()
		if err != nil || jwk == nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		keys = append(keys, jwk)
	}
	body, _ := json.Marshal(map[string]any{"keys": keys})
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(body)
}

func (s *Service) handleAggregation(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !statuslist.ValidName(tenant) {
		http.NotFound(w, r)
		return
	}
	tp, err := s.publisher(r.Context(), tenant)
	if err != nil {
		http.Error(w, "status list signer unavailable", http.StatusServiceUnavailable)
		return
	}
	tp.pub.AggregationHandler().ServeHTTP(w, r)
}
