package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ocmw/wstack/internal/lru"
)

// Errors. Match with errors.Is; StatusError carries the HTTP status.
var (
	ErrURL            = errors.New("fetch: URL not allowed")
	ErrBlockedAddress = errors.New("fetch: address not allowed")
	ErrHostNotAllowed = errors.New("fetch: host not on the allow-list")
	ErrTooLarge       = errors.New("fetch: response too large")
	ErrRedirect       = errors.New("fetch: redirect not allowed")
	ErrStatus         = errors.New("fetch: unexpected HTTP status")
	ErrFetch          = errors.New("fetch: request failed")
	// ErrIncomplete: the body was not received in full (the timeout expired
	// or the connection ended mid-body, fewer bytes than Content-Length, or
	// a body delimited only by the connection closing, which cannot be told
	// apart from a cut connection — RFC 9112 §6.3 item 8). It is always
	// wrapped together with ErrFetch.
	ErrIncomplete = errors.New("fetch: incomplete response body")
)

// StatusError reports a non-2xx response.
type StatusError struct{ Code int }

func (e *StatusError) Error() string        { return fmt.Sprintf("fetch: unexpected HTTP status %d", e.Code) }
func (e *StatusError) Is(target error) bool { return target == ErrStatus }

// Options configure a Fetcher. The zero value is the secure default.
type Options struct {
	// Timeout bounds one request including redirects and body (default 10 s).
	Timeout time.Duration
	// MaxBytes is the default response size limit (default 1 MiB).
	MaxBytes int64
	// AllowLoopback permits loopback addresses and plain http to loopback
	// hosts. For tests only; private ranges stay blocked.
	AllowLoopback bool
	// HostAllowed, when set, is asked about every host before connecting
	// (including redirect targets); a non-nil error blocks the request.
	HostAllowed func(host string) error
	// RootCAs overrides the system roots (tests with httptest TLS servers).
	RootCAs *x509.CertPool
	// UserAgent is sent with every request (default "wstack").
	UserAgent string
	// CacheEntries bounds the number of cached responses (default 1024).
	CacheEntries int
	// CacheBytes bounds the memory of the cache (default 64 MiB): each
	// response counts its body, headers and URL as estimated by
	// lru.SizeOf. The least recently used response is evicted first; a
	// response larger than the budget is returned but not cached.
	CacheBytes int64
	// Now is the clock for the cache (default time.Now).
	Now func() time.Time
}

// Call configures one fetch.
type Call struct {
	// Accept is sent as the Accept header.
	Accept string
	// MaxBytes overrides Options.MaxBytes for this call.
	MaxBytes int64
	// MaxRedirects is the number of redirects followed; 0 follows none.
	MaxRedirects int
	// CacheTTL caches a successful response for that long; 0 does not cache.
	CacheTTL time.Duration
}

// Response is a fetched document. Body is shared with the cache and other
// callers: treat it as read-only.
type Response struct {
	URL         string // final URL after redirects
	StatusCode  int
	Header      http.Header
	ContentType string // media type without parameters, lower case
	Body        []byte
	FetchedAt   time.Time
}

// Fetcher performs guarded GET requests. It is safe for concurrent use.
type Fetcher struct {
	o         Options
	transport *http.Transport
	group     singleflight.Group
	cache     *lru.Cache[string, *Response]
	// afterMiss, when set by a test, runs between a cache miss and the
	// single flight (issue #10 item 8).
	afterMiss func()
}

// New returns a Fetcher.
func New(o Options) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 20
	}
	if o.UserAgent == "" {
		o.UserAgent = "wstack"
	}
	if o.CacheEntries <= 0 {
		o.CacheEntries = 1024
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = lru.DefaultMaxBytes
	}
	f := &Fetcher{o: o, cache: lru.New[string, *Response](o.CacheBytes, o.CacheEntries)}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, ControlContext: f.control}
	f.transport = &http.Transport{
		Proxy:                  nil, // a proxy would bypass the address checks
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: o.RootCAs},
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  o.Timeout,
		MaxIdleConns:           64,
		IdleConnTimeout:        60 * time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return f
}

// control runs after name resolution, on the address actually dialled.
func (f *Fetcher) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
	}
	if err := CheckAddr(ip, f.o.AllowLoopback); err != nil {
		return err
	}
	return nil
}

var blockedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/96", // unspecified and IPv4-compatible IPv6 (::a.b.c.d, RFC 4291 §2.5.5.1, deprecated)
		"64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
		"2002::/16", "fc00::/7", "fe80::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// CheckAddr reports whether ip is a public unicast address. Loopback is
// accepted only when allowLoopback is set.
func CheckAddr(ip netip.Addr, allowLoopback bool) error {
	ip = ip.Unmap()
	if ip.IsLoopback() {
		if allowLoopback {
			return nil
		}
		return fmt.Errorf("%w: loopback %s", ErrBlockedAddress, ip)
	}
	if ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return fmt.Errorf("%w: %s", ErrBlockedAddress, ip)
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s in %s", ErrBlockedAddress, ip, p)
		}
	}
	return nil
}

// IsLoopbackHost reports whether host is "localhost" or a loopback IP.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.Unmap().IsLoopback()
}

// CheckURL validates a URL against the fetcher's policy without fetching.
func (f *Fetcher) CheckURL(raw string) (*url.URL, error) {
	if len(raw) > 4096 {
		return nil, fmt.Errorf("%w: URL too long", ErrURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURL, err)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: userinfo in URL", ErrURL)
	}
	host := u.Hostname()
	if host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: no host", ErrURL)
	}
	loop := IsLoopbackHost(host)
	switch u.Scheme {
	case "https":
	case "http":
		if !(f.o.AllowLoopback && loop) {
			return nil, fmt.Errorf("%w: scheme http", ErrURL)
		}
	default:
		return nil, fmt.Errorf("%w: scheme %q", ErrURL, u.Scheme)
	}
	if loop && !f.o.AllowLoopback {
		return nil, fmt.Errorf("%w: loopback host %q", ErrBlockedAddress, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := CheckAddr(ip, f.o.AllowLoopback); err != nil {
			return nil, err
		}
	}
	if f.o.HostAllowed != nil {
		if err := f.o.HostAllowed(host); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrHostNotAllowed, host, err)
		}
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u, nil
}

func (f *Fetcher) cacheKey(u string, c Call) string {
	return u + "\x00" + c.Accept + "\x00" + strconv.FormatInt(c.MaxBytes, 10) + "\x00" + strconv.Itoa(c.MaxRedirects)
}

// Get fetches rawURL with the call's policy.
func (f *Fetcher) Get(ctx context.Context, rawURL string, c Call) (*Response, error) {
	u, err := f.CheckURL(rawURL)
	if err != nil {
		return nil, err
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = f.o.MaxBytes
	}
	key := f.cacheKey(u.String(), c)
	if c.CacheTTL > 0 {
		if r, ok := f.cache.Get(key, f.o.Now()); ok {
			return r, nil
		}
		if f.afterMiss != nil {
			f.afterMiss()
		}
	}
	ch := f.group.DoChan(key, func() (any, error) {
		if c.CacheTTL > 0 {
			// Filled by a flight that ended between our miss and this one.
			if r, ok := f.cache.Get(key, f.o.Now()); ok {
				return r, nil
			}
		}
		// The shared request outlives any single caller's cancellation but
		// not the fetcher's own timeout.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.o.Timeout)
		defer cancel()
		r, err := f.do(rctx, u, c)
		if err == nil && c.CacheTTL > 0 {
			f.cache.Add(key, r, lru.SizeOf(r), f.o.Now().Add(c.CacheTTL))
		}
		return r, err
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrFetch, ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Response), nil
	}
}

// Invalidate drops every cached response for rawURL.
func (f *Fetcher) Invalidate(rawURL string) {
	f.cache.RemoveFunc(func(k string) bool { return strings.HasPrefix(k, rawURL+"\x00") })
}

func (f *Fetcher) do(ctx context.Context, u *url.URL, c Call) (*Response, error) {
	client := &http.Client{
		Transport: f.transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > c.MaxRedirects {
				return fmt.Errorf("%w: %d redirects (allowed %d)", ErrRedirect, len(via), c.MaxRedirects)
			}
			if _, err := f.CheckURL(req.URL.String()); err != nil {
				return err
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURL, err)
	}
	if c.Accept != "" {
		req.Header.Set("Accept", c.Accept)
	}
	req.Header.Set("User-Agent", f.o.UserAgent)
	resp, err := client.Do(req)
	if err != nil {
		for _, sentinel := range []error{ErrRedirect, ErrBlockedAddress, ErrURL, ErrHostNotAllowed} {
			if errors.Is(err, sentinel) {
				return nil, err
			}
		}
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, &StatusError{Code: resp.StatusCode}
	}
	if resp.ContentLength > c.MaxBytes {
		return nil, fmt.Errorf("%w: Content-Length %d > %d", ErrTooLarge, resp.ContentLength, c.MaxBytes)
	}
	// A body whose end is only the connection closing (HTTP/1.x without
	// Content-Length or chunked coding) cannot be told from a cut one.
	if resp.ProtoMajor == 1 && resp.ContentLength < 0 && !slices.Contains(resp.TransferEncoding, "chunked") {
		return nil, fmt.Errorf("%w: %w: HTTP/1.x body without Content-Length or chunked transfer coding", ErrFetch, ErrIncomplete)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w: reading body: %w", ErrFetch, ErrIncomplete, err)
	}
	if int64(len(body)) > c.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.MaxBytes)
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		return nil, fmt.Errorf("%w: %w: %d of %d bytes", ErrFetch, ErrIncomplete, len(body), resp.ContentLength)
	}
	// The deadline expired while the body was read: whatever the transport
	// reported, the body is not known to be complete.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrFetch, ErrIncomplete, err)
	}
	ct := resp.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return &Response{
		URL: resp.Request.URL.String(), StatusCode: resp.StatusCode, Header: resp.Header,
		ContentType: strings.ToLower(strings.TrimSpace(ct)), Body: body, FetchedAt: f.o.Now(),
	}, nil
}
