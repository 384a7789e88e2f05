package dataintegrity

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	wcrypto "github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
	"github.com/ocmw/wstack/crypto/dataintegrity/rdfc"
	"github.com/ocmw/wstack/internal/jsonx"
)

// Proof purposes (VC-DI 1.0 §2.2, Controlled Identifiers 1.0 §2.3).
const (
	PurposeAssertionMethod = "assertionMethod"
	PurposeAuthentication  = "authentication"
)

// VerificationMethodResolver resolves a verification method URL to its
// public key and checks that the method is authorised for purpose (listed
// in the controller document's verification relationship of that name).
// It returns an error wrapping ErrNotAuthorized when it is not. crypto/did
// implements it.
type VerificationMethodResolver interface {
	ResolveVerificationMethod(ctx context.Context, vmID string, purpose string) (crypto.PublicKey, error)
}

// Config configures a Processor. Loader nil means the bundled contexts only;
// Resolver is required for Verify.
type Config struct {
	Loader   *contexts.Loader
	Resolver VerificationMethodResolver
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Leeway tolerates clock skew for created/expires (default 1 minute).
	Leeway time.Duration
	// Canonicalization bounds RDFC-1.0 (work cap, sizes); zero = defaults.
	Canonicalization rdfc.Options
	// MaxBytes and MaxDepth bound input documents (defaults 1 MiB, 64).
	MaxBytes int
	MaxDepth int
	// Logger receives debug events (never keys or documents).
	Logger *slog.Logger
}

// Processor signs and verifies Data Integrity proofs. It is safe for
// concurrent use.
type Processor struct {
	cfg   Config
	canon *Canonicalizer
	log   *slog.Logger
}

// New builds a Processor.
func New(cfg Config) (*Processor, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = time.Minute
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 1 << 20
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = 64
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c, err := NewCanonicalizer(cfg.Loader, cfg.Canonicalization)
	if err != nil {
		return nil, err
	}
	return &Processor{cfg: cfg, canon: c, log: log}, nil
}

// Canonicalizer returns the processor's canonicalizer.
func (p *Processor) Canonicalizer() *Canonicalizer { return p.canon }

// KeySigner signs with a key held by a crypto engine; the private key never
// leaves the engine.
type KeySigner struct {
	Engine wcrypto.Signer
	Ref    wcrypto.KeyRef
	// Public is the public key of Ref (Ed25519, P-256 or P-384).
	Public crypto.PublicKey
	// VerificationMethod is the URL verifiers resolve to Public.
	VerificationMethod string
}

// NewKeySigner looks up the current public key of ref in the engine.
func NewKeySigner(ctx context.Context, engine interface {
	wcrypto.Signer
	wcrypto.KeyManager
}, ref wcrypto.KeyRef, verificationMethod string) (*KeySigner, error) {
	k, err := engine.GetKey(ctx, ref)
	if err != nil {
		return nil, err
	}
	return &KeySigner{Engine: engine, Ref: ref, Public: k.Public, VerificationMethod: verificationMethod}, nil
}

// ProofOptions are the options of a new proof.
type ProofOptions struct {
	Suite Suite
	// Purpose defaults to assertionMethod.
	Purpose string
	// Created defaults to the processor clock (truncated to seconds).
	Created time.Time
	// OmitCreated leaves created out (it is optional in VC-DI 1.0).
	OmitCreated bool
	Expires     time.Time
	Challenge   string
	Domain      string
}

const dateTimeLayout = "2006-01-02T15:04:05Z"

// Sign adds a proof to the JSON document doc and returns the secured
// document. Existing proofs are kept (a proof set); they are not covered by
// the new proof.
func (p *Processor) Sign(ctx context.Context, doc []byte, s *KeySigner, o ProofOptions) ([]byte, error) {
	m, err := p.parse(doc)
	if err != nil {
		return nil, err
	}
	if s == nil || s.Engine == nil || s.VerificationMethod == "" {
		return nil, fmt.Errorf("%w: signer, engine and verification method are required", ErrSign)
	}
	alg, err := o.Suite.algFor(s.Public)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSign, err)
	}
	if o.Purpose == "" {
		o.Purpose = PurposeAssertionMethod
	}
	existing, hadProof := m["proof"]
	delete(m, "proof")
	if ctxURL := o.Suite.suiteContext(); ctxURL != "" {
		m["@context"] = ensureContext(m["@context"], ctxURL)
	} else if !o.Suite.jcs() && !hasContext(m["@context"], contexts.CredentialsV2, contexts.DataIntegrityV2, contexts.DataIntegrityV1) {
		// a VCDM 1.1 document does not define DataIntegrityProof: add the
		// Data Integrity context (VC Data Integrity 1.0, "Contexts and
		// Vocabularies")
		m["@context"] = ensureContext(m["@context"], contexts.DataIntegrityV2)
	}
	proof := map[string]any{
		"type":               o.Suite.proofType(),
		"verificationMethod": s.VerificationMethod,
		"proofPurpose":       o.Purpose,
	}
	if cs := o.Suite.cryptosuite(); cs != "" {
		proof["cryptosuite"] = cs
	}
	if !o.OmitCreated {
		created := o.Created
		if created.IsZero() {
			created = p.cfg.Now()
		}
		proof["created"] = created.UTC().Truncate(time.Second).Format(dateTimeLayout)
	}
	if !o.Expires.IsZero() {
		proof["expires"] = o.Expires.UTC().Truncate(time.Second).Format(dateTimeLayout)
	}
	if o.Challenge != "" {
		proof["challenge"] = o.Challenge
	}
	if o.Suite.jcs() {
		// VC-DI-EdDSA §3.3.1: the proof carries the document's @context
		proof["@context"] = deepCopyJSON(m["@context"])
	}
	if o.Domain != "" {
		proof["domain"] = o.Domain
	}
	hashData, err := p.hashData(ctx, o.Suite, m, proof, o.Suite.hashFor(s.Public))
	if err != nil {
		return nil, err
	}
	if o.Suite == JsonWebSignature2020 {
		header, _ := json.Marshal(map[string]any{"alg": string(alg), "b64": false, "crit": []string{"b64"}})
		h64 := base64.RawURLEncoding.EncodeToString(header)
		input := append([]byte(h64+"."), hashData...)
		sig, err := s.Engine.Sign(ctx, s.Ref, alg, input)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSign, err)
		}
		proof["jws"] = h64 + ".." + base64.RawURLEncoding.EncodeToString(sig)
	} else {
		sig, err := s.Engine.Sign(ctx, s.Ref, alg, hashData)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSign, err)
		}
		proof["proofValue"] = multibaseEncode(sig)
	}
	switch {
	case !hadProof:
		m["proof"] = proof
	case isArray(existing):
		m["proof"] = append(existing.([]any), proof)
	default:
		m["proof"] = []any{existing, proof}
	}
	return json.Marshal(m)
}

func isArray(v any) bool { _, ok := v.([]any); return ok }

func hasContext(c any, urls ...string) bool {
	list, ok := c.([]any)
	if !ok {
		list = []any{c}
	}
	for _, x := range list {
		for _, u := range urls {
			if s, ok := x.(string); ok && s == u {
				return true
			}
		}
	}
	return false
}

func ensureContext(c any, url string) any {
	switch t := c.(type) {
	case string:
		if t == url {
			return t
		}
		return []any{t, url}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s == url {
				return t
			}
		}
		return append(t, url)
	case nil:
		return url
	}
	return []any{c, url}
}

func (p *Processor) parse(doc []byte) (map[string]any, error) {
	if len(doc) > p.cfg.MaxBytes {
		return nil, fmt.Errorf("%w: %w: %d bytes", ErrParsing, ErrTooLarge, len(doc))
	}
	var v any
	if err := jsonx.Unmarshal(doc, &v, jsonx.Limits{MaxBytes: p.cfg.MaxBytes, MaxDepth: p.cfg.MaxDepth}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParsing, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: document is not a JSON object", ErrParsing)
	}
	if _, ok := m["@context"]; !ok {
		return nil, fmt.Errorf("%w: document has no @context", ErrParsing)
	}
	return m, nil
}

// hashData implements the transformation and hashing steps shared by the
// RDFC suites (VC-DI-EdDSA §3.2.3–3.2.5, VC-DI-ECDSA §3.2.3–3.2.5):
// H(canonical proof config) ‖ H(canonical document), where the proof
// config carries the document's @context.
func (p *Processor) hashData(ctx context.Context, s Suite, unsecured map[string]any, proofConfig map[string]any, h crypto.Hash) ([]byte, error) {
	cfg := make(map[string]any, len(proofConfig)+1)
	for k, v := range proofConfig {
		if k == "proofValue" || k == "jws" {
			continue
		}
		cfg[k] = v
	}
	if s.jcs() {
		// JCS over the proof options (with their own @context, if any) and
		// over the document; no JSON-LD processing.
		canonCfg, err := jcs(cfg)
		if err != nil {
			return nil, err
		}
		canonDoc, err := jcs(unsecured)
		if err != nil {
			return nil, err
		}
		return append(sum(h, canonCfg), sum(h, canonDoc)...), nil
	}
	cfg["@context"] = unsecured["@context"]
	// Canonicalize does not modify its input
	canonCfg, err := p.canon.Canonicalize(ctx, cfg)
	if err != nil {
		return nil, err
	}
	canonDoc, err := p.canon.Canonicalize(ctx, unsecured)
	if err != nil {
		return nil, err
	}
	return append(sum(h, canonCfg), sum(h, canonDoc)...), nil
}

func sum(h crypto.Hash, s string) []byte {
	if h == crypto.SHA384 {
		d := sha512.Sum384([]byte(s))
		return d[:]
	}
	d := sha256.Sum256([]byte(s))
	return d[:]
}

func deepCopyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopyJSON(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopyJSON(x)
		}
		return s
	}
	return v
}
