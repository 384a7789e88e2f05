package contexts

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/piprate/json-gold/ld"
	"golang.org/x/sync/singleflight"

	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/internal/lru"
)

// URLs of the bundled contexts.
const (
	CredentialsV1    = "https://www.w3.org/2018/credentials/v1"
	CredentialsV2    = "https://www.w3.org/ns/credentials/v2"
	DataIntegrityV1  = "https://w3id.org/security/data-integrity/v1"
	DataIntegrityV2  = "https://w3id.org/security/data-integrity/v2"
	MultikeyV1       = "https://w3id.org/security/multikey/v1"
	Ed25519Suite2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
	JWS2020          = "https://w3id.org/security/suites/jws-2020/v1"
	StatusList2021   = "https://w3id.org/vc/status-list/2021/v1"
	DIDV1            = "https://www.w3.org/ns/did/v1"
)

// Errors returned by the loader; match them with errors.Is.
var (
	// ErrNotAllowed is returned for a context URL that is neither bundled,
	// pinned nor allow-listed (security.md row 56).
	ErrNotAllowed = errors.New("contexts: context URL not allowed")
	// ErrFetch is returned when an allow-listed context cannot be fetched.
	ErrFetch = errors.New("contexts: fetching context failed")
	// ErrInvalid is returned for a context document that is not a JSON
	// object with an "@context" member, or exceeds the size/depth limits.
	ErrInvalid = errors.New("contexts: invalid context document")
)

//go:embed files/*.jsonld
var files embed.FS

var bundledFiles = map[string]string{
	CredentialsV1:    "files/credentials-v1.jsonld",
	CredentialsV2:    "files/credentials-v2.jsonld",
	DataIntegrityV1:  "files/data-integrity-v1.jsonld",
	DataIntegrityV2:  "files/data-integrity-v2.jsonld",
	MultikeyV1:       "files/multikey-v1.jsonld",
	Ed25519Suite2020: "files/ed25519-2020-v1.jsonld",
	JWS2020:          "files/jws-2020-v1.jsonld",
	StatusList2021:   "files/status-list-2021-v1.jsonld",
	DIDV1:            "files/did-v1.jsonld",
}

// Bundled returns the bytes of a bundled context and whether it exists.
func Bundled(url string) ([]byte, bool) {
	name, ok := bundledFiles[url]
	if !ok {
		return nil, false
	}
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, false
	}
	return b, true
}

// BundledURLs lists the URLs of the bundled contexts.
func BundledURLs() []string {
	out := make([]string, 0, len(bundledFiles))
	for u := range bundledFiles {
		out = append(out, u)
	}
	return out
}

// Fetch retrieves a context document. It is called only for allow-listed
// URLs. Implementations must bound size and time; FetchWith does.
type Fetch func(ctx context.Context, url string) ([]byte, error)

// FetchWith adapts the guarded fetcher: Accept application/ld+json, at most
// maxBytes (0 = 1 MiB), up to 3 redirects, responses cached for ttl.
func FetchWith(f *fetch.Fetcher, maxBytes int64, ttl time.Duration) Fetch {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return func(ctx context.Context, url string) ([]byte, error) {
		resp, err := f.Get(ctx, url, fetch.Call{
			Accept:       "application/ld+json, application/json;q=0.9",
			MaxBytes:     maxBytes,
			MaxRedirects: 3,
			CacheTTL:     ttl,
		})
		if err != nil {
			return nil, err
		}
		return resp.Body, nil
	}
}

// Limits for context documents.
const (
	DefaultMaxBytes = 1 << 20
	DefaultMaxDepth = 32
)

// Options configure a Loader. The zero value loads only the bundled
// contexts.
type Options struct {
	// Pinned adds static context documents (URL → JSON bytes), for example
	// an issuer's own vocabulary shipped with the application. They take
	// precedence over the bundled ones.
	Pinned map[string][]byte
	// Allow lists the exact URLs that may be fetched with Fetch.
	Allow []string
	// Fetch retrieves allow-listed contexts; nil means no remote contexts.
	Fetch Fetch
	// MaxBytes and MaxDepth bound every document (defaults 1 MiB and 32).
	MaxBytes int
	MaxDepth int
	// MaxCacheBytes bounds the memory held by parsed fetched contexts, as
	// estimated by lru.SizeOf of the decoded document (default 64 MiB); the
	// least recently used one is evicted first and fetched again when next
	// needed. Bundled and pinned contexts are configuration and are always
	// kept.
	MaxCacheBytes int64
}

// Loader resolves JSON-LD context URLs offline. It is safe for concurrent
// use. Bundled and pinned documents are parsed once; fetched ones are kept
// in a byte-budgeted LRU (Options.MaxCacheBytes), and concurrent loads of
// one URL share one fetch.
type Loader struct {
	opts    Options
	allow   map[string]bool
	static  map[string]any // bundled and pinned; read-only after NewLoader
	fetched *lru.Cache[string, any]
	group   singleflight.Group
	// afterMiss, when set by a test, runs between a cache miss and the
	// single flight: the window in which another caller's flight can
	// finish (issue #10 item 8).
	afterMiss func()
}

// NewLoader builds a loader; pinned documents are validated up front.
func NewLoader(o Options) (*Loader, error) {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	l := &Loader{opts: o, allow: map[string]bool{}, static: map[string]any{}, fetched: lru.New[string, any](o.MaxCacheBytes, 0)}
	for _, u := range o.Allow {
		l.allow[u] = true
	}
	for u, b := range o.Pinned {
		doc, err := l.parse(u, b)
		if err != nil {
			return nil, err
		}
		l.static[u] = doc
	}
	for u := range bundledFiles {
		if _, ok := l.static[u]; ok {
			continue
		}
		b, _ := Bundled(u)
		doc, err := l.parse(u, b)
		if err != nil {
			return nil, err
		}
		l.static[u] = doc
	}
	return l, nil
}

func (l *Loader) parse(u string, b []byte) (any, error) {
	var doc any
	if err := jsonx.Unmarshal(b, &doc, jsonx.Limits{MaxBytes: l.opts.MaxBytes, MaxDepth: l.opts.MaxDepth}); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, u, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a JSON object", ErrInvalid, u)
	}
	if _, ok := m["@context"]; !ok {
		return nil, fmt.Errorf("%w: %s has no @context", ErrInvalid, u)
	}
	return doc, nil
}

// Load returns the parsed context document for url (a deep copy, which the
// caller may modify). Each caller's ctx bounds only its own wait: the
// shared fetch runs detached from the cancellation of the caller that
// started it (Fetch must bound its own time; FetchWith does).
func (l *Loader) Load(ctx context.Context, url string) (any, error) {
	if doc, ok := l.cached(url); ok {
		return deepCopy(doc), nil
	}
	if !l.allow[url] || l.opts.Fetch == nil {
		return nil, fmt.Errorf("%w: %q", ErrNotAllowed, url)
	}
	if l.afterMiss != nil {
		l.afterMiss()
	}
	ch := l.group.DoChan(url, func() (any, error) {
		// Another caller's flight may have filled the cache and ended
		// between our miss and this flight: check again, or the document
		// is fetched once per such interleaving.
		if doc, ok := l.cached(url); ok {
			return doc, nil
		}
		b, err := l.opts.Fetch(context.WithoutCancel(ctx), url)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrFetch, url, err)
		}
		doc, err := l.parse(url, b)
		if err != nil {
			return nil, err
		}
		l.fetched.Add(url, doc, lru.SizeOf(doc), time.Time{})
		return doc, nil
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %s: %w", ErrFetch, url, ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return deepCopy(res.Val), nil
	}
}

// StaticDocument returns the parsed document of a bundled or pinned
// context, shared and read-only: the caller must not modify it. Such
// documents never change for the life of the loader, so what is derived
// from them may be cached; fetched contexts are not returned.
func (l *Loader) StaticDocument(url string) (any, bool) {
	doc, ok := l.static[url]
	return doc, ok
}

func (l *Loader) cached(url string) (any, bool) {
	if doc, ok := l.static[url]; ok {
		return doc, true
	}
	return l.fetched.Get(url, time.Time{})
}

// DocumentLoader returns a json-gold document loader bound to ctx (fetches
// of allow-listed contexts honour its cancellation).
func (l *Loader) DocumentLoader(ctx context.Context) ld.DocumentLoader {
	return boundLoader{l: l, ctx: ctx}
}

type boundLoader struct {
	l   *Loader
	ctx context.Context
}

// LoadDocument implements ld.DocumentLoader.
func (b boundLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	doc, err := b.l.Load(b.ctx, u)
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingRemoteContextFailed, err)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	case json.Number:
		return t
	default:
		return v
	}
}
