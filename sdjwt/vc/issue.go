package vc

import (
	"context"
	"fmt"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/sdjwt"
)

// Issue issues an SD-JWT VC: sdjwt.Issue with the profile's rules applied
// first — typ dc+sd-jwt (when o.Typ is empty; LegacyTyp is refused), vct
// present as a non-empty string, a well-formed status reference if status is
// present, and none of iss, nbf, exp, cnf, status, vct, vct#integrity,
// aka_vcts among the disclosable paths.
func Issue(ctx context.Context, signer jose.MessageSigner, claims map[string]any, o sdjwt.IssueOptions) (*sdjwt.SDJWT, error) {
	switch o.Typ {
	case "":
		o.Typ = Typ
	case Typ:
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
