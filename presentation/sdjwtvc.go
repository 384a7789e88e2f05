package presentation

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

// SDJWTVCHandler plugs SD-JWT VC (package sdjwt/vc) into the credential
// view: it implements SDJWTHandler, so that Parser and Validator handle
// dc+sd-jwt credentials and SD-JWT+KB presentations. Failures are mapped
// onto the view's check errors (ErrExpired, ErrNotYetValid,
// ErrHolderBinding) and keep the sdjwt error in the chain. The credential's
// status is checked by the Verifier when it has a StatusChecker; otherwise
// it is left to the Validator, which checks the status references of every
// credential it validates (and fails them without a checker).
type SDJWTVCHandler struct {
	// Verifier verifies issuer signatures, disclosures, key binding and the
	// SD-JWT VC rules (required for VerifySDJWT).
	Verifier *vc.Verifier
	// Limits bound ParseSDJWT (zero: the sdjwt defaults).
	Limits sdjwt.Limits
}

var _ SDJWTHandler = (*SDJWTVCHandler)(nil)

// ParseSDJWT parses and processes an SD-JWT as held, without verifying it.
func (h *SDJWTVCHandler) ParseSDJWT(_ context.Context, raw string) (*SDJWTView, error) {
	s, err := sdjwt.Parse(raw, h.Limits)
	if err != nil {
		return nil, err
	}
	pr, err := s.Process(h.Limits)
	if err != nil {
		return nil, err
	}
	return &SDJWTView{Claims: pr.Claims, Disclosable: pr.Paths}, nil
}

// VerifySDJWT verifies raw: as issued when b.Nonce is empty, else as a
// presentation whose KB-JWT must carry b's nonce, audience and transaction
// data hashes.
func (h *SDJWTVCHandler) VerifySDJWT(ctx context.Context, raw string, b Binding) (*SDJWTView, error) {
	if h.Verifier == nil {
		return nil, fmt.Errorf("%w: SDJWTVCHandler has no Verifier", sdjwt.ErrOptions)
	}
	var res *vc.Result
	var err error
	if b.Nonce == "" {
		res, err = h.Verifier.VerifyIssuedDeferStatus(ctx, raw)
	} else {
		res, err = h.Verifier.VerifyDeferStatus(ctx, raw, sdjwt.Expect{Nonce: b.Nonce, Audience: b.Audience, TransactionDataHashes: b.TransactionDataHashes})
	}
	if err != nil {
		return nil, sdjwtCheckError(err)
	}
	return &SDJWTView{Claims: res.Claims, Disclosable: res.Disclosed, KeyBound: res.KeyBinding != nil}, nil
}

// sdjwtCheckError wraps an sdjwt/vc verification error with the view's
// check error it corresponds to, so that an expired credential is reported
// as expired rather than as a bad signature.
func sdjwtCheckError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jose.ErrExpired):
		return fmt.Errorf("%w: %w", ErrExpired, err)
	case errors.Is(err, jose.ErrNotYetValid), errors.Is(err, jose.ErrIssuedInFuture):
		return fmt.Errorf("%w: %w", ErrNotYetValid, err)
	case errors.Is(err, sdjwt.ErrKBNonce):
		return fmt.Errorf("%w: %w: %w", ErrHolderBinding, ErrNonce, err)
	case errors.Is(err, sdjwt.ErrKBAudience):
		return fmt.Errorf("%w: %w: %w", ErrHolderBinding, ErrAudience, err)
	case errors.Is(err, sdjwt.ErrKeyBinding), errors.Is(err, sdjwt.ErrKeyBindingRequired):
		return fmt.Errorf("%w: %w", ErrHolderBinding, err)
	}
	return err
}

// SDJWTVCPresenter implements SDJWTPresenter for a holder: it presents
// exactly the disclosures it is given (by their paths, entries of the
// credential's Disclosable list) plus the disclosures enclosing them —
// never one below or beside a listed disclosure
// (sdjwt.SDJWT.PresentDisclosures) — and signs a KB-JWT with the holder key
// bound in cnf.
type SDJWTVCPresenter struct {
	// Signer signs the KB-JWT with the holder's key.
	Signer jose.MessageSigner
	// Limits bound parsing of the held SD-JWT.
	Limits sdjwt.Limits
	// Now gives the KB-JWT iat (default time.Now).
	Now func() time.Time
}

var _ SDJWTPresenter = (*SDJWTVCPresenter)(nil)

// PresentSDJWT builds SD-JWT+KB from the held SD-JWT raw, revealing the
// disclosures at the paths in disclose (an error matching
// sdjwt.ErrNotDisclosure if one is not the path of a disclosure).
func (p *SDJWTVCPresenter) PresentSDJWT(ctx context.Context, raw string, disclose []vocab.ClaimPath, b Binding) (string, error) {
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

// CredentialFromSDJWT builds the Credential view of an SD-JWT VC as the
// holder stores it (issuer form, every disclosure): Claims is the fully
// processed payload and Disclosable the claim path of each disclosure, in
// the form DCQL / Presentation Exchange matching expects. The signature is
// not checked here (the holder checked it when it received the credential:
// Validator.Verify, or vc.Verifier.VerifyIssued).
func CredentialFromSDJWT(sd *sdjwt.SDJWT) (*Credential, *sdjwt.Processed, error) {
	pr, err := sd.Process(sdjwt.Limits{})
	if err != nil {
		return nil, nil, err
	}
	c := &Credential{
		Format:      vocab.FormatSDJWTVC,
		Raw:         sd.String(),
		Claims:      jsonx.NumbersMap(pr.Claims),
		Disclosable: pr.Paths,
	}
	c.Issuer, _ = pr.Claims["iss"].(string)
	c.Subject, _ = pr.Claims["sub"].(string)
	c.VCT, _ = pr.Claims["vct"].(string)
	c.ID, _ = pr.Claims["jti"].(string)
	c.ValidFrom = claimTime(pr.Claims, "nbf")
	c.ValidUntil = claimTime(pr.Claims, "exp")
	c.IssuedAt = claimTime(pr.Claims, "iat")
	if ref, err := vc.StatusReference(pr.Claims); err == nil && ref != nil {
		c.Status = []vocab.StatusReference{*ref}
	}
	if cnf, ok := pr.Claims["cnf"].(map[string]any); ok {
		if jwk, ok := cnf["jwk"].(map[string]any); ok {
			c.HolderJWK = jwk
		}
		c.HolderID, _ = cnf["kid"].(string)
	}
	return c, pr, nil
}

func claimTime(claims map[string]any, name string) time.Time {
	t, ok, err := jose.NumericDate(claims, name)
	if !ok || err != nil {
		return time.Time{}
	}
	return t
}

// peekSDJWT is the unverified view a trust policy pre-checks: iss, vct,
// sub and jti of the Issuer-signed JWT's own payload, read without
// decoding or hashing the disclosures (and without the JWS parse gate:
// the verification that follows applies it). Nothing else of the payload
// is in the view.
func (p *Parser) peekSDJWT(format vocab.Format, tok string) (*Credential, error) {
	jwt, _, _ := strings.Cut(tok, "~")
	parts := strings.SplitN(jwt, ".", 4)
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: Issuer-signed JWT is not a compact JWS", ErrMalformed)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: JWT payload: %w", ErrMalformed, err)
	}
	var c struct {
		Iss, Vct, Sub, Jti string
	}
	// One validating pass that keeps only these four members (the
	// verification that follows decodes the payload under its limits).
	err = jsonx.StringMembers(payload, jsonx.DocumentLimits(payload),
		[]string{"iss", "vct", "sub", "jti"}, []*string{&c.Iss, &c.Vct, &c.Sub, &c.Jti})
	if err != nil {
		return nil, fmt.Errorf("%w: JWT payload: %w", ErrMalformed, err)
	}
	if format != vocab.FormatDIFSDJWT && c.Vct == "" {
		return nil, fmt.Errorf("%w: SD-JWT VC without vct", ErrMalformed)
	}
	claims := map[string]any{}
	for k, v := range map[string]string{"iss": c.Iss, "vct": c.Vct, "sub": c.Sub, "jti": c.Jti} {
		if v != "" {
			claims[k] = v
		}
	}
	return &Credential{Format: format, Raw: tok, Claims: claims, Issuer: c.Iss, VCT: c.Vct, Subject: c.Sub, ID: c.Jti}, nil
}
