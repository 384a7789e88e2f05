package vpcache

import (
	"context"
	"time"

	"github.com/ocmw/wstack/presentation"
)

// TrustFromPolicy adapts a presentation.TrustPolicy to [IssuerTrust]: the
// policy's error (nil = trusted) becomes the decision. The participant
// context is not passed on; use [IssuerTrustFunc] for per-context trust.
func TrustFromPolicy(tp presentation.TrustPolicy) IssuerTrust {
	return IssuerTrustFunc(func(ctx context.Context, _ string, c *presentation.Credential) (bool, error) {
		if err := tp.TrustIssuer(ctx, c); err != nil {
			return false, err
		}
		return true, nil
	})
}

// VerifiedFrom converts a presentation verified by the presentation package
// into the cache's [Verified] form; expiry is the presentation's exp (zero
// when it has none).
func VerifiedFrom(p *presentation.Presentation, expiry time.Time) Verified {
	v := Verified{Holder: p.Holder, Expiry: expiry, Credentials: make([]presentation.Credential, 0, len(p.Credentials))}
	for _, c := range p.Credentials {
		if c != nil {
			v.Credentials = append(v.Credentials, *c)
		}
	}
	return v
}
