package vpcache

import (
	"context"
	"time"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

// StatusFromPresentation adapts a vocab.StatusChecker (for example
// statuslist's checker through its presentation adapter) to [StatusChecker],
// mapping the status value by reference type:
//
//   - IETF Token Status List ("status_list"): 0x00 VALID → StatusValid,
//     0x01 INVALID → StatusRevoked, 0x02 SUSPENDED → StatusSuspended, any
//     other value → StatusOther.
//   - W3C Bitstring Status List / StatusList2021: 0 → StatusValid; a set
//     entry is StatusRevoked for purpose "revocation", StatusSuspended for
//     "suspension", StatusValid for "message" and "refresh" (they state no
//     invalidity) and StatusOther for any other purpose.
//   - Other types: 0 → StatusValid, anything else StatusOther.
func StatusFromPresentation(sc vocab.StatusChecker) StatusChecker {
	return StatusCheckerFunc(func(ctx context.Context, ref vocab.StatusReference) (CredentialStatus, error) {
		res, err := sc.Check(ctx, ref)
		if err != nil {
			return StatusOther, err
		}
		return mapStatus(ref, res.Value), nil
	})
}

func mapStatus(ref vocab.StatusReference, v uint8) CredentialStatus {
	if v == 0 {
		return StatusValid
	}
	switch ref.Type {
	case "status_list":
		switch v {
		case 1:
			return StatusRevoked
		case 2:
			return StatusSuspended
		}
		return StatusOther
	case "BitstringStatusListEntry", "StatusList2021Entry":
		switch ref.Purpose {
		case "revocation":
			return StatusRevoked
		case "suspension":
			return StatusSuspended
		case "message", "refresh":
			return StatusValid
		}
	}
	return StatusOther
}

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
