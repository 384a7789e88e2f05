package verifiersvc

import (
	gocrypto "crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
)

// ScopePrefix starts every scope this service derives from a DCQL query.
const ScopePrefix = "openid4vp.dcql:"

// ErrNotCacheable reports a query whose answers are never cached (see
// Scopes).
var ErrNotCacheable = errors.New("verifiersvc: query not cacheable")

// Scopes derives the canonical vpcache scope set of a DCQL query: one scope
// per credential query,
//
//	openid4vp.dcql:<h>:<format>:<vct values separated by spaces>
//
// where <h> is the first 32 hex digits of the SHA-256 of the credential
// query's JSON without its id (format, meta, claims with their values,
// claim_sets, trusted_authorities, multiple, holder binding), so two
// requests share a cache entry exactly when they ask for the same
// credentials and claims, whatever they call their query ids, while the
// readable tail lets the coverage rule check that the cached credentials
// have one of the requested vct values. Only dc+sd-jwt queries that require
// holder binding, and queries without credential_sets, are cacheable:
// other queries fail with ErrNotCacheable (and are always answered by the
// wallet).
func Scopes(q *dcql.Query) ([]string, error) {
	if q == nil || len(q.Credentials) == 0 {
		return nil, fmt.Errorf("%w: no credential queries", ErrNotCacheable)
	}
	if len(q.CredentialSets) > 0 {
		return nil, fmt.Errorf("%w: credential_sets", ErrNotCacheable)
	}
	out := make([]string, 0, len(q.Credentials))
	for i := range q.Credentials {
		cq := q.Credentials[i]
		if cq.Format != vocab.FormatSDJWTVC {
			return nil, fmt.Errorf("%w: format %q", ErrNotCacheable, cq.Format)
		}
		if !cq.HolderBindingRequired() {
			return nil, fmt.Errorf("%w: holder binding waived", ErrNotCacheable)
		}
		if cq.Meta == nil || len(cq.Meta.VCTValues) == 0 {
			return nil, fmt.Errorf("%w: no vct_values", ErrNotCacheable)
		}
		for _, v := range cq.Meta.VCTValues {
			if v == "" || strings.ContainsAny(v, " \x00") {
				return nil, fmt.Errorf("%w: vct value %q", ErrNotCacheable, v)
			}
		}
		cq.ID = ""
		body, err := json.Marshal(cq)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		s := ScopePrefix + hex.EncodeToString(sum[:16]) + ":" + string(cq.Format) + ":" + strings.Join(cq.Meta.VCTValues, " ")
		if len(s) > vpcache.MaxScopeLen {
			return nil, fmt.Errorf("%w: scope over %d bytes", ErrNotCacheable, vpcache.MaxScopeLen)
		}
		out = append(out, s)
	}
	if len(out) > vpcache.MaxScopes {
		return nil, fmt.Errorf("%w: more than %d credential queries", ErrNotCacheable, vpcache.MaxScopes)
	}
	return vpcache.CanonicalScopes(out), nil
}

// parseScope splits a scope of Scopes into its format and vct values.
func parseScope(s string) (vocab.Format, []string, bool) {
	rest, ok := strings.CutPrefix(s, ScopePrefix)
	if !ok {
		return "", nil, false
	}
	_, rest, ok = strings.Cut(rest, ":")
	if !ok {
		return "", nil, false
	}
	f, vcts, ok := strings.Cut(rest, ":")
	if !ok || vcts == "" {
		return "", nil, false
	}
	return vocab.Format(f), strings.Split(vcts, " "), true
}

// coverage is the vpcache coverage rule for scopes of Scopes: every scope
// needs a credential of its format with one of its vct values, and there
// are no more scopes than credentials.
func coverage(scopes []string, creds []*presentation.Credential) bool {
	if len(scopes) > len(creds) {
		return false
	}
	for _, s := range scopes {
		f, vcts, ok := parseScope(s)
		if !ok {
			return false
		}
		if !slices.ContainsFunc(creds, func(c *presentation.Credential) bool {
			return c.Format == f && slices.Contains(vcts, c.VCT)
		}) {
			return false
		}
	}
	return true
}

// ErrHolder reports a holder identifier that is not a DID.
var ErrHolder = errors.New("verifiersvc: holder must be a DID")

// CanonicalHolder returns the form of a holder DID that the cache keys
// on: did:key and did:jwk DIDs of keys that did:key can express (P-256,
// P-384, Ed25519) become the did:key of their public key, so that both
// spellings of one key are one holder; other DIDs (did:web, …) stay as
// they are.
func CanonicalHolder(s string) (string, error) {
	if err := vpcache.ValidateDID(s); err != nil {
		return "", fmt.Errorf("%w: %w", ErrHolder, err)
	}
	var pub gocrypto.PublicKey
	switch {
	case strings.HasPrefix(s, "did:key:"):
		k, err := did.DecodeKeyDID(s)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrHolder, err)
		}
		pub = k
	case strings.HasPrefix(s, "did:jwk:"):
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, "did:jwk:"))
		if err != nil {
			return "", fmt.Errorf("%w: did:jwk: %w", ErrHolder, err)
		}
		var jwk map[string]any
		if err := json.Unmarshal(raw, &jwk); err != nil {
			return "", fmt.Errorf("%w: did:jwk: %w", ErrHolder, err)
		}
		if pub, err = did.PublicKeyFromJWK(jwk); err != nil {
			return "", fmt.Errorf("%w: did:jwk: %w", ErrHolder, err)
		}
	default:
		return s, nil
	}
	if d, _, err := did.NewKeyDID(pub); err == nil {
		return d, nil
	}
	return s, nil
}

// holderOf returns the canonical holder DID a credential is bound to: the
// DID of its cnf.kid when that is a DID URL, else the did:key of its
// cnf.jwk; "" when it names neither.
func holderOf(c *presentation.Credential) string {
	if d, _, ok := strings.Cut(c.HolderID, "#"); ok && strings.HasPrefix(d, "did:") {
		if h, err := CanonicalHolder(d); err == nil {
			return h
		}
		return ""
	}
	if c.HolderJWK == nil {
		return ""
	}
	pub, err := did.PublicKeyFromJWK(c.HolderJWK)
	if err != nil {
		return ""
	}
	d, _, err := did.NewKeyDID(pub)
	if err != nil {
		return ""
	}
	return d
}
