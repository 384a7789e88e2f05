package verifiersvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/examples/internal/svc"
)

// Event types on NATS.
const (
	TypeAuthorizationReply = "verifier.presentation.authorization.reply"
	TypeNotification       = "verifier.proof.notification"
)

// AuthorizationRequest is the data of a verifier.presentation.authorization
// request: the W-Stack envelope (tenant_id, request_id, group_id) and the
// PresentationRequest members. group_id, when set, is the group.
type AuthorizationRequest struct {
	svc.Request
	PresentationRequest
}

// AuthorizationReply is the reply's data: the envelope and the
// PresentationCreated members.
type AuthorizationReply struct {
	svc.Reply
	PresentationCreated
}

// subscribe answers verifier.presentation.authorization in the queue
// group, with the answer of POST …/presentation/request.
func (s *Service) subscribe() error {
	sub, err := svc.Respond(s.cfg.NATS, SubjectAuthorization, s.cfg.QueueGroup, EventSource, TypeAuthorizationReply,
		30*time.Second, s.log, func(ctx context.Context, e *svc.Event) (any, error) {
			var req AuthorizationRequest
			if err := json.Unmarshal(e.Data, &req); err != nil {
				return nil, &svc.StatusError{Status: http.StatusBadRequest, Err: fmt.Errorf("%w: %v", ErrBadRequest, err)}
			}
			if req.Group == "" {
				req.Group = req.GroupID
			}
			out, err := s.CreatePresentation(ctx, req.TenantID, req.PresentationRequest)
			if err != nil {
				return nil, &svc.StatusError{Status: statusOf(err), Err: err}
			}
			return AuthorizationReply{Reply: svc.Reply{TenantID: req.TenantID, RequestID: req.RequestID, GroupID: req.GroupID},
				PresentationCreated: *out}, nil
		})
	if err != nil {
		return err
	}
	s.subs = append(s.subs, sub)
	return nil
}

func publish(nc *nats.Conn, n Notification) error {
	return svc.Publish(nc, SubjectNotification, EventSource, TypeNotification, n)
}

// statusOf maps the service's errors to HTTP statuses.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadRequest), errors.Is(err, svc.ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrUnknownTenant):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}
