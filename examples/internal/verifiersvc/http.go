package verifiersvc

import (
	"net/http"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/vpcache"
)

// Handler returns every route of the service:
//
//	GET  /v1/metrics/health
//	GET  /v1/tenants/{tenant}/presentation/request/{id}     wallet: signed Request Object
//	POST /v1/tenants/{tenant}/presentation/request/{id}     wallet: request_uri_method=post
//	POST /v1/tenants/{tenant}/presentation/response/{id}    wallet: direct_post(.jwt)
//	POST /v1/tenants/{tenant}/presentation/request          internal: create a request
//	GET  /v1/tenants/{tenant}/presentation/proof/{id}       internal: status and claims
//	GET  /v1/tenants/{tenant}/internal/list/proofs/{group}  internal: a group's presentations
//	DELETE /v1/tenants/{tenant}/presentation/cache?participantId=<holder DID>  internal: invalidate
//
// The internal routes go through Config.Auth (svc.Protect).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	svc.HandleHealth(mux, "verifier", s.Check)
	wallet := s.verifier.Handler()
	mux.Handle("GET /v1/tenants/{tenant}/presentation/request/{id}", wallet)
	mux.Handle("POST /v1/tenants/{tenant}/presentation/request/{id}", wallet)
	mux.Handle("POST /v1/tenants/{tenant}/presentation/response/{id}", wallet)

	auth := s.cfg.Auth
	mux.Handle("POST /v1/tenants/{tenant}/presentation/request", svc.Protect(auth, http.HandlerFunc(s.serveCreate)))
	mux.Handle("GET /v1/tenants/{tenant}/presentation/proof/{id}", svc.Protect(auth, http.HandlerFunc(s.serveProof)))
	mux.Handle("GET /v1/tenants/{tenant}/internal/list/proofs/{group}", svc.Protect(auth, http.HandlerFunc(s.serveList)))
	mux.Handle("DELETE /v1/tenants/{tenant}/presentation/cache", svc.Protect(auth, s.invalidationHandler()))
	return mux
}

func writeErr(w http.ResponseWriter, err error) {
	status := statusOf(err)
	switch status {
	case http.StatusBadRequest:
		svc.WriteError(w, status, "invalid_request", err.Error())
	case http.StatusNotFound:
		svc.WriteError(w, status, "not_found", "unknown presentation or tenant")
	default:
		svc.WriteError(w, status, "server_error", "internal error")
	}
}

func (s *Service) serveCreate(w http.ResponseWriter, r *http.Request) {
	var pr PresentationRequest
	if err := svc.DecodeJSON(r, &pr); err != nil {
		writeErr(w, err)
		return
	}
	out, err := s.CreatePresentation(r.Context(), r.PathValue("tenant"), pr)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			s.log.ErrorContext(r.Context(), "create presentation", "err", err.Error())
		}
		writeErr(w, err)
		return
	}
	svc.WriteJSON(w, http.StatusCreated, out)
}

func (s *Service) serveProof(w http.ResponseWriter, r *http.Request) {
	p, err := s.Proof(r.Context(), r.PathValue("tenant"), r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, p)
}

func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	ps, err := s.ListProofs(r.Context(), r.PathValue("tenant"), r.PathValue("group"))
	if err != nil {
		writeErr(w, err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, map[string]any{"proofs": ps})
}

// invalidationHandler is vpcache's invalidation endpoint restricted to the
// route's tenant: participantContextId defaults to the tenant and may not
// name another one, and participantId (the holder DID) is canonicalised
// as the cache keys are (CanonicalHolder).
func (s *Service) invalidationHandler() http.Handler {
	inner, err := vpcache.NewInvalidationHandler(s.cache, vpcache.AuthenticatorFunc(func(r *http.Request, req vpcache.InvalidationRequest) error {
		if req.ParticipantContextID != r.PathValue("tenant") {
			return vpcache.ErrForbidden
		}
		return nil
	}))
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			svc.WriteError(w, http.StatusInternalServerError, "server_error", "cache invalidation unavailable")
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.RawQuery) > vpcache.MaxInvalidationQueryLen {
			svc.WriteError(w, http.StatusBadRequest, "invalid_request", "query too long")
			return
		}
		q := r.URL.Query()
		if ids := q[vpcache.ParamParticipantID]; len(ids) == 1 {
			if h, err := CanonicalHolder(ids[0]); err == nil {
				q.Set(vpcache.ParamParticipantID, h)
			}
		}
		if _, ok := q[vpcache.ParamParticipantContextID]; !ok {
			q.Set(vpcache.ParamParticipantContextID, r.PathValue("tenant"))
		}
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		inner.ServeHTTP(w, r2)
	})
}
