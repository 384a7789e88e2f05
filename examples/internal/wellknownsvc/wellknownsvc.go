package wellknownsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/wellknown"
	"github.com/ocmw/wstack/wellknown/natsregistry"
	"github.com/ocmw/wstack/wellknown/sqlregistry"
)

// Defaults of Config.
const (
	DefaultTablePrefix = "wellknown"
	DefaultQueueGroup  = "wellknown"
	DefaultTenant      = "default"
	// TenantPlaceholder is replaced by the tenant id in IssuerURLTemplate.
	TenantPlaceholder = "{tenant}"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("wellknownsvc: invalid configuration")

var tenantRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,15}$`)

// internalMembers are configuration members meant for the plugin routing
// of W-Stack issuers, never for wallets.
var internalMembers = []string{"topic", "schema"}

// Config configures the service. IssuerURLTemplate (or MetadataDir) and
// NATS are required.
type Config struct {
	// IssuerURLTemplate is the Credential Issuer Identifier of a tenant
	// with {tenant} for its id, e.g.
	// https://issuer.example.com/v1/tenants/{tenant} (issuersvc's layout).
	// The base metadata names the endpoints below it (credential, nonce,
	// deferred_credential, notification), as oid4vci/issuer serves them.
	IssuerURLTemplate string
	// Tenants are the tenants served (default ["default"]).
	Tenants []string
	// Display is every tenant's issuer display metadata.
	Display []oid4vci.IssuerDisplay
	// MetadataDir, when set, replaces the template: the W-Stack Git
	// importer layout (<tenant>/issuer.json as a text/template with
	// {{.IssuerURLTemplate}} available, <tenant>/credentials/*.json),
	// read with wellknown.LoadStaticMetadata; its tenants are served.
	MetadataDir string

	// NATS is the connection (required; the caller closes it).
	NATS *nats.Conn
	// QueueGroup load-balances the subscriptions over replicas sharing a
	// PostgreSQL registry (default "wellknown"; set "-" to disable, e.g.
	// for replicas with separate SQLite files).
	QueueGroup string

	// Storage: SQLite file wellknown.db under SQLiteDir (default) or
	// PostgreSQL; TablePrefix (default "wellknown") names the table.
	Storage     svc.Storage
	TablePrefix string
	// TTL drops registrations not renewed within it (default 60 s, the
	// W-Stack's CREDENTIAL_CONFIGURATION_EXPIRATION).
	TTL time.Duration
	// MaxAge is the Cache-Control max-age of the documents (default 5 min).
	MaxAge time.Duration

	// InsecureLoopback allows issuer identifiers on loopback hosts (demo
	// and tests only; they must still be https).
	InsecureLoopback bool

	// Logger (default: discard). Now is the clock (default time.Now).
	Logger *slog.Logger
	Now    func() time.Time
}

// Service is the running well-known service.
type Service struct {
	cfg     Config
	log     *slog.Logger
	reg     *sqlregistry.Registry
	agg     *wellknown.Aggregator
	adapter *natsregistry.Adapter
	public  *publicSource
	tenants []string
	mux     *http.ServeMux
	once    sync.Once
}

// New opens the registry, subscribes to the registrations and builds the
// handler.
func New(ctx context.Context, cfg Config) (_ *Service, err error) {
	if cfg.NATS == nil {
		return nil, fmt.Errorf("%w: NATS is required", ErrConfig)
	}
	if cfg.TablePrefix == "" {
		cfg.TablePrefix = DefaultTablePrefix
	}
	if cfg.QueueGroup == "" {
		cfg.QueueGroup = DefaultQueueGroup
	} else if cfg.QueueGroup == "-" {
		cfg.QueueGroup = ""
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base, tenants, err := baseMetadata(cfg)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger, tenants: tenants}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	opt := sqlregistry.WithTablePrefix(cfg.TablePrefix)
	if cfg.Storage.Postgres() {
		s.reg, err = sqlregistry.OpenPostgres(ctx, cfg.Storage.PostgresDSN, opt)
	} else {
		var path string
		if path, err = cfg.Storage.SQLitePath(cfg.TablePrefix); err == nil {
			s.reg, err = sqlregistry.OpenSQLite(ctx, path, opt)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("wellknownsvc: registry: %w", err)
	}
	s.agg, err = wellknown.NewAggregator(wellknown.AggregatorConfig{Registry: s.reg, Base: base, TTL: cfg.TTL, Now: cfg.Now, Logger: s.log})
	if err != nil {
		return nil, err
	}
	s.public = &publicSource{inner: s.agg, last: map[string]*pair{}}
	ttl := s.agg.TTL()
	s.adapter, err = natsregistry.Start(natsregistry.Config{Conn: cfg.NATS, Aggregator: s.agg, QueueGroup: cfg.QueueGroup,
		DefaultTenant: "", ExpireEvery: ttl, Logger: s.log,
		OnRegistration: func(ev *natsregistry.Event, err error) {
			if err != nil {
				s.log.Warn("registration rejected", "source", ev.Source, "err", err)
			}
		}})
	if err != nil {
		return nil, fmt.Errorf("wellknownsvc: NATS: %w", err)
	}
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// baseMetadata yields the base source and the tenant list.
func baseMetadata(cfg Config) (wellknown.MetadataSource, []string, error) {
	if cfg.MetadataDir != "" {
		st, err := wellknown.LoadStaticMetadata(os.DirFS(cfg.MetadataDir), map[string]string{"IssuerURLTemplate": cfg.IssuerURLTemplate}, oid4vci.ProfileFinal)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		var tenants []string
		for t, md := range st {
			if !tenantRE.MatchString(t) {
				return nil, nil, fmt.Errorf("%w: tenant directory %q does not match %s", ErrConfig, t, tenantRE)
			}
			if err := checkIdentifier(cfg, md.CredentialIssuer); err != nil {
				return nil, nil, err
			}
			tenants = append(tenants, t)
		}
		return st, tenants, nil
	}
	if !strings.Contains(cfg.IssuerURLTemplate, TenantPlaceholder) {
		return nil, nil, fmt.Errorf("%w: IssuerURLTemplate must contain %s", ErrConfig, TenantPlaceholder)
	}
	tenants := cfg.Tenants
	if len(tenants) == 0 {
		tenants = []string{DefaultTenant}
	}
	st := wellknown.StaticMetadata{}
	for _, t := range tenants {
		if !tenantRE.MatchString(t) || st[t] != nil {
			return nil, nil, fmt.Errorf("%w: tenant %q: duplicate or not matching %s", ErrConfig, t, tenantRE)
		}
		id := strings.ReplaceAll(cfg.IssuerURLTemplate, TenantPlaceholder, t)
		if err := checkIdentifier(cfg, id); err != nil {
			return nil, nil, err
		}
		st[t] = &oid4vci.IssuerMetadata{
			CredentialIssuer: id, CredentialEndpoint: id + "/credential", NonceEndpoint: id + "/nonce",
			DeferredCredentialEndpoint: id + "/deferred_credential", NotificationEndpoint: id + "/notification",
			Display: cfg.Display, CredentialConfigurations: map[string]*oid4vci.CredentialConfiguration{},
		}
	}
	return st, tenants, nil
}

func checkIdentifier(cfg Config, id string) error {
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%w: issuer identifier %q must be an https URL", ErrConfig, id)
	}
	if fetch.IsLoopbackHost(u.Hostname()) && !cfg.InsecureLoopback {
		return fmt.Errorf("%w: issuer identifier %q on a loopback host needs InsecureLoopback", ErrConfig, id)
	}
	return nil
}

func (s *Service) routes() error {
	var tenants []wellknown.Tenant
	m := http.NewServeMux()
	svc.HandleHealth(m, "wellknown", s.Check)
	legacy := map[string]http.Handler{}
	for _, t := range s.tenants {
		md, err := s.agg.IssuerMetadata(context.Background(), t)
		if err != nil {
			return err
		}
		tenants = append(tenants, wellknown.Tenant{ID: t, CredentialIssuer: md.CredentialIssuer, Metadata: s.public})
		h, err := wellknown.IssuerMetadataHandler(wellknown.IssuerMetadataOptions{Tenant: t, Source: s.public, MaxAge: s.cfg.MaxAge, Now: s.cfg.Now, Logger: s.log})
		if err != nil {
			return err
		}
		legacy[t] = h
	}
	srv, err := wellknown.New(wellknown.Config{Tenants: tenants, MaxAge: s.cfg.MaxAge, Now: s.cfg.Now, Logger: s.log})
	if err != nil {
		return err
	}
	// The W-Stack's route.
	m.HandleFunc("/v1/tenants/{tenant}"+oid4vci.WellKnownIssuerMetadata, func(w http.ResponseWriter, r *http.Request) {
		h := legacy[r.PathValue("tenant")]
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
	m.Handle("/.well-known/", srv.Handler())
	s.mux = m
	return nil
}

// Handler serves the documents and the health route.
func (s *Service) Handler() http.Handler { return s.mux }

// Aggregator is the aggregated metadata source (topic members included),
// for in-process composition.
func (s *Service) Aggregator() *wellknown.Aggregator { return s.agg }

// Check reports whether NATS and the registry answer.
func (s *Service) Check(ctx context.Context) error {
	if !s.cfg.NATS.IsConnected() {
		return errors.New("wellknownsvc: NATS disconnected")
	}
	return s.reg.DB().PingContext(ctx)
}

// Close unsubscribes and closes the registry.
func (s *Service) Close() error {
	var errs []error
	s.once.Do(func() {
		if s.adapter != nil {
			errs = append(errs, s.adapter.Close())
		}
		if s.reg != nil {
			errs = append(errs, s.reg.Close())
		}
	})
	return errors.Join(errs...)
}

// publicSource is the metadata wallets see: the aggregate without the
// plugins' internal members. The copy is cached per source pointer, so
// the served document (and its ETag) changes only with the aggregate.
type publicSource struct {
	inner wellknown.MetadataSource
	mu    sync.Mutex
	last  map[string]*pair
}

type pair struct{ in, out *oid4vci.IssuerMetadata }

func (p *publicSource) IssuerMetadata(ctx context.Context, tenant string) (*oid4vci.IssuerMetadata, error) {
	md, err := p.inner.IssuerMetadata(ctx, tenant)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.last[tenant]; l != nil && l.in == md {
		return l.out, nil
	}
	b, err := json.Marshal(md)
	if err != nil {
		return nil, err
	}
	var out oid4vci.IssuerMetadata
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	for _, c := range out.CredentialConfigurations {
		for _, k := range internalMembers {
			delete(c.Extra, k)
		}
	}
	p.last[tenant] = &pair{in: md, out: &out}
	return &out, nil
}
