package walletsvc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/internal/lru"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/wallet"
	vpwallet "github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation"
)

// ServiceName names the service in logs, health answers and events.
const ServiceName = "wallet"

// DefaultOfferingTTL is how long a pending offering is kept: the W-Stack
// retrieval service's Cassandra TTL (17800 s).
const DefaultOfferingTTL = 17800 * time.Second

// Errors of the service.
var (
	// ErrConfig reports an incomplete Config.
	ErrConfig = errors.New("walletsvc: invalid configuration")
	// ErrInput reports a malformed request (bad names, ids, bodies).
	ErrInput = errors.New("walletsvc: invalid input")
	// ErrUnsupportedOffer reports an offer this machine wallet cannot
	// redeem (no pre-authorized code grant).
	ErrUnsupportedOffer = errors.New("walletsvc: offer needs an interactive authorization")
	// ErrMixedHolderKeys reports a selection of credentials bound to
	// different holder keys (one presentation is signed by one key).
	ErrMixedHolderKeys = errors.New("walletsvc: selected credentials are bound to different holder keys")
)

// ConsentFunc is the machine wallet's consent policy: it sees the verified
// request and the selection (narrow it with sel.Result.Choose) and returns
// nil to present, an error to decline (access_denied is sent).
type ConsentFunc func(ctx context.Context, tenant, account string, req *vpwallet.Request, sel *vpwallet.Selection) error

// Config configures the wallet service. Engine, Auth and one of
// TrustedIssuers / IssuerTrust / Validator are required; the zero value of
// everything else is the secure default.
type Config struct {
	// Engine holds the holder keys and the per-account key-encryption keys
	// (crypto/local in tests and the demo, signersvc.Client when split).
	Engine crypto.Engine
	// Auth authenticates every management route.
	Auth svc.Authenticator
	// Storage selects SQLite (a file wallet.db under SQLiteDir) or
	// PostgreSQL; ignored when Store is set.
	Storage svc.Storage
	// TablePrefix prefixes the SQL tables (default "wallet_").
	TablePrefix string
	// Store, when set, is used instead of opening one from Storage (the
	// service does not close it).
	Store *Store
	// KeyGroup is the engine group of the key-encryption keys (default
	// "storage").
	KeyGroup string

	// TrustedIssuers are the issuer identifiers (iss: DIDs or https URLs)
	// whose credentials the wallet accepts; IssuerTrust replaces the list
	// with a policy; Validator replaces the whole credential check.
	TrustedIssuers []string
	IssuerTrust    presentation.TrustPolicy
	Validator      *presentation.Validator

	// ClientID is the OpenID4VCI client_id sent at the token endpoint and
	// as iss of key proofs (default "wstack-wallet").
	ClientID string
	// OfferingTTL bounds pending offerings (default DefaultOfferingTTL).
	OfferingTTL time.Duration
	// HolderKeyType is the type of holder keys created on demand (default
	// ecdsa-p256).
	HolderKeyType crypto.KeyType
	// DefaultHolderGroup and DefaultHolderKey name the holder key when an
	// Acceptance names none: {Namespace: tenant, Group:
	// DefaultHolderGroup (default "holder"), ID: DefaultHolderKey (default
	// the account)}.
	DefaultHolderGroup string
	DefaultHolderKey   string

	// TrustedVerifiers are the verifier client_ids (full prefixed form,
	// e.g. "decentralized_identifier:did:key:z…" or
	// "x509_san_dns:verifier.example.com") the wallet presents to, after
	// they authenticated for their prefix. Empty refuses every verifier
	// unless TrustAnyVerifier.
	TrustedVerifiers []string
	// TrustAnyVerifier presents to every verifier that authenticates for
	// its client identifier prefix (a demo wallet; a real machine wallet
	// lists its verifiers).
	TrustAnyVerifier bool
	// VerifierRoots are the trust anchors of x509_san_dns / x509_hash
	// verifiers (nil rejects those prefixes).
	VerifierRoots *x509.CertPool
	// DIDs resolves decentralized_identifier verifiers (default did:key,
	// did:jwk and did:web through the fetcher).
	DIDs did.Resolver
	// Consent is the consent policy (default: present what the query
	// selected, the first candidate of each credential query).
	Consent ConsentFunc

	// RootCAs overrides the system roots for TLS to issuers and verifiers
	// (tests and a demo with its own CA).
	RootCAs *x509.CertPool
	// Fetcher fetches offers by reference, metadata, request objects,
	// DID documents and status lists (default fetch.New with RootCAs and
	// InsecureLoopback).
	Fetcher *fetch.Fetcher
	// InsecureLoopback lets the wallet talk to issuers and verifiers on
	// loopback hosts over plain http (the one-process demo and tests only;
	// never in production).
	InsecureLoopback bool

	// NATS, when set, receives a retrieval.offering.publication event on
	// OfferingTopic for every new offering (the W-Stack's notification).
	NATS *nats.Conn
	// OfferingTopic is the subject of offering events (default
	// "retrieval.offering").
	OfferingTopic string

	// Logger receives JSON logs (default discard); never claims, codes,
	// PINs or keys.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ViewCacheBytes bounds the in-memory cache of parsed credentials
	// (default DefaultViewCacheBytes; negative disables it). A
	// presentation lists the account's credential ids and opens and
	// parses only the credentials not in the cache, so a large wallet is
	// not decrypted and re-parsed per request. Entries live at most ViewCacheTTL
	// (default 5 min) and are dropped when the credential is deleted.
	ViewCacheBytes int64
	ViewCacheTTL   time.Duration
}

// DefaultViewCacheBytes is the default byte budget of the parsed-credential
// cache.
const DefaultViewCacheBytes = 32 << 20

// Service is the wallet service: retrieval (offering API), storage
// (credentials encrypted per account) and the holder role (presentations).
type Service struct {
	cfg       Config
	store     *Store
	ownStore  bool
	fetcher   *fetch.Fetcher
	hc        *http.Client
	validator *presentation.Validator
	dids      did.Resolver
	probe     *wallet.Client // offer resolution and metadata only; never signs
	log       *slog.Logger
	views     *lru.Cache[viewKey, cachedCredential] // nil: disabled
}

// viewKey names a parsed credential: ids are random per credential, and
// tenant and account keep one account's views from answering another's.
type viewKey struct{ tenant, account, id string }

// New checks cfg, opens the store and returns the service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Engine == nil {
		return nil, fmt.Errorf("%w: Engine is required", ErrConfig)
	}
	if cfg.Auth == nil {
		return nil, fmt.Errorf("%w: Auth is required (no anonymous management API)", ErrConfig)
	}
	if cfg.Validator == nil && cfg.IssuerTrust == nil && len(cfg.TrustedIssuers) == 0 {
		return nil, fmt.Errorf("%w: TrustedIssuers, IssuerTrust or Validator is required", ErrConfig)
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "wstack-wallet"
	}
	if cfg.OfferingTTL <= 0 {
		cfg.OfferingTTL = DefaultOfferingTTL
	}
	if cfg.HolderKeyType == "" {
		cfg.HolderKeyType = crypto.KeyTypeECP256
	}
	if cfg.HolderKeyType.Symmetric() || len(cfg.HolderKeyType.Algorithms()) == 0 {
		return nil, fmt.Errorf("%w: holder key type %q cannot sign", ErrConfig, cfg.HolderKeyType)
	}
	if cfg.DefaultHolderGroup == "" {
		cfg.DefaultHolderGroup = "holder"
	}
	if cfg.OfferingTopic == "" {
		cfg.OfferingTopic = "retrieval.offering"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, log: log}
	if cfg.ViewCacheBytes >= 0 {
		n := cfg.ViewCacheBytes
		if n == 0 {
			n = DefaultViewCacheBytes
		}
		s.views = lru.New[viewKey, cachedCredential](n, 0)
	}
	if s.cfg.ViewCacheTTL <= 0 {
		s.cfg.ViewCacheTTL = 5 * time.Minute
	}
	s.fetcher = cfg.Fetcher
	if s.fetcher == nil {
		s.fetcher = fetch.New(fetch.Options{AllowLoopback: cfg.InsecureLoopback, RootCAs: cfg.RootCAs})
	}
	s.hc = guardedClient(cfg.RootCAs, cfg.InsecureLoopback)
	s.dids = cfg.DIDs
	if s.dids == nil {
		s.dids = did.NewDefaultRegistry(s.fetcher, did.WebOptions{})
	}
	s.validator = cfg.Validator
	if s.validator == nil {
		trust := cfg.IssuerTrust
		if trust == nil {
			trust = presentation.TrustedIssuers(cfg.TrustedIssuers)
		}
		v, err := presentation.NewDefaultValidator(trust, presentation.WithFetcher(s.fetcher))
		if err != nil {
			return nil, fmt.Errorf("%w: validator: %w", ErrConfig, err)
		}
		s.validator = v
	}
	// The probe client resolves offers and fetches metadata at retrieval
	// time. The library wants a holder key even for that; it gets one of a
	// throwaway in-memory engine and never uses it.
	pe, err := local.New(local.Options{})
	if err != nil {
		return nil, err
	}
	pref := crypto.KeyRef{Context: crypto.Context{Namespace: "probe"}, ID: "unused"}
	if _, err := pe.GenerateKey(ctx, pref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		return nil, err
	}
	phk, err := wallet.NewHolderKey(ctx, pe, pref, crypto.ES256)
	if err != nil {
		return nil, err
	}
	if s.probe, err = s.retrievalClient(phk, nil, nil); err != nil {
		return nil, err
	}
	switch {
	case cfg.Store != nil:
		s.store = cfg.Store
	case cfg.Storage.Postgres():
		s.store, err = OpenPostgres(ctx, cfg.Storage.PostgresDSN, StoreConfig{Engine: cfg.Engine, TablePrefix: cfg.TablePrefix, KeyGroup: cfg.KeyGroup})
		s.ownStore = true
	default:
		var path string
		if path, err = cfg.Storage.SQLitePath("wallet"); err == nil {
			s.store, err = OpenSQLite(ctx, path, StoreConfig{Engine: cfg.Engine, TablePrefix: cfg.TablePrefix, KeyGroup: cfg.KeyGroup})
		}
		s.ownStore = true
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Store returns the encrypted credential store.
func (s *Service) Store() *Store { return s.store }

// Close closes the store when the service opened it.
func (s *Service) Close() error {
	s.hc.CloseIdleConnections()
	if s.ownStore {
		return s.store.Close()
	}
	return nil
}

// Handler returns the service's routes: the offering API, the storage API,
// the presentation API (all authenticated) and the health route.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	p := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, svc.Protect(s.cfg.Auth, h)) }
	p("PUT /v1/tenants/{tenant}/offering/retrieve/{group}", s.handleRetrieve)
	p("GET /v1/tenants/{tenant}/offering/list/{group}", s.handleListOfferings)
	p("DELETE /v1/tenants/{tenant}/offering/clear/{group}/{request}", s.handleClear)
	p("GET /v1/tenants/{tenant}/storage/{account}/credentials", s.handleListCredentials)
	p("GET /v1/tenants/{tenant}/storage/{account}/credentials/{id}", s.handleGetCredential)
	p("DELETE /v1/tenants/{tenant}/storage/{account}/credentials/{id}", s.handleDeleteCredential)
	p("POST /v1/tenants/{tenant}/storage/{account}/credentials/query", s.handleQuery)
	p("POST /v1/tenants/{tenant}/presentation/authorize/{account}", s.handleAuthorize)
	svc.HandleHealth(mux, ServiceName, s.store.Ping)
	return mux
}

// retrievalClient builds an OpenID4VCI client bound to one holder key,
// storing into st and answering the transaction code with txCode.
func (s *Service) retrievalClient(hk *wallet.HolderKey, st wallet.Store, txCode *string) (*wallet.Client, error) {
	cfg := wallet.Config{
		Fetcher: s.fetcher, Validator: s.validator, HolderKeys: []*wallet.HolderKey{hk}, Store: st,
		ClientID: s.cfg.ClientID, InsecureAllowLoopback: s.cfg.InsecureLoopback, Logger: s.log, Now: s.cfg.Now,
		// The authenticated caller handed the link over: that is the consent
		// to fetch its credential_offer_uri (through the guarded fetcher).
		ConsentOfferURI: func(context.Context, string) error { return nil },
	}
	if txCode != nil {
		code := *txCode
		cfg.TxCode = func(context.Context, *oid4vci.TxCode) (string, error) {
			if code == "" {
				return "", wallet.ErrTxCode
			}
			return code, nil
		}
	}
	return wallet.New(cfg, wallet.WithHTTPClient(s.hc))
}

// guardedClient dials only public unicast addresses (and loopback when
// allowed), checked on the address actually dialled, with TLS 1.2+, no
// proxy and bounded timeouts: an issuer or verifier cannot make the wallet
// post into its network.
func guardedClient(roots *x509.CertPool, allowLoopback bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", fetch.ErrBlockedAddress, address)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("%w: %s", fetch.ErrBlockedAddress, address)
		}
		return fetch.CheckAddr(ip, allowLoopback)
	}}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConnsPerHost:    16,
		IdleConnTimeout:        90 * time.Second,
		ForceAttemptHTTP2:      true,
	},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
