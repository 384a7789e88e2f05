package dcql

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes of OpenID4VP 1.0 §8.5 used by this package.
const (
	CodeInvalidRequest         = "invalid_request"
	CodeAccessDenied           = "access_denied"
	CodeVPFormatsNotSupported  = "vp_formats_not_supported"
	CodeInvalidTransactionData = "invalid_transaction_data"
)

// Sentinel errors. Every error returned by Parse and Compile wraps
// ErrInvalidQuery and one of the more specific errors below.
var (
	// ErrInvalidQuery: the query breaks a rule of §6 (code invalid_request).
	ErrInvalidQuery = errors.New("dcql: invalid query")
	// ErrQueryTooLarge: the query exceeds a size, depth or count limit.
	ErrQueryTooLarge = errors.New("dcql: query exceeds a limit")
	// ErrInvalidID: an id is empty or holds characters outside [A-Za-z0-9_-].
	ErrInvalidID = errors.New("dcql: id must be a non-empty string of [A-Za-z0-9_-]")
	// ErrDuplicateID: a credential query id or a claims query id repeats.
	ErrDuplicateID = errors.New("dcql: duplicate id")
	// ErrMissingMember: a required member is absent or empty.
	ErrMissingMember = errors.New("dcql: required member missing")
	// ErrInvalidMember: a member has the wrong type or value.
	ErrInvalidMember = errors.New("dcql: invalid member")
	// ErrInvalidPath: a claims path pointer is invalid (§7).
	ErrInvalidPath = errors.New("dcql: invalid claims path pointer")
	// ErrUnknownReference: claim_sets or credential_sets name an id that
	// does not exist.
	ErrUnknownReference = errors.New("dcql: reference to an unknown id")
	// ErrClaimSetsWithoutClaims: claim_sets is present without claims.
	ErrClaimSetsWithoutClaims = errors.New("dcql: claim_sets requires claims")

	// ErrUnsatisfiable: the wallet holds no combination of credentials that
	// meets every required credential query or set (code access_denied).
	ErrUnsatisfiable = errors.New("dcql: query cannot be satisfied")
	// ErrBudgetExceeded: evaluating the query over the wallet took more
	// work than the budget allows (WithBudget); the query is refused
	// rather than answered in part (code invalid_request).
	ErrBudgetExceeded = errors.New("dcql: query evaluation exceeds the work budget")
	// ErrFormatNotSupported: a required credential query asks for a format
	// this implementation does not know (code vp_formats_not_supported).
	ErrFormatNotSupported = errors.New("dcql: credential format not supported")

	// ErrVPTokenRejected: a received vp_token does not answer the query
	// (§8.6); the Verification report says why.
	ErrVPTokenRejected = errors.New("dcql: vp_token rejected")
	// ErrUnexpectedQueryID: the vp_token holds a key that is not a
	// credential query id.
	ErrUnexpectedQueryID = errors.New("dcql: vp_token key is not a credential query id")
	// ErrMultipleNotAllowed: more than one presentation for a credential
	// query without multiple=true, or an empty array.
	ErrMultipleNotAllowed = errors.New("dcql: wrong number of presentations for a credential query")
	// ErrPresentationMismatch: a presented credential does not match its
	// credential query.
	ErrPresentationMismatch = errors.New("dcql: presentation does not match its credential query")
	// ErrMissingCredential: a required credential query or credential set
	// is not answered.
	ErrMissingCredential = errors.New("dcql: required credential missing")
	// ErrInvalidChoice: Result.Choose was given a selection the query
	// does not allow.
	ErrInvalidChoice = errors.New("dcql: invalid choice of credentials")
	// ErrNoDecoder / ErrNoPresenter: the caller passed a nil dependency.
	ErrNoDecoder   = errors.New("dcql: no presentation decoder")
	ErrNoPresenter = errors.New("dcql: no presenter")
)

// Mismatch reasons reported per credential (wrapped in
// ErrPresentationMismatch on the verifier side).
var (
	ErrFormatMismatch       = errors.New("dcql: format differs")
	ErrMetaMismatch         = errors.New("dcql: meta constraint not met")
	ErrHolderBinding        = errors.New("dcql: cryptographic holder binding required")
	ErrUntrustedAuthority   = errors.New("dcql: issuer not among the trusted authorities")
	ErrTrustCheckerMissing  = errors.New("dcql: no checker for any trusted_authorities type")
	ErrClaimMissing         = errors.New("dcql: claim missing or value not allowed")
	ErrNoClaimSetSatisfied  = errors.New("dcql: no claim set can be satisfied")
	ErrCredentialNotMatched = errors.New("dcql: credential does not match")
)

// Error is a DCQL error that carries an OpenID4VP error code.
type Error struct {
	// Code is the OpenID4VP error code (invalid_request, access_denied, …).
	Code string
	err  error
}

// Error returns the message of the wrapped error.
func (e *Error) Error() string { return e.err.Error() }

// Unwrap returns the wrapped errors.
func (e *Error) Unwrap() error { return e.err }

// Code returns the OpenID4VP error code carried by err, or "" when err is
// not a DCQL error.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var u *UnsatisfiedError
	if errors.As(err, &u) {
		return u.Code()
	}
	return ""
}

func invalid(sub error, format string, args ...any) error {
	return &Error{Code: CodeInvalidRequest, err: fmt.Errorf("%w: %w: %s", ErrInvalidQuery, sub, fmt.Sprintf(format, args...))}
}

// UnsatisfiedError reports which required credential queries or credential
// sets could not be met. It matches ErrUnsatisfiable with errors.Is.
type UnsatisfiedError struct {
	// Queries lists credential query ids without any matching credential
	// that a required selection needs.
	Queries []string
	// Sets lists the indices of required credential sets none of whose
	// options can be met.
	Sets []int
	// Reasons holds, per missing query id, why the last credential tried
	// was rejected (absent when no credential of the format was seen).
	Reasons map[string]error
	// UnsupportedFormat is true when a missing query asks for a format
	// this package does not know.
	UnsupportedFormat bool
}

// Error describes the missing queries and sets.
func (e *UnsatisfiedError) Error() string {
	var b strings.Builder
	b.WriteString(ErrUnsatisfiable.Error())
	if len(e.Queries) > 0 {
		fmt.Fprintf(&b, ": no credential for %s", strings.Join(e.Queries, ", "))
	}
	if len(e.Sets) > 0 {
		fmt.Fprintf(&b, "; credential sets %v cannot be met", e.Sets)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnsatisfiable) true, and
// errors.Is(err, ErrFormatNotSupported) when a format is unknown.
func (e *UnsatisfiedError) Is(target error) bool {
	return target == ErrUnsatisfiable || (e.UnsupportedFormat && target == ErrFormatNotSupported)
}

// Code returns access_denied, or vp_formats_not_supported when an unknown
// format is the cause.
func (e *UnsatisfiedError) Code() string {
	if e.UnsupportedFormat {
		return CodeVPFormatsNotSupported
	}
	return CodeAccessDenied
}
