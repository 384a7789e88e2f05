package vc

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/sdjwt"
)

// IssueOption changes how Issue applies the profile.
type IssueOption func(*issueSettings)

type issueSettings struct{ legacyTyp bool }

// WithLegacyTyp lets Issue sign with typ vc+sd-jwt (LegacyTyp), the name
// used until November 2024, for wallets that do not know dc+sd-jwt yet: set
// o.Typ to LegacyTyp and pass this option. Verifiers accept such
// credentials only with Config.AllowLegacyTyp.
func WithLegacyTyp() IssueOption { return func(s *issueSettings) { s.legacyTyp = true } }

// Issue issues an SD-JWT VC: sdjwt.Issue with the profile's rules applied
// first — typ dc+sd-jwt (when o.Typ is empty; LegacyTyp only with
// WithLegacyTyp), vct present as a non-empty string, a well-formed status
// reference if status is present, and none of iss, nbf, exp, cnf, status,
// vct, vct#integrity, aka_vcts among the disclosable paths. The header's kid
// is the signer's KID unless o.Header names a kid, jwk or x5c (for a DID
// issuer, sign with did.NewKeyDIDSigner or (*jose.KeySigner).WithKID so the
// kid is the DID URL a verifier resolves).
func Issue(ctx context.Context, signer jose.MessageSigner, claims map[string]any, o sdjwt.IssueOptions, opts ...IssueOption) (*sdjwt.SDJWT, error) {
	var set issueSettings
	for _, opt := range opts {
		opt(&set)
	}
	switch o.Typ {
	case "":
		o.Typ = Typ
	case Typ:
	case LegacyTyp:
		if !set.legacyTyp {
			return nil, fmt.Errorf("%w: typ %s needs vc.WithLegacyTyp", sdjwt.ErrOptions, LegacyTyp)
		}
	default:
		return nil, fmt.Errorf("%w: typ %q for an SD-JWT VC", sdjwt.ErrOptions, o.Typ)
	}
	if vct, ok := claims["vct"].(string); !ok || vct == "" {
		return nil, ErrVCT
	}
	if _, err := StatusReference(claims); err != nil {
		return nil, err
	}
	for _, p := range o.Disclosable {
		if len(p) == 0 {
			continue
		}
		name, _ := p[0].(string)
		for _, n := range nonDisclosable {
			if name == n {
				return nil, fmt.Errorf("%w: %s", ErrNonDisclosable, n)
			}
		}
	}
	return sdjwt.Issue(ctx, signer, claims, o)
}
