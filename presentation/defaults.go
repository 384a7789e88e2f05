package presentation

import (
	"context"
	gocrypto "crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

// Option configures NewDefaultValidator and NewHolder.
type Option func(*setup)

type setup struct {
	fetcher   *fetch.Fetcher
	dids      did.Resolver
	trusted   *jose.TrustedKeys
	x5cRoots  *x509.CertPool
	status    vocab.StatusChecker
	skipStat  bool
	proofs    ProofVerifier
	newProofs func(VerificationMethodResolver) (ProofVerifier, error)
	algs      []crypto.Algorithm
	now       func() time.Time
	leeway    time.Duration
	logger    *slog.Logger
	insecure  bool
	configure []func(*ValidatorConfig)
}

// WithFetcher sets the guarded fetcher for did:web documents, JWT VC Issuer
// Metadata and status lists (default fetch.New(fetch.Options{}): https
// only, no private addresses, size and time limits).
func WithFetcher(f *fetch.Fetcher) Option { return func(s *setup) { s.fetcher = f } }

// WithDIDResolver replaces the DID resolver (default: did:key, did:jwk and
// did:web through the fetcher, behind a did.CachingResolver).
func WithDIDResolver(r did.Resolver) Option { return func(s *setup) { s.dids = r } }

// WithTrustedKeys adds statically configured issuer keys, tried first for
// the issuers they list: SD-JWT VC and jwt_vc_json issuer signatures and
// status list tokens.
func WithTrustedKeys(t *jose.TrustedKeys) Option { return func(s *setup) { s.trusted = t } }

// WithX5CRoots enables x5c issuer keys (SD-JWT VC -18 §"Issuer Signing Key
// Validation"): the chain must verify to roots and the leaf's SAN must name
// the issuer.
func WithX5CRoots(roots *x509.CertPool) Option { return func(s *setup) { s.x5cRoots = roots } }

// WithStatusChecker replaces the status checker (default: a
// statuslist.Checker fetching through the fetcher, accepting lists signed
// by a trusted issuer's key).
func WithStatusChecker(c vocab.StatusChecker) Option { return func(s *setup) { s.status = c } }

// SkipStatusCheck leaves status references unchecked (a revoked credential
// is then accepted): only for deployments that check status elsewhere.
func SkipStatusCheck() Option { return func(s *setup) { s.skipStat = true } }

// WithProofs sets the Data Integrity proof verifier for ldp_vc / ldp_vp
// (e.g. ldp.NewDefaultVerifier from presentation/w3c/ldp, kept apart so
// that the JSON-LD stack is linked only where ldp formats are used).
// Without it ldp formats fail with ErrConfig.
func WithProofs(p ProofVerifier) Option { return func(s *setup) { s.proofs = p } }

// VerificationMethodResolver resolves a Data Integrity verification method
// to its key for a proof purpose (crypto/dataintegrity's resolver
// interface, restated here so that this package does not link the JSON-LD
// stack).
type VerificationMethodResolver interface {
	ResolveVerificationMethod(ctx context.Context, vmID, purpose string) (gocrypto.PublicKey, error)
}

// WithDataIntegrity builds the ldp_vc / ldp_vp proof verifier from the
// validator's own key resolution (configured keys first, then DIDs):
// presentation.WithDataIntegrity(ldp.NewDefaultVerifier).
func WithDataIntegrity(newVerifier func(VerificationMethodResolver) (ProofVerifier, error)) Option {
	return func(s *setup) { s.newProofs = newVerifier }
}

// WithAlgorithms sets the issuer signature allow-list (default ES256,
// ES384, EdDSA). KB-JWTs accept sdjwt.DefaultKBAlgorithms.
func WithAlgorithms(algs ...crypto.Algorithm) Option {
	return func(s *setup) { s.algs = append([]crypto.Algorithm(nil), algs...) }
}

// WithClock sets the clock and the tolerated clock skew.
func WithClock(now func() time.Time, leeway time.Duration) Option {
	return func(s *setup) { s.now, s.leeway = now, leeway }
}

// WithLogger sets the logger (default: discard). Nothing secret is logged.
func WithLogger(l *slog.Logger) Option { return func(s *setup) { s.logger = l } }

// InsecureSkipTrust accepts any issuer whose signature verifies (tests and
// closed deployments only: anyone can create a DID).
func InsecureSkipTrust() Option { return func(s *setup) { s.insecure = true } }

// WithValidatorConfig adjusts the assembled ValidatorConfig last (limits,
// MaxCredentials, SkipHolderBinding, a decoder for further formats, …).
func WithValidatorConfig(f func(*ValidatorConfig)) Option {
	return func(s *setup) { s.configure = append(s.configure, f) }
}

func (s *setup) defaults() {
	if s.fetcher == nil {
		s.fetcher = fetch.New(fetch.Options{})
	}
	if s.dids == nil {
		s.dids = did.NewCachingResolver(did.NewDefaultRegistry(s.fetcher, did.WebOptions{}), did.CacheOptions{})
	}
	if len(s.algs) == 0 {
		s.algs = []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.EdDSA}
	}
	if s.now == nil {
		s.now = time.Now
	}
}

// NewDefaultValidator assembles a Validator for every format with secure
// defaults, each part replaceable through an option:
//
//   - dc+sd-jwt through sdjwt/vc: issuer keys validated by configured keys
//     (WithTrustedKeys), a DID URL kid (did:key, did:jwk, did:web), JWT VC
//     Issuer Metadata of an https issuer, or x5c (WithX5CRoots); KB-JWTs with
//     ES256, ES384 or EdDSA;
//   - jwt_vc_json / jwt_vp_json through presentation/w3c, keys by DID or
//     configured keys; ldp_vc / ldp_vp with WithProofs;
//   - status through a statuslist.Checker over the guarded fetcher, whose
//     list tokens must be signed by an issuer that trust accepts, with a key
//     found the same way;
//   - trust: required (nil fails with ErrConfig unless InsecureSkipTrust).
//
// The returned Validator is safe for concurrent use; build it once.
func NewDefaultValidator(trust TrustPolicy, opts ...Option) (*Validator, error) {
	s := &setup{}
	for _, o := range opts {
		o(s)
	}
	s.defaults()
	if trust == nil && !s.insecure {
		return nil, fmt.Errorf("%w: a TrustPolicy is required (or InsecureSkipTrust)", ErrConfig)
	}
	didKeys := did.NewKeyResolver(s.dids, did.KeyResolverOptions{})
	sdKeys := &vc.IssuerKeyResolver{Trusted: s.trusted, Fetcher: s.fetcher, DIDs: didKeys, X5CRoots: s.x5cRoots, Now: s.now}
	sdv, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{
		Algorithms: s.algs, KeyResolver: sdKeys, Now: s.now, Leeway: s.leeway, Logger: s.logger,
	}})
	if err != nil {
		return nil, err
	}
	w3cKeys := &w3c.IssuerKeys{DID: didKeys}
	if s.newProofs != nil && s.proofs == nil {
		p, err := s.newProofs(vmTrustedFirst{s.trusted, didKeys})
		if err != nil {
			return nil, err
		}
		s.proofs = p
	}
	cfg := ValidatorConfig{
		Parser:     NewParser(ParserConfig{SDJWT: &SDJWTVCHandler{Verifier: sdv}, Algorithms: s.algs}),
		IssuerKeys: trustedFirst{s.trusted, w3cKeys},
		HolderKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(s.dids, did.KeyResolverOptions{Relationship: did.Authentication}), Relationship: w3c.Authentication},
		Proofs:     s.proofs,
		Status:     s.status,
		Trust:      trust,
		Now:        s.now,
		Leeway:     s.leeway,
		SkipStatus: s.skipStat,
		Logger:     s.logger,
	}
	cfg.InsecureSkipTrust = s.insecure
	if cfg.Status == nil && !s.skipStat {
		keys := &statusKeys{trust: trust, insecure: s.insecure, trusted: s.trusted, jws: trustedFirst{s.trusted, sdKeys}, dids: didKeys}
		chk, err := statuslist.NewChecker(statuslist.CheckerConfig{
			Fetcher: statuslist.GuardedFetcher(s.fetcher), Keys: keys, Now: s.now, Leeway: s.leeway,
		})
		if err != nil {
			return nil, err
		}
		cfg.Status = chk
	}
	for _, f := range s.configure {
		f(&cfg)
	}
	return NewValidator(cfg), nil
}

// trustedFirst resolves with the configured keys for the issuers they
// list, otherwise with next.
type trustedFirst struct {
	trusted *jose.TrustedKeys
	next    jose.KeyResolver
}

func (t trustedFirst) ResolveKey(ctx context.Context, j *jose.JWS) (gocrypto.PublicKey, error) {
	if t.trusted != nil {
		var c struct {
			Iss string `json:"iss"`
		}
		if json.Unmarshal(j.Payload, &c) == nil && c.Iss != "" && t.trusted.Has(c.Iss) {
			return t.trusted.ResolveIssuerKey(c.Iss, j)
		}
	}
	return t.next.ResolveKey(ctx, j)
}

// vmTrustedFirst resolves verification methods of configured issuers with
// their configured keys, others through DIDs.
type vmTrustedFirst struct {
	trusted *jose.TrustedKeys
	next    VerificationMethodResolver
}

func (v vmTrustedFirst) ResolveVerificationMethod(ctx context.Context, vmID, purpose string) (gocrypto.PublicKey, error) {
	if v.trusted != nil {
		if issuer, _, ok := strings.Cut(vmID, "#"); ok && v.trusted.Has(issuer) {
			return v.trusted.ResolveVerificationMethod(ctx, vmID, purpose)
		}
	}
	return v.next.ResolveVerificationMethod(ctx, vmID, purpose)
}

// errUntrustedList is reported for a status list token of an issuer the
// trust policy does not accept.
var errUntrustedList = errors.New("presentation: status list signed by an untrusted issuer")

// statusKeys resolves status list token keys: the token's issuer must be
// trusted (the same TrustPolicy as credentials), its key configured, named
// by a DID URL kid, in its JWT VC Issuer Metadata or in an x5c chain.
type statusKeys struct {
	trust    TrustPolicy
	insecure bool
	trusted  *jose.TrustedKeys
	jws      jose.KeyResolver
	dids     *did.KeyResolver
}

func (k *statusKeys) ResolveStatusListKey(ctx context.Context, h statuslist.KeyHint) (gocrypto.PublicKey, error) {
	if h.Issuer == "" {
		return nil, fmt.Errorf("%w: status list token without issuer", errUntrustedList)
	}
	if !k.insecure {
		if err := k.trust.TrustIssuer(ctx, &Credential{Issuer: h.Issuer}); err != nil {
			return nil, fmt.Errorf("%w: %w", errUntrustedList, err)
		}
	}
	if k.trusted != nil && k.trusted.Has(h.Issuer) {
		return k.trusted.Lookup(h.Issuer, h.KeyID, h.Alg)
	}
	if h.Header != nil {
		payload, _ := json.Marshal(map[string]string{"iss": h.Issuer})
		return k.jws.ResolveKey(ctx, &jose.JWS{Header: *h.Header, Payload: payload})
	}
	if strings.HasPrefix(h.KeyID, "did:") {
		d, _, _ := strings.Cut(h.KeyID, "#")
		if d != h.Issuer {
			return nil, fmt.Errorf("%w: kid %q is not a key of the issuer %q", errUntrustedList, h.KeyID, h.Issuer)
		}
		return k.dids.ResolveVerificationMethod(ctx, h.KeyID, string(did.AssertionMethod))
	}
	return nil, fmt.Errorf("%w: no key mechanism for issuer %q", errUntrustedList, h.Issuer)
}
