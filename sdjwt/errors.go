package sdjwt

import "errors"

// Errors returned by this package. Verification failures wrap one of them
// (and, for JOSE-level failures, the crypto/jose sentinel as well), so callers
// can match with errors.Is.
var (
	// ErrMalformed: the serialization is not an SD-JWT (missing final "~",
	// bad base64url, a bare JWT, bad JSON serialization).
	ErrMalformed = errors.New("sdjwt: malformed SD-JWT")
	// ErrTooLarge: a configured limit (size, disclosures, depth, digests)
	// was exceeded.
	ErrTooLarge = errors.New("sdjwt: limit exceeded")
	// ErrHashAlgorithm: _sd_alg is unknown, not a string, or not at the top
	// level.
	ErrHashAlgorithm = errors.New("sdjwt: unsupported _sd_alg")
	// ErrDisclosure: a disclosure is malformed (not an array of 2 or 3
	// elements, non-string salt or name, invalid UTF-8 or JSON, wrong shape
	// for where its digest was found).
	ErrDisclosure = errors.New("sdjwt: invalid disclosure")
	// ErrReservedName: a disclosure or the payload uses a reserved name
	// (_sd, ..., _sd_alg) outside its defined use.
	ErrReservedName = errors.New("sdjwt: reserved claim name")
	// ErrClaimCollision: a disclosed claim name already exists at its level.
	ErrClaimCollision = errors.New("sdjwt: claim name collision")
	// ErrDuplicateDigest: the same digest appears more than once.
	ErrDuplicateDigest = errors.New("sdjwt: digest referenced more than once")
	// ErrDuplicateDisclosure: the same disclosure is presented twice.
	ErrDuplicateDisclosure = errors.New("sdjwt: disclosure presented more than once")
	// ErrUnreferencedDisclosure: a disclosure matches no digest.
	ErrUnreferencedDisclosure = errors.New("sdjwt: disclosure not referenced by any digest")
	// ErrInvalidDigests: an _sd member is not an array of strings, or an
	// array element digest object has other members.
	ErrInvalidDigests = errors.New("sdjwt: invalid digest container")
	// ErrIssuerSignature: the issuer-signed JWT failed the JOSE checks.
	ErrIssuerSignature = errors.New("sdjwt: issuer-signed JWT invalid")
	// ErrValidity: exp, nbf or iat of the SD-JWT, or a required
	// validity claim is missing.
	ErrValidity = errors.New("sdjwt: SD-JWT not valid at this time")
	// ErrKeyBindingRequired: policy requires key binding and the
	// presentation has no KB-JWT.
	ErrKeyBindingRequired = errors.New("sdjwt: key binding required")
	// ErrUnexpectedKeyBinding: an SD-JWT+KB was handed to the holder
	// (RFC 9901 §7.2).
	ErrUnexpectedKeyBinding = errors.New("sdjwt: unexpected key binding JWT")
	// ErrKeyBinding: the KB-JWT is invalid (signature, typ, iat, nonce,
	// aud, sd_hash, or no usable cnf key).
	ErrKeyBinding = errors.New("sdjwt: invalid key binding JWT")
	// ErrKBNonce / ErrKBAudience: the KB-JWT's nonce or aud is not the
	// one expected (RFC 9901 §7.3 step 5); errors wrapping them also match
	// ErrKeyBinding.
	ErrKBNonce    = errors.New("sdjwt: key binding JWT nonce mismatch")
	ErrKBAudience = errors.New("sdjwt: key binding JWT aud mismatch")
	// ErrNoHolderKey: the SD-JWT has no usable cnf key.
	ErrNoHolderKey = errors.New("sdjwt: no holder key in cnf")
	// ErrPathNotFound: a requested claim path selects nothing.
	ErrPathNotFound = errors.New("sdjwt: claim path not found")
	// ErrNotDisclosure: a path given to SelectDisclosures or
	// PresentDisclosures is not the path of a disclosure of the SD-JWT.
	ErrNotDisclosure = errors.New("sdjwt: path is not the path of a disclosure")
	// ErrOptions: the caller's options are invalid.
	ErrOptions = errors.New("sdjwt: invalid options")
)
