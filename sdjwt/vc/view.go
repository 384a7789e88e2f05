package vc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

// ViewHandler plugs SD-JWT VC into wstack's credential view: it implements
// presentation.SDJWTHandler, so that presentation.Parser and
// presentation.Validator handle dc+sd-jwt credentials and SD-JWT+KB
// presentations through this package. Failures are mapped onto the view's
// check errors (presentation.ErrExpired, ErrNotYetValid, ErrHolderBinding)
// and keep the sdjwt error in the chain.
type ViewHandler struct {
	// Verifier verifies issuer signatures, disclosures, key binding and the
	// SD-JWT VC rules (required for VerifySDJWT).
	Verifier *Verifier
	// Limits bound ParseSDJWT (zero: the sdjwt defaults).
	Limits sdjwt.Limits
}

var _ presentation.SDJWTHandler = (*ViewHandler)(nil)

// ParseSDJWT parses and processes an SD-JWT as held, without verifying it.
func (h *ViewHandler) ParseSDJWT(_ context.Context, raw string) (*presentation.SDJWTView, error) {
	s, err := sdjwt.Parse(raw, h.Limits)
	if err != nil {
		return nil, err
	}
	pr, err := s.Process(h.Limits)
	if err != nil {
		return nil, err
	}
	return &presentation.SDJWTView{Claims: pr.Claims, Disclosable: pr.Paths}, nil
}

// VerifySDJWT verifies raw: as issued when b.Nonce is empty, else as a
// presentation whose KB-JWT must carry b's nonce, audience and transaction
// data hashes. The credential's status is checked with the Verifier's
// StatusChecker when it has one; otherwise it is left to
// presentation.Validator, which checks the status references of every
// credential it validates (and fails them without a checker).
func (h *ViewHandler) VerifySDJWT(ctx context.Context, raw string, b presentation.Binding) (*presentation.SDJWTView, error) {
	if h.Verifier == nil {
		return nil, fmt.Errorf("%w: ViewHandler has no Verifier", sdjwt.ErrOptions)
	}
	var res *Result
	var err error
	if b.Nonce == "" {
		res, err = h.Verifier.verifyIssued(ctx, raw, true)
	} else {
		res, err = h.Verifier.verify(ctx, raw, sdjwt.Expect{Nonce: b.Nonce, Audience: b.Audience, TransactionDataHashes: b.TransactionDataHashes}, true)
	}
	if err != nil {
		return nil, MapViewError(err)
	}
	return &presentation.SDJWTView{Claims: res.Claims, Disclosable: res.Disclosed, KeyBound: res.KeyBinding != nil}, nil
}

// MapViewError wraps an sdjwt/vc verification error with the credential
// view's check error it corresponds to, so that presentation.Validator
// reports an expired credential as expired rather than as a bad signature.
func MapViewError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jose.ErrExpired):
		return fmt.Errorf("%w: %w", presentation.ErrExpired, err)
	case errors.Is(err, jose.ErrNotYetValid), errors.Is(err, jose.ErrIssuedInFuture):
		return fmt.Errorf("%w: %w", presentation.ErrNotYetValid, err)
	case errors.Is(err, sdjwt.ErrKeyBinding), errors.Is(err, sdjwt.ErrKeyBindingRequired):
		return fmt.Errorf("%w: %w", presentation.ErrHolderBinding, err)
	}
	return err
}

// Presenter implements presentation.SDJWTPresenter for a holder: it
// presents exactly the disclosures it is given (by their paths, entries of
// the credential's Disclosable list) plus the disclosures enclosing them —
// never one below or beside a listed disclosure (sdjwt.SDJWT.PresentDisclosures)
// — and signs a KB-JWT with the holder key bound in cnf.
type Presenter struct {
	// Signer signs the KB-JWT with the holder's key.
	Signer jose.MessageSigner
	// Limits bound parsing of the held SD-JWT.
	Limits sdjwt.Limits
	// Now gives the KB-JWT iat (default time.Now).
	Now func() time.Time
}

var _ presentation.SDJWTPresenter = (*Presenter)(nil)

// PresentSDJWT builds SD-JWT+KB from the held SD-JWT raw, revealing the
// disclosures at the paths in disclose (an error matching
// sdjwt.ErrNotDisclosure if one is not the path of a disclosure).
func (p *Presenter) PresentSDJWT(ctx context.Context, raw string, disclose []vocab.ClaimPath, b presentation.Binding) (string, error) {
	s, err := sdjwt.Parse(raw, p.Limits)
	if err != nil {
		return "", err
	}
	kb := &sdjwt.KeyBinding{Signer: p.Signer, Audience: b.Audience, Nonce: b.Nonce, Now: p.Now, TransactionDataHashes: b.TransactionDataHashes}
	if len(b.TransactionDataHashes) > 0 {
		kb.TransactionDataHashesAlg = "sha-256"
	}
	return s.PresentDisclosures(ctx, disclose, kb)
}
