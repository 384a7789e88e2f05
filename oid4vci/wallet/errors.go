package wallet

import "errors"

// Errors of the wallet. Protocol errors from the issuer or authorization
// server are *oid4vci.Error values (wrapped); match them with errors.As.
var (
	// ErrConfig: the Config is incomplete or inconsistent.
	ErrConfig = errors.New("wallet: invalid configuration")
	// ErrOffer: the credential offer is malformed or does not fit the
	// issuer's metadata.
	ErrOffer = errors.New("wallet: invalid credential offer")
	// ErrConsent: the caller's consent hook refused to fetch a
	// credential_offer_uri, or no hook is configured.
	ErrConsent = errors.New("wallet: offer by reference not consented")
	// ErrMetadata: issuer or authorization server metadata is unusable
	// (wrong identifier, an endpoint that is not https, missing endpoint).
	ErrMetadata = errors.New("wallet: unusable metadata")
	// ErrRedirect: an endpoint answered with a redirect; the wallet never
	// follows redirects from issuer or authorization server endpoints.
	ErrRedirect = errors.New("wallet: redirect refused")
	// ErrResponse: an endpoint's answer is malformed or not what was asked
	// for (missing access_token, unexpected token_type, bad JSON).
	ErrResponse = errors.New("wallet: invalid response")
	// ErrTxCode: a transaction code is required but the caller gave none.
	ErrTxCode = errors.New("wallet: transaction code required")
	// ErrUnsupported: the issuer needs something this wallet does not do
	// (a grant, a proof type, a binding method, encryption).
	ErrUnsupported = errors.New("wallet: unsupported by this wallet")
	// ErrCredential: a received credential failed verification or does not
	// match the requested configuration; nothing was stored.
	ErrCredential = errors.New("wallet: credential rejected")
	// ErrBinding: a received credential is not bound to a key the wallet
	// proved possession of.
	ErrBinding = errors.New("wallet: credential bound to another key")
	// ErrTooMany: the issuer returned more credentials than proofs sent.
	ErrTooMany = errors.New("wallet: too many credentials")
	// ErrNotFound: no stored credential has that id.
	ErrNotFound = errors.New("wallet: credential not found")
	// ErrDeferred: deferred issuance did not complete (no transaction id,
	// or the issuer kept deferring past the attempt limit).
	ErrDeferred = errors.New("wallet: deferred issuance incomplete")
)
