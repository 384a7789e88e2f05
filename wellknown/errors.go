package wellknown

import "errors"

// Errors. Match with errors.Is; the wrapped message names the document and
// member.
var (
	// ErrIdentifier: an issuer identifier, DID or origin cannot be turned
	// into a well-known URL (not https, a query or fragment, no host, …).
	ErrIdentifier = errors.New("wellknown: invalid identifier")
	// ErrConfig: a Server, Aggregator or Client is misconfigured.
	ErrConfig = errors.New("wellknown: invalid configuration")
	// ErrMalformed: a document is not well-formed JSON within the limits or
	// misses a required member.
	ErrMalformed = errors.New("wellknown: malformed document")
	// ErrIssuerMismatch: the document's issuer / credential_issuer / id /
	// origin does not equal the identifier its URL was built from.
	ErrIssuerMismatch = errors.New("wellknown: document is for another identifier")
	// ErrSignature: a signed document (signed issuer metadata, a domain
	// linkage credential) failed verification.
	ErrSignature = errors.New("wellknown: signature verification failed")
	// ErrPrivateKey: a JWK Set holds private or symmetric key members.
	ErrPrivateKey = errors.New("wellknown: private key material in a JWK Set")
	// ErrDuplicateKID: two keys of a JWK Set share a kid.
	ErrDuplicateKID = errors.New("wellknown: duplicate kid in a JWK Set")
	// ErrRegistration: a plugin registration is invalid (bad configuration
	// JSON, no configurations, unknown tenant).
	ErrRegistration = errors.New("wellknown: invalid registration")
	// ErrTooLarge: a registration or document exceeds the configured bounds
	// (bytes or number of configurations).
	ErrTooLarge = errors.New("wellknown: too large")
	// ErrConflict: a registration names a credential configuration id that
	// another plugin (or the base document) already holds with different
	// content. The registration is rejected, never merged.
	ErrConflict = errors.New("wellknown: conflicting credential configuration")
	// ErrUnknownTenant: no document is configured for the tenant.
	ErrUnknownTenant = errors.New("wellknown: unknown tenant")
	// ErrExpired: a signed document is expired or not yet valid.
	ErrExpired = errors.New("wellknown: document expired or not yet valid")
)
