package svc

import (
	"context"
	gocrypto "crypto"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
)

// ErrUnauthenticated reports a management request without valid
// credentials.
var ErrUnauthenticated = errors.New("svc: unauthenticated")

// Principal is who a management request comes from.
type Principal struct {
	// Subject is the token's sub (a static token's configured name).
	Subject string
	// Tenants, when not empty, are the only tenants the principal may act
	// on (a JWT's "tenants" claim); empty allows every tenant.
	Tenants []string
}

// Allows reports whether p may act on tenant.
func (p Principal) Allows(tenant string) bool {
	if len(p.Tenants) == 0 {
		return true
	}
	for _, t := range p.Tenants {
		if t == tenant {
			return true
		}
	}
	return false
}

// Authenticator authenticates a management request. There is no anonymous
// default: every service requires one.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (Principal, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Principal, error) { return f(r) }

type principalKey struct{}

// PrincipalFrom returns the principal Protect stored in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Protect wraps h so that it runs only for authenticated requests, and,
// when the route has a {tenant} wildcard, only for principals allowed on
// that tenant. Failures answer 401 with WWW-Authenticate: Bearer (403 for a
// tenant the principal may not use); the reason is not echoed.
func Protect(a Authenticator, h http.Handler) http.Handler {
	if a == nil {
		panic("svc.Protect: nil Authenticator")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			WriteError(w, http.StatusUnauthorized, "invalid_token", "authentication required")
			return
		}
		if t := r.PathValue("tenant"); t != "" && !p.Allows(t) {
			WriteError(w, http.StatusForbidden, "insufficient_scope", "tenant not allowed")
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// StaticTokens authenticates "Authorization: Bearer <token>" against a
// fixed set of tokens, each with the subject name it stands for. Tokens are
// compared in constant time over their SHA-256 digests.
type StaticTokens struct {
	tokens map[[32]byte]string
}

// NewStaticTokens builds a StaticTokens from "name:token" pairs separated by
// commas (the WSTACK_AUTH_TOKENS format); a pair without a name gets the
// name "static". Tokens shorter than 16 characters are refused.
func NewStaticTokens(spec string) (*StaticTokens, error) {
	s := &StaticTokens{tokens: map[[32]byte]string{}}
	for _, pair := range strings.Split(spec, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, tok, ok := strings.Cut(pair, ":")
		if !ok {
			name, tok = "static", pair
		}
		if len(tok) < 16 {
			return nil, fmt.Errorf("svc: static token for %q shorter than 16 characters", name)
		}
		s.tokens[sha256.Sum256([]byte(tok))] = name
	}
	if len(s.tokens) == 0 {
		return nil, errors.New("svc: no static tokens")
	}
	return s, nil
}

// Authenticate implements Authenticator.
func (s *StaticTokens) Authenticate(r *http.Request) (Principal, error) {
	tok, ok := bearer(r)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	d := sha256.Sum256([]byte(tok))
	found := ""
	for k, name := range s.tokens {
		if subtle.ConstantTimeCompare(k[:], d[:]) == 1 {
			found = name
		}
	}
	if found == "" {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{Subject: found}, nil
}

// JWTConfig configures a JWTAuthenticator.
type JWTConfig struct {
	// Issuer is the expected iss; Audience the expected aud.
	Issuer, Audience string
	// JWKSURL is fetched through Fetcher and cached for RefreshInterval
	// (default 5 min); Keys, when set, replaces it.
	JWKSURL string
	Fetcher *fetch.Fetcher
	Keys    *jose.TrustedKeys
	// RefreshInterval is the JWKS cache lifetime.
	RefreshInterval time.Duration
	// Algorithms is the allow-list (default ES256, ES384, EdDSA, RS256).
	Algorithms []crypto.Algorithm
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// JWTAuthenticator authenticates "Authorization: Bearer <JWT>" access
// tokens (RFC 9068 at+jwt or plain JWT) signed by a key of a JWKS: iss and
// aud must match, exp is required, and the optional "tenants" claim limits
// the principal's tenants.
type JWTAuthenticator struct {
	cfg     JWTConfig
	mu      sync.Mutex
	keys    *jose.TrustedKeys
	fetched time.Time
}

// NewJWTAuthenticator checks cfg and returns the authenticator.
func NewJWTAuthenticator(cfg JWTConfig) (*JWTAuthenticator, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("svc: JWT authenticator needs Issuer and Audience")
	}
	if cfg.Keys == nil && cfg.JWKSURL == "" {
		return nil, errors.New("svc: JWT authenticator needs Keys or JWKSURL")
	}
	if cfg.JWKSURL != "" && cfg.Fetcher == nil {
		cfg.Fetcher = fetch.New(fetch.Options{})
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = 5 * time.Minute
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.EdDSA, crypto.RS256}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &JWTAuthenticator{cfg: cfg, keys: cfg.Keys}, nil
}

func (a *JWTAuthenticator) keySet(ctx context.Context) (*jose.TrustedKeys, error) {
	if a.cfg.Keys != nil {
		return a.cfg.Keys, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.keys != nil && a.cfg.Now().Sub(a.fetched) < a.cfg.RefreshInterval {
		return a.keys, nil
	}
	resp, err := a.cfg.Fetcher.Get(ctx, a.cfg.JWKSURL, fetch.Call{Accept: "application/json", MaxBytes: 256 << 10})
	if err != nil {
		if a.keys != nil {
			// Keep the last good set through an outage; try again in
			// 10 s, not on every request.
			a.fetched = a.cfg.Now().Add(10*time.Second - a.cfg.RefreshInterval)
			return a.keys, nil
		}
		return nil, err
	}
	keys := jose.NewTrustedKeys()
	if err := keys.AddJWKS(a.cfg.Issuer, resp.Body); err != nil {
		return nil, err
	}
	a.keys, a.fetched = keys, a.cfg.Now()
	return keys, nil
}

// Authenticate implements Authenticator.
func (a *JWTAuthenticator) Authenticate(r *http.Request) (Principal, error) {
	tok, ok := bearer(r)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	keys, err := a.keySet(r.Context())
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	j, err := jose.Verify(r.Context(), tok, jose.VerifyOptions{
		ParseOptions: jose.ParseOptions{Algorithms: a.cfg.Algorithms, Typ: []string{"at+jwt", "JWT", ""}, MaxSize: 16 << 10},
		Resolver: jose.KeyResolverFunc(func(ctx context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
			return keys.ResolveIssuerKey(a.cfg.Issuer, j)
		}),
	})
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	var claims map[string]any
	if err := j.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	if iss, _ := claims["iss"].(string); iss != a.cfg.Issuer {
		return Principal{}, fmt.Errorf("%w: iss", ErrUnauthenticated)
	}
	if err := jose.CheckAudience(claims, a.cfg.Audience); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	if err := jose.ValidateTimes(claims, jose.TimeOptions{Now: a.cfg.Now(), Leeway: 30 * time.Second, RequireExp: true}); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	p := Principal{}
	p.Subject, _ = claims["sub"].(string)
	if ts, ok := claims["tenants"].([]any); ok {
		for _, t := range ts {
			if s, ok := t.(string); ok {
				p.Tenants = append(p.Tenants, s)
			}
		}
		if len(p.Tenants) == 0 {
			return Principal{}, fmt.Errorf("%w: empty tenants claim", ErrUnauthenticated)
		}
	}
	return p, nil
}

// AuthFromEnv builds the authenticator the environment names:
// WSTACK_AUTH_TOKENS (static bearer tokens) or WSTACK_AUTH_JWKS_URL with
// WSTACK_AUTH_ISSUER and WSTACK_AUTH_AUDIENCE. Neither is an error: no
// management endpoint is anonymous.
func AuthFromEnv(fetcher *fetch.Fetcher) (Authenticator, error) {
	if spec := Env(EnvAuthTokens, ""); spec != "" {
		return NewStaticTokens(spec)
	}
	if u := Env(EnvAuthJWKS, ""); u != "" {
		return NewJWTAuthenticator(JWTConfig{JWKSURL: u, Fetcher: fetcher,
			Issuer: Env("WSTACK_AUTH_ISSUER", ""), Audience: Env("WSTACK_AUTH_AUDIENCE", "")})
	}
	return nil, fmt.Errorf("svc: set %s or %s: management APIs are never anonymous", EnvAuthTokens, EnvAuthJWKS)
}
