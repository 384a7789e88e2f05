package presentation

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ocmw/wstack/vocab"
)

// Validation failures. A Validator reports every failed check as an error
// wrapping one of these, collected in a *ValidationError; match them with
// errors.Is on the returned error.
var (
	// ErrSignature: the issuer signature or proof does not verify, its
	// algorithm or suite is not allowed, no key could be resolved for the
	// issuer, or the proof's verification method is not the issuer's.
	ErrSignature = errors.New("presentation: signature invalid")
	// ErrExpired: the validity window ended (exp, validUntil,
	// expirationDate), allowing for leeway.
	ErrExpired = errors.New("presentation: credential expired")
	// ErrNotYetValid: the validity window has not begun (nbf, validFrom,
	// issuanceDate).
	ErrNotYetValid = errors.New("presentation: credential not yet valid")
	// ErrRevoked: a revocation status is set (IETF INVALID, W3C
	// statusPurpose revocation).
	ErrRevoked = vocab.ErrRevoked
	// ErrSuspended: a suspension status is set (IETF SUSPENDED, W3C
	// statusPurpose suspension).
	ErrSuspended = vocab.ErrSuspended
	// ErrStatusInvalid: a status value the verifier cannot accept (an
	// application-specific IETF value).
	ErrStatusInvalid = vocab.ErrStatusInvalid
	// ErrStatusUnavailable: the status could not be determined (no status
	// checker configured, list unreachable or invalid, unsupported status
	// type). The credential is not accepted without its status.
	ErrStatusUnavailable = vocab.ErrStatusUnavailable
	// ErrUntrustedIssuer: the trust policy rejects the issuer, or none is
	// configured.
	ErrUntrustedIssuer = errors.New("presentation: issuer not trusted")
	// ErrHolderBinding: the presentation is not signed by the key or
	// subject the credential is bound to, or a required Key Binding JWT is
	// absent.
	ErrHolderBinding = errors.New("presentation: holder binding failed")
	// ErrNonce / ErrAudience: the presentation is not bound to this
	// request (OpenID4VP 1.0 §8.6).
	ErrNonce    = errors.New("presentation: nonce mismatch")
	ErrAudience = errors.New("presentation: audience mismatch")
	// ErrPresentation: the presentation itself is malformed or its
	// holder signature fails.
	ErrPresentation = errors.New("presentation: invalid presentation")
	// ErrConfig: the Validator lacks what a format needs (key resolver,
	// proof verifier, SD-JWT handler) or options are missing.
	ErrConfig = errors.New("presentation: validator not configured for this")
)

// ValidationError lists every check a credential (or a presentation and
// its credentials) failed. errors.Is matches any of the failures.
type ValidationError struct {
	// Format is the format of what was validated.
	Format vocab.Format
	// Failures holds one error per failed check, each wrapping a sentinel
	// above.
	Failures []error
}

// Error lists the failures.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "presentation: %s validation failed:", e.Format)
	for i, f := range e.Failures {
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(" ")
		b.WriteString(f.Error())
	}
	return b.String()
}

// Unwrap returns the failures, so errors.Is and errors.As see each.
func (e *ValidationError) Unwrap() []error { return e.Failures }

type failures struct {
	format vocab.Format
	list   []error
}

func (f *failures) add(kind error, err error) {
	if err == nil {
		f.list = append(f.list, kind)
		return
	}
	if errors.Is(err, kind) {
		f.list = append(f.list, err)
		return
	}
	f.list = append(f.list, fmt.Errorf("%w: %w", kind, err))
}

func (f *failures) err() error {
	if len(f.list) == 0 {
		return nil
	}
	return &ValidationError{Format: f.format, Failures: f.list}
}
