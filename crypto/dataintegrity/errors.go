package dataintegrity

import "errors"

// Error classes of VC Data Integrity 1.0 §4.4 (processing errors). Every
// error returned by Verify matches exactly one of them with errors.Is, and
// usually also one of the specific errors below.
var (
	// ErrParsing is PARSING_ERROR: the document or proof is malformed.
	ErrParsing = errors.New("dataintegrity: PARSING_ERROR")
	// ErrProofVerification is PROOF_VERIFICATION_ERROR.
	ErrProofVerification = errors.New("dataintegrity: PROOF_VERIFICATION_ERROR")
	// ErrInvalidDomain is INVALID_DOMAIN_ERROR.
	ErrInvalidDomain = errors.New("dataintegrity: INVALID_DOMAIN_ERROR")
	// ErrInvalidChallenge is INVALID_CHALLENGE_ERROR.
	ErrInvalidChallenge = errors.New("dataintegrity: INVALID_CHALLENGE_ERROR")
)

// Specific errors (wrapped together with one of the classes above).
var (
	// ErrMissingProof: the document has no proof, or a proof misses type,
	// verificationMethod, proofPurpose or proofValue.
	ErrMissingProof = errors.New("dataintegrity: missing proof or proof member")
	// ErrUnsupportedSuite: proof type/cryptosuite not in the allow-list.
	ErrUnsupportedSuite = errors.New("dataintegrity: proof type or cryptosuite not allowed")
	// ErrPurposeMismatch: proofPurpose differs from the expected purpose.
	ErrPurposeMismatch = errors.New("dataintegrity: proof purpose mismatch")
	// ErrNotAuthorized: the verification method is not authorised for the
	// purpose (returned by resolvers, wrapped by Verify).
	ErrNotAuthorized = errors.New("dataintegrity: verification method not authorised for purpose")
	// ErrExpired: the proof's expires time has passed.
	ErrExpired = errors.New("dataintegrity: proof expired")
	// ErrCreated: created is malformed or in the future.
	ErrCreated = errors.New("dataintegrity: invalid created time")
	// ErrInvalidSignature: the signature does not verify.
	ErrInvalidSignature = errors.New("dataintegrity: invalid signature")
	// ErrInvalidKey: the resolved key does not fit the suite.
	ErrInvalidKey = errors.New("dataintegrity: key does not fit the cryptosuite")
	// ErrMultikeyHeader: a Multikey value with an unexpected multicodec
	// header (e.g. not 0xed01 for Ed25519 suites).
	ErrMultikeyHeader = errors.New("dataintegrity: unexpected Multikey header")
	// ErrUndefinedTerm: a term or type the contexts do not define, or any
	// other value JSON-LD to RDF conversion would silently drop (SafeMode,
	// security.md row 57).
	ErrUndefinedTerm = errors.New("dataintegrity: term not defined by the JSON-LD contexts")
	// ErrContextMismatch: the proof's @context is not a prefix of the
	// document's @context.
	ErrContextMismatch = errors.New("dataintegrity: proof @context does not match document")
	// ErrTooLarge: the document exceeds the size or depth limit.
	ErrTooLarge = errors.New("dataintegrity: document too large")
	// ErrSign: the signer failed.
	ErrSign = errors.New("dataintegrity: signing failed")
)
