package vpcache

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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
	CounterpartyDID string
	// ParticipantContextID restricts removal to one participant context;
	// empty means every participant context.
	ParticipantContextID string
}

// ParseInvalidationRequest parses DELETE ?participantId=<did>[&participantContextId=<id>].
// The DID must be a DID per W3C DID Core 1.0 (see [ValidateDID]), given
// exactly once; the participant context, if present, exactly once and
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
	if err := ValidateDID(dids[0]); err != nil {
		return InvalidationRequest{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	req := InvalidationRequest{CounterpartyDID: dids[0]}
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
	log   *slog.Logger
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
//   - 500 when the store fails.
//
// auth is required: there is no anonymous default. DELETE cannot be sent by
// an HTML form, so cross-site requests need CORS, which this handler never
// grants. Mount it under a path of your choice, for example
// mux.Handle("DELETE /v1/dcp/vp-cache", h).
func NewInvalidationHandler(cache *Cache, auth Authenticator) (http.Handler, error) {
	if cache == nil {
		return nil, fmt.Errorf("%w: nil cache", ErrConfig)
	}
	if auth == nil {
		return nil, fmt.Errorf("%w: an Authenticator is required", ErrConfig)
	}
	return &invalidationHandler{cache: cache, auth: auth, log: cache.log}, nil
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
	if err := h.auth.AuthenticateInvalidation(r, req); err != nil {
		if errors.Is(err, ErrForbidden) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
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
