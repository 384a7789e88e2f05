package statuslist

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
)

// PublisherConfig configures a Publisher. Store, Signer and ListURI are
// required.
type PublisherConfig struct {
	Store  Store
	Signer jose.MessageSigner
	// ListURI returns the public URI of a list: the token's sub and the
	// credential's id (it must be the URI referenced tokens carry).
	ListURI func(tenant, listID string) string
	// Issuer returns the iss of status list tokens (optional for IETF) and
	// the issuer of W3C status list credentials (required for them).
	Issuer func(tenant string) string
	// AggregationURI optionally returns the aggregation_uri of a tenant.
	AggregationURI func(tenant string) string
	// Validity is exp − iat (validUntil − validFrom); default 24h.
	Validity time.Duration
	// TTL is the ttl claim: how long relying parties may cache (draft-20
	// "Status List Token in JWT Format": seconds; BSL ttl in milliseconds). Default 5 minutes. A signed
	// token is reused while its list is unchanged and it is younger than
	// TTL.
	TTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger is optional; tokens are never logged.
	Logger *slog.Logger
	// DefaultTenant is the tenant served by routes without a {tenant}
	// wildcard.
	DefaultTenant string
	// CompressionLevel is the compress/flate level (0 = DefaultLevel, 6).
	// BestLevel gives the smallest lists, as draft-20 recommends, at many
	// times the cost (see DefaultLevel): worth it for lists re-encoded
	// rarely and fetched often.
	CompressionLevel int
}

// Published is a signed status list ready to serve.
type Published struct {
	MediaType string
	Body      []byte
	IssuedAt  time.Time
	ExpiresAt time.Time
	TTL       time.Duration
	Version   uint64
	ETag      string
}

// Publisher signs status lists as IETF status list tokens (JWT or CWT) or
// W3C BitstringStatusListCredentials (JWT form, VC-JOSE-COSE) and serves
// them over HTTP.
type Publisher struct {
	cfg   PublisherConfig
	mu    sync.Mutex
	cache map[pubKey]*Published
}

type pubKey struct{ tenant, list, media string }

// NewPublisher validates cfg and returns a publisher.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if cfg.Store == nil || cfg.Signer == nil || cfg.ListURI == nil {
		return nil, fmt.Errorf("%w: Store, Signer and ListURI are required", ErrConfig)
	}
	if cfg.Validity <= 0 {
		cfg.Validity = 24 * time.Hour
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 5 * time.Minute
	}
	if cfg.TTL > cfg.Validity {
		return nil, fmt.Errorf("%w: TTL exceeds Validity", ErrConfig)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if _, err := validLevel(cfg.CompressionLevel); err != nil {
		return nil, err
	}
	return &Publisher{cfg: cfg, cache: map[pubKey]*Published{}}, nil
}

// MediaTypes returns the media types a list of format f is published in,
// the default first.
func MediaTypes(f Format) []string {
	if f == FormatIETF {
		return []string{MediaTypeJWT, MediaTypeCWT}
	}
	return []string{MediaTypeVCJWT}
}

// Publish returns the signed list in mediaType ("" for the format's
// default), reusing a cached signature while the list is unchanged and
// younger than TTL.
func (p *Publisher) Publish(ctx context.Context, tenant, listID, mediaType string) (*Published, error) {
	info, err := p.cfg.Store.Info(ctx, tenant, listID)
	if err != nil {
		return nil, err
	}
	types := MediaTypes(info.Config.Format)
	if mediaType == "" {
		mediaType = types[0]
	}
	if !contains(types, mediaType) {
		return nil, fmt.Errorf("%w: %s lists are not published as %s", ErrConfig, info.Config.Format, mediaType)
	}
	now := p.cfg.Now()
	k := pubKey{tenant, listID, mediaType}
	p.mu.Lock()
	c := p.cache[k]
	p.mu.Unlock()
	if c != nil && c.Version == info.Version && now.Before(c.IssuedAt.Add(p.cfg.TTL)) && now.Before(c.ExpiresAt) {
		return c, nil
	}
	info, l, err := LoadList(ctx, p.cfg.Store, tenant, listID)
	if err != nil {
		return nil, err
	}
	iat := now.Truncate(time.Second)
	pub := &Published{MediaType: mediaType, IssuedAt: iat, ExpiresAt: iat.Add(p.cfg.Validity), TTL: p.cfg.TTL, Version: info.Version}
	uri := p.cfg.ListURI(tenant, listID)
	switch mediaType {
	case MediaTypeJWT, MediaTypeCWT:
		agg := ""
		if p.cfg.AggregationURI != nil {
			agg = p.cfg.AggregationURI(tenant)
		}
		lst, err := EncodeLstLevel(l, p.cfg.CompressionLevel)
		if err != nil {
			return nil, err
		}
		sl := IETFStatusList{Bits: l.Bits(), Lst: lst, AggregationURI: agg}
		claims := TokenClaims{Subject: uri, IssuedAt: iat, ExpiresAt: pub.ExpiresAt, TTL: p.cfg.TTL, StatusList: sl}
		if p.cfg.Issuer != nil {
			claims.Issuer = p.cfg.Issuer(tenant)
		}
		if mediaType == MediaTypeJWT {
			tok, err := SignJWT(ctx, p.cfg.Signer, claims)
			if err != nil {
				return nil, err
			}
			pub.Body = []byte(tok)
		} else if pub.Body, err = SignCWT(ctx, p.cfg.Signer, claims); err != nil {
			return nil, err
		}
	case MediaTypeVCJWT:
		if p.cfg.Issuer == nil || p.cfg.Issuer(tenant) == "" {
			return nil, fmt.Errorf("%w: W3C status list credentials need an Issuer", ErrConfig)
		}
		enc, err := EncodeBitstringLevel(l, p.cfg.CompressionLevel)
		if err != nil {
			return nil, err
		}
		cred := BitstringCredential{
			Context: []string{ContextVCv2}, ID: uri, Type: []string{"VerifiableCredential", TypeBitstringCred},
			Issuer: p.cfg.Issuer(tenant), ValidFrom: iat.UTC().Format(time.RFC3339), ValidUntil: pub.ExpiresAt.UTC().Format(time.RFC3339),
			CredentialSubject: BitstringSubject{ID: uri + "#list", Type: TypeBitstringList, StatusPurpose: info.Config.Purpose, EncodedList: enc, TTL: p.cfg.TTL.Milliseconds()},
		}
		tok, err := jose.SignJWT(ctx, p.cfg.Signer, map[string]any{"typ": TypVCJWT, "cty": "vc"}, cred)
		if err != nil {
			return nil, err
		}
		pub.Body = []byte(tok)
	}
	sum := sha256.Sum256(pub.Body)
	pub.ETag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	p.mu.Lock()
	p.cache[k] = pub
	p.mu.Unlock()
	p.cfg.Logger.DebugContext(ctx, "statuslist: published", "tenant", tenant, "list", listID, "media_type", mediaType, "version", info.Version)
	return pub, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Handler serves lists: GET and HEAD of a route whose pattern has a {list}
// wildcard and optionally {tenant} (default PublisherConfig.DefaultTenant), e.g.
//
//	mux.Handle("GET /tenants/{tenant}/statuslists/{list}", pub.Handler())
//
// The representation is negotiated from Accept (draft-20 "Status List Request": statuslist+jwt
// or statuslist+cwt for IETF lists; vc+jwt for W3C lists); 406 when nothing
// acceptable. Cache-Control max-age is min(ttl, exp − now); ETag and
// If-None-Match give 304. A historical ?time= request gets 501 (draft-20
// "Historical resolution": not supported).
func (p *Publisher) Handler() http.Handler { return http.HandlerFunc(p.ServeList) }

// ServeList is the handler function (for routers that are not ServeMux, set
// the path values with r.SetPathValue).
func (p *Publisher) ServeList(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Query().Has("time") {
		http.Error(w, "historical status lists are not supported", http.StatusNotImplemented)
		return
	}
	tenant, listID := r.PathValue("tenant"), r.PathValue("list")
	if tenant == "" {
		tenant = p.cfg.DefaultTenant
	}
	if !ValidName(listID) || !ValidName(tenant) {
		http.NotFound(w, r)
		return
	}
	info, err := p.cfg.Store.Info(r.Context(), tenant, listID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	media, ok := negotiate(r.Header.Values("Accept"), MediaTypes(info.Config.Format))
	if !ok {
		http.Error(w, "not acceptable", http.StatusNotAcceptable)
		return
	}
	pub, err := p.Publish(r.Context(), tenant, listID, media)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", pub.MediaType)
	h.Set("Vary", "Accept")
	h.Set("ETag", pub.ETag)
	h.Set("Access-Control-Allow-Origin", "*")
	maxAge := pub.TTL
	if rem := pub.ExpiresAt.Sub(p.cfg.Now()); rem < maxAge {
		maxAge = rem
	}
	if maxAge < 0 {
		maxAge = 0
	}
	h.Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(maxAge/time.Second), 10))
	if etagMatch(r.Header.Get("If-None-Match"), pub.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(pub.Body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(pub.Body)
}

func (p *Publisher) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	p.cfg.Logger.ErrorContext(r.Context(), "statuslist: publish failed", "error", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// negotiate picks the offered media type with the highest q value in
// Accept (the most specific matching range sets a type's q, RFC 9110
// §12.5.1); ties go to the order of offered. No Accept takes the default.
func negotiate(accept []string, offered []string) (string, bool) {
	if len(accept) == 0 {
		return offered[0], true
	}
	type rng struct {
		mt string
		q  float64
	}
	var ranges []rng
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			if len(ranges) >= 64 {
				break
			}
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if qs, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(qs, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			ranges = append(ranges, rng{mt, q})
		}
	}
	best, bestQ := "", 0.0
	for _, o := range offered {
		q, spec := 0.0, -1
		for _, r := range ranges {
			s := -1
			switch {
			case r.mt == o:
				s = 2
			case r.mt == "application/*":
				s = 1
			case r.mt == "*/*":
				s = 0
			}
			if s > spec {
				q, spec = r.q, s
			}
		}
		if q > bestQ {
			best, bestQ = o, q
		}
	}
	return best, best != ""
}

func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
