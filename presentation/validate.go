package presentation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// ProofVerifier verifies the Data Integrity proof of a JSON-LD credential or
// presentation (ldp_vc, ldp_vp). crypto/dataintegrity implements the
// cryptosuites; presentation/w3c/ldp adapts its Processor to this
// interface. The verifier must check the proof purpose, the challenge and
// domain when given, and that each verification method is authorised for
// the purpose in its controller's DID document.
type ProofVerifier interface {
	VerifyProof(ctx context.Context, document []byte, o ProofOptions) (*ProofResult, error)
}

// ProofOptions are what a proof must match.
type ProofOptions struct {
	// Purpose is the proof purpose: "assertionMethod" for credentials,
	// "authentication" for presentations.
	Purpose string
	// Challenge and Domain bind an ldp_vp to a request (OpenID4VP 1.0
	// §8.6: challenge = nonce, domain = client_id).
	Challenge string
	Domain    string
}

// ProofResult is a verified proof (set).
type ProofResult struct {
	// VerificationMethods lists the verification method of every proof,
	// all of which verified.
	VerificationMethods []string
}

// TrustPolicy decides whether the issuer of a credential whose signature
// verified is trusted for it. It returns nil to accept.
type TrustPolicy interface {
	TrustIssuer(ctx context.Context, c *Credential) error
}

// TrustPolicyFunc adapts a function to TrustPolicy.
type TrustPolicyFunc func(ctx context.Context, c *Credential) error

// TrustIssuer calls f.
func (f TrustPolicyFunc) TrustIssuer(ctx context.Context, c *Credential) error { return f(ctx, c) }

// TrustedIssuers is a TrustPolicy accepting exactly the listed issuer
// identifiers (DIDs or URLs, compared as strings).
type TrustedIssuers []string

// TrustIssuer accepts c when its issuer is listed.
func (t TrustedIssuers) TrustIssuer(_ context.Context, c *Credential) error {
	if c.Issuer != "" && slices.Contains(t, c.Issuer) {
		return nil
	}
	return fmt.Errorf("%w: %q is not a trusted issuer", ErrUntrustedIssuer, c.Issuer)
}

// ValidatorConfig configures a Validator. Its zero value is strict: a
// format without its verifier fails with ErrConfig, a credential with
// status references fails without a StatusChecker, and every issuer is
// untrusted without a TrustPolicy.
type ValidatorConfig struct {
	// Parser parses credentials and carries the SD-JWT handler and limits
	// (default NewParser(ParserConfig{})).
	Parser *Parser
	// IssuerKeys resolves the issuer key of jwt_vc_json credentials, e.g.
	// &w3c.IssuerKeys{DID: didKeyResolver, JWKS: jwks}.
	IssuerKeys jose.KeyResolver
	// HolderKeys resolves the holder key of a jwt_vp_json whose holder is a
	// DID (relationship authentication), e.g. &w3c.IssuerKeys{DID: r,
	// Relationship: w3c.Authentication}. Without a holder DID, the key
	// comes from the credentials' cnf.jwk.
	HolderKeys jose.KeyResolver
	// Proofs verifies ldp_vc / ldp_vp proofs.
	Proofs ProofVerifier
	// Status checks status references.
	Status vocab.StatusChecker
	// Trust decides issuer trust. It is asked twice for W3C credentials:
	// before the signature check on the issuer the credential claims (so
	// that untrusted issuers cost no key resolution or status fetch) and
	// after verification.
	Trust TrustPolicy
	// Now is the clock (default time.Now); Leeway the tolerated skew.
	Now    func() time.Time
	Leeway time.Duration
	// MaxPresentationAge bounds the age of a presentation's iat (jwt_vp_json;
	// default 5 minutes).
	MaxPresentationAge time.Duration
	// MaxCredentials bounds the credentials one jwt_vp_json / ldp_vp may
	// carry (default 16): each costs a signature check, key resolution and
	// a status lookup.
	MaxCredentials int
	// SkipStatus leaves status references unchecked.
	SkipStatus bool
	// InsecureSkipTrust accepts any issuer whose signature verifies (tests
	// and closed deployments only: anyone can create a DID).
	InsecureSkipTrust bool
	// SkipHolderBinding accepts credentials in a presentation that are not
	// bound to its holder (bearer credentials).
	SkipHolderBinding bool
	// Logger receives debug records of failed checks (never tokens,
	// disclosures or keys); nil discards.
	Logger *slog.Logger
}

// Validator checks credentials and presentations: signature, validity
// window, status and issuer trust, each failure reported separately. It is
// safe for concurrent use.
type Validator struct {
	cfg ValidatorConfig
	log *slog.Logger
}

// NewValidator returns a Validator.
func NewValidator(cfg ValidatorConfig) *Validator {
	if cfg.Parser == nil {
		cfg.Parser = defaultParser
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxPresentationAge <= 0 {
		cfg.MaxPresentationAge = 5 * time.Minute
	}
	if cfg.MaxCredentials <= 0 {
		cfg.MaxCredentials = 16
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Validator{cfg: cfg, log: log}
}

// Verify parses a credential and validates it; on success the returned
// view holds exactly what was verified. On failure the error is a
// *ValidationError (or a parse error wrapping ErrMalformed /
// ErrUnsupportedFormat) and the view, when not nil, is for diagnostics only.
func (v *Validator) Verify(ctx context.Context, format vocab.Format, raw any) (*Credential, error) {
	switch format {
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		return v.verifySDJWT(ctx, format, raw, Binding{})
	}
	f := &failures{format: format}
	if format == vocab.FormatJWTVCJSON || format == vocab.FormatDIFJWTVC {
		// One parse: the parse gate and mapping, the trust pre-check, then
		// the signature over the same parsed token.
		tok, err := v.cfg.Parser.compact(raw)
		if err != nil {
			return nil, err
		}
		jc, err := w3c.ParseCredentialJWT(tok, v.cfg.Parser.w3cParse())
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		c := viewFromJWT(format, jc)
		sigOK := false
		switch {
		case !v.preTrust(ctx, c, f):
		case v.cfg.IssuerKeys == nil:
			f.add(ErrConfig, errors.New("no issuer key resolver for jwt_vc_json"))
		default:
			if err := jc.VerifySignature(ctx, w3c.VerifyOptions{Resolver: v.cfg.IssuerKeys}); err != nil {
				f.add(ErrSignature, err)
			} else {
				sigOK = true
			}
		}
		v.checkRest(ctx, c, sigOK, f)
		return c, f.err()
	}
	c, err := v.cfg.Parser.Parse(ctx, format, raw)
	if err != nil {
		return nil, err
	}
	sigOK := v.preTrust(ctx, c, f) && v.checkSignature(ctx, c, f)
	v.checkRest(ctx, c, sigOK, f)
	return c, f.err()
}

// preTrust asks the trust policy about the issuer the credential claims
// before its signature is checked, so that the keys (did:web documents,
// JWK Sets) and status lists of untrusted issuers are never fetched. A
// credential that passes is asked again after verification.
func (v *Validator) preTrust(ctx context.Context, c *Credential, f *failures) bool {
	switch {
	case v.cfg.Trust != nil:
		if err := v.cfg.Trust.TrustIssuer(ctx, c); err != nil {
			f.add(ErrUntrustedIssuer, fmt.Errorf("%w (signature not checked)", err))
			return false
		}
	case !v.cfg.InsecureSkipTrust:
		f.add(ErrUntrustedIssuer, errors.New("no trust policy configured (signature not checked)"))
		return false
	}
	return true
}

// Recheck re-runs the checks that change over time — validity window,
// status and issuer trust — on a credential view that this Validator
// already verified (Verify, VerifyPresentation), e.g. on a presentation
// cache hit. The signature is not checked again: never call it on a view
// that did not come out of a successful verification.
func (v *Validator) Recheck(ctx context.Context, c *Credential) error {
	if c == nil {
		return fmt.Errorf("%w: nil credential", ErrMalformed)
	}
	f := &failures{format: c.Format}
	v.checkRest(ctx, c, true, f)
	return f.err()
}

// RecheckPresentation runs Recheck on every credential of a verified
// presentation and lists every failure.
func (v *Validator) RecheckPresentation(ctx context.Context, p *Presentation) error {
	if p == nil {
		return fmt.Errorf("%w: nil presentation", ErrPresentation)
	}
	f := &failures{format: p.Format}
	for i, c := range p.Credentials {
		if c == nil {
			f.add(ErrPresentation, fmt.Errorf("credential %d missing", i))
			continue
		}
		sub := &failures{format: c.Format}
		v.checkRest(ctx, c, true, sub)
		for _, e := range sub.list {
			f.list = append(f.list, fmt.Errorf("credential %d: %w", i, e))
		}
	}
	return f.err()
}

// Validate validates a credential view. The checks run on the credential
// parsed again from c.Raw, never on fields the caller may have changed.
func (v *Validator) Validate(ctx context.Context, c *Credential) error {
	if c == nil {
		return fmt.Errorf("%w: nil credential", ErrMalformed)
	}
	var raw any = c.Raw
	_, err := v.Verify(ctx, c.Format, raw)
	return err
}

func (v *Validator) verifySDJWT(ctx context.Context, format vocab.Format, raw any, b Binding) (*Credential, error) {
	p := v.cfg.Parser
	if p.cfg.SDJWT == nil || (format == vocab.FormatSDJWTVCLegacy && !p.cfg.AllowLegacySDJWT) {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedFormat, format)
	}
	tok, err := p.compact(raw)
	if err != nil {
		return nil, err
	}
	f := &failures{format: format}
	// Trust pre-check on the unverified claims: the handler's key
	// resolution (issuer metadata, did:web) is never run for an untrusted
	// issuer.
	// The gate needs only what the Issuer-signed JWT's payload itself
	// says (iss, vct and the validity claims are never selectively
	// disclosable, SD-JWT VC §3.2.2), so the disclosures are processed
	// once, by the verification below; the full unverified view is built
	// only on the failure paths, for diagnostics.
	peek, err := p.peekSDJWT(format, tok)
	if err != nil {
		return nil, err
	}
	full := func() (*Credential, error) {
		pv, err := p.cfg.SDJWT.ParseSDJWT(ctx, tok)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return viewFromSDJWT(format, tok, pv)
	}
	if !v.preTrust(ctx, peek, f) {
		pre, err := full()
		if err != nil {
			return nil, err
		}
		v.checkRest(ctx, pre, false, f)
		return pre, f.err()
	}
	sv, verr := p.cfg.SDJWT.VerifySDJWT(ctx, tok, b)
	if verr != nil {
		pre, err := full()
		if err != nil {
			return nil, err
		}
		// The handler checks the validity claims and key binding itself;
		// it reports those failures wrapping ErrExpired / ErrNotYetValid /
		// ErrHolderBinding / ErrNonce / ErrAudience, anything else is an
		// integrity failure. Status and trust are not checked.
		timeErr := errors.Is(verr, ErrExpired) || errors.Is(verr, ErrNotYetValid)
		if timeErr || errors.Is(verr, ErrHolderBinding) || errors.Is(verr, ErrNonce) || errors.Is(verr, ErrAudience) {
			f.list = append(f.list, verr)
		} else {
			f.add(ErrSignature, verr)
		}
		// The view of what the credential claims, from the unverified
		// parse, for diagnostics only.
		if !timeErr {
			v.checkRest(ctx, pre, false, f)
		}
		return pre, f.err()
	}
	c, err := viewFromSDJWT(format, tok, sv)
	if err != nil {
		return nil, err
	}
	if b.Nonce != "" && !sv.KeyBound {
		f.add(ErrHolderBinding, errors.New("no key binding JWT"))
	}
	v.checkRest(ctx, c, true, f)
	return c, f.err()
}

// checkSignature verifies the issuer signature of c (parsed from c.Raw)
// and reports whether it held.
func (v *Validator) checkSignature(ctx context.Context, c *Credential, f *failures) bool {
	switch c.Format {
	case vocab.FormatLDPVC:
		if v.cfg.Proofs == nil {
			f.add(ErrConfig, errors.New("no proof verifier for ldp_vc"))
			return false
		}
		res, err := v.cfg.Proofs.VerifyProof(ctx, []byte(c.Raw), ProofOptions{Purpose: w3c.AssertionMethod})
		if err != nil {
			f.add(ErrSignature, err)
			return false
		}
		if err := controlledBy(res, c.Issuer); err != nil {
			f.add(ErrSignature, err)
			return false
		}
		return true
	}
	if d, ok := v.cfg.Parser.cfg.Decoders[c.Format].(VerifyingDecoder); ok {
		if _, err := d.VerifyCredential(ctx, c.Raw); err != nil {
			f.add(ErrSignature, err)
			return false
		}
		return true
	}
	f.add(ErrUnsupportedFormat, fmt.Errorf("%q has no signature verifier", c.Format))
	return false
}

// controlledBy checks that every proof was made with a verification method
// of id (a DID URL "id#fragment", or id itself).
func controlledBy(res *ProofResult, id string) error {
	if res == nil || len(res.VerificationMethods) == 0 {
		return errors.New("proof verifier reported no verification method")
	}
	for _, vm := range res.VerificationMethods {
		base, _, _ := strings.Cut(vm, "#")
		if id == "" || base != id {
			return fmt.Errorf("verification method %q is not controlled by %q", vm, id)
		}
	}
	return nil
}

// checkRest checks the validity window and — when the signature held —
// status and issuer trust. Status lists are never fetched for a credential
// whose signature failed (its URLs are attacker-controlled).
func (v *Validator) checkRest(ctx context.Context, c *Credential, sigOK bool, f *failures) {
	now := v.cfg.Now()
	lw := v.cfg.Leeway
	if !c.ValidUntil.IsZero() && !now.Before(c.ValidUntil.Add(lw)) {
		f.add(ErrExpired, fmt.Errorf("valid until %s", c.ValidUntil.UTC().Format(time.RFC3339)))
	}
	if !c.ValidFrom.IsZero() && now.Add(lw).Before(c.ValidFrom) {
		f.add(ErrNotYetValid, fmt.Errorf("valid from %s", c.ValidFrom.UTC().Format(time.RFC3339)))
	} else if !c.IssuedAt.IsZero() && now.Add(lw).Before(c.IssuedAt) {
		f.add(ErrNotYetValid, errors.New("issued in the future"))
	}
	if !sigOK {
		return
	}
	v.checkStatus(ctx, c, f)
	switch {
	case v.cfg.Trust != nil:
		if err := v.cfg.Trust.TrustIssuer(ctx, c); err != nil {
			f.add(ErrUntrustedIssuer, err)
		}
	case !v.cfg.InsecureSkipTrust:
		f.add(ErrUntrustedIssuer, errors.New("no trust policy configured"))
	}
	if len(f.list) > 0 {
		v.log.DebugContext(ctx, "credential validation failed", "format", string(c.Format), "failures", len(f.list))
	}
}

func (v *Validator) checkStatus(ctx context.Context, c *Credential, f *failures) {
	if v.cfg.SkipStatus || len(c.Status) == 0 {
		return
	}
	if v.cfg.Status == nil {
		f.add(ErrStatusUnavailable, errors.New("no status checker configured"))
		return
	}
	for _, ref := range c.Status {
		res, err := v.cfg.Status.Check(ctx, ref)
		if err != nil {
			f.add(ErrStatusUnavailable, err)
			continue
		}
		if err := vocab.InterpretStatus(ref, res); err != nil {
			f.list = append(f.list, err)
		}
	}
}
