package vpcache

import (
	"errors"
	"fmt"

	"github.com/ocmw/wstack/vocab"
)

// Errors returned by the cache, its stores and the invalidation handler. A
// rejected store is a [*RejectedError] matching [ErrRejected] and one of the
// reasons below; a miss
// matches [ErrMiss] and, where known, the reason.
var (
	// ErrInvalidKey: empty or malformed participant context, DID or scope.
	ErrInvalidKey = errors.New("vpcache: invalid cache key")
	// ErrDisabled: the cache is disabled (validity 0 or enabled=false).
	ErrDisabled = errors.New("vpcache: cache disabled")
	// ErrMiss: no usable entry; the caller must fetch presentations.
	ErrMiss = errors.New("vpcache: cache miss")
	// ErrNotFound: the store holds no entry for the key or selector.
	ErrNotFound = errors.New("vpcache: entry not found")
	// ErrStore: the backing store failed.
	ErrStore = errors.New("vpcache: store failure")
	// ErrRejected: the presentations were not stored because a check failed.
	ErrRejected = errors.New("vpcache: presentations rejected, not cached")

	// ErrInvalidPresentation: the Verifier (or Parser) rejected a
	// presentation, or the input exceeds a size limit.
	ErrInvalidPresentation = errors.New("vpcache: invalid presentation")
	// ErrScopeNotCovered: the credentials do not cover the requested scopes.
	ErrScopeNotCovered = errors.New("vpcache: requested scopes not covered by the credentials")
	// ErrHolderMismatch: a presentation's holder is not the counterparty.
	ErrHolderMismatch = errors.New("vpcache: presentation holder is not the counterparty")
	// ErrExpired: the entry is older than the configured validity.
	ErrExpired = errors.New("vpcache: entry expired")
	// ErrCredentialExpired: a credential's validUntil/expirationDate passed.
	ErrCredentialExpired = errors.New("vpcache: credential expired")
	// ErrCredentialNotYetValid: a credential's validFrom/issuanceDate is in the future.
	ErrCredentialNotYetValid = errors.New("vpcache: credential not yet valid")
	// ErrPresentationExpired: a presentation's exp passed (strict expiry).
	ErrPresentationExpired = errors.New("vpcache: presentation expired")
	// ErrRevoked: a credential is revoked.
	ErrRevoked = vocab.ErrRevoked
	// ErrSuspended: a credential is suspended.
	ErrSuspended = vocab.ErrSuspended
	// ErrStatusInvalid: a status list reports a status other than valid,
	// revoked or suspended.
	ErrStatusInvalid = vocab.ErrStatusInvalid
	// ErrStatusUnavailable: a status check failed to produce an answer.
	ErrStatusUnavailable = vocab.ErrStatusUnavailable
	// ErrStatusUnchecked: a credential carries a status reference but no
	// StatusChecker is configured.
	ErrStatusUnchecked = errors.New("vpcache: credential status not checked (no StatusChecker)")
	// ErrUntrustedIssuer: the IssuerTrust rejected a credential's issuer.
	ErrUntrustedIssuer = errors.New("vpcache: untrusted issuer")

	// ErrUpstreamPanic: the wrapped RequestFunc panicked (the panic is
	// turned into this error so a single flight always completes).
	ErrUpstreamPanic = errors.New("vpcache: upstream request panicked")

	// ErrConfig: an invalid configuration or option.
	ErrConfig = errors.New("vpcache: invalid configuration")

	// ErrBadRequest: an invalidation request is malformed.
	ErrBadRequest = errors.New("vpcache: bad invalidation request")
	// ErrUnauthenticated: returned by an Authenticator for a missing or
	// invalid credential (HTTP 401).
	ErrUnauthenticated = errors.New("vpcache: unauthenticated")
	// ErrForbidden: returned by an Authenticator when the caller may not
	// invalidate these entries (HTTP 403).
	ErrForbidden = errors.New("vpcache: forbidden")
)

// RejectedError reports presentations that the cache's checks rejected
// ([Cache.Store], [RequestService.RequestPresentation]): the [Verifier] or
// [Parser] refused them, the scopes are not covered, a holder is not the
// counterparty, a credential is outside its validity window, revoked or
// suspended, its status could not be checked, or its issuer is not trusted.
// It matches [ErrRejected] and its cause (for example [ErrHolderMismatch] or
// [ErrRevoked]) with errors.Is. The same Reason is reported to
// [Metrics.StoreRejected].
type RejectedError struct {
	// Reason labels the failed check, as in the metrics.
	Reason Reason
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s (%s): %v", ErrRejected.Error(), e.Reason, e.Err)
}

// Unwrap returns [ErrRejected] and the cause.
func (e *RejectedError) Unwrap() []error { return []error{ErrRejected, e.Err} }
