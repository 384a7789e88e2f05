package issuer

import (
	"context"
	gocrypto "crypto"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ocmw/wstack/oid4vci"
)

// Plugin issues the credentials of one or more credential configurations.
// The credential endpoint calls Issue after it has authenticated the access
// token, checked that the token covers the configuration and validated every
// key proof; the plugin only builds and signs.
type Plugin interface {
	// Configurations returns the credential configurations the plugin
	// issues, keyed by credential configuration id. They become
	// credential_configurations_supported of the issuer metadata.
	Configurations() map[string]*oid4vci.CredentialConfiguration
	// Issue returns one credential per holder key (or one unbound
	// credential when the request has no keys), or a deferral. An error
	// that is an *oid4vci.Error is sent as such (e.g.
	// credential_request_denied); any other error is a server_error.
	Issue(ctx context.Context, req *IssueRequest) (*IssueResult, error)
}

// IssueRequest is what a plugin is asked to issue.
type IssueRequest struct {
	// ConfigurationID and Configuration identify what is requested.
	ConfigurationID string
	Configuration   *oid4vci.CredentialConfiguration
	// CredentialIdentifier is the credential_identifier of the request
	// (empty when the wallet used credential_configuration_id).
	CredentialIdentifier string
	// Subject and Claims come from the offer (CreateOffer).
	Subject string
	Claims  map[string]any
	// ClientID is the wallet's client_id, empty for anonymous access.
	ClientID string
	// HolderKeys are the proven keys, in proof order, each distinct.
	HolderKeys []HolderKey
	// TransactionID is set when the deferred endpoint asks again.
	TransactionID string
}

// HolderKey is a key whose possession a proof demonstrated.
type HolderKey struct {
	// Public is the key; JWK its public JWK (without private members).
	Public gocrypto.PublicKey
	JWK    map[string]any
	// KID is the proof header's kid: a DID URL for did-bound proofs
	// (DID then holds the DID), empty for jwk and x5c proofs.
	KID string
	DID string
	// Thumbprint is the RFC 7638 thumbprint of the key.
	Thumbprint string
}

// IssueResult is a plugin's answer: credentials, or a deferral.
type IssueResult struct {
	// Credentials, one per holder key.
	Credentials []oid4vci.IssuedCredential
	// Deferred asks the wallet to come back to the deferred endpoint after
	// Interval seconds (default 5).
	Deferred bool
	Interval int
}

// MetadataSource is where issuer metadata comes from; *Issuer implements it
// so that a well-known handler serves exactly what the issuer enforces.
type MetadataSource interface {
	IssuerMetadata(ctx context.Context) (*oid4vci.IssuerMetadata, error)
}

// Event is one observation reported to Metrics.
type Event struct {
	// Kind is one of the Event… constants.
	Kind string
	// Endpoint names the endpoint (token, nonce, credential, deferred,
	// notification, offer).
	Endpoint string
	// Format is the credential format (credentials issued).
	Format string
	// Count is the number of credentials issued.
	Count int
	// Code is the protocol error code (failures).
	Code oid4vci.ErrorCode
	// Duration is the handling time of the request.
	Duration time.Duration
}

// Event kinds.
const (
	EventOfferCreated      = "offer_created"
	EventTokenIssued       = "token_issued"
	EventCredentialsIssued = "credentials_issued"
	EventFailure           = "failure"
	EventRequest           = "request" // every request, with Duration
)

// Metrics receives events. Implementations must be fast and safe for
// concurrent use; they never see codes, PINs, tokens, proofs or credentials.
type Metrics interface {
	Record(ctx context.Context, e Event)
}

// MetricsFunc adapts a function to Metrics.
type MetricsFunc func(ctx context.Context, e Event)

// Record calls f.
func (f MetricsFunc) Record(ctx context.Context, e Event) { f(ctx, e) }

type noMetrics struct{}

func (noMetrics) Record(context.Context, Event) {}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Library errors.
var (
	// ErrConfig reports an invalid Config or plugin configuration.
	ErrConfig = errors.New("issuer: invalid configuration")
	// ErrOffer reports an invalid OfferRequest.
	ErrOffer = errors.New("issuer: invalid offer request")
)

// holderKeys returns the keys a W3C plugin issues one credential for: the
// request's proven keys when the configuration binds credentials
// (cryptographic_binding_methods_supported), else one unbound issuance.
func holderKeys(cfg *oid4vci.CredentialConfiguration, req *IssueRequest) (bound bool, keys []HolderKey, err error) {
	if len(cfg.CryptographicBindingMethodsSupported) == 0 {
		return false, []HolderKey{{}}, nil
	}
	if len(req.HolderKeys) == 0 {
		return true, nil, oid4vci.NewError(oid4vci.CodeInvalidProof, "holder key required")
	}
	return true, req.HolderKeys, nil
}

// credentialSubject builds a W3C credentialSubject from the offer's claims,
// with the holder's DID as its id when the key is DID-bound; the claims
// must not set id themselves.
func credentialSubject(claims map[string]any, holderDID string) (map[string]any, error) {
	subject := make(map[string]any, len(claims)+1)
	for k, v := range claims {
		if k == "id" {
			return nil, fmt.Errorf("issuer: offer claims must not set credentialSubject.id")
		}
		subject[k] = v
	}
	if holderDID != "" {
		subject["id"] = holderDID
	}
	return subject, nil
}
