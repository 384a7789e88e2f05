package pluginsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/svc"
)

// IssuanceRequest is the data of a <topic>.request event (the W-Stack's
// IssuanceRequest{identifier, payload} with its envelope) and the body of
// POST /v1/tenants/{tenant}/issuance/request (tenant from the path).
type IssuanceRequest struct {
	svc.Request
	// Identifier is the subject the credential is prepared for.
	Identifier string `json:"identifier"`
	// Payload holds the claims (an object; the plugin sets iss, vct, iat,
	// exp, cnf and status itself).
	Payload map[string]any `json:"payload"`
	// CredentialConfigurationID selects the configuration (default the
	// dc+sd-jwt one).
	CredentialConfigurationID string `json:"credential_configuration_id,omitempty"`
	// TwoFactor asks the issuer for a transaction code sent to the
	// recipient (event on pin).
	TwoFactor issuersvc.TwoFactor `json:"twoFactor"`
}

// IssuanceReply carries the offer link.
type IssuanceReply struct {
	svc.Reply
	Offer string `json:"offer"`
}

// Prepare checks the claims and asks the issuer for an offer over NATS;
// the claims travel with the offer request and are stored with the offer
// by the issuer until the wallet redeems it.
func (s *Service) Prepare(ctx context.Context, req IssuanceRequest) (*IssuanceReply, error) {
	switch {
	case !tenantRE.MatchString(req.TenantID):
		return nil, fmt.Errorf("%w: tenant_id %q", ErrRequest, req.TenantID)
	case req.Identifier == "" || len(req.Identifier) > 256:
		return nil, fmt.Errorf("%w: identifier must have 1 to 256 characters", ErrRequest)
	}
	id := req.CredentialConfigurationID
	if id == "" {
		id = s.cfg.SDJWTConfigurationID
	}
	if s.configs[id] == nil {
		return nil, fmt.Errorf("%w: unknown credential configuration %q", ErrRequest, id)
	}
	if err := checkClaims(req.Payload); err != nil {
		return nil, err
	}
	if req.RequestID == "" {
		req.RequestID = svc.RandomID()
	}
	or := issuersvc.OfferingURLReq{
		Request: req.Request,
		Params: issuersvc.OfferingParams{
			Subject: req.Identifier, Claims: req.Payload, TwoFactor: req.TwoFactor,
			CredentialConfigurations: []issuersvc.CredentialConfigurationRef{{ConfigurationID: id}},
		},
	}
	ctx, cancel := context.WithTimeout(ctx, natsTimeout)
	defer cancel()
	var resp issuersvc.OfferingURLResp
	if err := svc.Call(ctx, s.cfg.NATS, s.cfg.OfferSubject, s.cfg.Topic, "credential.offer.url", or, &resp); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOffer, err)
	}
	if resp.CredentialOffer == "" {
		return nil, fmt.Errorf("%w: empty reply", ErrOffer)
	}
	return &IssuanceReply{Reply: svc.Reply{TenantID: req.TenantID, RequestID: req.RequestID, GroupID: req.GroupID}, Offer: resp.CredentialOffer}, nil
}

func (s *Service) respondRequest(ctx context.Context, e *svc.Event) (any, error) {
	var req IssuanceRequest
	if err := json.Unmarshal(e.Data, &req); err != nil {
		return nil, &svc.StatusError{Status: http.StatusBadRequest, Err: fmt.Errorf("%w: %v", ErrRequest, err)}
	}
	rep, err := s.Prepare(ctx, req)
	if err != nil {
		return nil, statusOf(err)
	}
	return rep, nil
}

func statusOf(err error) error {
	switch {
	case errors.Is(err, ErrRequest):
		return &svc.StatusError{Status: http.StatusBadRequest, Err: err}
	case errors.Is(err, svc.ErrRemote):
		return &svc.StatusError{Status: http.StatusBadGateway, Err: err}
	}
	return &svc.StatusError{Status: http.StatusInternalServerError, Err: err}
}

func (s *Service) handleRequest(w http.ResponseWriter, r *http.Request) {
	var req IssuanceRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		svc.WriteError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if req.TenantID != "" && req.TenantID != r.PathValue("tenant") {
		svc.WriteError(w, http.StatusBadRequest, "invalid_request", "tenant_id differs from the path")
		return
	}
	req.TenantID = r.PathValue("tenant")
	rep, err := s.Prepare(r.Context(), req)
	if err != nil {
		var se *svc.StatusError
		errors.As(statusOf(err), &se)
		if se.Status >= 500 || se.Status == http.StatusBadGateway {
			s.log.Error("preparing issuance", "err", err)
			svc.WriteError(w, se.Status, "server_error", "no offer")
			return
		}
		svc.WriteError(w, se.Status, "invalid_request", err.Error())
		return
	}
	svc.WriteJSON(w, http.StatusCreated, rep)
}
