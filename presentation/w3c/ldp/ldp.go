package ldp

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/presentation"
)

// ErrConfig reports a Verifier or Signer built without its processor, suite
// list or key.
var ErrConfig = errors.New("ldp: invalid configuration")

// Verifier verifies ldp_vc / ldp_vp proofs with a dataintegrity.Processor
// (whose resolver checks that each verification method is authorised for
// the proof purpose). It implements presentation.ProofVerifier.
type Verifier struct {
	proc   *dataintegrity.Processor
	suites []dataintegrity.Suite
}

// NewVerifier returns a Verifier accepting the given suites (the verifier
// metadata's proof_type_values / cryptosuite_values); the list must not be
// empty.
func NewVerifier(p *dataintegrity.Processor, suites ...dataintegrity.Suite) (*Verifier, error) {
	if p == nil || len(suites) == 0 {
		return nil, fmt.Errorf("%w: processor and suite allow-list required", ErrConfig)
	}
	return &Verifier{proc: p, suites: append([]dataintegrity.Suite(nil), suites...)}, nil
}

// VerifyProof verifies every proof of document for the purpose, challenge
// and domain. A challenge mismatch wraps presentation.ErrNonce and a domain
// mismatch presentation.ErrAudience; every error wraps the dataintegrity
// error.
func (v *Verifier) VerifyProof(ctx context.Context, document []byte, o presentation.ProofOptions) (*presentation.ProofResult, error) {
	res, err := v.proc.Verify(ctx, document, dataintegrity.VerifyOptions{
		Suites:    v.suites,
		Purpose:   o.Purpose,
		Challenge: o.Challenge,
		Domain:    o.Domain,
	})
	if err != nil {
		switch {
		case errors.Is(err, dataintegrity.ErrInvalidChallenge):
			return nil, fmt.Errorf("%w: %w", presentation.ErrNonce, err)
		case errors.Is(err, dataintegrity.ErrInvalidDomain):
			return nil, fmt.Errorf("%w: %w", presentation.ErrAudience, err)
		}
		return nil, err
	}
	out := &presentation.ProofResult{}
	for _, p := range res.Proofs {
		out.VerificationMethods = append(out.VerificationMethods, p.VerificationMethod)
	}
	return out, nil
}

// Signer adds proofs with one engine key (the holder's, for ldp_vp). It
// implements presentation.ProofSigner.
type Signer struct {
	proc  *dataintegrity.Processor
	key   *dataintegrity.KeySigner
	suite dataintegrity.Suite
}

// NewSigner returns a Signer using suite with key.
func NewSigner(p *dataintegrity.Processor, key *dataintegrity.KeySigner, suite dataintegrity.Suite) (*Signer, error) {
	if p == nil || key == nil || suite == "" {
		return nil, fmt.Errorf("%w: processor, key and suite required", ErrConfig)
	}
	return &Signer{proc: p, key: key, suite: suite}, nil
}

// SignProof adds a proof with the purpose, challenge and domain.
func (s *Signer) SignProof(ctx context.Context, document []byte, o presentation.ProofOptions) ([]byte, error) {
	return s.proc.Sign(ctx, document, s.key, dataintegrity.ProofOptions{
		Suite:     s.suite,
		Purpose:   o.Purpose,
		Challenge: o.Challenge,
		Domain:    o.Domain,
	})
}

// NewDefaultVerifier returns a Verifier over a dataintegrity.Processor with
// the bundled JSON-LD contexts (offline, allow-listed) and keys, accepting
// the Data Integrity 1.0 cryptosuites eddsa-rdfc-2022, ecdsa-rdfc-2019,
// eddsa-jcs-2022 and ecdsa-jcs-2019. It is the factory
// presentation.WithDataIntegrity takes:
//
//	v, err := presentation.NewDefaultValidator(trust, presentation.WithDataIntegrity(ldp.NewDefaultVerifier))
func NewDefaultVerifier(keys presentation.VerificationMethodResolver) (presentation.ProofVerifier, error) {
	if keys == nil {
		return nil, fmt.Errorf("%w: key resolver required", ErrConfig)
	}
	p, err := dataintegrity.New(dataintegrity.Config{Resolver: keys})
	if err != nil {
		return nil, err
	}
	return NewVerifier(p, dataintegrity.EdDSARDFC2022, dataintegrity.ECDSARDFC2019, dataintegrity.EdDSAJCS2022, dataintegrity.ECDSAJCS2019)
}
