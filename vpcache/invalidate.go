package vpcache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
)

// Query parameters of the invalidation endpoint. A query parameter (rather
// than a path segment) avoids escaping the DID's colons.
const (
	ParamParticipantID        = "participantId"
	ParamParticipantContextID = "participantContextId"
	// MaxInvalidationQueryLen bounds the raw query string.
	MaxInvalidationQueryLen = 4096
)

// InvalidationRequest is a parsed invalidation request.
type InvalidationRequest struct {
	// CounterpartyDID is the DID whose entries are removed (participantId).
	// It is empty when participantId was a BPN that is not resolved yet.
	CounterpartyDID string
	// BPN is set when participantId was a Business Partner Number; the
	// handler resolves it to CounterpartyDID with its BPNResolver.
	BPN string
	// ParticipantContextID restricts removal to one participant context;
	// empty means every participant context.
	ParticipantContextID string
}

// bpnRE is a Catena-X Business Partner Number: BPNL (legal entity), BPNS
// (site) or BPNA (address) followed by 12 upper-case letters or digits.
var bpnRE = regexp.MustCompile(`^BPN[LSA][0-9A-Z]{12}$`)

// IsBPN reports whether s has the form of a Catena-X Business Partner Number.
func IsBPN(s string) bool { return bpnRE.MatchString(s) }

// BPNResolver maps a Business Partner Number to the participant's DID (in
// Tractus-X through the BPN-DID Resolution Service, BDRS).
type BPNResolver interface {
	ResolveBPN(ctx context.Context, bpn string) (string, error)
}

// BPNResolverFunc adapts a function to [BPNResolver].
type BPNResolverFunc func(ctx context.Context, bpn string) (string, error)

// ResolveBPN calls f.
func (f BPNResolverFunc) ResolveBPN(ctx context.Context, bpn string) (string, error) {
	return f(ctx, bpn)
}

// ParseInvalidationRequest parses DELETE ?participantId=<did>[&participantContextId=<id>].
// The participantId must be a DID per W3C DID Core 1.0 (see [ValidateDID])
// or a Business Partner Number ([IsBPN]; returned in BPN, for the handler's
// [BPNResolver]), given exactly once; the participant context, if present, exactly once and
// non-empty. Parameter values are form-decoded once, so a DID that itself
// contains percent-encoding (did:web:example.com%3A8443) must be sent with
// the % escaped (%253A). Errors match [ErrBadRequest]. The method is not
// checked here.
func ParseInvalidationRequest(r *http.Request) (InvalidationRequest, error) {
	if r.URL == nil {
		return InvalidationRequest{}, fmt.Errorf("%w: no URL", ErrBadRequest)
	}
	if len(r.URL.RawQuery) > MaxInvalidationQueryLen {
		return InvalidationRequest{}, fmt.Errorf("%w: query longer than %d bytes", ErrBadRequest, MaxInvalidationQueryLen)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return InvalidationRequest{}, fmt.Errorf("%w: malformed query", ErrBadRequest)
	}
	for name := range q {
		if name != ParamParticipantID && name != ParamParticipantContextID {
			return InvalidationRequest{}, fmt.Errorf("%w: unknown parameter", ErrBadRequest)
		}
	}
	dids := q[ParamParticipantID]
	if len(dids) != 1 {
		return InvalidationRequest{}, fmt.Errorf("%w: %s must be given exactly once", ErrBadRequest, ParamParticipantID)
	}
	req := InvalidationRequest{CounterpartyDID: dids[0]}
	if IsBPN(dids[0]) {
		req.CounterpartyDID, req.BPN = "", dids[0]
	} else if err := ValidateDID(dids[0]); err != nil {
		return InvalidationRequest{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if pcs, ok := q[ParamParticipantContextID]; ok {
		if len(pcs) != 1 {
			return InvalidationRequest{}, fmt.Errorf("%w: %s given more than once", ErrBadRequest, ParamParticipantContextID)
		}
		if err := ValidateParticipantContextID(pcs[0]); err != nil {
			return InvalidationRequest{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		req.ParticipantContextID = pcs[0]
	}
	return req, nil
}

// Authenticator authenticates and authorises an invalidation request (the
// management API's API key or OAuth2 check). It returns nil to allow, an
// error matching [ErrForbidden] for 403 and any other error for 401. It is
// called only for well-formed DELETE requests, before anything is removed.
type Authenticator interface {
	AuthenticateInvalidation(r *http.Request, req InvalidationRequest) error
}

// AuthenticatorFunc adapts a function to [Authenticator].
type AuthenticatorFunc func(r *http.Request, req InvalidationRequest) error

// AuthenticateInvalidation calls f.
func (f AuthenticatorFunc) AuthenticateInvalidation(r *http.Request, req InvalidationRequest) error {
	return f(r, req)
}

type invalidationHandler struct {
	cache *Cache
	auth  Authenticator
	bpn   BPNResolver
	log   *slog.Logger
}

// HandlerOption configures the invalidation handler.
type HandlerOption func(*invalidationHandler)

// WithBPNResolver lets participantId be a Business Partner Number, resolved
// to the DID through r (Tractus-X BDRS). Without it a BPN is a 400. A
// resolution failure is a 502 (the BDRS is an upstream service); the
// resolved DID must itself be a valid DID.
func WithBPNResolver(r BPNResolver) HandlerOption {
	return func(h *invalidationHandler) { h.bpn = r }
}

// NewInvalidationHandler returns the cache-invalidation endpoint of the
// management API (the API the decision record describes and Tractus-X did
// not build). It serves DELETE ?participantId=<did>[&participantContextId=<id>]
// and removes every entry of that counterparty (in that participant context,
// or in all of them):
//
//   - 204 whether or not anything was removed;
//   - 400 for a missing, repeated or malformed DID or participant context
//     or an unknown parameter;
//   - 401 / 403 as the Authenticator decides;
//   - 405 for any other method;
//   - 500 when the store fails;
//   - 502 when a BPN cannot be resolved ([WithBPNResolver]).
//
// auth is required: there is no anonymous default. DELETE cannot be sent by
// an HTML form, so cross-site requests need CORS, which this handler never
// grants. Mount it under a path of your choice, for example
// mux.Handle("DELETE /v1/dcp/vp-cache", h).
func NewInvalidationHandler(cache *Cache, auth Authenticator, opts ...HandlerOption) (http.Handler, error) {
	if cache == nil {
		return nil, fmt.Errorf("%w: nil cache", ErrConfig)
	}
	if auth == nil {
		return nil, fmt.Errorf("%w: an Authenticator is required", ErrConfig)
	}
	h := &invalidationHandler{cache: cache, auth: auth, log: cache.log}
	for _, o := range opts {
		o(h)
	}
	return h, nil
}

func (h *invalidationHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodDelete {
		w.Header().Set("Allow", http.MethodDelete)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	req, err := ParseInvalidationRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.BPN != "" && h.bpn == nil {
		http.Error(w, "participantId: BPNs are not supported here, send the DID", http.StatusBadRequest)
		return
	}
	if err := h.auth.AuthenticateInvalidation(r, req); err != nil {
		if errors.Is(err, ErrForbidden) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if req.BPN != "" {
		did, err := h.bpn.ResolveBPN(r.Context(), req.BPN)
		if err == nil {
			err = ValidateDID(did)
		}
		if err != nil {
			h.log.WarnContext(r.Context(), "vpcache: BPN resolution failed", "bpn", req.BPN, "error", err.Error())
			http.Error(w, "participantId: BPN could not be resolved", http.StatusBadGateway)
			return
		}
		req.CounterpartyDID = did
	}
	var n int64
	if req.ParticipantContextID != "" {
		n, err = h.cache.RemoveCounterparty(r.Context(), req.ParticipantContextID, req.CounterpartyDID)
	} else {
		n, err = h.cache.RemoveCounterpartyAllContexts(r.Context(), req.CounterpartyDID)
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "vpcache: invalidation failed", "counterparty", req.CounterpartyDID,
			"participant_context", req.ParticipantContextID, "error", err.Error())
		http.Error(w, "cache invalidation failed", http.StatusInternalServerError)
		return
	}
	h.log.InfoContext(r.Context(), "vpcache: invalidated", "counterparty", req.CounterpartyDID,
		"participant_context", req.ParticipantContextID, "removed", n)
	w.WriteHeader(http.StatusNoContent)
}
