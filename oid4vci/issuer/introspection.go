package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Introspection configures RFC 7662 token introspection at an external
// authorization server: the issuer, a protected resource, POSTs the token
// with client_secret_basic authentication (RFC 6749 §2.3.1) and accepts it
// only when the answer is active, names this AS as iss (when present),
// carries sub and exp, and has this issuer in aud. Active answers are
// cached (keyed by a hash of the token) for at most CacheTTL and never
// beyond the token's exp.
type Introspection struct {
	// Endpoint is the introspection endpoint (https).
	Endpoint string
	// ClientID and ClientSecret authenticate the issuer to the AS.
	ClientID, ClientSecret string
	// HTTPClient sends the requests (default: 10 s timeout). Redirects are
	// never followed.
	HTTPClient *http.Client
	// MaxResponseBytes caps the answer (default 64 KiB).
	MaxResponseBytes int64
	// CacheTTL bounds caching of an active answer (default 60 s; negative
	// disables the cache).
	CacheTTL time.Duration
	// MaxCacheEntries bounds the cache (default 10,000).
	MaxCacheEntries int
}

// introspector is the runtime state of one AS's introspection.
type introspector struct {
	cfg   Introspection
	hc    *http.Client
	mu    sync.Mutex
	cache map[[32]byte]introspected
}

type introspected struct {
	claims  *externalClaims
	payload []byte
	until   time.Time
}

func newIntrospector(c *Introspection) (*introspector, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%w: introspection endpoint must be an https URL", ErrConfig)
	}
	if c.ClientID == "" {
		return nil, fmt.Errorf("%w: introspection needs a ClientID", ErrConfig)
	}
	in := &introspector{cfg: *c, cache: map[[32]byte]introspected{}}
	if in.cfg.MaxResponseBytes <= 0 {
		in.cfg.MaxResponseBytes = 64 << 10
	}
	if in.cfg.CacheTTL == 0 {
		in.cfg.CacheTTL = time.Minute
	}
	if in.cfg.MaxCacheEntries <= 0 {
		in.cfg.MaxCacheEntries = 10000
	}
	base := c.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: 10 * time.Second}
	}
	hc := *base
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	in.hc = &hc
	return in, nil
}

// introspectionResponse holds the RFC 7662 §2.2 members the issuer reads
// (the rest stays in the payload handed on as ExternalToken.Claims).
type introspectionResponse struct {
	Active bool `json:"active"`
	externalClaims
}

// introspect checks tok at the AS's introspection endpoint.
func (i *Issuer) introspect(ctx context.Context, as *AuthorizationServer, tok string) (*externalClaims, []byte, error) {
	in := i.introspectors[as.Issuer]
	if in == nil {
		return nil, nil, errExternal("access token invalid")
	}
	now := i.now()
	key := sha256.Sum256([]byte(tok))
	in.mu.Lock()
	if e, ok := in.cache[key]; ok {
		if now.Before(e.until) {
			in.mu.Unlock()
			return e.claims, e.payload, nil
		}
		delete(in.cache, key)
	}
	in.mu.Unlock()

	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.cfg.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(in.cfg.ClientID), url.QueryEscape(in.cfg.ClientSecret))
	res, err := in.hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("issuer: introspection at %s: %w", as.Issuer, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, in.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("issuer: introspection at %s: %w", as.Issuer, err)
	}
	if int64(len(body)) > in.cfg.MaxResponseBytes {
		return nil, nil, fmt.Errorf("issuer: introspection answer of %s larger than %d bytes", as.Issuer, in.cfg.MaxResponseBytes)
	}
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("issuer: introspection at %s answered %d", as.Issuer, res.StatusCode)
	}
	var ir introspectionResponse
	if err := json.Unmarshal(body, &ir); err != nil {
		return nil, nil, fmt.Errorf("issuer: introspection answer of %s is not a JSON object: %w", as.Issuer, err)
	}
	if !ir.Active {
		return nil, nil, errExternal("access token inactive")
	}
	if ir.Iss != "" && ir.Iss != as.Issuer {
		return nil, nil, errExternal("access token of another authorization server")
	}
	if ir.Exp == 0 {
		return nil, nil, errExternal("introspection answer without exp")
	}
	if tt, ok := tokenType(body); ok && !strings.EqualFold(tt, "Bearer") && !strings.EqualFold(tt, "DPoP") {
		return nil, nil, errExternal("not an access token")
	}
	c := ir.externalClaims
	c.Iss = as.Issuer
	if in.cfg.CacheTTL > 0 {
		until := now.Add(in.cfg.CacheTTL)
		if exp := time.Unix(c.Exp, 0); exp.Before(until) {
			until = exp
		}
		in.mu.Lock()
		if len(in.cache) >= in.cfg.MaxCacheEntries {
			for k, e := range in.cache {
				if !now.Before(e.until) || len(in.cache) >= in.cfg.MaxCacheEntries {
					delete(in.cache, k)
				}
			}
		}
		in.cache[key] = introspected{claims: &c, payload: body, until: until}
		in.mu.Unlock()
	}
	return &c, body, nil
}

func tokenType(body []byte) (string, bool) {
	var v struct {
		TokenType *string `json:"token_type"`
	}
	if json.Unmarshal(body, &v) != nil || v.TokenType == nil {
		return "", false
	}
	return *v.TokenType, true
}
