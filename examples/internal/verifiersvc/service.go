package verifiersvc

import (
	"context"
	gocrypto "crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vp"
	"github.com/ocmw/wstack/oid4vp/verifier"
	vsql "github.com/ocmw/wstack/oid4vp/verifier/sqlstore"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vpcache"
	csql "github.com/ocmw/wstack/vpcache/sqlstore"
)

// Service is the verification service. It is safe for concurrent use.
type Service struct {
	cfg       Config
	log       *slog.Logger
	verifier  *verifier.Verifier
	clients   verifier.StaticClients
	validator *presentation.Validator
	parser    *presentation.Parser
	status    *statuslist.Checker
	store     *vsql.Store
	meta      *metaStore
	cacheDB   *csql.Store
	cache     *vpcache.Cache
	subs      []*nats.Subscription

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// New checks cfg, opens the stores and builds the service; with
// cfg.NATS it subscribes to verifier.presentation.authorization.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger, stop: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			_ = s.Close()
		}
	}()
	fetcher := fetch.New(fetch.Options{AllowLoopback: cfg.InsecureLoopback})
	dids := did.NewCachingResolver(did.NewDefaultRegistry(fetcher, did.WebOptions{}), did.CacheOptions{})
	trust := s.trustPolicy()
	var err error
	s.status, err = statuslist.NewChecker(statuslist.CheckerConfig{
		Fetcher:     statuslist.GuardedFetcher(fetcher),
		Keys:        &statusKeys{svc: s, dids: did.NewKeyResolver(dids, did.KeyResolverOptions{})},
		MinCacheTTL: min(cfg.StatusCacheTTL, time.Minute),
		MaxCacheTTL: cfg.StatusCacheTTL,
		Logger:      cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: status checker: %w", ErrConfig, err)
	}
	opts := []presentation.Option{presentation.WithFetcher(fetcher), presentation.WithDIDResolver(dids),
		presentation.WithStatusChecker(s.status), presentation.WithLogger(cfg.Logger)}
	if cfg.TrustedIssuerKeys != nil {
		opts = append(opts, presentation.WithTrustedKeys(cfg.TrustedIssuerKeys))
	}
	if cfg.X5CRoots != nil {
		opts = append(opts, presentation.WithX5CRoots(cfg.X5CRoots))
	}
	if s.validator, err = presentation.NewDefaultValidator(trust, opts...); err != nil {
		return nil, fmt.Errorf("%w: validator: %w", ErrConfig, err)
	}
	s.parser = presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{}})
	if s.clients, err = s.buildClients(ctx); err != nil {
		return nil, err
	}
	if err := s.openStores(ctx); err != nil {
		return nil, err
	}
	if s.cache, err = vpcache.New(s.cacheDB, vpcache.VerifierFunc(s.verifyForCache),
		vpcache.WithParser(vpcache.ParserFunc(s.parseForCache)),
		vpcache.WithCoverage(coverage),
		vpcache.WithStatusChecker(s.status),
		vpcache.WithIssuerTrust(vpcache.TrustFromPolicy(trust)),
		vpcache.WithValidity(cfg.Cache.Validity),
		vpcache.WithEnabled(!cfg.Cache.Disabled),
		vpcache.WithLogger(cfg.Logger)); err != nil {
		return nil, err
	}
	if s.verifier, err = verifier.New(verifier.Config{
		Clients:      s.clients,
		Validator:    s.validator,
		Store:        s.store,
		TTL:          cfg.TTL,
		ResponseMode: oid4vp.ResponseModeDirectPostJWT,
		Hook:         s.hook,
		OnAccepted:   s.onAccepted,
		Logger:       cfg.Logger,
	}); err != nil {
		return nil, err
	}
	if cfg.NATS != nil {
		if err := s.subscribe(); err != nil {
			return nil, err
		}
	}
	s.wg.Add(1)
	go s.janitor()
	ok = true
	return s, nil
}

func (c *Config) defaults() error {
	if c.Engine == nil {
		return fmt.Errorf("%w: Engine is required", ErrConfig)
	}
	if c.Auth == nil {
		return fmt.Errorf("%w: Auth is required (the internal API is never anonymous)", ErrConfig)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: PublicURL %q", ErrConfig, c.PublicURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && c.InsecureLoopback) {
		return fmt.Errorf("%w: PublicURL must be https (http only with InsecureLoopback)", ErrConfig)
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	if len(c.Tenants) == 0 {
		return fmt.Errorf("%w: no tenants", ErrConfig)
	}
	if len(c.TrustedIssuers) == 0 && c.TrustedIssuerKeys == nil {
		return fmt.Errorf("%w: TrustedIssuers or TrustedIssuerKeys is required", ErrConfig)
	}
	if c.TablePrefix == "" {
		c.TablePrefix = DefaultTablePrefix
	}
	if !prefixRE.MatchString(c.TablePrefix) {
		return fmt.Errorf("%w: TablePrefix %q", ErrConfig, c.TablePrefix)
	}
	if c.QueueGroup == "" {
		c.QueueGroup = DefaultQueueGroup
	}
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	if c.MaxTTL <= 0 {
		c.MaxTTL = DefaultMaxTTL
	}
	if c.TTL > c.MaxTTL {
		return fmt.Errorf("%w: TTL above MaxTTL", ErrConfig)
	}
	if c.LinkScheme == "" {
		c.LinkScheme = DefaultLinkScheme
	}
	if c.StatusCacheTTL <= 0 {
		c.StatusCacheTTL = DefaultStatusCacheTTL
	}
	if c.Cache.Validity < 0 {
		return fmt.Errorf("%w: negative cache validity", ErrConfig)
	}
	if c.Cache.Validity == 0 {
		c.Cache.Validity = vpcache.DefaultValidity
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// trustPolicy accepts the configured issuers.
func (s *Service) trustPolicy() presentation.TrustPolicy {
	listed := presentation.TrustedIssuers(s.cfg.TrustedIssuers)
	keys := s.cfg.TrustedIssuerKeys
	return presentation.TrustPolicyFunc(func(ctx context.Context, c *presentation.Credential) error {
		if keys != nil && keys.Has(c.Issuer) {
			return nil
		}
		return listed.TrustIssuer(ctx, c)
	})
}

// statusKeys resolves the keys of status list tokens: the token's issuer
// must be a trusted issuer, its key configured or named by a DID URL kid
// of the issuer's DID.
type statusKeys struct {
	svc  *Service
	dids *did.KeyResolver
}

var errUntrustedList = errors.New("verifiersvc: status list not signed by a trusted issuer")

func (k *statusKeys) ResolveStatusListKey(ctx context.Context, h statuslist.KeyHint) (gocrypto.PublicKey, error) {
	if h.Issuer == "" {
		return nil, errUntrustedList
	}
	if err := k.svc.trustPolicy().TrustIssuer(ctx, &presentation.Credential{Issuer: h.Issuer}); err != nil {
		return nil, fmt.Errorf("%w: %w", errUntrustedList, err)
	}
	if keys := k.svc.cfg.TrustedIssuerKeys; keys != nil && keys.Has(h.Issuer) {
		return keys.Lookup(h.Issuer, h.KeyID, h.Alg)
	}
	if d, _, ok := strings.Cut(h.KeyID, "#"); ok && d == h.Issuer && strings.HasPrefix(d, "did:") {
		return k.dids.ResolveVerificationMethod(ctx, h.KeyID, string(did.AssertionMethod))
	}
	return nil, fmt.Errorf("%w: no key for issuer %q (kid %q)", errUntrustedList, h.Issuer, h.KeyID)
}

// tenantBase is the external URL the verifier.Handler routes of a tenant
// live under.
func (s *Service) tenantBase(tenant string) string {
	return s.cfg.PublicURL + "/v1/tenants/" + tenant + "/presentation"
}

func keyTypeFor(alg crypto.Algorithm) crypto.KeyType {
	switch alg {
	case crypto.ES384:
		return crypto.KeyTypeECP384
	case crypto.EdDSA:
		return crypto.KeyTypeEd25519
	}
	return crypto.KeyTypeECP256
}

func (s *Service) buildClients(ctx context.Context) (verifier.StaticClients, error) {
	out := verifier.StaticClients{}
	for tenant, tc := range s.cfg.Tenants {
		if !tenantRE.MatchString(tenant) {
			return nil, fmt.Errorf("%w: tenant name %q", ErrConfig, tenant)
		}
		if err := tc.Key.Validate(); err != nil {
			return nil, fmt.Errorf("%w: tenant %s: key: %w", ErrConfig, tenant, err)
		}
		if _, err := s.cfg.Engine.GetKey(ctx, tc.Key); err != nil {
			if !errors.Is(err, crypto.ErrKeyNotFound) || !tc.GenerateKey {
				return nil, fmt.Errorf("%w: tenant %s: key %s: %w", ErrConfig, tenant, tc.Key, err)
			}
			if _, err := s.cfg.Engine.GenerateKey(ctx, tc.Key, crypto.KeySpec{Type: keyTypeFor(tc.Algorithm)}); err != nil && !errors.Is(err, crypto.ErrKeyExists) {
				return nil, fmt.Errorf("%w: tenant %s: generate key: %w", ErrConfig, tenant, err)
			}
		}
		o := verifier.ClientOptions{InsecureAllowHTTP: s.cfg.InsecureLoopback}
		var c *verifier.Client
		var err error
		switch tc.ClientIDPrefix {
		case "", PrefixDID:
			var signer *jose.KeySigner
			switch tc.DIDMethod {
			case "", "key":
				signer, _, err = did.NewKeyDIDSigner(ctx, s.cfg.Engine, tc.Key, tc.Algorithm)
			case "jwk":
				signer, _, err = did.NewJWKDIDSigner(ctx, s.cfg.Engine, tc.Key, tc.Algorithm)
			default:
				err = fmt.Errorf("DID method %q (key or jwk)", tc.DIDMethod)
			}
			if err == nil {
				c, err = verifier.NewDIDClient(signer, s.tenantBase(tenant), o)
			}
		case PrefixX509DNS:
			var signer *jose.KeySigner
			if signer, err = jose.NewKeySigner(ctx, s.cfg.Engine, tc.Key, tc.Algorithm); err == nil {
				c, err = verifier.NewX509SANDNSClient(signer, tc.CertChain, s.tenantBase(tenant), o)
			}
		default:
			err = fmt.Errorf("client identifier prefix %q", tc.ClientIDPrefix)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: tenant %s: %w", ErrConfig, tenant, err)
		}
		out[tenant] = c
	}
	return out, nil
}

func (s *Service) openStores(ctx context.Context) error {
	p := s.cfg.TablePrefix
	var err error
	if s.cfg.Storage.Postgres() {
		if s.store, err = vsql.OpenPostgres(ctx, s.cfg.Storage.PostgresDSN, vsql.WithTable(p+"transactions")); err != nil {
			return err
		}
		if s.cacheDB, err = csql.OpenPostgres(ctx, s.cfg.Storage.PostgresDSN, csql.WithTable(p+"vp_cache")); err != nil {
			return err
		}
	} else {
		path, err := s.cfg.Storage.SQLitePath(p + "transactions")
		if err != nil {
			return err
		}
		if s.store, err = vsql.OpenSQLite(ctx, path); err != nil {
			return err
		}
		if path, err = s.cfg.Storage.SQLitePath(p + "vp_cache"); err != nil {
			return err
		}
		if s.cacheDB, err = csql.OpenSQLite(ctx, path); err != nil {
			return err
		}
	}
	s.meta, err = newMetaStore(ctx, s.store.DB(), s.cfg.Storage.Postgres(), p+"presentations")
	return err
}

// janitor deletes expired transactions and metadata every minute (or TTL,
// when shorter).
func (s *Service) janitor() {
	defer s.wg.Done()
	t := time.NewTicker(min(time.Minute, s.cfg.TTL))
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if _, err := s.verifier.DeleteExpired(ctx); err != nil {
				s.log.Warn("delete expired transactions", "err", err.Error())
			}
			if _, err := s.meta.deleteExpired(ctx, time.Now()); err != nil {
				s.log.Warn("delete expired presentations", "err", err.Error())
			}
			cancel()
		}
	}
}

// Check reports whether the databases answer (the health check).
func (s *Service) Check(ctx context.Context) error {
	if err := s.store.DB().PingContext(ctx); err != nil {
		return err
	}
	if s.cfg.NATS != nil && !s.cfg.NATS.IsConnected() {
		return errors.New("verifiersvc: NATS disconnected")
	}
	return nil
}

// Cache returns the presentation cache (for the demo and operators).
func (s *Service) Cache() *vpcache.Cache { return s.cache }

// Close unsubscribes from NATS, stops the janitor and closes the stores.
// It does not close the NATS connection.
func (s *Service) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
	var errs []error
	for _, sub := range s.subs {
		errs = append(errs, sub.Unsubscribe())
	}
	s.subs = nil
	if s.cache != nil {
		errs = append(errs, s.cache.Close())
	}
	if s.cacheDB != nil {
		errs = append(errs, s.cacheDB.Close())
		s.cacheDB = nil
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
		s.store = nil
	}
	return errors.Join(errs...)
}
