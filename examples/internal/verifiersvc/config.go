package verifiersvc

import (
	"crypto/x509"
	"errors"
	"log/slog"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/examples/internal/svc"
)

// Client identifier prefixes a tenant can use.
const (
	PrefixDID     = "decentralized_identifier"
	PrefixX509DNS = "x509_san_dns"
)

// Defaults.
const (
	DefaultTablePrefix = "verifier_"
	DefaultTTL         = 5 * time.Minute
	DefaultMaxTTL      = time.Hour
	DefaultQueueGroup  = "verifier"
	DefaultLinkScheme  = "openid4vp://"
	// DefaultStatusCacheTTL is how long a verified status list is reused
	// at most: a revocation is seen by new verifications and cache hits
	// within this time.
	DefaultStatusCacheTTL = time.Minute
	// MaxListed bounds GET …/internal/list/proofs/{group}.
	MaxListed = 100
)

// NATS subjects (the W-Stack's).
const (
	SubjectAuthorization = "verifier.presentation.authorization"
	SubjectNotification  = "verifier.proof.notification"
	// EventSource is the CloudEvents source of this service's events.
	EventSource = "wstack/verifier"
)

// W-Stack proof statuses of verifier.proof.notification and the proof API.
const (
	StatusRequested = "requested"
	StatusFetched   = "request-object-fetched"
	StatusReceived  = "received"
	StatusVerified  = "transmitted"
	StatusRejected  = "rejected"
	// StatusExpired (not a W-Stack status): the wallet did not answer in
	// time.
	StatusExpired = "expired"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("verifiersvc: invalid configuration")

// Config configures a Service. Engine, Auth, PublicURL, Tenants and a trust
// source (TrustedIssuers or TrustedIssuerKeys) are required; the zero
// value of everything else is the secure default.
type Config struct {
	// PublicURL is the external base URL of the service (https; http only
	// with InsecureLoopback), possibly with a path prefix. The wallet-facing
	// routes are PublicURL/v1/tenants/{tenant}/presentation/request/{id}
	// and …/response/{id}.
	PublicURL string
	// Engine holds the tenants' request signing keys.
	Engine crypto.Engine
	// Tenants gives every tenant's client identity; requests for other
	// tenants are refused.
	Tenants map[string]TenantConfig
	// Auth authenticates the internal API (no anonymous default).
	Auth svc.Authenticator
	// Storage selects SQLite files (default, in Storage.SQLiteDir) or
	// PostgreSQL (Storage.PostgresDSN, shared by replicas).
	Storage svc.Storage
	// TablePrefix prefixes every table (default "verifier_"); replicas of
	// one deployment use the same prefix, other services another.
	TablePrefix string
	// NATS, when set, serves verifier.presentation.authorization and
	// publishes verifier.proof.notification.
	NATS *nats.Conn
	// QueueGroup is the NATS queue group replicas share (default
	// "verifier").
	QueueGroup string
	// TrustedIssuers are the issuer identifiers (DIDs, https issuers)
	// whose credentials are accepted; their keys are resolved from the
	// DID (DID URL kid) or JWT VC Issuer Metadata.
	TrustedIssuers []string
	// TrustedIssuerKeys are configured issuer keys; their issuers are
	// trusted too.
	TrustedIssuerKeys *jose.TrustedKeys
	// X5CRoots enables issuers identified by x5c certificate chains.
	X5CRoots *x509.CertPool
	// TTL is how long a request waits for the wallet (default 5 min);
	// MaxTTL bounds the ttl a request may ask for (default 1 h).
	TTL, MaxTTL time.Duration
	// LinkScheme is the scheme of authorization_request links (default
	// "openid4vp://"; e.g. "haip-vp://").
	LinkScheme string
	// Cache configures the presentation cache.
	Cache CacheConfig
	// StatusCacheTTL bounds how long a verified status list is reused
	// (default 1 min).
	StatusCacheTTL time.Duration
	// InsecureLoopback allows an http PublicURL and fetching issuer
	// metadata, DID documents and status lists from loopback addresses
	// over http. Demo and tests only; never in production.
	InsecureLoopback bool
	// Logger receives JSON logs (default: discard). Tokens, nonces,
	// presentations and claims are never logged.
	Logger *slog.Logger
}

// TenantConfig is a tenant's client identity towards wallets.
type TenantConfig struct {
	// ClientIDPrefix is PrefixDID (default) or PrefixX509DNS.
	ClientIDPrefix string
	// Key is the request signing key in the Engine.
	Key crypto.KeyRef
	// GenerateKey creates Key (P-256 for ES256, P-384 for ES384, Ed25519
	// for EdDSA) when the engine does not have it.
	GenerateKey bool
	// Algorithm is the signing algorithm (default: the key type's).
	Algorithm crypto.Algorithm
	// DIDMethod is "key" (default) or "jwk" for PrefixDID.
	DIDMethod string
	// CertChain is the x509_san_dns chain, leaf first, without the trust
	// anchor; the leaf's dNSName SAN must be PublicURL's host and its key
	// the signing key.
	CertChain []*x509.Certificate
}

// CacheConfig configures the presentation cache.
type CacheConfig struct {
	// Disabled turns the cache off: every request goes to the wallet.
	Disabled bool
	// Validity bounds an entry's age (default vpcache.DefaultValidity,
	// 24 h); credential expiry bounds it further.
	Validity time.Duration
}

var (
	tenantRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	prefixRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,30}$`)
	groupRE  = regexp.MustCompile(`^[A-Za-z0-9._:@-]{0,128}$`)
)
