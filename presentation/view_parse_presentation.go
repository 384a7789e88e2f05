package presentation

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// ParsePresentation decodes a presentation and the credentials it carries
// without verifying any signature, proof, binding or validity window. It is
// for re-reading presentations that were verified when they were received
// (a cache reading its entries back, whose short-lived VP proofs may have
// expired since), never for accepting a presentation: use
// Validator.VerifyPresentation for that. Limits and format handling are the
// Parser's.
func (p *Parser) ParsePresentation(ctx context.Context, format vocab.Format, raw any) (*Presentation, error) {
	switch PresentationFormat(format) {
	case vocab.FormatJWTVPJSON, vocab.FormatDIFJWTVP:
		tok, err := p.compact(raw)
		if err != nil {
			return nil, err
		}
		jp, err := w3c.ParsePresentationJWT(tok, p.w3cParse())
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		out := &Presentation{Format: PresentationFormat(format), Raw: raw, ID: jp.Presentation.ID, Holder: jp.Holder, Nonce: jp.Nonce}
		if len(jp.Audience) == 1 {
			out.Audience = jp.Audience[0]
		}
		out.ExpiresAt, _, _ = jose.NumericDate(jp.Claims, "exp")
		return out, p.parseItems(ctx, jp.Presentation.VerifiableCredential.Items, out)
	case vocab.FormatLDPVP:
		doc, err := p.document(raw)
		if err != nil {
			return nil, err
		}
		vp, err := w3c.ParsePresentation(doc, w3c.Limits{MaxBytes: p.cfg.MaxSize, MaxDepth: p.cfg.MaxDepth})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		out := &Presentation{Format: vocab.FormatLDPVP, Raw: raw, ID: vp.ID}
		if vp.Holder != nil {
			out.Holder = vp.Holder.ID
		}
		return out, p.parseItems(ctx, vp.VerifiableCredential.Items, out)
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		c, err := p.Parse(ctx, format, raw)
		if err != nil {
			return nil, err
		}
		out := &Presentation{Format: format, Raw: raw, Holder: c.HolderID, Credentials: []*Credential{c}}
		if c.HolderJWK != nil {
			out.HolderKey, _ = crypto.PublicKeyFromJWK(c.HolderJWK)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: presentation format %q", ErrUnsupportedFormat, format)
}

// parseItems parses embedded credentials: strings are VC-JWTs, objects
// ldp_vc documents.
func (p *Parser) parseItems(ctx context.Context, items []any, out *Presentation) error {
	if len(items) > 64 {
		return fmt.Errorf("%w: %d credentials in one presentation", ErrMalformed, len(items))
	}
	for i, it := range items {
		f := vocab.FormatJWTVCJSON
		if _, isObj := it.(map[string]any); isObj {
			f = vocab.FormatLDPVC
		}
		c, err := p.Parse(ctx, f, it)
		if err != nil {
			return fmt.Errorf("credential %d: %w", i, err)
		}
		out.Credentials = append(out.Credentials, c)
	}
	return nil
}
