package statuslist

import "errors"

// Errors. Every failure of a decode or check wraps one of these so callers can
// match with errors.Is; a status is never reported as valid together with an
// error.
var (
	// ErrIndexOutOfRange: the index is negative, not an integer, too large
	// or beyond the list (IETF "Validation Rules"; BSL RANGE_ERROR).
	ErrIndexOutOfRange = errors.New("statuslist: index out of range")
	// ErrBadBits: bits not in {1,2,4,8} (IETF) or statusSize < 1 or > 8 (BSL).
	ErrBadBits = errors.New("statuslist: unsupported bits per status")
	// ErrBadValue: a status value does not fit the list's bits per entry.
	ErrBadValue = errors.New("statuslist: status value does not fit")
	// ErrCompression: the list is not valid ZLIB/GZIP data, has trailing
	// data or concatenated GZIP members.
	ErrCompression = errors.New("statuslist: bad compression")
	// ErrTooLarge: the inflated list, the token or the encoded list exceeds
	// its configured maximum.
	ErrTooLarge = errors.New("statuslist: list too large")
	// ErrEncoding: bad base64url, multibase prefix or JSON/CBOR structure.
	ErrEncoding = errors.New("statuslist: bad encoding")
	// ErrListLength: a W3C list shorter than 131,072 entries
	// (BSL STATUS_LIST_LENGTH_ERROR).
	ErrListLength = errors.New("statuslist: STATUS_LIST_LENGTH_ERROR: list shorter than the minimum")
	// ErrStatusMessage: statusMessage does not have 2^statusSize entries or
	// is malformed.
	ErrStatusMessage = errors.New("statuslist: statusMessage does not match statusSize")
	// ErrPurposeMismatch: the entry's statusPurpose is not a purpose of the
	// list credential (BSL STATUS_VERIFICATION_ERROR).
	ErrPurposeMismatch = errors.New("statuslist: STATUS_VERIFICATION_ERROR: status purpose mismatch")

	// ErrToken: the status list token is malformed (structure, claims).
	ErrToken = errors.New("statuslist: bad status list token")
	// ErrTokenType: the token's typ / content type is not the status list type.
	ErrTokenType = errors.New("statuslist: wrong status list token type")
	// ErrSignature: the token's signature does not verify, its algorithm is
	// not allowed, or no key could be resolved.
	ErrSignature = errors.New("statuslist: status list signature invalid")
	// ErrSubjectMismatch: the token's sub (or credential id) is not the URI
	// the referenced token points to.
	ErrSubjectMismatch = errors.New("statuslist: sub does not match the referenced uri")
	// ErrExpired: the status list token has expired (exp, validUntil).
	ErrExpired = errors.New("statuslist: status list expired")
	// ErrNotYetValid: iat/nbf/validFrom lie in the future beyond leeway.
	ErrNotYetValid = errors.New("statuslist: status list not yet valid")
	// ErrRetrieval: the status list could not be fetched
	// (BSL STATUS_RETRIEVAL_ERROR).
	ErrRetrieval = errors.New("statuslist: STATUS_RETRIEVAL_ERROR")
	// ErrUnsupportedReference: the status reference type is unknown.
	ErrUnsupportedReference = errors.New("statuslist: unsupported status reference")

	// ErrNotFound: no such list or index in the store.
	ErrNotFound = errors.New("statuslist: not found")
	// ErrNotAllocated: the index was never handed out.
	ErrNotAllocated = errors.New("statuslist: index not allocated")
	// ErrFinal: the entry is INVALID (revoked), which is permanent.
	ErrFinal = errors.New("statuslist: status is final (revoked)")
	// ErrConfig: invalid configuration.
	ErrConfig = errors.New("statuslist: invalid configuration")
)
