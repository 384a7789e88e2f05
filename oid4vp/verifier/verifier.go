package verifier

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// Errors of the verifier's own API (protocol failures towards wallets are
// *oid4vp.Error values).
var (
	// ErrUnauthorized: the secret or response code does not open the
	// transaction (also returned for unknown ids, so that existence is not
	// revealed).
	ErrUnauthorized = errors.New("verifier: wrong transaction secret or response code")
	// ErrExpired: the transaction expired.
	ErrExpired = errors.New("verifier: transaction expired")
	// ErrAlreadyResponded: a response was already received (§8.2: one
	// response per transaction).
	ErrAlreadyResponded = errors.New("verifier: transaction already has a response")
	// ErrWrongKey: the JWE's kid is not the transaction's key.
	ErrWrongKey = errors.New("verifier: response not encrypted to the transaction's key")
	// ErrDuplicatePresentation: one presentation appears twice in a
	// vp_token.
	ErrDuplicatePresentation = errors.New("verifier: a presentation appears twice in vp_token")
	// ErrPresentationRejected: a presentation failed verification, which
	// rejects the whole response (§8.6, security.md row 48).
	ErrPresentationRejected = errors.New("verifier: a presentation failed verification")
	// ErrUnknownTenant: the ClientResolver knows no client for the tenant.
	ErrUnknownTenant = errors.New("verifier: unknown tenant")
)

// ClientResolver returns the Client of a tenant.
type ClientResolver interface {
	Client(ctx context.Context, tenant string) (*Client, error)
}

// StaticClients is a ClientResolver over a fixed map of tenants.
type StaticClients map[string]*Client

// Client implements ClientResolver.
func (s StaticClients) Client(_ context.Context, tenant string) (*Client, error) {
	if c, ok := s[tenant]; ok && c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownTenant, tenant)
}

// Config configures a Verifier. Clients and Validator are required; the
// other zero values are secure defaults.
type Config struct {
	// Clients gives each tenant's client identity.
	Clients ClientResolver
	// Validator verifies every presentation (issuer signature, trust
	// policy, validity, status, holder binding).
	Validator *presentation.Validator
	// Store keeps transactions (default: a new MemoryStore).
	Store Store
	// TTL is how long a transaction waits for the wallet (default 5
	// minutes).
	TTL time.Duration
	// ResponseMode is the default response mode (default direct_post.jwt,
	// as HAIP requires).
	ResponseMode oid4vp.ResponseMode
	// EncValues are the content encryption algorithms offered for
	// direct_post.jwt (default A128GCM and A256GCM, HAIP). Only A128GCM,
	// A256GCM, A128CBC-HS256 and A256CBC-HS512 are possible.
	EncValues []string
	// MaxResponseBytes bounds the body posted to response_uri (default
	// oid4vp.MaxResponseBytes; the vp_token itself is bounded by
	// dcql.MaxVPTokenBytes).
	MaxResponseBytes int64
	// DefaultTenant is the tenant of routes without a {tenant} wildcard.
	DefaultTenant string
	// Hook receives the transaction events; it must not block.
	Hook Hook
	// OnAccepted, when set, receives every accepted response of a DCQL
	// request with the verified vp_token, after the result was stored
	// and before the wallet is answered, in the request's goroutine (for
	// example to hand the verified presentations to a presentation
	// cache). It cannot change the outcome and must not block for long.
	OnAccepted func(ctx context.Context, a Accepted)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger is optional (discard by default); tokens, nonces, codes and
	// keys are never logged.
	Logger *slog.Logger
	// Rand is the randomness source (default crypto/rand.Reader; tests
	// only may replace it).
	Rand io.Reader
}

// Verifier is an OpenID4VP 1.0 verifier. It is safe for concurrent use.
type Verifier struct {
	cfg   Config
	cache requestCache
}

// New checks cfg and returns a Verifier.
func New(cfg Config) (*Verifier, error) {
	if cfg.Clients == nil {
		return nil, fmt.Errorf("%w: Clients is required", ErrConfig)
	}
	if cfg.Validator == nil {
		return nil, fmt.Errorf("%w: Validator is required", ErrConfig)
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 5 * time.Minute
	}
	if cfg.ResponseMode == "" {
		cfg.ResponseMode = oid4vp.ResponseModeDirectPostJWT
	}
	if !cfg.ResponseMode.DirectPost() {
		return nil, fmt.Errorf("%w: response mode %q (only direct_post and direct_post.jwt)", ErrConfig, cfg.ResponseMode)
	}
	if len(cfg.EncValues) == 0 {
		cfg.EncValues = []string{"A128GCM", "A256GCM"}
	}
	for _, e := range cfg.EncValues {
		switch e {
		case "A128GCM", "A256GCM", "A128CBC-HS256", "A256CBC-HS512":
		default:
			return nil, fmt.Errorf("%w: enc %q", ErrConfig, e)
		}
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = oid4vp.MaxResponseBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &Verifier{cfg: cfg}, nil
}

// CreateRequest describes a presentation request.
type CreateRequest struct {
	// Tenant selects the Client (default Config.DefaultTenant).
	Tenant string
	// Query is the DCQL query (required unless PresentationDefinition is
	// set).
	Query *dcql.Query
	// PresentationDefinition, instead of Query, makes a request of the
	// legacy profile (drafts ≤ 25, as the W-Stack's services and wallets
	// speak it): presentation_definition (DIF Presentation Exchange v2),
	// client_id without prefix plus client_id_scheme (did, x509_san_dns,
	// redirect_uri, verifier_attestation, pre-registered), and a
	// response with vp_token and presentation_submission checked with
	// presentation/pex. The KB-JWT / VP audience is then the bare
	// client_id, as those drafts define it.
	PresentationDefinition *pex.Definition
	// TransactionData are sent as transaction_data (§5.1, §8.4); each
	// entry's credential_ids must name credential queries that require
	// holder binding.
	TransactionData []*oid4vp.TransactionData
	// ResponseMode overrides Config.ResponseMode (direct_post or
	// direct_post.jwt).
	ResponseMode oid4vp.ResponseMode
	// RequestURIMethod is sent as request_uri_method ("" omits it: get).
	RequestURIMethod string
	// RedirectURI makes the flow same-device: after a valid response the
	// wallet is sent to RedirectURI with a fresh one-time response_code
	// appended as a fragment parameter (§8.2, §13.3); the frontend reads
	// the result with it.
	RedirectURI string
	// VerifierInfo is sent as verifier_info.
	VerifierInfo []oid4vp.VerifierInfo
	// TTL overrides Config.TTL.
	TTL time.Duration
}

// Transaction is a created request.
type Transaction struct {
	// ID is the public handle (in request_uri and response_uri).
	ID     string
	Tenant string
	// Secret opens the result (Verifier.Result); hand it only to the
	// process that created the transaction. It is never sent to the
	// wallet.
	Secret    string
	ExpiresAt time.Time
	// Request is what the link carries: client_id, request_uri and
	// request_uri_method for signed clients, the whole request by value
	// for the redirect_uri prefix.
	Request *oid4vp.AuthorizationRequest
}

// Link returns the link invoking a wallet: endpoint "openid4vp://" (or a
// configured custom scheme such as "haip-vp://") for QR codes and
// same-device custom-scheme invocation, or a wallet's https URL (§9).
func (t *Transaction) Link(endpoint string) (string, error) { return t.Request.Link(endpoint) }

func (v *Verifier) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(v.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("verifier: randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func (v *Verifier) tenant(t string) string {
	if t == "" {
		return v.cfg.DefaultTenant
	}
	return t
}

// Create creates a transaction: fresh 128-bit id, nonce and state and a
// 256-bit secret from crypto/rand, a per-transaction ephemeral P-256
// ECDH-ES key for direct_post.jwt, the Request Object claims checked with
// oid4vp's Validate, signed by the tenant's key (typ oauth-authz-req+jwt)
// for every prefix but redirect_uri, and stored.
func (v *Verifier) Create(ctx context.Context, cr CreateRequest) (*Transaction, error) {
	tenant := v.tenant(cr.Tenant)
	client, err := v.cfg.Clients.Client(ctx, tenant)
	if err != nil {
		return nil, err
	}
	legacy := cr.PresentationDefinition != nil
	if (cr.Query == nil) == !legacy {
		return nil, fmt.Errorf("%w: exactly one of a DCQL query and a presentation definition is required", ErrConfig)
	}
	if legacy && len(cr.TransactionData) > 0 {
		return nil, fmt.Errorf("%w: transaction_data needs a DCQL query", ErrConfig)
	}
	if err := checkTransactionFormats(cr); err != nil {
		return nil, err
	}
	if client.attestation != "" && !v.cfg.Now().Before(client.attestationExp) {
		return nil, fmt.Errorf("%w: the verifier attestation expired", ErrConfig)
	}
	var compiled *dcql.Compiled
	var pcompiled *pex.Compiled
	if legacy {
		if pcompiled, err = pex.Compile(cr.PresentationDefinition); err != nil {
			return nil, err
		}
	} else if compiled, err = dcql.Compile(cr.Query); err != nil {
		return nil, err
	}
	mode := cr.ResponseMode
	if mode == "" {
		mode = v.cfg.ResponseMode
	}
	if !mode.DirectPost() {
		return nil, fmt.Errorf("%w: response mode %q", ErrConfig, mode)
	}
	switch cr.RequestURIMethod {
	case "", oid4vp.RequestURIMethodGet, oid4vp.RequestURIMethodPost:
	default:
		return nil, fmt.Errorf("%w: request_uri_method %q", ErrConfig, cr.RequestURIMethod)
	}
	if cr.RequestURIMethod != "" && !client.Signed() {
		return nil, fmt.Errorf("%w: request_uri_method with an unsigned (redirect_uri) client", ErrConfig)
	}
	if cr.RedirectURI != "" {
		if err := checkRedirect(cr.RedirectURI); err != nil {
			return nil, err
		}
	}
	var id, nonce, state, secret string
	for _, p := range []struct {
		dst *string
		n   int
	}{{&id, 16}, {&nonce, 16}, {&state, 16}, {&secret, 32}} {
		if *p.dst, err = v.random(p.n); err != nil {
			return nil, err
		}
	}
	now := v.cfg.Now()
	ttl := cr.TTL
	if ttl <= 0 {
		ttl = v.cfg.TTL
	}
	exp := now.Add(ttl)
	responseURI := client.responseURI(id)
	cid, err := client.clientID(responseURI)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	req := &oid4vp.AuthorizationRequest{
		ResponseType: oid4vp.ResponseTypeVPToken,
		ResponseMode: mode,
		ClientID:     cid.String(),
		ResponseURI:  responseURI,
		Nonce:        nonce,
		State:        state,
		DCQLQuery:    cr.Query,
		VerifierInfo: cr.VerifierInfo,
	}
	meta := &oid4vp.ClientMetadata{VPFormatsSupported: client.VPFormats}
	if legacy {
		req.PresentationDefinition = cr.PresentationDefinition
		if req.ClientID, req.ClientIDScheme, err = legacyClientID(cid); err != nil {
			return nil, err
		}
		meta.VPFormats, meta.VPFormatsSupported = meta.VPFormatsSupported, nil
	} else if meta.VPFormatsSupported == nil {
		meta.VPFormatsSupported = oid4vp.VPFormats{}
		for _, c := range cr.Query.Credentials {
			meta.VPFormatsSupported[string(c.Format)] = oid4vp.FormatParameters{}
		}
	}
	rec := &Record{ID: id, Tenant: tenant, Status: StatusCreated, CreatedAt: now, ExpiresAt: exp,
		RedirectURI: cr.RedirectURI, SecretHash: hashSecret(secret), Legacy: legacy}
	profile := oid4vp.ProfileFinal
	if legacy {
		profile = oid4vp.ProfileLegacy
	}
	if mode.Encrypted() {
		key, err := ecdh.P256().GenerateKey(v.cfg.Rand)
		if err != nil {
			return nil, fmt.Errorf("verifier: ephemeral key: %w", err)
		}
		kid, err := v.random(16)
		if err != nil {
			return nil, err
		}
		jwks, err := json.Marshal(map[string]any{"keys": []any{encryptionJWK(key.PublicKey(), kid)}})
		if err != nil {
			return nil, err
		}
		meta.JWKS = jwks
		meta.EncryptedResponseEncValuesSupported = slices.Clone(v.cfg.EncValues)
		rec.EncryptionKey = key.Bytes()
		rec.EncryptionKID = kid
	}
	req.ClientMetadata = meta
	var types []string
	for _, td := range cr.TransactionData {
		enc, err := oid4vp.EncodeTransactionData(td)
		if err != nil {
			return nil, err
		}
		req.TransactionData = append(req.TransactionData, enc)
		if !slices.Contains(types, td.Type) {
			types = append(types, td.Type)
		}
	}
	if client.Signed() {
		req.Audience = oid4vp.Audience{oid4vp.AudienceSelfIssued}
		iat, e := now.Unix(), exp.Unix()
		req.IssuedAt, req.ExpiresAt = &iat, &e
	}
	insecure := client.baseURL.Scheme == "http"
	if err := req.Validate(oid4vp.ValidateOptions{Profile: profile, Signed: client.Signed(), TransactionDataTypes: types, InsecureAllowHTTP: insecure, MinNonceLength: 22}); err != nil {
		return nil, fmt.Errorf("%w: the request fails its own checks: %w", ErrConfig, err)
	}
	claims, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	rec.Request = claims
	outer := req
	if client.Signed() {
		if rec.RequestObject, err = v.sign(ctx, client, claims); err != nil {
			return nil, err
		}
		outer = &oid4vp.AuthorizationRequest{ClientID: req.ClientID, ClientIDScheme: req.ClientIDScheme, RequestURI: client.requestURI(id), RequestURIMethod: cr.RequestURIMethod}
	}
	hashes, err := expectedHashes(req)
	if err != nil {
		return nil, err
	}
	if err := v.cfg.Store.Create(ctx, rec); err != nil {
		return nil, err
	}
	v.cache.put(id, &compiledRequest{req: req, query: compiled, definition: pcompiled, hashes: hashes, expires: exp}, now)
	v.emit(ctx, Event{Type: EventRequestCreated, Tenant: tenant, TransactionID: id})
	return &Transaction{ID: id, Tenant: tenant, Secret: secret, ExpiresAt: exp, Request: outer}, nil
}

// checkTransactionFormats refuses transaction_data that names a credential
// query whose format has no place for transaction_data_hashes: only SD-JWT
// VC (B.3.3, in its KB-JWT) and mdoc define where they go; a W3C VP
// (jwt_vp_json, ldp_vp) cannot carry them, so every response would be
// rejected.
func checkTransactionFormats(cr CreateRequest) error {
	for _, td := range cr.TransactionData {
		if td == nil {
			continue
		}
		for _, id := range td.CredentialIDs {
			for _, c := range cr.Query.Credentials {
				if c.ID != id {
					continue
				}
				switch c.Format {
				case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatMsoMdoc:
				default:
					return fmt.Errorf("%w: transaction_data %q references %q, a %s query whose presentations cannot carry transaction_data_hashes", ErrConfig, td.Type, id, c.Format)
				}
			}
		}
	}
	return nil
}

// checkRedirect accepts an absolute URI without fragment (https, or an
// app's custom scheme); the response code is appended as the fragment.
// legacyClientID returns the client_id and client_id_scheme of drafts ≤ 21
// for a 1.0 client identifier.
func legacyClientID(c oid4vp.ClientID) (id, scheme string, err error) {
	switch c.Prefix {
	case oid4vp.PrefixDecentralizedIdentifier:
		return c.Identifier, oid4vp.LegacySchemeDID, nil
	case oid4vp.PrefixX509SANDNS, oid4vp.PrefixRedirectURI, oid4vp.PrefixVerifierAttestation:
		return c.Identifier, string(c.Prefix), nil
	case oid4vp.PrefixPreRegistered:
		return c.Identifier, string(oid4vp.PrefixPreRegistered), nil
	}
	return "", "", fmt.Errorf("%w: the %s prefix has no legacy client_id_scheme", ErrConfig, c.Prefix)
}

func checkRedirect(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(s, "#") || len(s) > oid4vp.MaxURILength {
		return fmt.Errorf("%w: redirect_uri %q must be an absolute URI without fragment", ErrConfig, s)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "javascript", "data", "file":
		return fmt.Errorf("%w: redirect_uri scheme %q", ErrConfig, u.Scheme)
	}
	return nil
}

func encryptionJWK(pub *ecdh.PublicKey, kid string) map[string]any {
	b := pub.Bytes() // 0x04 || X || Y
	return map[string]any{
		"kty": "EC", "crv": "P-256", "use": "enc", "alg": "ECDH-ES", "kid": kid,
		"x": base64.RawURLEncoding.EncodeToString(b[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(b[33:65]),
	}
}

// sign signs Request Object claims (JSON) with the client's key: typ
// oauth-authz-req+jwt, x5c for the x509 prefixes, kid otherwise.
func (v *Verifier) sign(ctx context.Context, c *Client, claims []byte) (string, error) {
	h := map[string]any{"typ": oid4vp.TypRequestObject}
	if len(c.x5c) > 0 {
		h["x5c"] = c.x5c
	}
	if c.attestation != "" {
		h["jwt"] = c.attestation
	}
	return jose.Sign(ctx, c.signer, h, claims)
}

// Result is the outcome of a transaction.
type Result struct {
	Status Status `json:"status"`
	// Credentials holds, per credential query id, the verified
	// credentials with the claims that were disclosed.
	Credentials map[string][]VerifiedCredential `json:"credentials,omitempty"`
	// ErrorCode and Error say why a response was rejected (an OpenID4VP
	// error code of §8.5, or the wallet's own error response).
	ErrorCode string    `json:"error_code,omitempty"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

// VerifiedCredential is one verified presentation's credential.
type VerifiedCredential struct {
	Format  vocab.Format `json:"format"`
	Issuer  string       `json:"issuer,omitempty"`
	Subject string       `json:"subject,omitempty"`
	VCT     string       `json:"vct,omitempty"`
	DocType string       `json:"doctype,omitempty"`
	Types   []string     `json:"types,omitempty"`
	// Claims are the verified claims (for SD-JWT VC: the processed payload
	// with the disclosures presented).
	Claims map[string]any `json:"claims"`
}

func (r *Result) clone() *Result {
	c := *r
	if r.Credentials != nil {
		c.Credentials = make(map[string][]VerifiedCredential, len(r.Credentials))
		for id, vs := range r.Credentials {
			out := make([]VerifiedCredential, len(vs))
			for i, vc := range vs {
				vc.Types = slices.Clone(vc.Types)
				vc.Claims, _ = deepCopy(vc.Claims).(map[string]any)
				out[i] = vc
			}
			c.Credentials[id] = out
		}
	}
	return &c
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// Result returns a transaction's result to the process that created it
// (credential = the Transaction's Secret; it may read repeatedly, and
// sees StatusCreated/StatusFetched/StatusReceived while the transaction is
// pending) or to a same-device frontend (credential = the response_code
// the wallet's redirect delivered; valid once, after a verified response).
// Anything else fails with ErrUnauthorized (§13.3, security.md row 49).
func (v *Verifier) Result(ctx context.Context, tenant, id, credential string) (*Result, error) {
	tenant = v.tenant(tenant)
	h := hashSecret(credential)
	rec, err := v.cfg.Store.Update(ctx, id, func(r *Record) error {
		if r.Tenant != tenant {
			return ErrUnauthorized
		}
		switch {
		case subtle.ConstantTimeCompare(r.SecretHash, h) == 1:
		case len(r.ResponseCodeHash) > 0 && subtle.ConstantTimeCompare(r.ResponseCodeHash, h) == 1:
			r.ResponseCodeHash = nil // one-time
		default:
			return ErrUnauthorized
		}
		if r.Status.Final() {
			r.ResultRead = true
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if rec.Result == nil {
		if !rec.Status.Final() && v.cfg.Now().After(rec.ExpiresAt) {
			return nil, ErrExpired
		}
		return &Result{Status: rec.Status}, nil
	}
	return rec.Result, nil
}

// DeleteExpired removes the transactions that expired before now (with
// their results: read results before the TTL ends) from the store and the
// in-process cache, and returns how many the store removed. Call it
// periodically.
func (v *Verifier) DeleteExpired(ctx context.Context) (int, error) {
	now := v.cfg.Now()
	v.cache.prune(now)
	return v.cfg.Store.DeleteExpired(ctx, now)
}
