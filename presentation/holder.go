package presentation

import (
	"context"
	"fmt"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// HolderConfig configures a Holder. Signer is required.
type HolderConfig struct {
	// Signer is the holder's key: it signs SD-JWT KB-JWTs (the key bound in
	// the credentials' cnf) and jwt_vp_json presentations.
	Signer jose.MessageSigner
	// DID is the holder's DID, written as VP holder / iss; empty for
	// presentations bound by the credentials' cnf key only.
	DID string
	// LDPSigner signs ldp_vp presentations (ldp.NewSigner); optional.
	LDPSigner ProofSigner
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Holder is the holder side in one value: it parses what the wallet holds
// into the credential view (for DCQL / Presentation Exchange matching) and
// builds the presentations of a response with exactly the disclosures the
// query selected:
//
//	h, _ := presentation.NewHolder(presentation.HolderConfig{Signer: holderKey})
//	cred, _ := h.Parse(ctx, vocab.FormatSDJWTVC, stored)
//	match, _ := compiledQuery.Evaluate(ctx, slices.Values(wallet))
//	vpToken, _ := match.VPToken(ctx, h.Presenter(presentation.Binding{Nonce: nonce, Audience: clientID}))
type Holder struct {
	cfg    HolderConfig
	parser *Parser
}

// NewHolder returns a Holder.
func NewHolder(cfg HolderConfig) (*Holder, error) {
	if cfg.Signer == nil {
		return nil, fmt.Errorf("%w: holder Signer is required", ErrConfig)
	}
	return &Holder{cfg: cfg, parser: defaultParser}, nil
}

// Parse builds the view of a held credential (no verification: the wallet
// verified it on receipt with a Validator).
func (h *Holder) Parse(ctx context.Context, format vocab.Format, raw any) (*Credential, error) {
	return h.parser.Parse(ctx, format, raw)
}

// Presenter returns the Presenter for one request's binding (nonce and the
// verifier's full client_id, or the origin over the DC API).
func (h *Holder) Presenter(b Binding) *RequestPresenter {
	return &RequestPresenter{
		Binding:   b,
		Holder:    h.cfg.DID,
		JWTSigner: h.cfg.Signer,
		LDPSigner: h.cfg.LDPSigner,
		SDJWT:     &SDJWTVCPresenter{Signer: h.cfg.Signer, Now: h.cfg.Now},
		Now:       h.cfg.Now,
	}
}

// CredentialFromClaims builds the view of a credential the caller already
// holds as decoded JSON (a wallet store's record, a test fixture): for
// dc+sd-jwt the processed claims (every disclosure applied); for
// jwt_vc_json and ldp_vc the W3C credential document, which is validated
// against the data model. Numbers become json.Number as in every view
// (Credential.Claims). The view has no Raw form, so it can be matched
// but not presented or verified.
func CredentialFromClaims(format vocab.Format, claims map[string]any) (*Credential, error) {
	switch format {
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		return viewFromSDJWT(format, "", &SDJWTView{Claims: claims})
	case vocab.FormatJWTVCJSON, vocab.FormatDIFJWTVC, vocab.FormatLDPVC:
		c, err := w3c.CredentialFromMap(jsonx.NumbersMap(claims))
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return viewFromLDP(format, "", c), nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedFormat, format)
}
