package vc

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/internal/lru"
	"github.com/ocmw/wstack/vocab"
)

// Limits for type metadata.
const (
	maxTypeMetadataBytes = 256 << 10
	maxExtendsDepth      = 8
	maxClaimMetadata     = 512
)

// SD values of claim metadata.
const (
	SDAlways  = "always"
	SDAllowed = "allowed"
	SDNever   = "never"
)

// ClaimMetadata is one entry of a type metadata "claims" array.
type ClaimMetadata struct {
	Path      vocab.ClaimPath `json:"path"`
	Display   json.RawMessage `json:"display,omitempty"`
	Mandatory bool            `json:"mandatory,omitempty"`
	SD        string          `json:"sd,omitempty"`
	SvgID     string          `json:"svg_id,omitempty"`
}

// TypeMetadata is an SD-JWT VC Type Metadata document (draft -18
// §"Type Metadata Format"), after extends has been merged: Claims holds the
// effective claim metadata, Chain the vct values from this type up.
type TypeMetadata struct {
	VCT              string          `json:"vct"`
	Name             string          `json:"name,omitempty"`
	Description      string          `json:"description,omitempty"`
	Extends          string          `json:"extends,omitempty"`
	ExtendsIntegrity string          `json:"extends#integrity,omitempty"`
	Display          json.RawMessage `json:"display,omitempty"`
	Claims           []ClaimMetadata `json:"claims,omitempty"`

	Chain []string `json:"-"`
}

// TypeMetadataResolver resolves type metadata from a local registry first
// and then, if Fetcher is set, from the vct URL (https only, through the
// guarded fetcher).
type TypeMetadataResolver struct {
	// Registry maps vct (or extends) values to metadata documents.
	Registry map[string][]byte
	// Fetcher retrieves metadata from https vct URLs; nil disables fetching.
	Fetcher Fetcher
	// CacheTTL caches fetched documents (default 1 hour).
	CacheTTL time.Duration
	// MaxCacheBytes bounds the memory of parsed documents kept for reuse
	// (default 64 MiB, at most 256 documents), each sized by lru.SizeOf;
	// the least recently used one is evicted first. Set it before first
	// use.
	MaxCacheBytes int64

	mu     sync.Mutex
	parsed *lru.Cache[[32]byte, *TypeMetadata] // by SHA-256 of the document bytes
}

const maxParsedCache = 256

func (r *TypeMetadataResolver) cache() *lru.Cache[[32]byte, *TypeMetadata] {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.parsed == nil {
		r.parsed = lru.New[[32]byte, *TypeMetadata](r.MaxCacheBytes, maxParsedCache)
	}
	return r.parsed
}

// parse returns the parsed document, reusing an earlier parse of the same
// bytes. Cached values are never handed out: callers get a copy.
func (r *TypeMetadataResolver) parse(b []byte) (*TypeMetadata, error) {
	key := sha256.Sum256(b)
	cache := r.cache()
	md, ok := cache.Get(key, time.Time{})
	if !ok {
		var err error
		if md, err = ParseTypeMetadata(b); err != nil {
			return nil, err
		}
		cache.Add(key, md, lru.SizeOf(md), time.Time{})
	}
	c := *md
	return &c, nil
}

func (r *TypeMetadataResolver) load(ctx context.Context, vct string) ([]byte, error) {
	if b, ok := r.Registry[vct]; ok {
		return b, nil
	}
	if r.Fetcher == nil || !strings.HasPrefix(vct, "https://") {
		return nil, fmt.Errorf("%w: no metadata for %q", ErrTypeMetadata, vct)
	}
	ttl := r.CacheTTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	resp, err := r.Fetcher.Get(ctx, vct, fetch.Call{Accept: "application/json", MaxBytes: maxTypeMetadataBytes, CacheTTL: ttl})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTypeMetadata, err)
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%w: HTTP %d for %q", ErrTypeMetadata, resp.StatusCode, vct)
	}
	return resp.Body, nil
}

// Resolve loads the metadata of vct, checks integrity (an SRI string, may be
// empty), follows extends (each with its own #integrity) with cycle
// detection, and merges claim metadata.
func (r *TypeMetadataResolver) Resolve(ctx context.Context, vct, integrity string) (*TypeMetadata, error) {
	var chain []*TypeMetadata
	seen := map[string]bool{}
	cur, curIntegrity := vct, integrity
	for depth := 0; ; depth++ {
		if seen[cur] {
			return nil, fmt.Errorf("%w: extends cycle at %q", ErrTypeMetadata, cur)
		}
		if depth >= maxExtendsDepth {
			return nil, fmt.Errorf("%w: extends chain longer than %d", ErrTypeMetadata, maxExtendsDepth)
		}
		seen[cur] = true
		b, err := r.load(ctx, cur)
		if err != nil {
			return nil, err
		}
		if curIntegrity != "" {
			if err := CheckIntegrity(b, curIntegrity); err != nil {
				return nil, err
			}
		}
		md, err := r.parse(b)
		if err != nil {
			return nil, err
		}
		if md.VCT != cur {
			return nil, fmt.Errorf("%w: document vct %q for %q", ErrTypeMetadata, md.VCT, cur)
		}
		chain = append(chain, md)
		if md.Extends == "" {
			break
		}
		cur, curIntegrity = md.Extends, md.ExtendsIntegrity
	}
	// Merge from the root type down; a child overrides a parent's entry for
	// the same path but may not relax sd always/never or mandatory.
	merged := *chain[0]
	var claims []ClaimMetadata
	for i := len(chain) - 1; i >= 0; i-- {
		for _, c := range chain[i].Claims {
			replaced := false
			for j := range claims {
				if samePath(claims[j].Path, c.Path) {
					p := claims[j]
					if (p.SD == SDAlways || p.SD == SDNever) && c.SD != p.SD {
						return nil, fmt.Errorf("%w: %v: extending type changes sd %q", ErrTypeMetadata, []any(c.Path), p.SD)
					}
					if p.Mandatory && !c.Mandatory {
						return nil, fmt.Errorf("%w: %v: extending type drops mandatory", ErrTypeMetadata, []any(c.Path))
					}
					claims[j] = c
					replaced = true
				}
			}
			if !replaced {
				claims = append(claims, c)
			}
		}
	}
	merged.Claims = claims
	for _, md := range chain {
		merged.Chain = append(merged.Chain, md.VCT)
	}
	return &merged, nil
}

// ParseTypeMetadata decodes one metadata document (no extends resolution).
func ParseTypeMetadata(b []byte) (*TypeMetadata, error) {
	if err := jsonx.Validate(b, jsonx.Limits{MaxBytes: maxTypeMetadataBytes, MaxDepth: 32}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTypeMetadata, err)
	}
	var md TypeMetadata
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTypeMetadata, err)
	}
	if md.VCT == "" {
		return nil, fmt.Errorf("%w: vct missing", ErrTypeMetadata)
	}
	if len(md.Claims) > maxClaimMetadata {
		return nil, fmt.Errorf("%w: too many claim entries", ErrTypeMetadata)
	}
	for i := range md.Claims {
		c := &md.Claims[i]
		if len(c.Path) == 0 {
			return nil, fmt.Errorf("%w: claim path empty", ErrTypeMetadata)
		}
		for j, e := range c.Path {
			switch v := e.(type) {
			case string, nil:
			case float64:
				if v < 0 || v != float64(int(v)) {
					return nil, fmt.Errorf("%w: claim path index %v", ErrTypeMetadata, v)
				}
				c.Path[j] = int(v)
			default:
				return nil, fmt.Errorf("%w: claim path component %T", ErrTypeMetadata, e)
			}
		}
		switch c.SD {
		case "":
			c.SD = SDAllowed
		case SDAlways, SDAllowed, SDNever:
		default:
			return nil, fmt.Errorf("%w: sd %q", ErrTypeMetadata, c.SD)
		}
	}
	return &md, nil
}

func samePath(a, b vocab.ClaimPath) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func pathMatches(pattern, p vocab.ClaimPath) bool {
	if len(pattern) != len(p) {
		return false
	}
	for i := range pattern {
		if pattern[i] == nil {
			if _, ok := p[i].(int); !ok {
				return false
			}
			continue
		}
		if pattern[i] != p[i] {
			return false
		}
	}
	return true
}

// present reports whether the pattern selects a node of v.
func present(v any, p vocab.ClaimPath) bool {
	if len(p) == 0 {
		return true
	}
	switch c := p[0].(type) {
	case string:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		e, ok := m[c]
		return ok && present(e, p[1:])
	case int:
		a, ok := v.([]any)
		return ok && c < len(a) && present(a[c], p[1:])
	case nil:
		a, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range a {
			if present(e, p[1:]) {
				return true
			}
		}
	}
	return false
}

// CheckClaims enforces claim metadata on a processed credential:
// sd "always" claims must have come from a disclosure, sd "never" claims
// must not; a mandatory claim must be present. In a presentation (complete
// false) a selectively disclosable mandatory claim may have been withheld,
// so mandatory is only enforced for sd "never" claims there.
func (md *TypeMetadata) CheckClaims(claims map[string]any, disclosed []vocab.ClaimPath, complete bool) error {
	for _, c := range md.Claims {
		isPresent := present(claims, c.Path)
		wasDisclosed := false
		for _, d := range disclosed {
			if pathMatches(c.Path, d) {
				wasDisclosed = true
				break
			}
		}
		switch c.SD {
		case SDAlways:
			if isPresent && !wasDisclosed {
				return fmt.Errorf("%w: %v must be selectively disclosable", ErrClaimMetadata, []any(c.Path))
			}
		case SDNever:
			if wasDisclosed {
				return fmt.Errorf("%w: %v must not be selectively disclosable", ErrClaimMetadata, []any(c.Path))
			}
		}
		if c.Mandatory && !isPresent && (complete || c.SD == SDNever) {
			return fmt.Errorf("%w: mandatory claim %v missing", ErrClaimMetadata, []any(c.Path))
		}
	}
	return nil
}

// CheckIntegrity verifies data against a Subresource Integrity metadata
// string ("sha256-… sha384-…", W3C SRI §3.3): only the strongest algorithm
// present counts, and one of its digests must match. Unknown algorithms are
// ignored; a string with no known algorithm is an error.
func CheckIntegrity(data []byte, sri string) error {
	best := 0
	var cands []string
	for _, tok := range strings.Fields(sri) {
		alg, val, ok := strings.Cut(tok, "-")
		if !ok {
			continue
		}
		val, _, _ = strings.Cut(val, "?") // options
		rank := map[string]int{"sha256": 1, "sha384": 2, "sha512": 3}[alg]
		if rank == 0 {
			continue
		}
		if rank > best {
			best, cands = rank, nil
		}
		if rank == best {
			cands = append(cands, val)
		}
	}
	if best == 0 {
		return fmt.Errorf("%w: no supported hash in %q", ErrIntegrity, sri)
	}
	var sum []byte
	switch best {
	case 1:
		s := sha256.Sum256(data)
		sum = s[:]
	case 2:
		s := sha512.Sum384(data)
		sum = s[:]
	case 3:
		s := sha512.Sum512(data)
		sum = s[:]
	}
	for _, c := range cands {
		want, err := base64.StdEncoding.DecodeString(c)
		if err != nil {
			continue
		}
		if subtle.ConstantTimeCompare(want, sum) == 1 {
			return nil
		}
	}
	return fmt.Errorf("%w: digest does not match", ErrIntegrity)
}
