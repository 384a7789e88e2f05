package statuslist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/lru"
	"github.com/ocmw/wstack/vocab"
)

// Fetcher retrieves a status list. Implementations must be the guarded
// fetcher of wstack (wstack/fetch: https only, size limit, timeouts,
// bounded redirects: draft-20 "Status List Request" allows following 3xx) and must not read
// more than maxBytes of body.
type Fetcher interface {
	Fetch(ctx context.Context, url, accept string, maxBytes int64) (body []byte, contentType string, err error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, url, accept string, maxBytes int64) ([]byte, string, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, url, accept string, maxBytes int64) ([]byte, string, error) {
	return f(ctx, url, accept, maxBytes)
}

// Accept headers sent per reference type.
const (
	AcceptIETF = MediaTypeJWT + ", " + MediaTypeCWT + ";q=0.9"
	// AcceptW3C is sent for W3C lists when a CredentialVerifier is
	// configured; without one only application/vc+jwt is asked for
	// (StatusList2021 entries add application/jwt).
	AcceptW3C = MediaTypeVCJWT + ", " + MediaTypeVCLD + ";q=0.8, " + MediaTypeVC + ";q=0.8"
)

// CheckerConfig configures a Checker. Fetcher and Keys are required.
type CheckerConfig struct {
	Fetcher Fetcher
	Keys    KeyResolver
	// Algorithms is the signature allow-list (default ES256, ES384, EdDSA).
	Algorithms []crypto.Algorithm
	// CredentialVerifier verifies non-JWT W3C list credentials (Data
	// Integrity); without it such lists are rejected.
	CredentialVerifier CredentialVerifier
	// MinCacheTTL and MaxCacheTTL clamp how long a verified list is reused
	// (ttl / exp / validUntil / BSL ttl), security.md row 37. Defaults 1
	// minute and 1 hour. A list is never used past its exp or validUntil.
	MinCacheTTL, MaxCacheTTL time.Duration
	// ErrorCacheTTL keeps a failed fetch for this long so a broken list does
	// not cause a refetch storm (default 5 s; negative disables).
	ErrorCacheTTL time.Duration
	// Leeway tolerates clock skew.
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxTokenBytes bounds a fetched token (default DefaultMaxTokenBytes).
	MaxTokenBytes int
	// Decode bounds list decoding.
	Decode DecodeOptions
	// LegacyJWT accepts StatusList2021 credentials in the VCDM 1.1 JWT
	// encoding (typ JWT, vc claim).
	LegacyJWT bool
	// MaxCacheEntries bounds the number of cached lists (default 1024).
	MaxCacheEntries int
	// MaxCacheBytes bounds the memory of the cache (default 64 MiB). An
	// entry is sized by lru.SizeOf: the decoded list's bytes (its
	// capacity), its purposes and error plus a fixed overhead; a 16 MiB
	// list counts about 16 MiB. The least recently used list is evicted
	// first; a list larger than the whole budget is used but not cached.
	MaxCacheBytes int64
	// FetchTimeout bounds one shared fetch and verification of a list,
	// which runs detached from the cancellation of the caller that started
	// it (default 30 s).
	FetchTimeout time.Duration
	// Logger receives list rejections (default: discarded).
	Logger *slog.Logger
}

// Checker resolves the status of referenced tokens and credentials. It
// is safe for concurrent use; concurrent checks of one list share one
// fetch, which runs detached from the cancellation of the caller that
// started it (bounded by FetchTimeout); each caller's ctx bounds its own
// wait.
type Checker struct {
	cfg   CheckerConfig
	sf    singleflight.Group
	cache *lru.Cache[string, *cacheEntry]
	// afterMiss, when set by a test, runs between a cache miss and the
	// single flight (issue #10 item 8).
	afterMiss func()
}

type cacheEntry struct {
	list     *List
	purposes []string
	err      error
	until    time.Time
}

// NewChecker validates cfg and returns a checker.
func NewChecker(cfg CheckerConfig) (*Checker, error) {
	if cfg.Fetcher == nil || cfg.Keys == nil {
		return nil, fmt.Errorf("%w: Fetcher and Keys are required", ErrConfig)
	}
	if cfg.MinCacheTTL <= 0 {
		cfg.MinCacheTTL = time.Minute
	}
	if cfg.MaxCacheTTL <= 0 {
		cfg.MaxCacheTTL = time.Hour
	}
	if cfg.MinCacheTTL > cfg.MaxCacheTTL {
		return nil, fmt.Errorf("%w: MinCacheTTL > MaxCacheTTL", ErrConfig)
	}
	if cfg.ErrorCacheTTL == 0 {
		cfg.ErrorCacheTTL = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxTokenBytes <= 0 {
		cfg.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if cfg.MaxCacheEntries <= 0 {
		cfg.MaxCacheEntries = 1024
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxCacheBytes <= 0 {
		cfg.MaxCacheBytes = lru.DefaultMaxBytes
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 30 * time.Second
	}
	return &Checker{cfg: cfg, cache: lru.New[string, *cacheEntry](cfg.MaxCacheBytes, cfg.MaxCacheEntries)}, nil
}

// A Checker is the vocab.StatusChecker every verifier takes
// (presentation.ValidatorConfig.Status, vc.Config.StatusChecker, …).
var _ vocab.StatusChecker = (*Checker)(nil)

// Status returns the status of ref. For IETF references it is the list
// value (VALID, INVALID, SUSPENDED or an application value). For W3C
// entries a set bit of a revocation list is INVALID, of a suspension list
// SUSPENDED; message and other purposes return the raw entry value. Any
// error means the status is unknown: never treat it as VALID.
func (c *Checker) Status(ctx context.Context, ref vocab.StatusReference) (Status, error) {
	v, _, err := c.check(ctx, ref)
	if err != nil || v == 0 {
		return v, err
	}
	if ref.Type != TypeIETFStatusList {
		switch ref.Purpose {
		case PurposeRevocation:
			return Invalid, nil
		case PurposeSuspension:
			return Suspended, nil
		}
	}
	return v, nil
}

// Check implements vocab.StatusChecker: the raw entry value (IETF status
// type; W3C entry bits, 0 = not set) and, for W3C entries with a
// statusMessage, the message of that value, verified as Status verifies it.
// vocab.CheckStatus / vocab.InterpretStatus turn it into the one outcome
// mapping (valid, revoked, suspended, application specific, unavailable).
func (c *Checker) Check(ctx context.Context, ref vocab.StatusReference) (vocab.StatusResult, error) {
	v, msgs, err := c.check(ctx, ref)
	if err != nil {
		return vocab.StatusResult{}, err
	}
	res := vocab.StatusResult{Value: uint8(v)}
	for _, m := range msgs {
		if n, err := parseHexStatus(m.Status); err == nil && n == uint64(v) {
			res.Message = m.Message
			break
		}
	}
	return res, nil
}

// check returns the raw entry value and the entry's statusMessage.
func (c *Checker) check(ctx context.Context, ref vocab.StatusReference) (Status, []StatusMessage, error) {
	switch ref.Type {
	case TypeIETFStatusList:
		l, _, err := c.list(ctx, ref.URI, kindIETF, 0)
		if err != nil {
			return 0, nil, err
		}
		v, err := l.Get(ref.Index)
		return v, nil, err
	case TypeBitstringEntry, TypeStatusList2021Ent:
		size := ref.Size
		if size == 0 {
			size = 1
		}
		if size < 1 || size > 8 {
			return 0, nil, fmt.Errorf("%w: statusSize %d", ErrBadBits, size)
		}
		var msgs []StatusMessage
		if ref.Raw != nil {
			var err error
			if msgs, err = statusMessages(ref.Raw["statusMessage"]); err != nil {
				return 0, nil, err
			}
			if err := CheckStatusMessages(size, msgs); err != nil {
				return 0, nil, err
			}
		}
		kind := kindW3C
		if ref.Type == TypeStatusList2021Ent {
			kind = kindSL2021
		}
		l, purposes, err := c.list(ctx, ref.URI, kind, size)
		if err != nil {
			return 0, nil, err
		}
		if ref.Purpose == "" || !contains(purposes, ref.Purpose) {
			return 0, nil, fmt.Errorf("%w: entry %q, list %v", ErrPurposeMismatch, ref.Purpose, purposes)
		}
		v, err := l.Get(ref.Index)
		if err != nil {
			return 0, nil, err
		}
		return v, msgs, nil
	}
	return 0, nil, fmt.Errorf("%w: %q", ErrUnsupportedReference, ref.Type)
}

type listKind int

const (
	kindIETF listKind = iota
	kindW3C
	kindSL2021
)

// Purge drops every cached list.
func (c *Checker) Purge() {
	c.cache.Purge()
}

func (c *Checker) list(ctx context.Context, uri string, kind listKind, size int) (*List, []string, error) {
	if uri == "" {
		return nil, nil, fmt.Errorf("%w: empty uri", ErrRetrieval)
	}
	key := fmt.Sprintf("%d|%d|%s", kind, size, uri)
	if e, ok := c.cache.Get(key, c.cfg.Now()); ok {
		return e.list, e.purposes, e.err
	}
	if c.afterMiss != nil {
		c.afterMiss()
	}
	ch := c.sf.DoChan(key, func() (any, error) {
		// A flight of another caller may have filled the cache and ended
		// between our miss and this flight: check again, or one list is
		// fetched once per such interleaving.
		if e, ok := c.cache.Get(key, c.cfg.Now()); ok {
			return e, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.FetchTimeout)
		defer cancel()
		e := c.load(fctx, uri, kind, size)
		if e.list != nil && cap(e.list.data) > len(e.list.data) {
			// Decompression leaves up to twice the list's length allocated;
			// the cache keeps only the list.
			e.list.data = append(make([]byte, 0, len(e.list.data)), e.list.data...)
		}
		if e.err == nil || c.cfg.ErrorCacheTTL > 0 && !errors.Is(e.err, context.Canceled) && !errors.Is(e.err, context.DeadlineExceeded) {
			c.cache.Add(key, e, lru.SizeOf(e), e.until)
		}
		return e, nil
	})
	var e *cacheEntry
	select {
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("%w: %w", ErrRetrieval, ctx.Err())
	case res := <-ch:
		e = res.Val.(*cacheEntry)
	}
	return e.list, e.purposes, e.err
}

// load fetches, verifies and decodes one list; the result carries its
// cache deadline.
func (c *Checker) load(ctx context.Context, uri string, kind listKind, size int) *cacheEntry {
	now := c.cfg.Now()
	fail := func(err error) *cacheEntry {
		c.cfg.Logger.WarnContext(ctx, "statuslist: list rejected", "uri", uri, "error", err)
		return &cacheEntry{err: err, until: now.Add(c.cfg.ErrorCacheTTL)}
	}
	accept := AcceptIETF
	if kind != kindIETF {
		accept = MediaTypeVCJWT
		if kind == kindSL2021 {
			accept += ", application/jwt;q=0.9"
		}
		if c.cfg.CredentialVerifier != nil {
			accept += ", " + MediaTypeVCLD + ";q=0.8, " + MediaTypeVC + ";q=0.8"
		}
	}
	body, ct, err := c.cfg.Fetcher.Fetch(ctx, uri, accept, int64(c.cfg.MaxTokenBytes))
	// The list is judged at the time it arrived: a list issued while the
	// fetch ran (iat after the fetch started) is valid, not "not yet valid".
	now = c.cfg.Now()
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrRetrieval, err))
	}
	if len(body) > c.cfg.MaxTokenBytes {
		return fail(fmt.Errorf("%w: %d bytes", ErrTooLarge, len(body)))
	}
	mt, _, _ := mime.ParseMediaType(ct)
	opts := VerifyOptions{Algorithms: c.cfg.Algorithms, Keys: c.cfg.Keys, Subject: uri, Now: now, Leeway: c.cfg.Leeway, MaxTokenBytes: c.cfg.MaxTokenBytes, Decode: c.cfg.Decode}
	if kind == kindIETF {
		var vt *VerifiedToken
		switch {
		case mt == MediaTypeJWT || mt == "" && len(body) > 0 && body[0] == 'e':
			vt, err = VerifyJWT(ctx, strings.TrimSpace(string(body)), opts)
		case mt == MediaTypeCWT || mt == "" && len(body) > 0 && (body[0] == 0xd2 || body[0] == 0x84):
			vt, err = VerifyCWT(ctx, body, opts)
		default:
			err = fmt.Errorf("%w: response media type %q", ErrTokenType, ct)
		}
		if err != nil {
			return fail(err)
		}
		ttl := vt.Claims.TTL
		if vt.Claims.TTLSet && ttl == 0 {
			ttl = time.Nanosecond // "do not cache": clamps to MinCacheTTL
		}
		return &cacheEntry{list: vt.List, until: c.deadline(now, ttl, vt.Claims.ExpiresAt)}
	}
	var vc *VerifiedCredential
	switch mt {
	case MediaTypeVCJWT, "application/jwt", "application/vc+ld+json+jwt", "":
		vc, err = VerifyCredentialJWT(ctx, strings.TrimSpace(string(body)), opts, c.cfg.LegacyJWT || kind == kindSL2021 && mt != MediaTypeVCJWT)
	case MediaTypeVCLD, MediaTypeVC, "application/ld+json", "application/json":
		if c.cfg.CredentialVerifier == nil {
			err = fmt.Errorf("%w: no verifier configured for %s credentials", ErrSignature, mt)
			break
		}
		var doc []byte
		if doc, err = c.cfg.CredentialVerifier.VerifyStatusListCredential(ctx, body); err != nil {
			err = fmt.Errorf("%w: %v", ErrSignature, err)
			break
		}
		vc, err = VerifyCredentialDocument(doc, opts)
	default:
		err = fmt.Errorf("%w: response media type %q", ErrTokenType, ct)
	}
	if err != nil {
		return fail(err)
	}
	if (kind == kindSL2021) != vc.Credential.Legacy() {
		return fail(fmt.Errorf("%w: entry type does not match credential type %v", ErrTokenType, vc.Credential.Type))
	}
	l, err := vc.Credential.decodeList(size, c.cfg.Decode)
	if err != nil {
		return fail(err)
	}
	return &cacheEntry{list: l, purposes: vc.Credential.CredentialSubject.Purposes(), until: c.deadline(now, vc.TTL, vc.ValidUntil)}
}

// deadline clamps ttl (or the time to expiry when ttl is absent) to
// [MinCacheTTL, MaxCacheTTL] and never past the expiry.
func (c *Checker) deadline(now time.Time, ttl time.Duration, exp time.Time) time.Time {
	d := ttl
	if d <= 0 {
		if exp.IsZero() {
			d = c.cfg.MinCacheTTL
		} else {
			d = exp.Sub(now)
		}
	}
	d = max(c.cfg.MinCacheTTL, min(d, c.cfg.MaxCacheTTL))
	until := now.Add(d)
	if !exp.IsZero() && exp.Before(until) {
		until = exp
	}
	return until
}

// CheckAt resolves the status of an IETF reference as it was at time at
// (draft-20 "Historical resolution"): the list is fetched with
// ?time=<unix seconds>, and the returned token must be valid at that time
// (iat ≤ at < exp); otherwise ErrExpired or ErrNotYetValid. Historical
// lists are not cached. A server without historical support answers 501,
// reported as ErrRetrieval.
func (c *Checker) CheckAt(ctx context.Context, ref vocab.StatusReference, at time.Time) (Status, error) {
	if ref.Type != TypeIETFStatusList {
		return 0, fmt.Errorf("%w: historical resolution is defined for IETF status lists only", ErrUnsupportedReference)
	}
	if ref.URI == "" || strings.Contains(ref.URI, "#") {
		return 0, fmt.Errorf("%w: uri %q", ErrRetrieval, ref.URI)
	}
	sep := "?"
	if strings.Contains(ref.URI, "?") {
		sep = "&"
	}
	u := ref.URI + sep + "time=" + strconv.FormatInt(at.Unix(), 10)
	body, ct, err := c.cfg.Fetcher.Fetch(ctx, u, AcceptIETF, int64(c.cfg.MaxTokenBytes))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrRetrieval, err)
	}
	mt, _, _ := mime.ParseMediaType(ct)
	opts := VerifyOptions{Algorithms: c.cfg.Algorithms, Keys: c.cfg.Keys, Subject: ref.URI, Now: at, Leeway: c.cfg.Leeway, MaxTokenBytes: c.cfg.MaxTokenBytes, Decode: c.cfg.Decode}
	var vt *VerifiedToken
	switch mt {
	case MediaTypeJWT:
		vt, err = VerifyJWT(ctx, strings.TrimSpace(string(body)), opts)
	case MediaTypeCWT:
		vt, err = VerifyCWT(ctx, body, opts)
	default:
		err = fmt.Errorf("%w: response media type %q", ErrTokenType, ct)
	}
	if err != nil {
		return 0, err
	}
	return vt.List.Get(ref.Index)
}
