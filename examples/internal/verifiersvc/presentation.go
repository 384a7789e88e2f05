package verifiersvc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
)

// Errors of the internal API.
var (
	// ErrBadRequest: the presentation request is malformed.
	ErrBadRequest = errors.New("verifiersvc: bad presentation request")
	// ErrNotFound: no such presentation for the tenant.
	ErrNotFound = errors.New("verifiersvc: presentation not found")
	// ErrUnknownTenant: the tenant is not configured.
	ErrUnknownTenant = errors.New("verifiersvc: unknown tenant")
)

// PresentationRequest is the body of POST …/presentation/request and the
// data of verifier.presentation.authorization.
type PresentationRequest struct {
	// DCQLQuery is the DCQL query (OpenID4VP 1.0); exactly one of it and
	// PresentationDefinition.
	DCQLQuery json.RawMessage `json:"dcql_query,omitempty"`
	// PresentationDefinition makes a request of the legacy profile (DIF
	// Presentation Exchange, as the W-Stack's wallets speak it).
	PresentationDefinition json.RawMessage `json:"presentation_definition,omitempty"`
	// ResponseMode is direct_post.jwt (default) or direct_post.
	ResponseMode string `json:"response_mode,omitempty"`
	// Holder, when set, is the DID of the expected holder: the request is
	// answered from the presentation cache when it can be, and the
	// verified presentations are cached for the next request.
	Holder string `json:"holder,omitempty"`
	// TTL is how many seconds the wallet has (default Config.TTL, at most
	// Config.MaxTTL).
	TTL int64 `json:"ttl,omitempty"`
	// Group files the presentation for GET …/internal/list/proofs/{group}.
	Group string `json:"group,omitempty"`
}

// PresentationCreated answers a PresentationRequest.
type PresentationCreated struct {
	// PresentationID names the presentation in the proof API and in
	// notifications (it is the transaction id of request_uri).
	PresentationID string `json:"presentation_id"`
	// RequestURI is where the wallet fetches the signed Request Object
	// (empty when answered from the cache).
	RequestURI string `json:"request_uri,omitempty"`
	// AuthorizationRequest is the openid4vp:// link for a QR code or a
	// same-device wallet (empty when answered from the cache).
	AuthorizationRequest string    `json:"authorization_request,omitempty"`
	ExpiresAt            time.Time `json:"expires_at"`
	// Status is the W-Stack status: requested, or transmitted when
	// answered from the cache.
	Status    string `json:"status"`
	FromCache bool   `json:"from_cache"`
}

// Proof is the state and result of a presentation (GET …/proof/{id}).
type Proof struct {
	PresentationID string `json:"presentation_id"`
	TenantID       string `json:"tenant_id"`
	GroupID        string `json:"group_id,omitempty"`
	// Status is the W-Stack status (requested, request-object-fetched,
	// received, transmitted, rejected) or expired.
	Status    string    `json:"status"`
	FromCache bool      `json:"from_cache"`
	Holder    string    `json:"holder,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// VerifiedAt is when the response was verified or rejected.
	VerifiedAt *time.Time `json:"verified_at,omitempty"`
	// Credentials holds, per credential query id (input descriptor id in
	// the legacy profile), the verified credentials and their disclosed
	// claims.
	Credentials map[string][]verifier.VerifiedCredential `json:"credentials,omitempty"`
	// ErrorCode and Error say why a response was rejected (for example
	// invalid_request with "… credential revoked").
	ErrorCode string `json:"error_code,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Notification is the data of a verifier.proof.notification event.
type Notification struct {
	TenantID       string `json:"tenant_id"`
	PresentationID string `json:"presentation_id"`
	Status         string `json:"status"`
	FromCache      bool   `json:"from_cache,omitempty"`
	// ErrorCode is the OpenID4VP error code of a rejection.
	ErrorCode string `json:"error_code,omitempty"`
}

func badRequest(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, a...))
}

// CreatePresentation creates a presentation request for tenant, or answers
// it from the presentation cache (see PresentationRequest.Holder).
func (s *Service) CreatePresentation(ctx context.Context, tenant string, pr PresentationRequest) (*PresentationCreated, error) {
	if _, ok := s.clients[tenant]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTenant, tenant)
	}
	if !groupRE.MatchString(pr.Group) {
		return nil, badRequest("group %q", pr.Group)
	}
	cr := verifier.CreateRequest{Tenant: tenant}
	switch {
	case len(pr.DCQLQuery) > 0 && len(pr.PresentationDefinition) > 0, len(pr.DCQLQuery) == 0 && len(pr.PresentationDefinition) == 0:
		return nil, badRequest("exactly one of dcql_query and presentation_definition is required")
	case len(pr.DCQLQuery) > 0:
		q, err := dcql.Parse(pr.DCQLQuery)
		if err != nil {
			return nil, fmt.Errorf("%w: dcql_query: %w", ErrBadRequest, err)
		}
		cr.Query = q
	default:
		d, err := pex.ParseDefinition(pr.PresentationDefinition)
		if err != nil {
			return nil, fmt.Errorf("%w: presentation_definition: %w", ErrBadRequest, err)
		}
		cr.PresentationDefinition = d
	}
	switch oid4vp.ResponseMode(pr.ResponseMode) {
	case "", oid4vp.ResponseModeDirectPostJWT:
		cr.ResponseMode = oid4vp.ResponseModeDirectPostJWT
	case oid4vp.ResponseModeDirectPost:
		cr.ResponseMode = oid4vp.ResponseModeDirectPost
	default:
		return nil, badRequest("response_mode %q (direct_post.jwt or direct_post)", pr.ResponseMode)
	}
	switch {
	case pr.TTL < 0:
		return nil, badRequest("negative ttl")
	case pr.TTL > 0:
		cr.TTL = time.Duration(pr.TTL) * time.Second
		if cr.TTL > s.cfg.MaxTTL || pr.TTL > int64(s.cfg.MaxTTL/time.Second) {
			return nil, badRequest("ttl above %d s", int64(s.cfg.MaxTTL/time.Second))
		}
	default:
		cr.TTL = s.cfg.TTL
	}
	m := &meta{Tenant: tenant, Group: pr.Group}
	if pr.Holder != "" {
		h, err := CanonicalHolder(pr.Holder)
		if err != nil {
			return nil, fmt.Errorf("%w: holder: %w", ErrBadRequest, err)
		}
		m.Holder = h
		if cr.Query != nil && s.cache.Enabled() {
			if scopes, err := Scopes(cr.Query); err == nil {
				m.Scopes = scopes
				m.Formats = map[string]string{}
				for _, c := range cr.Query.Credentials {
					m.Formats[c.ID] = string(c.Format)
				}
				if out, ok := s.fromCache(ctx, m, cr); ok {
					return out, nil
				}
			}
		}
	}
	tx, err := s.verifier.Create(ctx, cr)
	if err != nil {
		if errors.Is(err, verifier.ErrConfig) || errors.Is(err, dcql.ErrInvalidQuery) {
			return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		var pe *oid4vp.Error
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		return nil, err
	}
	link, err := tx.Link(s.cfg.LinkScheme)
	if err != nil {
		return nil, err
	}
	m.ID, m.CreatedAt = tx.ID, time.Now().UTC()
	m.ExpiresAt = tx.ExpiresAt.Add(cr.TTL) // the library keeps a result for a TTL after it
	if err := s.meta.put(ctx, m); err != nil {
		// The transaction stays unreachable: its link was never handed out.
		return nil, err
	}
	return &PresentationCreated{PresentationID: tx.ID, RequestURI: tx.Request.RequestURI, AuthorizationRequest: link,
		ExpiresAt: tx.ExpiresAt, Status: StatusRequested}, nil
}

// fromCache answers a request from the presentation cache: the entry of
// (tenant, holder, scopes) must hit — vpcache re-checks its age, every
// credential's validity window, status (revoked or suspended credentials
// are evicted, never served) and issuer trust — and the request's DCQL
// query must be satisfied by the cached, verified credentials. The answer
// is stored as an accepted transaction, so that the proof API reads it
// like any other.
func (s *Service) fromCache(ctx context.Context, m *meta, cr verifier.CreateRequest) (*PresentationCreated, bool) {
	key, err := vpcache.NewKey(m.Tenant, m.Holder, m.Scopes)
	if err != nil {
		return nil, false
	}
	hit, err := s.cache.Query(ctx, key)
	if err != nil {
		return nil, false
	}
	compiled, err := dcql.Compile(cr.Query)
	if err != nil {
		return nil, false
	}
	var creds []*presentation.Credential
	for i := range hit.Parsed {
		for j := range hit.Parsed[i].Credentials {
			creds = append(creds, &hit.Parsed[i].Credentials[j])
		}
	}
	res, err := compiled.Evaluate(ctx, slices.Values(creds))
	if err != nil {
		// Same scopes but the cached credentials do not answer the query:
		// do not keep serving the entry.
		_, _ = s.cache.ReportInvalid(ctx, key, hit.Version)
		s.log.WarnContext(ctx, "cached presentations do not satisfy the query", "tenant", m.Tenant, "scopes_hash", key.ScopesHash())
		return nil, false
	}
	now := time.Now().UTC()
	result := &verifier.Result{Status: verifier.StatusAccepted, At: now, Credentials: map[string][]verifier.VerifiedCredential{}}
	for id, ms := range res.Selection {
		for _, mt := range ms {
			c := mt.Credential
			result.Credentials[id] = append(result.Credentials[id], verifier.VerifiedCredential{Format: c.Format,
				Issuer: c.Issuer, Subject: c.Subject, VCT: c.VCT, DocType: c.DocType, Types: c.Types, Claims: c.Claims})
		}
	}
	id, err := randomID(16)
	if err != nil {
		return nil, false
	}
	secret, err := randomID(32)
	if err != nil {
		return nil, false
	}
	sum := sha256.Sum256([]byte(secret))
	reqJSON, err := json.Marshal(map[string]any{"dcql_query": cr.Query, "from_cache": true})
	if err != nil {
		return nil, false
	}
	rec := &verifier.Record{ID: id, Tenant: m.Tenant, Status: verifier.StatusAccepted, CreatedAt: now,
		ExpiresAt: now.Add(cr.TTL), Request: reqJSON, SecretHash: sum[:], Result: result, ResultRead: false}
	if err := s.store.Create(ctx, rec); err != nil {
		s.log.WarnContext(ctx, "store cached answer", "err", err.Error())
		return nil, false
	}
	m.ID, m.FromCache, m.CreatedAt, m.ExpiresAt = id, true, now, rec.ExpiresAt
	if err := s.meta.put(ctx, m); err != nil {
		s.log.WarnContext(ctx, "store cached answer", "err", err.Error())
		return nil, false
	}
	s.notify(Notification{TenantID: m.Tenant, PresentationID: id, Status: StatusVerified, FromCache: true})
	return &PresentationCreated{PresentationID: id, ExpiresAt: rec.ExpiresAt, Status: StatusVerified, FromCache: true}, true
}

func randomID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// wstackStatus maps a transaction's state to the W-Stack's status.
func wstackStatus(rec *verifier.Record, now time.Time) string {
	switch rec.Status {
	case verifier.StatusCreated:
		if now.After(rec.ExpiresAt) {
			return StatusExpired
		}
		return StatusRequested
	case verifier.StatusFetched:
		if now.After(rec.ExpiresAt) {
			return StatusExpired
		}
		return StatusFetched
	case verifier.StatusReceived:
		return StatusReceived
	case verifier.StatusAccepted:
		return StatusVerified
	}
	return StatusRejected
}

// Proof returns a presentation's status and, once verified, its claims.
func (s *Service) Proof(ctx context.Context, tenant, id string) (*Proof, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrNotFound
	}
	m, err := s.meta.get(ctx, tenant, id)
	if errors.Is(err, errNoMeta) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rec, err := s.store.Get(ctx, id)
	if errors.Is(err, verifier.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if rec.Tenant != tenant {
		return nil, ErrNotFound
	}
	p := &Proof{PresentationID: id, TenantID: tenant, GroupID: m.Group, Status: wstackStatus(rec, time.Now()),
		FromCache: m.FromCache, Holder: m.Holder, CreatedAt: rec.CreatedAt.UTC(), ExpiresAt: rec.ExpiresAt.UTC()}
	if r := rec.Result; r != nil {
		at := r.At.UTC()
		p.VerifiedAt, p.Credentials, p.ErrorCode, p.Error = &at, r.Credentials, r.ErrorCode, r.Error
	}
	return p, nil
}

// ListProofs returns the newest presentations of a group (at most
// MaxListed), with their status; claims are read one by one with Proof.
func (s *Service) ListProofs(ctx context.Context, tenant, group string) ([]*Proof, error) {
	if !groupRE.MatchString(group) {
		return nil, badRequest("group %q", group)
	}
	ms, err := s.meta.list(ctx, tenant, group, MaxListed)
	if err != nil {
		return nil, err
	}
	out := make([]*Proof, 0, len(ms))
	for _, m := range ms {
		p, err := s.Proof(ctx, tenant, m.ID)
		if errors.Is(err, ErrNotFound) {
			continue // expired in between
		}
		if err != nil {
			return nil, err
		}
		p.Credentials = nil
		out = append(out, p)
	}
	return out, nil
}

// hook turns the verifier's events into verifier.proof.notification.
func (s *Service) hook(_ context.Context, e verifier.Event) {
	n := Notification{TenantID: e.Tenant, PresentationID: e.TransactionID}
	switch e.Type {
	case verifier.EventRequestCreated:
		n.Status = StatusRequested
	case verifier.EventRequestFetched:
		n.Status = StatusFetched
	case verifier.EventResponseReceived:
		n.Status = StatusReceived
	case verifier.EventAccepted:
		n.Status = StatusVerified
	case verifier.EventRejected:
		n.Status = StatusRejected
		n.ErrorCode = oid4vp.CodeOf(e.Reason)
	default:
		return
	}
	s.notify(n)
}

// notify publishes a notification on NATS (when connected); publishing
// is buffered by the client and never blocks a request.
func (s *Service) notify(n Notification) {
	if s.cfg.NATS == nil {
		return
	}
	if err := publish(s.cfg.NATS, n); err != nil {
		s.log.Warn("publish notification", "err", err.Error(), "presentation_id", n.PresentationID)
	}
}

// binding carries the request values a just-verified response was bound
// to into the cache's Verifier (VerifyPresentations has no other way to
// receive them).
type binding struct{ nonce, audience string }

type bindingKey struct{}

// onAccepted hands the verified presentations of a request with a holder
// to the cache. Failures are logged, never fail the response.
func (s *Service) onAccepted(ctx context.Context, a verifier.Accepted) {
	m, err := s.meta.get(ctx, a.Tenant, a.TransactionID)
	if err != nil || m.Holder == "" || len(m.Scopes) == 0 {
		return
	}
	rec, err := s.store.Get(ctx, a.TransactionID)
	if err != nil {
		return
	}
	req, err := oid4vp.DecodeRequest(rec.Request, oid4vp.ProfileFinal)
	if err != nil {
		return
	}
	key, err := vpcache.NewKey(a.Tenant, m.Holder, m.Scopes)
	if err != nil {
		return
	}
	ids := make([]string, 0, len(a.VPToken))
	for id := range a.VPToken {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var ps []vpcache.Presentation
	for _, id := range ids {
		for _, p := range a.VPToken[id] {
			raw, ok := p.(string)
			if !ok {
				return
			}
			ps = append(ps, vpcache.Presentation{Format: vocab.Format(m.Formats[id]), Raw: raw})
		}
	}
	ctx = context.WithValue(ctx, bindingKey{}, binding{nonce: req.Nonce, audience: req.ClientID})
	if _, err := s.cache.Store(ctx, key, ps); err != nil {
		s.log.WarnContext(ctx, "presentations not cached", "tenant", a.Tenant, "presentation_id", a.TransactionID, "err", err.Error())
	}
}

// verifyForCache is the cache's Verifier: every presentation is verified
// again through the Validator, bound to the nonce and client_id of the
// response it came in (issuer signature and trust, validity, status, the
// KB-JWT with the holder's cnf key), and its holder is the canonical DID
// of the credential's cnf. Only dc+sd-jwt is cached.
func (s *Service) verifyForCache(ctx context.Context, _ string, ps []vpcache.Presentation) ([]vpcache.Verified, error) {
	b, ok := ctx.Value(bindingKey{}).(binding)
	if !ok {
		return nil, errors.New("verifiersvc: presentations are cached only with the binding of the response they came in")
	}
	out := make([]vpcache.Verified, 0, len(ps))
	for i, p := range ps {
		if p.Format != vocab.FormatSDJWTVC {
			return nil, fmt.Errorf("presentation %d: format %q is not cached", i, p.Format)
		}
		pres, err := s.validator.VerifyPresentation(ctx, p.Format, p.Raw, presentation.PresentationOptions{Nonce: b.nonce, Audience: b.audience})
		if err != nil {
			return nil, fmt.Errorf("presentation %d: %w", i, err)
		}
		out = append(out, verifiedView(pres))
	}
	return out, nil
}

// parseForCache re-reads cached presentations (SQL stores keep only the
// raw form) without verifying their KB-JWT again, whose nonce belonged
// to the first request.
func (s *Service) parseForCache(ctx context.Context, ps []vpcache.Presentation) ([]vpcache.Verified, error) {
	out := make([]vpcache.Verified, 0, len(ps))
	for i, p := range ps {
		if p.Format != vocab.FormatSDJWTVC || strings.HasSuffix(p.Raw, "~") {
			return nil, fmt.Errorf("presentation %d: not a key-bound dc+sd-jwt", i)
		}
		pres, err := s.parser.ParsePresentation(ctx, p.Format, p.Raw)
		if err != nil {
			return nil, fmt.Errorf("presentation %d: %w", i, err)
		}
		out = append(out, verifiedView(pres))
	}
	return out, nil
}

func verifiedView(p *presentation.Presentation) vpcache.Verified {
	v := vpcache.VerifiedFrom(p, p.ExpiresAt)
	v.Holder = ""
	if len(p.Credentials) == 1 {
		v.Holder = holderOf(p.Credentials[0])
	}
	return v
}
