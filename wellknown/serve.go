package wellknown

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
)

// DefaultMaxAge is the Cache-Control max-age of served documents.
const DefaultMaxAge = 5 * time.Minute

// DefaultSignedMetadataTTL is the lifetime (exp − iat) of signed issuer
// metadata; it is re-signed when half of it has passed.
const DefaultSignedMetadataTTL = 24 * time.Hour

// Media types of the served documents.
const (
	MediaTypeJSON    = "application/json"
	MediaTypeJWT     = "application/jwt"
	MediaTypeDIDJSON = "application/did+json"
	MediaTypeJWKSet  = "application/jwk-set+json"
)

// MetadataSource yields the Credential Issuer Metadata of a tenant. The
// returned value is shared and must be treated as read-only; a source
// should return the same pointer while the metadata is unchanged (the
// Aggregator does), which lets handlers reuse the encoded document and its
// ETag. The issuer's credential endpoint takes its configurations from the
// same source, so what is served and what is enforced cannot drift.
type MetadataSource interface {
	IssuerMetadata(ctx context.Context, tenant string) (*oid4vci.IssuerMetadata, error)
}

// MetadataSourceFunc adapts a function to MetadataSource.
type MetadataSourceFunc func(ctx context.Context, tenant string) (*oid4vci.IssuerMetadata, error)

// IssuerMetadata calls f.
func (f MetadataSourceFunc) IssuerMetadata(ctx context.Context, tenant string) (*oid4vci.IssuerMetadata, error) {
	return f(ctx, tenant)
}

// StaticMetadata is a MetadataSource over fixed documents, by tenant.
type StaticMetadata map[string]*oid4vci.IssuerMetadata

// IssuerMetadata implements MetadataSource.
func (s StaticMetadata) IssuerMetadata(_ context.Context, tenant string) (*oid4vci.IssuerMetadata, error) {
	md, ok := s[tenant]
	if !ok {
		return nil, fmt.Errorf("%w: %.64q", ErrUnknownTenant, tenant)
	}
	return md, nil
}

// representation is one encoded document with its validator.
type representation struct {
	body        []byte
	etag        string
	contentType string
	built       time.Time
}

func newRepresentation(body []byte, contentType string, built time.Time) *representation {
	sum := sha256.Sum256(body)
	return &representation{
		body:        body,
		etag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`,
		contentType: contentType,
		built:       built,
	}
}

// allowGetHead answers 405 with Allow for every method but GET and HEAD.
func allowGetHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// etagMatch implements the weak comparison of If-None-Match (RFC 9110
// §13.1.2) against our strong ETag.
func etagMatch(header []string, etag string) bool {
	for _, h := range header {
		for _, t := range strings.Split(h, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// serve writes rep: ETag, Cache-Control, Content-Type, 304 on a matching
// If-None-Match, no body for HEAD.
func serve(w http.ResponseWriter, r *http.Request, rep *representation, maxAge time.Duration, vary string) {
	h := w.Header()
	h.Set("ETag", rep.etag)
	h.Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(maxAge/time.Second), 10))
	if vary != "" {
		h.Set("Vary", vary)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatch(r.Header.Values("If-None-Match"), rep.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", rep.contentType)
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(rep.body)
	}
}

func serveError(w http.ResponseWriter, r *http.Request, log *slog.Logger, what string, err error) {
	if errors.Is(err, ErrUnknownTenant) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	log.ErrorContext(r.Context(), "wellknown: building document failed", "document", what, "error", err)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "document unavailable", http.StatusInternalServerError)
}

// acceptQ returns the quality the Accept header gives the media type mt
// ("type/subtype"), with the RFC 9110 §12.5.1 precedence: the exact type,
// then type/*, then */*. No Accept header accepts everything (q=1).
func acceptQ(accept []string, mt string) (q float64, exact bool) {
	if len(accept) == 0 {
		return 1, false
	}
	typ, _, _ := strings.Cut(mt, "/")
	best, level := 0.0, -1
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			m, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			l := -1
			switch {
			case m == mt:
				l = 2
			case m == typ+"/*":
				l = 1
			case m == "*/*":
				l = 0
			}
			if l < level || l < 0 {
				continue
			}
			qv := 1.0
			if s, ok := params["q"]; ok {
				f, err := strconv.ParseFloat(s, 64)
				if err != nil || f < 0 || f > 1 {
					continue
				}
				qv = f
			}
			if l > level || qv > best {
				best, level = qv, l
			}
		}
	}
	return best, level == 2
}

// WantsSignedMetadata reports whether the request's Accept header prefers
// application/jwt (signed metadata, OpenID4VCI 1.0 §12.2.2): the header
// must name application/jwt itself (a wildcard is not a request for signed
// metadata) with a quality at least that of application/json.
func WantsSignedMetadata(r *http.Request) bool {
	acc := r.Header.Values("Accept")
	if len(acc) == 0 {
		return false
	}
	j, exact := acceptQ(acc, MediaTypeJWT)
	js, _ := acceptQ(acc, MediaTypeJSON)
	return exact && j > 0 && j >= js
}

// IssuerMetadataOptions configure IssuerMetadataHandler.
type IssuerMetadataOptions struct {
	// Tenant is passed to Source.
	Tenant string
	// Source yields the metadata (required).
	Source MetadataSource
	// Signer, when set, enables signed metadata (application/jwt, typ
	// openidvci-issuer-metadata+jwt) for clients that ask for it. Its kid
	// goes into the header unless Header names x5c or kid.
	Signer jose.MessageSigner
	// Header holds extra JOSE header members of signed metadata (x5c, a
	// kid override).
	Header map[string]any
	// SignedIssuer is the optional iss claim of signed metadata (the party
	// attesting the metadata); empty omits it.
	SignedIssuer string
	// SignedTTL is exp − iat of signed metadata (default
	// DefaultSignedMetadataTTL).
	SignedTTL time.Duration
	// MaxAge is the Cache-Control max-age (default DefaultMaxAge).
	MaxAge time.Duration
	// Profile validates the metadata before it is served (default 1.0
	// Final; ProfileLegacy for draft 13 configurations).
	Profile oid4vci.Profile
	// Gateway, when set, lets an API gateway in front of the service
	// rewrite the served metadata per request (the W-Stack's
	// …_GATEWAY_*_HEADER_KEY settings).
	Gateway *GatewayHeaders
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives errors building the document (default: discard).
	Logger *slog.Logger
}

type issuerMemo struct {
	md       *oid4vci.IssuerMetadata
	json     *representation
	jwt      *representation
	jwtUntil time.Time
}

type issuerMetadataHandler struct {
	o    IssuerMetadataOptions
	memo atomic.Pointer[issuerMemo]
	mu   sync.Mutex // serialises rebuilding
}

// IssuerMetadataHandler serves the Credential Issuer Metadata of one tenant
// (OpenID4VCI 1.0 §12.2.2, §12.2.3): application/json, or application/jwt
// signed metadata when the client prefers it and o.Signer is set; with
// ETag / If-None-Match (304), Cache-Control, Vary: Accept, HEAD, and 405
// for other methods. The metadata is validated before it is served.
func IssuerMetadataHandler(o IssuerMetadataOptions) (http.Handler, error) {
	if o.Source == nil {
		return nil, fmt.Errorf("%w: IssuerMetadataOptions.Source is required", ErrConfig)
	}
	if o.SignedTTL <= 0 {
		o.SignedTTL = DefaultSignedMetadataTTL
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &issuerMetadataHandler{o: o}, nil
}

func (h *issuerMetadataHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowGetHead(w, r) {
		return
	}
	signed := h.o.Signer != nil && WantsSignedMetadata(r)
	var rep *representation
	var err error
	if h.o.Gateway != nil && h.o.Gateway.present(r) {
		rep, err = h.overridden(r, signed)
	} else {
		rep, err = h.representation(r.Context(), signed)
	}
	if err != nil {
		serveError(w, r, h.o.Logger, "issuer metadata", err)
		return
	}
	vary := "Accept"
	if h.o.Gateway != nil {
		vary += h.o.Gateway.vary()
	}
	serve(w, r, rep, h.o.MaxAge, vary)
}

func (h *issuerMetadataHandler) representation(ctx context.Context, signed bool) (*representation, error) {
	md, err := h.o.Source.IssuerMetadata(ctx, h.o.Tenant)
	if err != nil {
		return nil, err
	}
	now := h.o.Now()
	if m := h.memo.Load(); m != nil && m.md == md {
		if !signed {
			return m.json, nil
		}
		if m.jwt != nil && now.Before(m.jwtUntil) {
			return m.jwt, nil
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.memo.Load()
	if m == nil || m.md != md {
		if err := md.Validate(h.o.Profile); err != nil {
			return nil, fmt.Errorf("wellknown: issuer metadata of tenant %.64q is invalid: %w", h.o.Tenant, err)
		}
		body, err := json.Marshal(md)
		if err != nil {
			return nil, err
		}
		m = &issuerMemo{md: md, json: newRepresentation(body, MediaTypeJSON, now)}
	} else {
		c := *m
		m = &c
	}
	if signed && (m.jwt == nil || !now.Before(m.jwtUntil)) {
		tok, err := SignIssuerMetadata(ctx, md, h.o.Signer, SignOptions{Issuer: h.o.SignedIssuer, Header: h.o.Header, TTL: h.o.SignedTTL, Now: now})
		if err != nil {
			return nil, err
		}
		m.jwt = newRepresentation([]byte(tok), MediaTypeJWT, now)
		m.jwtUntil = now.Add(h.o.SignedTTL / 2)
	}
	h.memo.Store(m)
	if signed {
		return m.jwt, nil
	}
	return m.json, nil
}

// GatewayHeaders names request headers whose values rewrite the served
// issuer metadata, as the W-Stack's well-known service allows behind its
// gateway: the identifier and endpoints a tenant is reachable under are
// known only to the gateway. Empty names are not used. Enable it only
// behind a gateway that sets these headers and strips them from client
// requests: whoever can send them chooses the served credential_issuer.
// The result is validated like any metadata (https URLs) and, when signed
// metadata is asked for, signed per request.
type GatewayHeaders struct {
	// Issuer replaces credential_issuer.
	Issuer string
	// CredentialEndpoint, NonceEndpoint, DeferredCredentialEndpoint and
	// NotificationEndpoint replace the endpoint of the same name.
	CredentialEndpoint, NonceEndpoint, DeferredCredentialEndpoint, NotificationEndpoint string
	// AuthorizationServer is appended to authorization_servers.
	AuthorizationServer string
}

func (g *GatewayHeaders) present(r *http.Request) bool {
	for _, n := range []string{g.Issuer, g.CredentialEndpoint, g.NonceEndpoint, g.DeferredCredentialEndpoint, g.NotificationEndpoint, g.AuthorizationServer} {
		if n != "" && r.Header.Get(n) != "" {
			return true
		}
	}
	return false
}

// vary lists the header names for the Vary header.
func (g *GatewayHeaders) vary() string {
	var b strings.Builder
	for _, n := range []string{g.Issuer, g.CredentialEndpoint, g.NonceEndpoint, g.DeferredCredentialEndpoint, g.NotificationEndpoint, g.AuthorizationServer} {
		if n != "" {
			b.WriteString(", ")
			b.WriteString(http.CanonicalHeaderKey(n))
		}
	}
	return b.String()
}

// apply returns a rewritten copy of md.
func (g *GatewayHeaders) apply(r *http.Request, md *oid4vci.IssuerMetadata) *oid4vci.IssuerMetadata {
	c := *md
	set := func(name string, dst *string) {
		if name != "" {
			if v := r.Header.Get(name); v != "" {
				*dst = v
			}
		}
	}
	set(g.Issuer, &c.CredentialIssuer)
	set(g.CredentialEndpoint, &c.CredentialEndpoint)
	set(g.NonceEndpoint, &c.NonceEndpoint)
	set(g.DeferredCredentialEndpoint, &c.DeferredCredentialEndpoint)
	set(g.NotificationEndpoint, &c.NotificationEndpoint)
	if g.AuthorizationServer != "" {
		if v := r.Header.Get(g.AuthorizationServer); v != "" && !slices.Contains(c.AuthorizationServers, v) {
			c.AuthorizationServers = append(slices.Clip(c.AuthorizationServers), v)
		}
	}
	return &c
}

// overridden builds the representation of a gateway-rewritten document
// (not memoised: it depends on the request).
func (h *issuerMetadataHandler) overridden(r *http.Request, signed bool) (*representation, error) {
	md, err := h.o.Source.IssuerMetadata(r.Context(), h.o.Tenant)
	if err != nil {
		return nil, err
	}
	md = h.o.Gateway.apply(r, md)
	if err := md.Validate(h.o.Profile); err != nil {
		return nil, fmt.Errorf("wellknown: gateway-rewritten metadata of tenant %.64q is invalid: %w", h.o.Tenant, err)
	}
	now := h.o.Now()
	if signed {
		tok, err := SignIssuerMetadata(r.Context(), md, h.o.Signer, SignOptions{Issuer: h.o.SignedIssuer, Header: h.o.Header, TTL: h.o.SignedTTL, Now: now})
		if err != nil {
			return nil, err
		}
		return newRepresentation([]byte(tok), MediaTypeJWT, now), nil
	}
	body, err := json.Marshal(md)
	if err != nil {
		return nil, err
	}
	return newRepresentation(body, MediaTypeJSON, now), nil
}

// SignOptions configure SignIssuerMetadata.
type SignOptions struct {
	// Issuer is the optional iss claim.
	Issuer string
	// Header holds extra JOSE header members (x5c, kid).
	Header map[string]any
	// TTL sets exp = iat + TTL (0: no exp).
	TTL time.Duration
	// Now is iat (default time.Now()).
	Now time.Time
}

// SignIssuerMetadata signs md as an openidvci-issuer-metadata+jwt
// (OpenID4VCI 1.0 §12.2.3): the metadata parameters as top-level claims,
// sub = credential_issuer, iat, and iss / exp when configured.
func SignIssuerMetadata(ctx context.Context, md *oid4vci.IssuerMetadata, s jose.MessageSigner, o SignOptions) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: no signer", ErrConfig)
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	var exp int64
	if o.TTL > 0 {
		exp = now.Add(o.TTL).Unix()
	}
	payload, err := oid4vci.SignedMetadataPayload(md, o.Issuer, now.Unix(), exp)
	if err != nil {
		return "", err
	}
	hdr := make(map[string]any, len(o.Header)+1)
	for k, v := range o.Header {
		hdr[k] = v
	}
	hdr["typ"] = oid4vci.SignedMetadataType
	return jose.Sign(ctx, s, hdr, payload)
}

// staticHandler serves a document encoded once.
type staticHandler struct {
	rep    *representation
	maxAge time.Duration
}

func (h *staticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowGetHead(w, r) {
		return
	}
	serve(w, r, h.rep, h.maxAge, "")
}

func orMaxAge(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultMaxAge
	}
	return d
}

// ASMetadataHandler serves authorization server metadata as
// application/json (RFC 8414 §3.2; OpenID Connect Discovery §4.2). The
// document is encoded once; issuer must be an https identifier.
func ASMetadataHandler(md *ASMetadata, maxAge time.Duration) (http.Handler, error) {
	if md == nil {
		return nil, fmt.Errorf("%w: no AS metadata", ErrConfig)
	}
	if _, err := parseIdentifier(md.Issuer); err != nil {
		return nil, fmt.Errorf("%w: AS metadata issuer: %w", ErrConfig, err)
	}
	body, err := json.Marshal(md)
	if err != nil {
		return nil, err
	}
	return &staticHandler{rep: newRepresentation(body, MediaTypeJSON, time.Now()), maxAge: orMaxAge(maxAge)}, nil
}

// keyedHandler serves a document derived from a KeySource, rebuilt only
// when the key list changes (a rotation).
type keyedHandler struct {
	keys   KeySource
	build  func(keys []*crypto.Key) ([]byte, error)
	ctype  string
	maxAge time.Duration
	what   string
	log    *slog.Logger
	memo   atomic.Pointer[keyedMemo]
}

type keyedMemo struct {
	fp  string
	rep *representation
}

func (h *keyedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowGetHead(w, r) {
		return
	}
	keys, err := h.keys.PublicKeys(r.Context())
	if err != nil {
		serveError(w, r, h.log, h.what, err)
		return
	}
	fp := keysFingerprint(keys)
	m := h.memo.Load()
	if m == nil || m.fp != fp {
		body, err := h.build(keys)
		if err != nil {
			serveError(w, r, h.log, h.what, err)
			return
		}
		m = &keyedMemo{fp: fp, rep: newRepresentation(body, h.ctype, time.Now())}
		h.memo.Store(m)
	}
	serve(w, r, m.rep, h.maxAge, "")
}

// KeyDocumentOptions configure the key-derived handlers.
type KeyDocumentOptions struct {
	// JWKS selects kids and use of JWK Set entries.
	JWKS JWKSOptions
	// MaxAge is the Cache-Control max-age (default DefaultMaxAge).
	MaxAge time.Duration
	// Logger receives errors (default: discard).
	Logger *slog.Logger
}

func (o KeyDocumentOptions) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// JWKSHandler serves the public JWK Set of keys (current and recently
// rotated versions; never private members) as application/jwk-set+json
// (RFC 7517 §8.5.1), at whatever URL the metadata's jwks_uri names.
func JWKSHandler(keys KeySource, o KeyDocumentOptions) (http.Handler, error) {
	if keys == nil {
		return nil, fmt.Errorf("%w: no key source", ErrConfig)
	}
	return &keyedHandler{keys: keys, ctype: MediaTypeJWKSet, maxAge: orMaxAge(o.MaxAge), what: "jwks", log: o.logger(),
		build: func(keys []*crypto.Key) ([]byte, error) {
			s, err := BuildJWKS(keys, o.JWKS)
			if err != nil {
				return nil, err
			}
			return json.Marshal(s)
		}}, nil
}

// JWTVCIssuerHandler serves JWT VC Issuer Metadata (SD-JWT VC -18 §5)
// for issuer: the keys by value (jwks) or, when jwksURI is set, by
// reference (jwks_uri; keys may then be nil).
func JWTVCIssuerHandler(issuer string, keys KeySource, jwksURI string, o KeyDocumentOptions) (http.Handler, error) {
	if _, err := parseIdentifier(issuer); err != nil {
		return nil, err
	}
	if jwksURI != "" {
		if _, err := parseURL(jwksURI); err != nil {
			return nil, err
		}
		body, err := json.Marshal(JWTVCIssuerMetadata{Issuer: issuer, JWKSURI: jwksURI})
		if err != nil {
			return nil, err
		}
		return &staticHandler{rep: newRepresentation(body, MediaTypeJSON, time.Now()), maxAge: orMaxAge(o.MaxAge)}, nil
	}
	if keys == nil {
		return nil, fmt.Errorf("%w: JWT VC issuer metadata needs keys or a jwks_uri", ErrConfig)
	}
	return &keyedHandler{keys: keys, ctype: MediaTypeJSON, maxAge: orMaxAge(o.MaxAge), what: "jwt-vc-issuer", log: o.logger(),
		build: func(keys []*crypto.Key) ([]byte, error) {
			s, err := BuildJWKS(keys, o.JWKS)
			if err != nil {
				return nil, err
			}
			raw, err := json.Marshal(s)
			if err != nil {
				return nil, err
			}
			return json.Marshal(JWTVCIssuerMetadata{Issuer: issuer, JWKS: raw})
		}}, nil
}

// DIDDocumentHandler serves the did.json of a did:web built from keys
// through did.NewWebDocument (verification method ids "<did>#<kid>") as
// application/did+json.
func DIDDocumentHandler(didWeb string, keys KeySource, docOpts did.WebDocumentOptions, o KeyDocumentOptions) (http.Handler, error) {
	if _, err := DIDDocumentPath(didWeb); err != nil {
		return nil, err
	}
	if keys == nil {
		return nil, fmt.Errorf("%w: did.json needs keys", ErrConfig)
	}
	return &keyedHandler{keys: keys, ctype: MediaTypeDIDJSON, maxAge: orMaxAge(o.MaxAge), what: "did.json", log: o.logger(),
		build: func(keys []*crypto.Key) ([]byte, error) {
			doc, err := did.NewWebDocument(didWeb, keys, docOpts)
			if err != nil {
				return nil, err
			}
			return json.Marshal(doc)
		}}, nil
}

// sortedKeys returns the map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
