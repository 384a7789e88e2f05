package vocab

import (
	"context"
	"errors"
	"fmt"
)

// Status check outcomes. Each is matchable with errors.Is; every package
// that reports a status failure (presentation, sdjwt/vc, vpcache) wraps one
// of these.
var (
	// ErrRevoked: a revocation status is set (IETF INVALID, W3C
	// statusPurpose revocation).
	ErrRevoked = errors.New("vocab: credential revoked")
	// ErrSuspended: a suspension status is set (IETF SUSPENDED, W3C
	// statusPurpose suspension).
	ErrSuspended = errors.New("vocab: credential suspended")
	// ErrStatusInvalid: a status value the verifier cannot accept (an
	// application-specific IETF value 0x03–0xFF, or a set bit of an unknown
	// W3C purpose).
	ErrStatusInvalid = errors.New("vocab: credential status not valid")
	// ErrStatusUnavailable: the status could not be established (no
	// checker, list unreachable, list token invalid or expired, unsupported
	// status type). A credential is not accepted without its status.
	ErrStatusUnavailable = errors.New("vocab: credential status unavailable")
)

// InterpretStatus maps the value found at ref to the outcome, the one
// mapping every wstack verifier uses:
//
//	IETF status_list  0x00 VALID      → nil
//	                  0x01 INVALID    → ErrRevoked
//	                  0x02 SUSPENDED  → ErrSuspended (a suspended credential is not accepted)
//	                  0x03–0xFF       → ErrStatusInvalid (application specific: not accepted
//	                                    unless the caller interprets res itself)
//	W3C entry         bits 0          → nil
//	                  revocation      → ErrRevoked
//	                  suspension      → ErrSuspended
//	                  refresh, message → nil (informational purposes, BSL §2.1)
//	                  other purposes  → ErrStatusInvalid
func InterpretStatus(ref StatusReference, res StatusResult) error {
	if ref.Type == "status_list" {
		switch res.Value {
		case 0:
			return nil
		case 1:
			return fmt.Errorf("%w: status INVALID at %s#%d", ErrRevoked, ref.URI, ref.Index)
		case 2:
			return fmt.Errorf("%w: status SUSPENDED at %s#%d", ErrSuspended, ref.URI, ref.Index)
		}
		return fmt.Errorf("%w: status 0x%02X at %s#%d", ErrStatusInvalid, res.Value, ref.URI, ref.Index)
	}
	if res.Value == 0 {
		return nil
	}
	switch ref.Purpose {
	case "revocation":
		return fmt.Errorf("%w: %s index %d", ErrRevoked, ref.URI, ref.Index)
	case "suspension":
		return fmt.Errorf("%w: %s index %d", ErrSuspended, ref.URI, ref.Index)
	case "refresh", "message":
		return nil
	}
	return fmt.Errorf("%w: purpose %q value %d", ErrStatusInvalid, ref.Purpose, res.Value)
}

// CheckStatus asks c for ref and interprets the answer: nil when the
// credential may be accepted, else an error wrapping ErrRevoked,
// ErrSuspended, ErrStatusInvalid or (c nil or failing) ErrStatusUnavailable,
// with the checker's error in the chain.
func CheckStatus(ctx context.Context, c StatusChecker, ref StatusReference) error {
	if c == nil {
		return fmt.Errorf("%w: no status checker configured", ErrStatusUnavailable)
	}
	res, err := c.Check(ctx, ref)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStatusUnavailable, err)
	}
	return InterpretStatus(ref, res)
}
