package dataintegrity

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto/did"

	wcrypto "github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/b64url"
)

// VerifyOptions are the verifier's expectations.
type VerifyOptions struct {
	// Suites is the allow-list of accepted suites; it must not be empty.
	Suites []Suite
	// Purpose is the expected proof purpose (default assertionMethod).
	Purpose string
	// Challenge and Domain, when set, must match the proof
	// (INVALID_CHALLENGE_ERROR / INVALID_DOMAIN_ERROR). The authentication
	// purpose requires a Challenge.
	Challenge string
	Domain    string
	// Controller, when set, must equal the verification method URL without
	// its fragment (e.g. the credential's issuer DID, or the holder for a
	// presentation), so a key of another party cannot sign for it.
	Controller string
}

// ProofResult describes one verified proof.
type ProofResult struct {
	Suite              Suite
	VerificationMethod string
	Purpose            string
	Created            time.Time
	Expires            time.Time
	Key                crypto.PublicKey
}

// Result is the outcome of a successful verification.
type Result struct {
	// Document is the verified document without its proof(s). For
	// eddsa-jcs-2022 its @context is the one the proof covers.
	Document map[string]any
	// Proofs lists every proof, all of which verified.
	Proofs []ProofResult
}

// Verify verifies every proof of a secured JSON document (VC-DI 1.0 §4.4
// and the suites' verification algorithms). All proofs of a proof set must
// verify; proof chains (previousProof) are not supported.
func (p *Processor) Verify(ctx context.Context, doc []byte, o VerifyOptions) (*Result, error) {
	if len(o.Suites) == 0 {
		return nil, fmt.Errorf("%w: %w: empty suite allow-list", ErrProofVerification, ErrUnsupportedSuite)
	}
	if p.cfg.Resolver == nil {
		return nil, fmt.Errorf("%w: no verification method resolver configured", ErrProofVerification)
	}
	if o.Purpose == "" {
		o.Purpose = PurposeAssertionMethod
	}
	if o.Purpose == PurposeAuthentication && o.Challenge == "" {
		return nil, fmt.Errorf("%w: authentication proofs need an expected challenge", ErrInvalidChallenge)
	}
	m, err := p.parse(doc)
	if err != nil {
		return nil, err
	}
	raw, ok := m["proof"]
	if !ok {
		return nil, fmt.Errorf("%w: %w", ErrParsing, ErrMissingProof)
	}
	delete(m, "proof")
	var proofs []map[string]any
	switch t := raw.(type) {
	case map[string]any:
		proofs = []map[string]any{t}
	case []any:
		for _, x := range t {
			pm, ok := x.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: proof set entry is not an object", ErrParsing)
			}
			proofs = append(proofs, pm)
		}
	}
	if len(proofs) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrParsing, ErrMissingProof)
	}
	res := &Result{Document: m}
	var signedContext any
	for _, proof := range proofs {
		pr, err := p.verifyProof(ctx, m, proof, o)
		if err != nil {
			return nil, err
		}
		if pc, ok := proof["@context"]; ok && pr.Suite.jcs() {
			signedContext = pc
		}
		res.Proofs = append(res.Proofs, *pr)
	}
	if signedContext != nil {
		// eddsa-jcs-2022 signs the document with the proof's @context;
		// contexts appended to the document afterwards are not covered and
		// must not be processed by the caller.
		m["@context"] = signedContext
	}
	return res, nil
}

func str(m map[string]any, k string) (string, bool, error) {
	v, ok := m[k]
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, fmt.Errorf("%w: proof %s is not a string", ErrParsing, k)
	}
	return s, true, nil
}

func parseDateTime(s string) (time.Time, error) {
	// xsd:dateTime with a time zone, as RFC 3339
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not an XML Schema dateTime with time zone: %q", s)
}

func (p *Processor) verifyProof(ctx context.Context, unsecured, proof map[string]any, o VerifyOptions) (*ProofResult, error) {
	suite, err := suiteOf(proof)
	if err != nil {
		return nil, err
	}
	allowed := false
	for _, s := range o.Suites {
		allowed = allowed || s == suite
	}
	if !allowed {
		return nil, fmt.Errorf("%w: %w: %s", ErrProofVerification, ErrUnsupportedSuite, suite)
	}
	if _, ok := proof["previousProof"]; ok {
		return nil, fmt.Errorf("%w: %w: proof chains (previousProof)", ErrProofVerification, ErrUnsupportedSuite)
	}
	vm, okVM, err := str(proof, "verificationMethod")
	if err != nil {
		return nil, err
	}
	purpose, okPurpose, err := str(proof, "proofPurpose")
	if err != nil {
		return nil, err
	}
	if !okVM || vm == "" || !okPurpose || purpose == "" {
		return nil, fmt.Errorf("%w: %w: verificationMethod and proofPurpose are required", ErrParsing, ErrMissingProof)
	}
	if purpose != o.Purpose {
		return nil, fmt.Errorf("%w: %w: %q, expected %q", ErrProofVerification, ErrPurposeMismatch, purpose, o.Purpose)
	}
	if o.Controller != "" {
		base, _, _ := strings.Cut(vm, "#")
		if base != o.Controller {
			return nil, fmt.Errorf("%w: %w: verification method %q is not controlled by %q", ErrProofVerification, ErrNotAuthorized, vm, o.Controller)
		}
	}
	pr := &ProofResult{Suite: suite, VerificationMethod: vm, Purpose: purpose}
	now := p.cfg.Now()
	if s, ok, err := str(proof, "created"); err != nil {
		return nil, err
	} else if ok {
		t, err := parseDateTime(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w: %v", ErrParsing, ErrCreated, err)
		}
		if t.After(now.Add(p.cfg.Leeway)) {
			return nil, fmt.Errorf("%w: %w: created %s is in the future", ErrProofVerification, ErrCreated, s)
		}
		pr.Created = t
	}
	if s, ok, err := str(proof, "expires"); err != nil {
		return nil, err
	} else if ok {
		t, err := parseDateTime(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w: %v", ErrParsing, ErrExpired, err)
		}
		if now.After(t.Add(p.cfg.Leeway)) {
			return nil, fmt.Errorf("%w: %w: expired at %s", ErrProofVerification, ErrExpired, s)
		}
		pr.Expires = t
	}
	if o.Challenge != "" {
		c, _, err := str(proof, "challenge")
		if err != nil || c != o.Challenge {
			return nil, fmt.Errorf("%w: challenge does not match", ErrInvalidChallenge)
		}
	}
	if o.Domain != "" && !domainMatches(proof["domain"], o.Domain) {
		return nil, fmt.Errorf("%w: domain does not match", ErrInvalidDomain)
	}
	// VC-DI §4.4 step: a proof @context must be a prefix of the document's.
	if pc, ok := proof["@context"]; ok {
		if !contextPrefix(pc, unsecured["@context"]) {
			return nil, fmt.Errorf("%w: %w", ErrProofVerification, ErrContextMismatch)
		}
	}
	var sig []byte
	var jwsHeader string
	if suite == JsonWebSignature2020 {
		jws, ok, err := str(proof, "jws")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: %w: jws", ErrParsing, ErrMissingProof)
		}
		jwsHeader, sig, err = parseDetachedJWS(jws)
		if err != nil {
			return nil, err
		}
	} else {
		pv, ok, err := str(proof, "proofValue")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: %w: proofValue", ErrParsing, ErrMissingProof)
		}
		if sig, err = multibaseDecode(pv); err != nil {
			return nil, err
		}
	}
	key, err := p.cfg.Resolver.ResolveVerificationMethod(ctx, vm, purpose)
	if err != nil {
		if errors.Is(err, ErrNotAuthorized) {
			return nil, fmt.Errorf("%w: %w", ErrProofVerification, err)
		}
		if errors.Is(err, did.ErrNotAuthorized) {
			return nil, fmt.Errorf("%w: %w: %w", ErrProofVerification, ErrNotAuthorized, err)
		}
		return nil, fmt.Errorf("%w: resolving %s: %w", ErrProofVerification, vm, err)
	}
	alg, err := suite.algFor(key)
	if err != nil {
		return nil, err
	}
	pr.Key = key
	cfg := make(map[string]any, len(proof))
	for k, v := range proof {
		if k != "@context" || suite.jcs() {
			cfg[k] = v
		}
	}
	doc := unsecured
	if pc, ok := proof["@context"]; ok && suite.jcs() {
		// VC-DI-EdDSA §3.3.2: unsecuredDocument.@context = proofOptions.@context
		doc = make(map[string]any, len(unsecured))
		for k, v := range unsecured {
			doc[k] = v
		}
		doc["@context"] = pc
	}
	hashData, err := p.hashData(ctx, suite, doc, cfg, suite.hashFor(key))
	if err != nil {
		return nil, err
	}
	var msg []byte
	if suite == JsonWebSignature2020 {
		if err := checkJWSHeader(jwsHeader, alg); err != nil {
			return nil, err
		}
		msg = append([]byte(jwsHeader+"."), hashData...)
	} else {
		msg = hashData
	}
	if err := wcrypto.VerifySignature(key, alg, msg, sig); err != nil {
		p.log.DebugContext(ctx, "dataintegrity: signature check failed", "suite", string(suite), "verificationMethod", vm)
		return nil, fmt.Errorf("%w: %w", ErrProofVerification, ErrInvalidSignature)
	}
	return pr, nil
}

func domainMatches(v any, want string) bool {
	switch t := v.(type) {
	case string:
		return t == want
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

func contextPrefix(proofCtx, docCtx any) bool {
	asList := func(v any) []any {
		if l, ok := v.([]any); ok {
			return l
		}
		return []any{v}
	}
	pl, dl := asList(proofCtx), asList(docCtx)
	if len(pl) > len(dl) {
		return false
	}
	for i := range pl {
		a, _ := json.Marshal(pl[i])
		b, _ := json.Marshal(dl[i])
		if string(a) != string(b) {
			return false
		}
	}
	return true
}

func parseDetachedJWS(jws string) (string, []byte, error) {
	if len(jws) > 8192 || strings.Count(jws, ".") != 2 {
		return "", nil, fmt.Errorf("%w: jws is not a detached compact JWS", ErrParsing)
	}
	parts := strings.SplitN(jws, ".", 3)
	if parts[1] != "" {
		return "", nil, fmt.Errorf("%w: jws payload must be detached", ErrParsing)
	}
	sig, err := b64url.DecodeStringStrict(parts[2])
	if err != nil {
		return "", nil, fmt.Errorf("%w: jws signature: %v", ErrParsing, err)
	}
	return parts[0], sig, nil
}

// checkJWSHeader requires {"alg": alg, "b64": false, "crit": ["b64"]}
// and nothing unexpected in crit.
func checkJWSHeader(h64 string, alg wcrypto.Algorithm) error {
	raw, err := b64url.DecodeStringStrict(h64)
	if err != nil {
		return fmt.Errorf("%w: jws header: %v", ErrParsing, err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("%w: jws header: %v", ErrParsing, err)
	}
	if a, _ := h["alg"].(string); a != string(alg) {
		return fmt.Errorf("%w: %w: jws alg %q does not fit the key (%s)", ErrProofVerification, ErrInvalidKey, a, alg)
	}
	if b, ok := h["b64"].(bool); !ok || b {
		return fmt.Errorf("%w: jws must use b64:false", ErrParsing)
	}
	crit, _ := h["crit"].([]any)
	if len(crit) != 1 || crit[0] != "b64" {
		return fmt.Errorf("%w: jws crit must be [\"b64\"]", ErrParsing)
	}
	return nil
}

// StaticResolver is a VerificationMethodResolver over a fixed map, for
// tests and for deployments that pin issuer keys.
type StaticResolver map[string]StaticMethod

// StaticMethod is a pinned verification method.
type StaticMethod struct {
	Key crypto.PublicKey
	// Purposes lists the verification relationships the method is
	// authorised for.
	Purposes []string
}

// ResolveVerificationMethod implements VerificationMethodResolver.
func (r StaticResolver) ResolveVerificationMethod(_ context.Context, vmID, purpose string) (crypto.PublicKey, error) {
	m, ok := r[vmID]
	if !ok {
		return nil, fmt.Errorf("unknown verification method %q", vmID)
	}
	for _, p := range m.Purposes {
		if p == purpose {
			return m.Key, nil
		}
	}
	return nil, fmt.Errorf("%w: %s for %s", ErrNotAuthorized, vmID, purpose)
}
