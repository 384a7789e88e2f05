package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/pex"
	"github.com/ocmw/wstack/vocab"
)

// errNotInVP: a W3C credential addressed by a descriptor_map entry is not
// inside a presentation of the vp_token that was verified.
var errNotInVP = errors.New("verifier: a W3C credential must be presented inside a verified presentation")

// legacyDecoder is the pex.Decoder of legacy responses: it verifies every
// VP once (with the request's nonce and audience) and remembers the
// credentials it carries, which are the only W3C credentials it returns.
type legacyDecoder struct {
	val  *presentation.Validator
	opts presentation.PresentationOptions
	// docs: verified VP (by presentationKey) → the JSON path_nested is
	// evaluated on (the JWT claims set, the VP document).
	docs map[string]any
	// inVP: a credential carried by a verified VP (by presentationKey) →
	// its verified view.
	inVP map[string]*presentation.Credential
}

var _ pex.Decoder = (*legacyDecoder)(nil)

func newLegacyDecoder(val *presentation.Validator, opts presentation.PresentationOptions) *legacyDecoder {
	return &legacyDecoder{val: val, opts: opts, docs: map[string]any{}, inVP: map[string]*presentation.Credential{}}
}

// preverify verifies every VP found at the top of the vp_token (the
// vp_token itself, or each member of an array), so that credentials
// addressed straight into a VP are known whatever the order of the
// descriptor_map. SD-JWTs and other values are left to the entries that
// address them.
func (d *legacyDecoder) preverify(ctx context.Context, tok any) error {
	items := []any{tok}
	if l, ok := tok.([]any); ok {
		items = l
	}
	for i, it := range items {
		f, ok := sniffVP(it)
		if !ok {
			continue
		}
		if _, err := d.presentation(ctx, f, it); err != nil {
			return fmt.Errorf("vp_token presentation %d (%s): %w", i, f, err)
		}
	}
	return nil
}

// sniffVP recognises a JWT VP (a compact JWS whose claims have "vp") and a
// Data Integrity VP (an object typed VerifiablePresentation).
func sniffVP(v any) (vocab.Format, bool) {
	switch x := v.(type) {
	case string:
		if _, ok := jwtVPClaims(x); ok {
			return vocab.FormatJWTVPJSON, true
		}
	case map[string]any:
		switch t := x["type"].(type) {
		case string:
			return vocab.FormatLDPVP, t == "VerifiablePresentation"
		case []any:
			return vocab.FormatLDPVP, slices.Contains(t, any("VerifiablePresentation"))
		}
	}
	return "", false
}

// jwtVPClaims decodes the claims of a compact JWS carrying a "vp" claim
// (no signature check: the Validator verifies it).
func jwtVPClaims(s string) (map[string]any, bool) {
	if strings.Count(s, ".") != 2 || strings.Contains(s, "~") {
		return nil, false
	}
	parts := strings.SplitN(s, ".", 3)
	b, err := b64url.DecodeStringStrict(parts[1])
	if err != nil {
		return nil, false
	}
	var claims map[string]any
	if json.Unmarshal(b, &claims) != nil {
		return nil, false
	}
	if _, ok := claims["vp"].(map[string]any); !ok {
		return nil, false
	}
	return claims, true
}

// Presentation implements pex.Decoder for entries with path_nested.
func (d *legacyDecoder) Presentation(ctx context.Context, format vocab.Format, value any) (any, error) {
	return d.presentation(ctx, format, value)
}

func (d *legacyDecoder) presentation(ctx context.Context, format vocab.Format, value any) (any, error) {
	key, err := presentationKey(value)
	if err != nil {
		return nil, err
	}
	if doc, ok := d.docs[key]; ok {
		return doc, nil
	}
	var doc map[string]any
	var list any
	switch format {
	case vocab.FormatJWTVPJSON, vocab.FormatDIFJWTVP:
		s, _ := value.(string)
		claims, ok := jwtVPClaims(s)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not a JWT carrying a vp claim", presentation.ErrPresentation, format)
		}
		doc, list = claims, claims["vp"].(map[string]any)["verifiableCredential"]
	case vocab.FormatLDPVP:
		m, ok := value.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: ldp_vp is not a JSON object", presentation.ErrPresentation)
		}
		doc, list = m, m["verifiableCredential"]
	default:
		return nil, fmt.Errorf("%w: %q cannot wrap credentials (path_nested)", presentation.ErrUnsupportedFormat, format)
	}
	pres, err := d.val.VerifyPresentation(ctx, format, value, d.opts)
	if err != nil {
		return nil, err
	}
	items, ok := list.([]any)
	if !ok {
		items = []any{list}
	}
	if len(items) != len(pres.Credentials) {
		return nil, fmt.Errorf("%w: %d credentials verified of %d", presentation.ErrPresentation, len(pres.Credentials), len(items))
	}
	for i, it := range items {
		k, err := presentationKey(it)
		if err != nil {
			return nil, err
		}
		d.inVP[k] = pres.Credentials[i]
	}
	d.docs[key] = doc
	return doc, nil
}

// Credential implements pex.Decoder: a W3C credential only from a verified
// VP, anything else (SD-JWT VC with KB-JWT, formats the Validator
// verifies as presentations) through the Validator.
func (d *legacyDecoder) Credential(ctx context.Context, format vocab.Format, value any) (*presentation.Credential, error) {
	switch format {
	case vocab.FormatJWTVCJSON, vocab.FormatDIFJWTVC, vocab.FormatLDPVC, "jwt", "ldp", "di_vc", "di":
		key, err := presentationKey(value)
		if err != nil {
			return nil, err
		}
		if c, ok := d.inVP[key]; ok {
			return c, nil
		}
		return nil, fmt.Errorf("%w: %w", presentation.ErrHolderBinding, errNotInVP)
	case vocab.FormatJWTVPJSON, vocab.FormatDIFJWTVP, vocab.FormatLDPVP:
		return nil, fmt.Errorf("%w: a %s entry must address its credential with path_nested", pex.ErrInvalidSubmission, format)
	}
	return d.val.DecodeFunc(d.opts)(ctx, format, value)
}
