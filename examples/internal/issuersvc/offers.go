package issuersvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
)

// OfferingURLReq is the data of a credential.offer.url request: the
// W-Stack's envelope and its OfferingURLReq parameters. Unlike the
// W-Stack's types, claims have their own member (its AuthorizationReq
// tagged Claims and Subject both "subject", so Go dropped both).
type OfferingURLReq struct {
	svc.Request
	Params OfferingParams `json:"params"`
}

// OfferingParams are the parameters of an offer request.
type OfferingParams struct {
	// Subject is whom the offer is for (opaque; handed to the plugin).
	Subject string `json:"subject"`
	// Claims is the data the plugin builds the credentials from; it is
	// stored with the offer (the issuer's SQL store) until issuance.
	Claims map[string]any `json:"claims,omitempty"`
	// CredentialConfigurations are the offered configurations.
	CredentialConfigurations []CredentialConfigurationRef `json:"credentialConfiguration"`
	// GrantType must be empty, "pre-authorized_code" or the grant's URN
	// (the only grant offers are made for).
	GrantType string `json:"grantType,omitempty"`
	// TwoFactor asks for a transaction code sent to the recipient.
	TwoFactor TwoFactor `json:"twoFactor"`
	// Nonce is accepted for W-Stack compatibility and not used: c_nonces
	// come from the nonce endpoint (OpenID4VCI 1.0 §7).
	Nonce string `json:"nonce,omitempty"`
	// IssuerState belongs to the authorization code grant, which offers
	// do not support; a non-empty value is refused.
	IssuerState string `json:"issuerState,omitempty"`
	// ByReference serves the offer at credential_offer_uri (extension).
	ByReference bool `json:"byReference,omitempty"`
}

// CredentialConfigurationRef names one offered configuration.
type CredentialConfigurationRef struct {
	ConfigurationID string `json:"configuration_id"`
	// CredentialIdentifier is refused when set: identifiers are chosen by
	// the issuer and returned in the token's authorization_details.
	CredentialIdentifier []string `json:"credential_identifier,omitempty"`
}

// TwoFactor is the W-Stack's transaction code request.
type TwoFactor struct {
	Enabled bool `json:"enabled"`
	// RecipientType is "email" (default) or "didcomm": the pin event type
	// is email.pin.v1 or didcomm.pin.v1.
	RecipientType string `json:"recipientType,omitempty"`
	// RecipientAddress is where the delivering service sends the code.
	RecipientAddress string `json:"recipientAddress,omitempty"`
}

// OfferingURLResp is the reply data: the offer link (QR code payload).
type OfferingURLResp struct {
	svc.Reply
	CredentialOffer string    `json:"credentialOffer"`
	Subject         string    `json:"subject"`
	OfferID         string    `json:"offerId"`
	ExpiresAt       time.Time `json:"expiresAt"`
}

// OfferRequest is the body of POST /v1/tenants/{tenant}/offers.
type OfferRequest struct {
	Subject                    string         `json:"subject"`
	CredentialConfigurationIDs []string       `json:"credential_configuration_ids"`
	Claims                     map[string]any `json:"claims,omitempty"`
	TwoFactor                  TwoFactor      `json:"twoFactor"`
	ByReference                bool           `json:"by_reference,omitempty"`
	// TTL in seconds overrides the offer lifetime (at most 24 h).
	TTL int `json:"ttl,omitempty"`
}

// OfferResponse answers POST …/offers (201).
type OfferResponse struct {
	OfferID            string    `json:"offer_id"`
	CredentialOffer    string    `json:"credential_offer"`
	CredentialOfferURI string    `json:"credential_offer_uri,omitempty"`
	ExpiresAt          time.Time `json:"expires_at"`
}

// PinEvent is the data of the event published on the pin subject: what a
// delivering service (e-mail, DIDComm) needs. It carries the transaction
// code and is never logged.
type PinEvent struct {
	TenantID      string    `json:"tenant_id"`
	RequestID     string    `json:"request_id,omitempty"`
	OfferID       string    `json:"offer_id"`
	Subject       string    `json:"subject,omitempty"`
	RecipientType string    `json:"recipient_type"`
	Recipient     string    `json:"recipient,omitempty"`
	Pin           string    `json:"pin"`
	ExpiresAt     time.Time `json:"expires_at"`
}

const maxOfferTTL = 24 * time.Hour

// offer is the one path both APIs take.
type offer struct {
	tenant, requestID, subject string
	ids                        []string
	claims                     map[string]any
	twoFactor                  TwoFactor
	byRef                      bool
	ttl                        time.Duration
}

// CreateOffer creates an offer for tenant (the in-process form of both
// offer APIs).
func (s *Service) CreateOffer(ctx context.Context, tenant string, req OfferRequest) (*issuer.CreatedOffer, error) {
	if req.TTL < 0 || time.Duration(req.TTL)*time.Second > maxOfferTTL {
		return nil, fmt.Errorf("%w: ttl out of range", ErrOffer)
	}
	return s.createOffer(ctx, offer{tenant: tenant, subject: req.Subject, ids: req.CredentialConfigurationIDs,
		claims: req.Claims, twoFactor: req.TwoFactor, byRef: req.ByReference, ttl: time.Duration(req.TTL) * time.Second})
}

func (s *Service) createOffer(ctx context.Context, o offer) (*issuer.CreatedOffer, error) {
	tn := s.tenants[o.tenant]
	if tn == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTenant, o.tenant)
	}
	if o.subject == "" {
		return nil, fmt.Errorf("%w: subject is required", ErrOffer)
	}
	r := issuer.OfferRequest{Subject: o.subject, ConfigurationIDs: o.ids, Claims: o.claims, ByReference: o.byRef, TTL: o.ttl}
	if o.twoFactor.Enabled {
		switch o.twoFactor.RecipientType {
		case "", recipientTypeEmail, recipientTypeDIDComm:
		default:
			return nil, fmt.Errorf("%w: recipientType must be email or didcomm", ErrOffer)
		}
		r.TxCode = &oid4vci.TxCode{InputMode: oid4vci.InputModeNumeric, Length: 6,
			Description: "Enter the code sent to you"}
		ctx = context.WithValue(ctx, recipientKey{}, recipient{requestID: o.requestID, typ: o.twoFactor.RecipientType, address: o.twoFactor.RecipientAddress})
	}
	created, err := tn.iss.CreateOffer(ctx, r)
	if err != nil {
		if errors.Is(err, issuer.ErrOffer) {
			return nil, fmt.Errorf("%w: %w", ErrOffer, err)
		}
		return nil, err
	}
	s.log.Info("offer created", "tenant", o.tenant, "offer", issuer.LogID(created.ID), "tx_code", o.twoFactor.Enabled)
	return created, nil
}

// deliverTxCode publishes the transaction code on the pin subject.
func (s *Service) deliverTxCode(tenant string) func(context.Context, issuer.TxCodeDelivery) error {
	return func(ctx context.Context, d issuer.TxCodeDelivery) error {
		rc, _ := ctx.Value(recipientKey{}).(recipient)
		typ, rtype := pinEventTypeEmail, recipientTypeEmail
		if rc.typ == recipientTypeDIDComm {
			typ, rtype = pinEventTypeDIDComm, recipientTypeDIDComm
		}
		ev := PinEvent{TenantID: tenant, RequestID: rc.requestID, OfferID: d.OfferID, Subject: d.Subject,
			RecipientType: rtype, Recipient: rc.address, Pin: d.Code, ExpiresAt: d.ExpiresAt}
		if err := svc.Publish(s.cfg.NATS, s.cfg.PinSubject, s.cfg.Source, typ, ev); err != nil {
			return fmt.Errorf("%w: %v", ErrDelivery, err)
		}
		// Publish is asynchronous; make sure the event left the process
		// before the offer is handed out.
		if err := s.cfg.NATS.FlushTimeout(pinPublishTimeout); err != nil {
			return fmt.Errorf("%w: %v", ErrDelivery, err)
		}
		return nil
	}
}

func (s *Service) handleOffer(w http.ResponseWriter, r *http.Request) {
	var req OfferRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		svc.WriteError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	created, err := s.CreateOffer(r.Context(), r.PathValue("tenant"), req)
	if err != nil {
		writeOfferError(w, err, s)
		return
	}
	svc.WriteJSON(w, http.StatusCreated, OfferResponse{OfferID: created.ID, CredentialOffer: created.Link,
		CredentialOfferURI: created.OfferURI, ExpiresAt: created.ExpiresAt.UTC()})
}

func writeOfferError(w http.ResponseWriter, err error, s *Service) {
	switch {
	case errors.Is(err, ErrUnknownTenant):
		svc.WriteError(w, http.StatusNotFound, "not_found", "unknown tenant")
	case errors.Is(err, ErrOffer):
		svc.WriteError(w, http.StatusBadRequest, "invalid_request", err.Error())
	default:
		s.log.Error("creating offer", "err", err)
		svc.WriteError(w, http.StatusInternalServerError, "server_error", "offer not created")
	}
}

// respondOffer answers credential.offer.url.
func (s *Service) respondOffer(ctx context.Context, e *svc.Event) (any, error) {
	var req OfferingURLReq
	if err := json.Unmarshal(e.Data, &req); err != nil {
		return nil, &svc.StatusError{Status: http.StatusBadRequest, Err: fmt.Errorf("%w: %v", ErrOffer, err)}
	}
	p := req.Params
	bad := func(msg string) error {
		return &svc.StatusError{Status: http.StatusBadRequest, Err: fmt.Errorf("%w: %s", ErrOffer, msg)}
	}
	switch {
	case req.TenantID == "":
		return nil, bad("tenant_id is required")
	case p.GrantType != "" && p.GrantType != oid4vci.GrantTypePreAuthorizedCode && p.GrantType != "pre-authorized_code":
		return nil, bad("only the pre-authorized code grant is offered")
	case p.IssuerState != "":
		return nil, bad("issuerState (authorization code grant) is not supported")
	case len(p.CredentialConfigurations) == 0:
		return nil, bad("credentialConfiguration is empty")
	}
	ids := make([]string, 0, len(p.CredentialConfigurations))
	for _, c := range p.CredentialConfigurations {
		if len(c.CredentialIdentifier) > 0 {
			return nil, bad("credential_identifier is chosen by the issuer")
		}
		ids = append(ids, c.ConfigurationID)
	}
	created, err := s.createOffer(ctx, offer{tenant: req.TenantID, requestID: req.RequestID, subject: p.Subject, ids: ids,
		claims: p.Claims, twoFactor: p.TwoFactor, byRef: p.ByReference})
	switch {
	case errors.Is(err, ErrUnknownTenant):
		return nil, &svc.StatusError{Status: http.StatusNotFound, Err: err}
	case errors.Is(err, ErrOffer):
		return nil, &svc.StatusError{Status: http.StatusBadRequest, Err: err}
	case err != nil:
		s.log.Error("creating offer", "err", err)
		return nil, &svc.StatusError{Status: http.StatusInternalServerError, Err: errors.New("offer not created")}
	}
	return OfferingURLResp{
		Reply:           svc.Reply{TenantID: req.TenantID, RequestID: req.RequestID, GroupID: req.GroupID},
		CredentialOffer: created.Link, Subject: p.Subject, OfferID: created.ID, ExpiresAt: created.ExpiresAt.UTC(),
	}, nil
}
