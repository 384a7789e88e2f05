package did

import "errors"

// Error is a DID resolution or dereferencing error carrying the error code
// of the DID specifications (DID Resolution §7.1 and the did:key v0.9
// algorithms: invalidDid, invalidPublicKeyLength, …). The exported Err…
// values are *Error sentinels; wrapped errors match them with errors.Is, and
// errors.As(err, &e) yields the code.
type Error struct {
	// Code is the spec's error code, e.g. "invalidDid".
	Code   string
	msg    string
	parent *Error
}

// Error returns "did: <code>: <message>".
func (e *Error) Error() string { return "did: " + e.Code + ": " + e.msg }

// Is lets a refined sentinel match its parent: ErrHostNotAllowed is also
// ErrInvalidDID, ErrRelativeDIDURL also ErrInvalidDIDURL,
// ErrPrivateKeyMaterial also ErrInvalidPublicKey.
func (e *Error) Is(target error) bool { return e.parent != nil && target == error(e.parent) }

func newError(code, msg string) *Error { return &Error{Code: code, msg: msg} }

func refine(parent *Error, msg string) *Error {
	return &Error{Code: parent.Code, msg: msg, parent: parent}
}

// Errors. The codes are the ones the DID specifications define where one
// exists; the others are wstack's.
var (
	// ErrInvalidDID: the string is not a DID, or not a valid DID of its
	// method (did:key v0.9 "invalidDid"; DID Resolution "invalidDid").
	ErrInvalidDID = newError("invalidDid", "invalid DID")
	// ErrInvalidDIDURL: the string is not a valid absolute DID URL, or uses
	// DID URL features wstack does not dereference (paths, queries).
	ErrInvalidDIDURL = newError("invalidDidUrl", "invalid DID URL")
	// ErrRelativeDIDURL: a relative DID URL ("#key-1") was given where an
	// absolute one is needed (security.md row 59).
	ErrRelativeDIDURL = refine(ErrInvalidDIDURL, "relative DID URL not allowed here")
	// ErrInvalidPublicKeyLength: the raw key length does not fit its
	// multicodec (did:key v0.9 "invalidPublicKeyLength").
	ErrInvalidPublicKeyLength = newError("invalidPublicKeyLength", "invalid public key length")
	// ErrInvalidPublicKey: the key bytes are not a valid key of their type,
	// e.g. a point not on the curve (did:key v0.9 "invalidPublicKey").
	ErrInvalidPublicKey = newError("invalidPublicKey", "invalid public key")
	// ErrUnsupportedPublicKeyType: the key type (multicodec, kty/crv) or the
	// requested public key format is not supported (did:key v0.9
	// "unsupportedPublicKeyType").
	ErrUnsupportedPublicKeyType = newError("unsupportedPublicKeyType", "unsupported public key type")
	// ErrPrivateKeyMaterial: a JWK carries private members (did:jwk
	// "a JWK for a private key … must be rejected").
	ErrPrivateKeyMaterial = refine(ErrInvalidPublicKey, "JWK contains private key material")
	// ErrMethodNotSupported: no resolver is registered for the DID method
	// (DID Resolution "methodNotSupported").
	ErrMethodNotSupported = newError("methodNotSupported", "DID method not supported")
	// ErrNotFound: the DID document does not exist (DID Resolution
	// "notFound"), e.g. did.json answered 404/410.
	ErrNotFound = newError("notFound", "DID document not found")
	// ErrHostNotAllowed: a did:web host is an IP literal, loopback name or
	// otherwise not a public DNS name (did:web "MUST NOT include IP
	// addresses"; security.md row 59).
	ErrHostNotAllowed = refine(ErrInvalidDID, "did:web host not allowed")
	// ErrInvalidDocument: the DID document is malformed, too large, or its id
	// differs from the DID that was resolved (did:web "Verify that the ID of
	// the resolved DID document matches the did:web DID being resolved").
	ErrInvalidDocument = newError("invalidDidDocument", "invalid DID document")
	// ErrResolution: the document could not be retrieved (network, TLS,
	// timeout, blocked address); the cause is wrapped as well.
	ErrResolution = newError("internalError", "DID resolution failed")
	// ErrVerificationMethodNotFound: the DID URL names no verification
	// method of the document, or one whose id belongs to another DID.
	ErrVerificationMethodNotFound = newError("notFound", "verification method not found")
	// ErrNotAuthorized: the verification method exists but is not
	// referenced by the requested verification relationship.
	ErrNotAuthorized = newError("notAuthorized", "verification method not authorized for this relationship")
	// ErrUnknownRelationship: the verification relationship (proof
	// purpose) is not one of DID Core §5.3.
	ErrUnknownRelationship = newError("invalidOptions", "unknown verification relationship")
)

// ErrorCode returns the DID specification error code of err ("invalidDid",
// "notFound", …) or "" when err is not a did error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
