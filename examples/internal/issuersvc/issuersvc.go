package issuersvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/issuer/natsplugin"
	"github.com/ocmw/wstack/oid4vci/issuer/sqlstore"
)

// Defaults of Config.
const (
	DefaultPluginTopic   = "issuer.dummycontentsigner"
	DefaultOfferSubject  = "credential.offer.url"
	DefaultPinSubject    = "pin"
	DefaultTablePrefix   = "issuer"
	DefaultKeyNamespace  = "issuer"
	DefaultTokenKeyID    = "access-tokens"
	DefaultQueueGroup    = "issuer"
	DefaultSource        = "issuer"
	DefaultPluginWait    = 30 * time.Second
	DefaultReapInterval  = time.Minute
	DefaultTenant        = "default"
	offerReplyType       = "credential.offer.url.reply"
	maxTenants           = 256
	natsRequestTimeout   = 10 * time.Second
	pinPublishTimeout    = 5 * time.Second
	pinEventTypeEmail    = "email.pin.v1"
	pinEventTypeDIDComm  = "didcomm.pin.v1"
	recipientTypeEmail   = "email"
	recipientTypeDIDComm = "didcomm"
)

// Errors.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("issuersvc: invalid configuration")
	// ErrUnknownTenant reports a tenant the service is not configured for.
	ErrUnknownTenant = errors.New("issuersvc: unknown tenant")
	// ErrOffer reports an offer request the service refuses.
	ErrOffer = errors.New("issuersvc: invalid offer request")
	// ErrDelivery reports a transaction code that could not be published.
	ErrDelivery = errors.New("issuersvc: transaction code delivery failed")
)

// tenantRE restricts tenant ids so that they are safe in URL paths, key
// groups and SQL table names.
var tenantRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,15}$`)

// Config configures the service. PublicURL, Engine, NATS and Auth are
// required; every other field has a default.
type Config struct {
	// PublicURL is the https origin wallets reach the service at, e.g.
	// https://issuer.example.com (no path: the routes are absolute). A tenant's
	// Credential Issuer Identifier is PublicURL + "/v1/tenants/<tenant>".
	// Replicas share it (they sit behind one load balancer).
	PublicURL string
	// Tenants are the tenants served (default ["default"]); each matches
	// ^[a-z][a-z0-9_]{0,15}$.
	Tenants []string

	// Engine holds the access-token keys; KeyNamespace (default "issuer")
	// and TokenKeyID (default "access-tokens") name them, one key per
	// tenant with the tenant as the key group. Replicas must use the same
	// engine or keys (a token of one replica is checked by another).
	Engine       crypto.Engine
	KeyNamespace string
	TokenKeyID   string
	// CreateKeys generates missing keys (ES256) instead of failing.
	CreateKeys bool

	// NATS is the connection for plugins, the offer API and tx_code events
	// (required; the caller closes it).
	NATS *nats.Conn
	// PluginTopics are the NATS topics of the issuance plugins (default
	// [DefaultPluginTopic]); each serves natsplugin's <topic>.metadata and
	// <topic>.issue. PluginWait bounds waiting for them at start (default
	// 30 s).
	PluginTopics []string
	PluginWait   time.Duration
	// OfferSubject (default credential.offer.url), PinSubject (default
	// pin), QueueGroup (default issuer) and Source (CloudEvent source,
	// default issuer) name the NATS side.
	OfferSubject string
	PinSubject   string
	QueueGroup   string
	Source       string

	// Auth authenticates the management API (POST …/offers). Required: no
	// management endpoint is anonymous.
	Auth svc.Authenticator

	// Storage selects SQLite (default, files issuer_<tenant>.db under
	// SQLiteDir) or PostgreSQL; TablePrefix (default "issuer") prefixes
	// the tables, followed by the tenant: <prefix>_<tenant>_offers, ….
	// Prefix and tenant together are at most 32 characters.
	Storage     svc.Storage
	TablePrefix string
	// ReapInterval is how often expired rows are deleted (default 1 min;
	// negative disables).
	ReapInterval time.Duration

	// OfferTTL, AccessTokenTTL and NonceTTL override the library defaults
	// (10 min, 5 min, 5 min) when positive.
	OfferTTL       time.Duration
	AccessTokenTTL time.Duration
	NonceTTL       time.Duration
	// AnonymousAccess accepts token requests without client_id.
	AnonymousAccess bool
	// Legacy also serves draft 13 wallets (the W-Stack's): user_pin,
	// c_nonce in the token response, format-based credential requests.
	Legacy bool
	// Display is every tenant's issuer display metadata.
	Display []oid4vci.IssuerDisplay

	// InsecureLoopback allows a PublicURL on a loopback host (the demo and
	// tests only; OpenID4VCI still requires https).
	InsecureLoopback bool

	// Logger receives JSON logs (default: discard). Codes, PINs, tokens
	// and claims are never logged.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service is the running issuance service.
type Service struct {
	cfg     Config
	log     *slog.Logger
	tenants map[string]*tenant
	subs    []*nats.Subscription
	mux     *http.ServeMux
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

type tenant struct {
	id    string
	iss   *issuer.Issuer
	store *sqlstore.Store
}

// recipientKey carries the tx_code recipient of one CreateOffer call to
// the DeliverTxCode callback.
type recipientKey struct{}

type recipient struct {
	requestID, typ, address string
}

// New checks cfg, opens the stores, waits for the plugins, builds one
// issuer per tenant and subscribes to the offer subject.
func New(ctx context.Context, cfg Config) (_ *Service, err error) {
	if err := fill(&cfg); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger, tenants: map[string]*tenant{}, stop: make(chan struct{})}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	plugins, err := s.connectPlugins(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range cfg.Tenants {
		tn, err := s.newTenant(ctx, t, plugins)
		if err != nil {
			return nil, err
		}
		s.tenants[t] = tn
	}
	sub, err := svc.Respond(cfg.NATS, cfg.OfferSubject, cfg.QueueGroup, cfg.Source, offerReplyType, natsRequestTimeout, s.log, s.respondOffer)
	if err != nil {
		return nil, fmt.Errorf("issuersvc: subscribing %s: %w", cfg.OfferSubject, err)
	}
	s.subs = append(s.subs, sub)
	s.routes()
	if cfg.ReapInterval > 0 {
		s.wg.Add(1)
		go s.reap()
	}
	return s, nil
}

func fill(cfg *Config) error {
	switch {
	case cfg.Engine == nil:
		return fmt.Errorf("%w: Engine is required", ErrConfig)
	case cfg.NATS == nil:
		return fmt.Errorf("%w: NATS is required", ErrConfig)
	case cfg.Auth == nil:
		return fmt.Errorf("%w: Auth is required (management APIs are never anonymous)", ErrConfig)
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%w: PublicURL must be an https origin without path, query, fragment or user (got %q)", ErrConfig, cfg.PublicURL)
	}
	if fetch.IsLoopbackHost(u.Hostname()) && !cfg.InsecureLoopback {
		return fmt.Errorf("%w: PublicURL on a loopback host needs InsecureLoopback", ErrConfig)
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if len(cfg.Tenants) == 0 {
		cfg.Tenants = []string{DefaultTenant}
	}
	if len(cfg.Tenants) > maxTenants {
		return fmt.Errorf("%w: more than %d tenants", ErrConfig, maxTenants)
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.KeyNamespace, DefaultKeyNamespace)
	def(&cfg.TokenKeyID, DefaultTokenKeyID)
	def(&cfg.OfferSubject, DefaultOfferSubject)
	def(&cfg.PinSubject, DefaultPinSubject)
	def(&cfg.QueueGroup, DefaultQueueGroup)
	def(&cfg.Source, DefaultSource)
	def(&cfg.TablePrefix, DefaultTablePrefix)
	seen := map[string]bool{}
	for _, t := range cfg.Tenants {
		if !tenantRE.MatchString(t) || seen[t] {
			return fmt.Errorf("%w: tenant %q: duplicate or not matching %s", ErrConfig, t, tenantRE)
		}
		seen[t] = true
		if len(cfg.TablePrefix)+1+len(t) > 32 {
			return fmt.Errorf("%w: table prefix %q with tenant %q is longer than 32 characters", ErrConfig, cfg.TablePrefix, t)
		}
	}
	if len(cfg.PluginTopics) == 0 {
		cfg.PluginTopics = []string{DefaultPluginTopic}
	}
	if cfg.PluginWait <= 0 {
		cfg.PluginWait = DefaultPluginWait
	}
	if cfg.ReapInterval == 0 {
		cfg.ReapInterval = DefaultReapInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return nil
}

// connectPlugins asks every plugin topic for its configurations, retrying
// until PluginWait has passed (the plugins may start after the issuer).
func (s *Service) connectPlugins(ctx context.Context) ([]*natsplugin.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PluginWait)
	defer cancel()
	var out []*natsplugin.Client
	for _, topic := range s.cfg.PluginTopics {
		for {
			rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
			c, err := natsplugin.NewClient(rctx, s.cfg.NATS, topic)
			rcancel()
			if err == nil {
				out = append(out, c)
				break
			}
			if !errors.Is(err, natsplugin.ErrRemote) {
				return nil, fmt.Errorf("issuersvc: plugin %s: %w", topic, err)
			}
			s.log.Info("waiting for plugin", "topic", topic, "err", err)
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("issuersvc: plugin %s did not answer within %s: %w", topic, s.cfg.PluginWait, err)
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return out, nil
}

func (s *Service) openStore(ctx context.Context, t string) (*sqlstore.Store, error) {
	prefix := s.cfg.TablePrefix + "_" + t
	if s.cfg.Storage.Postgres() {
		return sqlstore.OpenPostgres(ctx, s.cfg.Storage.PostgresDSN, prefix)
	}
	path, err := s.cfg.Storage.SQLitePath(prefix)
	if err != nil {
		return nil, err
	}
	return sqlstore.OpenSQLite(ctx, path, prefix)
}

func (s *Service) newTenant(ctx context.Context, t string, plugins []*natsplugin.Client) (*tenant, error) {
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: s.cfg.KeyNamespace, Group: t}, ID: s.cfg.TokenKeyID}
	if _, err := svc.EnsureKey(ctx, s.cfg.Engine, ref, crypto.KeyTypeECP256, s.cfg.CreateKeys); err != nil {
		return nil, err
	}
	signer, err := jose.NewKeySigner(ctx, s.cfg.Engine, ref, "")
	if err != nil {
		return nil, fmt.Errorf("issuersvc: token signer of %s: %w", t, err)
	}
	st, err := s.openStore(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("issuersvc: store of %s: %w", t, err)
	}
	tn := &tenant{id: t, store: st}
	ps := make([]issuer.Plugin, len(plugins))
	for k, p := range plugins {
		ps[k] = tenantPlugin{c: p, tenant: t}
	}
	profile := oid4vci.ProfileFinal
	if s.cfg.Legacy {
		profile = oid4vci.ProfileLegacy
	}
	tn.iss, err = issuer.New(issuer.Config{
		Issuer: s.Identifier(t), Signer: signer, Plugins: ps,
		Offers: st.Offers(), Nonces: st.Nonces(), Replays: st.Replays(), Transactions: st.Transactions(),
		Notifications: st.Notifications(), DeliverTxCode: s.deliverTxCode(t),
		OfferTTL: s.cfg.OfferTTL, AccessTokenTTL: s.cfg.AccessTokenTTL, NonceTTL: s.cfg.NonceTTL,
		AnonymousAccess: s.cfg.AnonymousAccess, Profile: profile, Display: s.cfg.Display,
		Logger: s.log.With("tenant", t), Now: s.cfg.Now,
	})
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("issuersvc: issuer of %s: %w", t, err)
	}
	return tn, nil
}

// tenantPlugin qualifies the subject a plugin sees with the tenant
// ("<tenant>/<subject>"): natsplugin's messages carry no tenant, and the
// plugin needs it (status lists per tenant). Offers keep the subject as
// given.
type tenantPlugin struct {
	c      *natsplugin.Client
	tenant string
}

func (p tenantPlugin) Configurations() map[string]*oid4vci.CredentialConfiguration {
	return p.c.Configurations()
}

func (p tenantPlugin) Issue(ctx context.Context, req *issuer.IssueRequest) (*issuer.IssueResult, error) {
	r := *req
	r.Subject = p.tenant + "/" + req.Subject
	return p.c.Issue(ctx, &r)
}

// Identifier is the Credential Issuer Identifier of tenant t.
func (s *Service) Identifier(t string) string { return s.cfg.PublicURL + "/v1/tenants/" + t }

// Issuer returns the issuer of tenant t (for in-process composition, e.g.
// the demo creating offers directly).
func (s *Service) Issuer(t string) (*issuer.Issuer, error) {
	tn := s.tenants[t]
	if tn == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTenant, t)
	}
	return tn.iss, nil
}

func (s *Service) reap() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.ReapInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			for _, tn := range s.tenants {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if _, err := tn.store.Reap(ctx, s.cfg.Now()); err != nil {
					s.log.Warn("reaping expired rows", "tenant", tn.id, "err", err)
				}
				cancel()
			}
		}
	}
}

// Check reports whether NATS and every store answer (the health check).
func (s *Service) Check(ctx context.Context) error {
	if !s.cfg.NATS.IsConnected() {
		return errors.New("issuersvc: NATS disconnected")
	}
	for _, tn := range s.tenants {
		if err := tn.store.DB().PingContext(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Handler is the service's HTTP handler: every tenant's issuer endpoints
// and metadata, the offers API and the health route.
func (s *Service) Handler() http.Handler { return s.mux }

func (s *Service) routes() {
	m := http.NewServeMux()
	svc.HandleHealth(m, "issuer", s.Check)
	m.Handle("POST /v1/tenants/{tenant}/offers", svc.Protect(s.cfg.Auth, http.HandlerFunc(s.handleOffer)))
	m.Handle("/v1/tenants/{tenant}/", s.dispatch(func(tn *tenant) http.Handler { return tn.iss.Handler() }))
	m.Handle(oid4vci.WellKnownIssuerMetadata+"/v1/tenants/{tenant}", s.dispatch(func(tn *tenant) http.Handler { return tn.iss.Handler() }))
	m.Handle("/.well-known/oauth-authorization-server/v1/tenants/{tenant}", s.dispatch(func(tn *tenant) http.Handler { return tn.iss.Handler() }))
	// Draft 13 wallets (the W-Stack's) append the well-known segment.
	m.Handle("GET /v1/tenants/{tenant}"+oid4vci.WellKnownIssuerMetadata, s.dispatch(func(tn *tenant) http.Handler { return tn.iss.MetadataHandler() }))
	s.mux = m
}

func (s *Service) dispatch(h func(*tenant) http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tn := s.tenants[r.PathValue("tenant")]
		if tn == nil {
			svc.WriteError(w, http.StatusNotFound, "not_found", "unknown tenant")
			return
		}
		h(tn).ServeHTTP(w, r)
	})
}

// Close unsubscribes, stops the reaper and closes the stores. It does not
// close the NATS connection.
func (s *Service) Close() error {
	var errs []error
	s.once.Do(func() {
		close(s.stop)
		for _, sub := range s.subs {
			if err := sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
				errs = append(errs, err)
			}
		}
		s.wg.Wait()
		for _, tn := range s.tenants {
			errs = append(errs, tn.store.Close())
		}
	})
	return errors.Join(errs...)
}
