package dcql

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

// VPToken is the vp_token of a DCQL response (OpenID4VP 1.0 §8.1): per
// credential query id, a non-empty array of presentations, each a string
// (a compact JWT, SD-JWT or base64url mdoc DeviceResponse) or a JSON object
// (an ldp_vp).
type VPToken map[string][]any

// Presenter is presentation.Presenter, the interface both query languages
// call (presentation.RequestPresenter implements it).
type Presenter = presentation.Presenter

// VPToken builds the vp_token for the selection: one presentation per
// selected credential (Result.Selection, after Result.Choose), keyed by
// credential query id: one entry, or one or more when the query has
// multiple=true (§8.1).
func (r *Result) VPToken(ctx context.Context, p Presenter) (VPToken, error) {
	if p == nil {
		return nil, ErrNoPresenter
	}
	tok := make(VPToken, len(r.Selection))
	ids := make([]string, 0, len(r.Selection))
	for id := range r.Selection {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, m := range r.Selection[id] {
			pres, err := p.Present(ctx, m.Format, []*presentation.Credential{m.Credential}, [][]vocab.ClaimPath{m.Disclose})
			if err != nil {
				return nil, fmt.Errorf("dcql: presenting for %q: %w", id, err)
			}
			tok[id] = append(tok[id], pres)
		}
	}
	return tok, nil
}

// Limits of ParseVPToken.
const (
	MaxVPTokenBytes  = 4 << 20
	MaxVPTokenDepth  = 32
	maxPresentations = 64
)

// ParseVPToken decodes a vp_token (the JSON object of §8.1) with strict JSON
// and size limits and checks its shape: keys are valid ids, values are
// non-empty arrays of strings or objects.
func ParseVPToken(data []byte) (VPToken, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxVPTokenBytes, MaxDepth: MaxVPTokenDepth}); err != nil {
		return nil, &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: %w", ErrVPTokenRejected, err)}
	}
	var raw map[string][]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: %v", ErrVPTokenRejected, err)}
	}
	tok := VPToken(raw)
	if err := tok.checkShape(); err != nil {
		return nil, err
	}
	return tok, nil
}

func (t VPToken) checkShape() error {
	if len(t) == 0 {
		return &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: empty vp_token", ErrVPTokenRejected)}
	}
	for id, ps := range t {
		if !validID(id) {
			return &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: %w: %q", ErrVPTokenRejected, ErrInvalidID, id)}
		}
		if len(ps) == 0 || len(ps) > maxPresentations {
			return &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: %w: %q has %d presentations", ErrVPTokenRejected, ErrMultipleNotAllowed, id, len(ps))}
		}
		for i, p := range ps {
			switch p.(type) {
			case string, map[string]any:
			default:
				return &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: %q[%d] is neither a string nor an object", ErrVPTokenRejected, id, i)}
			}
		}
	}
	return nil
}
