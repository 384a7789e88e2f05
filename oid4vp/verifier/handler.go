package verifier

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/ocmw/wstack/oid4vp"
)

// maxRequestURIPostBytes bounds the wallet_metadata / wallet_nonce form.
const maxRequestURIPostBytes = 64 << 10

// Handler serves the wallet-facing endpoints below any path prefix:
//
//	GET|POST …/request/{id}   the Request Object (§5.10; POST with wallet_metadata / wallet_nonce)
//	POST     …/response/{id}  the response endpoint of direct_post and direct_post.jwt (§8.2, §8.3)
//
// The tenant is the {tenant} wildcard of the route it is mounted on, e.g.
//
//	mux.Handle("/tenants/{tenant}/oid4vp/", v.Handler())
//
// or Config.DefaultTenant. The Client's base URL must be the external URL
// of that mount point. Routers other than ServeMux can call
// ServeRequestObject and ServeResponse with the path values set.
func (v *Verifier) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		segs := strings.Split(strings.TrimSuffix(r.URL.Path, "/"), "/")
		if len(segs) < 2 {
			http.NotFound(w, r)
			return
		}
		kind, id := segs[len(segs)-2], segs[len(segs)-1]
		r.SetPathValue("id", id)
		switch kind {
		case "request":
			v.ServeRequestObject(w, r)
		case "response":
			v.ServeResponse(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

func (v *Verifier) record(ctx context.Context, tenant, id string) (*Record, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrNotFound
	}
	rec, err := v.cfg.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.Tenant != tenant {
		return nil, ErrNotFound
	}
	return rec, nil
}

func protoErr(code string, err error, desc string) *oid4vp.Error {
	return oid4vp.NewError(code, desc).WithCause(err)
}

// ServeRequestObject serves the signed Request Object of transaction
// r.PathValue("id") (tenant r.PathValue("tenant")): GET returns the one
// signed at creation; POST (request_uri_method=post, §5.10) parses
// wallet_metadata and wallet_nonce and returns a Request Object signed
// anew with wallet_nonce echoed. Fetching is possible until the wallet
// responds (conformance suites fetch twice); each fetch is recorded
// atomically and reported as EventRequestFetched.
func (v *Verifier) ServeRequestObject(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tenant := v.tenant(r.PathValue("tenant"))
	var post *oid4vp.RequestURIPost
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestURIPostBytes)
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
			oid4vp.WriteError(w, oid4vp.NewError(oid4vp.CodeInvalidRequest, "request_uri POST must be application/x-www-form-urlencoded"))
			return
		}
		if err := r.ParseForm(); err != nil {
			oid4vp.WriteError(w, protoErr(oid4vp.CodeInvalidRequest, err, "unreadable request_uri POST body"))
			return
		}
		p, err := oid4vp.ParseRequestURIPost(r.PostForm)
		if err != nil {
			oid4vp.WriteError(w, err)
			return
		}
		post = p
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	jwt, err := v.FetchRequestObjectPost(ctx, tenant, r.PathValue("id"), post)
	if err != nil {
		v.writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", oid4vp.MediaTypeRequestObject)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(jwt))
}

// FetchRequestObject records a fetch of a transaction's Request Object and
// returns it; with a walletNonce the claims are signed anew with
// wallet_nonce added (§5.10.1). It is FetchRequestObjectPost without
// wallet_metadata.
func (v *Verifier) FetchRequestObject(ctx context.Context, tenant, id, walletNonce string) (string, error) {
	var p *oid4vp.RequestURIPost
	if walletNonce != "" {
		p = &oid4vp.RequestURIPost{WalletNonce: walletNonce}
	}
	return v.FetchRequestObjectPost(ctx, tenant, id, p)
}

// FetchRequestObjectPost records a fetch of a transaction's Request Object
// and returns it. p is what a wallet posted to request_uri (§5.10; nil for
// a GET): with wallet_metadata the claims are first fitted to the wallet
// (encryption enc values and vp_formats_supported narrowed to the common
// values, the client identifier prefix, request signing algorithm and the
// query's formats checked; see narrow) and a wallet posting metadata that
// leaves nothing in common gets an *oid4vp.Error wrapping
// ErrWalletMetadata (vp_formats_not_supported, invalid_client or
// invalid_request) without the fetch being recorded; with wallet_metadata
// or wallet_nonce the claims are signed anew, wallet_nonce echoed
// (§5.10.1). The transaction's request as created is what the response is
// verified against.
func (v *Verifier) FetchRequestObjectPost(ctx context.Context, tenant, id string, p *oid4vp.RequestURIPost) (string, error) {
	tenant = v.tenant(tenant)
	now := v.cfg.Now()
	var walletNonce string
	var wm *oid4vp.WalletMetadata
	if p != nil {
		walletNonce, wm = p.WalletNonce, p.WalletMetadata
	}
	check := func(rec *Record) error {
		switch {
		case rec.Tenant != tenant:
			return ErrNotFound
		case rec.RequestObject == "":
			return ErrNotFound // unsigned clients pass the request by value
		case now.After(rec.ExpiresAt):
			return ErrExpired
		case rec.Status != StatusCreated && rec.Status != StatusFetched:
			return ErrAlreadyResponded
		}
		return nil
	}
	var client *Client
	var req *oid4vp.AuthorizationRequest
	if walletNonce != "" || wm != nil {
		rec, err := v.cfg.Store.Get(ctx, id)
		if err != nil {
			return "", err
		}
		if err := check(rec); err != nil {
			return "", err
		}
		if client, err = v.cfg.Clients.Client(ctx, tenant); err != nil {
			return "", err
		}
		if req, err = oid4vp.DecodeRequest(rec.Request, rec.profile()); err != nil {
			return "", err
		}
		if err := narrow(req, client, wm, rec.Legacy); err != nil {
			return "", err
		}
		req.WalletNonce = walletNonce
	}
	rec, err := v.cfg.Store.Update(ctx, id, func(rec *Record) error {
		if err := check(rec); err != nil {
			return err
		}
		rec.Status = StatusFetched
		rec.Fetches++
		return nil
	})
	if err != nil {
		return "", err
	}
	v.emit(ctx, Event{Type: EventRequestFetched, Tenant: tenant, TransactionID: id})
	if req == nil {
		return rec.RequestObject, nil
	}
	claims, err := req.MarshalJSON()
	if err != nil {
		return "", err
	}
	return v.sign(ctx, client, claims)
}

// writeErr maps verifier errors to OpenID4VP error responses.
func (v *Verifier) writeErr(w http.ResponseWriter, err error) {
	var pe *oid4vp.Error
	switch {
	case errors.As(err, &pe):
		oid4vp.WriteError(w, pe)
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrUnknownTenant):
		e := protoErr(oid4vp.CodeInvalidRequest, err, "unknown transaction")
		e.Status = http.StatusNotFound
		oid4vp.WriteError(w, e)
	case errors.Is(err, ErrExpired):
		oid4vp.WriteError(w, protoErr(oid4vp.CodeInvalidRequest, err, "transaction expired"))
	case errors.Is(err, ErrAlreadyResponded):
		oid4vp.WriteError(w, protoErr(oid4vp.CodeInvalidRequest, err, "transaction already has a response"))
	default:
		v.cfg.Logger.Error("oid4vp verifier", "error", err.Error())
		e := protoErr(oid4vp.CodeServerError, err, "internal error")
		e.Status = http.StatusInternalServerError
		oid4vp.WriteError(w, e)
	}
}

// ServeResponse is the response endpoint (response_uri) of transaction
// r.PathValue("id"): it reads the form within Config.MaxResponseBytes and
// runs HandleResponse; a verified response is answered with 200 and
// {"redirect_uri"} for same-device flows (§8.2), a rejected one with the
// OpenID4VP error.
func (v *Verifier) ServeResponse(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		oid4vp.WriteError(w, oid4vp.NewError(oid4vp.CodeInvalidRequest, "the response must be application/x-www-form-urlencoded"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, v.cfg.MaxResponseBytes)
	if err := r.ParseForm(); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			e := protoErr(oid4vp.CodeInvalidRequest, errors.Join(oid4vp.ErrTooLarge, err), "response too large")
			e.Status = http.StatusRequestEntityTooLarge
			oid4vp.WriteError(w, e)
			return
		}
		oid4vp.WriteError(w, protoErr(oid4vp.CodeInvalidRequest, err, "unreadable response body"))
		return
	}
	res, err := v.HandleResponse(r.Context(), r.PathValue("tenant"), r.PathValue("id"), r.PostForm)
	if err != nil {
		v.writeErr(w, err)
		return
	}
	b, err := res.MarshalJSON()
	if err != nil {
		v.writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// responseCodeURI appends the response code to the redirect target as a
// fragment parameter (§8.2's example); Create rejected targets with a
// fragment.
func responseCodeURI(redirect, code string) string {
	return redirect + "#response_code=" + url.QueryEscape(code)
}
