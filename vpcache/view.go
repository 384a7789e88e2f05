package vpcache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

// ViewConfig connects the cache to wstack's credential view.
type ViewConfig struct {
	// Validator verifies presentations before they are stored: the holder's
	// signature, its audience binding and expiry, and for every credential
	// the issuer signature, validity window, status, issuer trust and holder
	// binding (required).
	Validator *presentation.Validator
	// Parser re-reads stored presentations without verifying their
	// (possibly expired) proofs again; default presentation.NewParser with
	// a zero config. Give it an SDJWT handler if SD-JWT presentations are
	// cached.
	Parser *presentation.Parser
	// Audience returns the participant context's own DID: the audience the
	// counterparty's presentations must be bound to (required).
	Audience func(ctx context.Context, participantContextID string) (string, error)
	// Nonce, when set, returns the nonce presentations for this participant
	// context were requested with. Without it, jwt_vp_json presentations are
	// verified bound by audience and expiry only, as the Decentralized
	// Claims Protocol's presentation responses are; other formats need a
	// nonce.
	Nonce func(ctx context.Context, participantContextID string) (string, error)
}

// View is a [Verifier] and [Parser] over wstack's credential view
// (package presentation). Pass it to [New] and [WithParser].
type View struct {
	cfg ViewConfig
}

var (
	_ Verifier = (*View)(nil)
	_ Parser   = (*View)(nil)
)

// NewView returns a View.
func NewView(cfg ViewConfig) (*View, error) {
	if cfg.Validator == nil || cfg.Audience == nil {
		return nil, fmt.Errorf("%w: ViewConfig needs a Validator and an Audience function", ErrConfig)
	}
	if cfg.Parser == nil {
		cfg.Parser = presentation.NewParser(presentation.ParserConfig{})
	}
	return &View{cfg: cfg}, nil
}

// rawValue turns a stored presentation into what the view takes: the
// string for compact formats, the decoded JSON object for ldp_vp.
func rawValue(p Presentation) (any, error) {
	if presentation.PresentationFormat(p.Format) != vocab.FormatLDPVP {
		return p.Raw, nil
	}
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(p.Raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("ldp_vp is not a JSON object: %w", err)
	}
	return m, nil
}

// VerifyPresentations verifies every presentation with the Validator.
func (v *View) VerifyPresentations(ctx context.Context, pcID string, ps []Presentation) ([]Verified, error) {
	aud, err := v.cfg.Audience(ctx, pcID)
	if err != nil {
		return nil, fmt.Errorf("audience of %q: %w", pcID, err)
	}
	opts := presentation.PresentationOptions{Audience: aud, SkipNonce: true}
	if v.cfg.Nonce != nil {
		if opts.Nonce, err = v.cfg.Nonce(ctx, pcID); err != nil {
			return nil, fmt.Errorf("nonce of %q: %w", pcID, err)
		}
		opts.SkipNonce = false
	}
	out := make([]Verified, 0, len(ps))
	for i, p := range ps {
		raw, err := rawValue(p)
		if err != nil {
			return nil, fmt.Errorf("presentation %d: %w", i, err)
		}
		pres, err := v.cfg.Validator.VerifyPresentation(ctx, p.Format, raw, opts)
		if err != nil {
			return nil, fmt.Errorf("presentation %d: %w", i, err)
		}
		out = append(out, VerifiedFrom(pres, pres.ExpiresAt))
	}
	return out, nil
}

// ParsePresentations re-reads stored presentations without verification.
func (v *View) ParsePresentations(ctx context.Context, ps []Presentation) ([]Verified, error) {
	out := make([]Verified, 0, len(ps))
	for i, p := range ps {
		raw, err := rawValue(p)
		if err != nil {
			return nil, fmt.Errorf("presentation %d: %w", i, err)
		}
		pres, err := v.cfg.Parser.ParsePresentation(ctx, p.Format, raw)
		if err != nil {
			return nil, fmt.Errorf("presentation %d: %w", i, err)
		}
		if pres.Holder == "" {
			return nil, fmt.Errorf("presentation %d: %w", i, errors.New("no holder identifier"))
		}
		out = append(out, VerifiedFrom(pres, pres.ExpiresAt))
	}
	return out, nil
}
