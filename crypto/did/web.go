package did

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/fetch"
)

// Fetcher is what WebMethod needs from wstack/fetch: a guarded GET.
// *fetch.Fetcher implements it.
type Fetcher interface {
	Get(ctx context.Context, url string, c fetch.Call) (*fetch.Response, error)
}

// WebOptions configure did:web resolution. The zero value is the secure
// default.
type WebOptions struct {
	// InsecureAllowLoopback lets did:web name "localhost" or a loopback IP
	// literal (127.0.0.0/8, ::1 cannot be written in a DID). For tests
	// against httptest servers only; the fetcher must also allow loopback.
	// Other IP literals stay rejected.
	InsecureAllowLoopback bool
	// MaxBytes bounds did.json (default and maximum MaxDocumentSize).
	MaxBytes int64
	// MaxRedirects is the number of redirects followed (default 0). Every
	// target passes the fetcher's checks and the document id must still
	// equal the DID.
	MaxRedirects int
	// CacheTTL lets the fetcher cache did.json (default 0: wrap the
	// resolver in a CachingResolver instead).
	CacheTTL time.Duration
	// Logger receives debug records of fetches (default: discard).
	Logger *slog.Logger
}

// WebMethod resolves did:web identifiers (did:web method specification,
// W3C CCG): the DID is transformed into an https URL (WebURL), did.json is
// fetched through the guarded fetcher, parsed with size and depth limits,
// and its id must equal the DID.
type WebMethod struct {
	f Fetcher
	o WebOptions
}

// NewWebMethod returns a did:web resolver fetching through f (normally
// fetch.New(fetch.Options{})).
func NewWebMethod(f Fetcher, o WebOptions) *WebMethod {
	if o.MaxBytes <= 0 || o.MaxBytes > MaxDocumentSize {
		o.MaxBytes = MaxDocumentSize
	}
	if o.MaxRedirects < 0 {
		o.MaxRedirects = 0
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &WebMethod{f: f, o: o}
}

// Method returns "web".
func (*WebMethod) Method() string { return "web" }

// didJSONAccept is the Accept header for did.json.
const didJSONAccept = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"

// Resolve fetches and checks the DID document of a did:web.
func (m *WebMethod) Resolve(ctx context.Context, did string) (*Document, error) {
	u, err := webURL(did, m.o.InsecureAllowLoopback)
	if err != nil {
		return nil, err
	}
	resp, err := m.f.Get(ctx, u, fetch.Call{Accept: didJSONAccept, MaxBytes: m.o.MaxBytes, MaxRedirects: m.o.MaxRedirects, CacheTTL: m.o.CacheTTL})
	if err != nil {
		var se *fetch.StatusError
		if errors.As(err, &se) && (se.Code == 404 || se.Code == 410) {
			return nil, fmt.Errorf("%w: %s: HTTP %d", ErrNotFound, u, se.Code)
		}
		if errors.Is(err, fetch.ErrTooLarge) {
			return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, err)
		}
		m.o.Logger.DebugContext(ctx, "did:web fetch failed", "url", u, "error", err)
		return nil, fmt.Errorf("%w: %w", ErrResolution, err)
	}
	doc, err := ParseDocument(resp.Body)
	if err != nil {
		return nil, err
	}
	// did:web Read step: "Verify that the ID of the resolved DID document
	// matches the did:web DID being resolved."
	if doc.ID != did {
		return nil, fmt.Errorf("%w: document id %.128q does not equal the DID %.128q", ErrInvalidDocument, doc.ID, did)
	}
	return doc, nil
}

// WebURL transforms a did:web into the https URL of its DID document
// (did:web §"Read (Resolve)"): the method-specific identifier's ':' become
// '/', a "%3A" after the host becomes the port separator, "https://" is
// prepended, "/.well-known" is appended when there is no path, and
// "/did.json" is appended.
//
// It is stricter than the spec's string substitution: the host must be a
// DNS name of at least two labels and not an IP literal (in any of the
// numeric IPv4 forms resolvers accept) nor "localhost"; the port must be
// 1–65535; path segments must be non-empty, not "." nor contain "..", and contain
// no percent-encoding (so "%2F", "%2E%2E", "%00" never reach the URL).
// Errors match ErrInvalidDID; host rejections also ErrHostNotAllowed.
func WebURL(did string) (string, error) { return webURL(did, false) }

func webURL(did string, allowLoopback bool) (string, error) {
	d, err := Parse(did)
	if err != nil {
		return "", err
	}
	if d.Method != "web" {
		return "", fmt.Errorf("%w: method %q is not web", ErrInvalidDID, d.Method)
	}
	segs := strings.Split(d.ID, ":")
	hostport := segs[0]
	host, port := hostport, ""
	if i := strings.IndexByte(hostport, '%'); i >= 0 {
		if !strings.EqualFold(hostport[i:min(i+3, len(hostport))], "%3A") {
			return "", fmt.Errorf("%w: only %%3A (port) may be percent-encoded in the host", ErrInvalidDID)
		}
		host, port = hostport[:i], hostport[i+3:]
		if err := checkPort(port); err != nil {
			return "", err
		}
	}
	if err := checkWebHost(host, allowLoopback); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(did) + 32)
	b.WriteString("https://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	if len(segs) == 1 {
		b.WriteString("/.well-known")
	}
	for _, s := range segs[1:] {
		if err := checkPathSegment(s); err != nil {
			return "", err
		}
		b.WriteByte('/')
		b.WriteString(s)
	}
	b.WriteString("/did.json")
	return b.String(), nil
}

func checkPort(p string) error {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return fmt.Errorf("%w: invalid port %q", ErrInvalidDID, p)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%w: invalid port %q", ErrInvalidDID, p)
	}
	return nil
}

func checkPathSegment(s string) error {
	// "." and any ".." are refused outright, not only the exact dot
	// segments, so that no URL layer can read a traversal into them.
	if s == "" || s == "." || strings.Contains(s, "..") {
		return fmt.Errorf("%w: empty, \".\" or \"..\" path segment", ErrInvalidDID)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("%w: character %q not allowed in a did:web path segment", ErrInvalidDID, c)
		}
	}
	return nil
}

// checkWebHost accepts a DNS name: labels of 1–63 letters, digits and
// hyphens (not at either end), at least two labels, at most 253 bytes, and
// a last label that is not numeric (WHATWG URL "ends in a number": such a
// host is parsed as an IPv4 address, e.g. 127.1, 2130706433, 0x7f.1).
func checkWebHost(host string, allowLoopback bool) error {
	if allowLoopback {
		if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
			return nil
		}
		if strings.EqualFold(host, "localhost") {
			return nil
		}
	}
	if host == "" || len(host) > 253 {
		return fmt.Errorf("%w: host length", ErrHostNotAllowed)
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		if strings.EqualFold(host, "localhost") {
			return fmt.Errorf("%w: localhost", ErrHostNotAllowed)
		}
		return fmt.Errorf("%w: %q is not a fully qualified domain name", ErrHostNotAllowed, host)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%w: invalid DNS label in %q", ErrHostNotAllowed, host)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%w: character %q in host", ErrHostNotAllowed, c)
			}
		}
	}
	if endsInNumber(labels[len(labels)-1]) {
		return fmt.Errorf("%w: %q is an IP address", ErrHostNotAllowed, host)
	}
	if strings.EqualFold(labels[len(labels)-1], "localhost") {
		return fmt.Errorf("%w: %q is a loopback name", ErrHostNotAllowed, host)
	}
	return nil
}

// endsInNumber reports whether the last label is all decimal digits or
// "0x"/"0X" followed by hex digits.
func endsInNumber(l string) bool {
	if len(l) >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X') {
		for i := 2; i < len(l); i++ {
			if !isHex(l[i]) {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(l); i++ {
		if l[i] < '0' || l[i] > '9' {
			return false
		}
	}
	return true
}

// NewWebDID builds the did:web identifier for a host (optionally with
// ":port") and path segments, e.g. NewWebDID("example.com:8443", "users",
// "alice") = "did:web:example.com%3A8443:users:alice". Loopback hosts are
// accepted (for tests); IP literals otherwise are not.
func NewWebDID(hostport string, path ...string) (string, error) {
	host, port := hostport, ""
	if strings.Contains(hostport, ":") {
		h, p, err := net.SplitHostPort(hostport)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalidDID, err)
		}
		host, port = h, p
	}
	did := "did:web:" + host
	if port != "" {
		did += "%3A" + port
	}
	for _, p := range path {
		did += ":" + p
	}
	if _, err := webURL(did, true); err != nil {
		return "", err
	}
	return did, nil
}

// WebDocumentOptions configure NewWebDocument.
type WebDocumentOptions struct {
	// Format of the verification methods (default FormatJsonWebKey2020,
	// which expresses every key type, RSA included).
	Format PublicKeyFormat
	// Relationships every key is authorized for (default assertionMethod
	// and authentication).
	Relationships []Relationship
	// Controller, AlsoKnownAs and Services are copied into the document.
	Controller  []string
	AlsoKnownAs []string
	Services    []Service
}

// NewWebDocument builds the did.json document of a did:web identifier from
// engine keys (public parts only). Each key becomes a verification method
// "<did>#<kid>" (the engine kid: RFC 7638 thumbprint or the caller's name)
// listed in the configured relationships. Pass older key versions as well
// to keep verifying signatures made before a rotation. The document is
// what wellknown serves at the URL WebURL(did) returns.
func NewWebDocument(did string, keys []*crypto.Key, o WebDocumentOptions) (*Document, error) {
	if _, err := webURL(did, true); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidDocument)
	}
	format := o.Format
	if format == "" {
		format = FormatJsonWebKey2020
	}
	if format.context() == "" {
		return nil, fmt.Errorf("%w: publicKeyFormat %q", ErrUnsupportedPublicKeyType, format)
	}
	rels := o.Relationships
	if len(rels) == 0 {
		rels = []Relationship{AssertionMethod, Authentication}
	}
	for _, r := range rels {
		if _, err := ParseRelationship(string(r)); err != nil {
			return nil, err
		}
	}
	doc := &Document{
		Context:     []any{ContextDIDv1, format.context()},
		ID:          did,
		Controller:  o.Controller,
		AlsoKnownAs: o.AlsoKnownAs,
		Service:     o.Services,
	}
	seen := map[string]bool{}
	refs := make([]MethodRef, 0, len(keys))
	for _, k := range keys {
		if k == nil || k.Public == nil {
			return nil, fmt.Errorf("%w: key without public part (symmetric?)", ErrUnsupportedPublicKeyType)
		}
		if k.KID == "" || checkURLPart(k.KID, true) != nil {
			return nil, fmt.Errorf("%w: kid %q is not usable as a fragment", ErrInvalidDIDURL, k.KID)
		}
		id := did + "#" + k.KID
		if seen[id] {
			return nil, fmt.Errorf("%w: duplicate kid %q", ErrInvalidDocument, k.KID)
		}
		seen[id] = true
		vm, err := methodFor(id, did, k.Public, format)
		if err != nil {
			return nil, err
		}
		if vm.PublicKeyJwk != nil {
			if algs := k.Type.Algorithms(); len(algs) > 0 {
				vm.PublicKeyJwk["alg"] = string(algs[0])
			}
			vm.PublicKeyJwk["kid"] = k.KID
		}
		doc.VerificationMethod = append(doc.VerificationMethod, vm)
		refs = append(refs, MethodRef{ID: id})
	}
	for _, r := range rels {
		doc.setRelationship(r, refs)
	}
	return doc, nil
}

func methodFor(id, controller string, pub any, format PublicKeyFormat) (VerificationMethod, error) {
	vm := VerificationMethod{ID: id, Type: string(format), Controller: controller, key: pub}
	switch format {
	case FormatMultikey, FormatEd25519VerificationKey2020:
		mb, err := EncodeMultikey(pub)
		if err != nil {
			return vm, err
		}
		if _, ok := pub.(ed25519.PublicKey); format == FormatEd25519VerificationKey2020 && !ok {
			return vm, fmt.Errorf("%w: %s needs an Ed25519 key", ErrUnsupportedPublicKeyType, format)
		}
		vm.PublicKeyMultibase = mb
	default:
		jwk, err := PublicJWK(pub)
		if err != nil {
			return vm, err
		}
		vm.PublicKeyJwk = jwk
	}
	return vm, nil
}
