package statussvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/statuslist/sqlstore"
)

// Name is the service name in logs, events and the health document.
const Name = "statuslist"

// Subject is the W-Stack's NATS subject of allocation (and verification)
// requests; QueueGroup lets replicas share them.
const (
	Subject    = "status.data.create"
	QueueGroup = "statuslist"
	// EventCreate and EventVerify are the request event types.
	EventCreate = "create"
	EventVerify = "verify"
	// ReplyType is the event type of replies (errors: ReplyType+".error").
	ReplyType = "status.data.reply"
)

// DefaultTablePrefix is the SQL table prefix (tables status_lists and
// status_entries), distinct from the other services' tables.
const DefaultTablePrefix = "status"

// Config configures a Service. Engine, SigningKey, PublicBaseURL and Auth
// are required.
type Config struct {
	// Engine holds the signing key (crypto/local, or signersvc.Client).
	Engine crypto.Engine
	// SigningKey names the key lists are signed with. With TenantKeys its
	// Namespace is replaced by the tenant, so each tenant signs with its
	// own key.
	SigningKey crypto.KeyRef
	TenantKeys bool
	// CreateKey creates a missing signing key (ecdsa-p256) on first use.
	CreateKey bool
	// Algorithm is the JOSE algorithm (default: the key type's default).
	Algorithm crypto.Algorithm
	// PublicBaseURL is where clients reach this service (e.g.
	// https://status.example.com); list URLs are
	// PublicBaseURL/v1/tenants/{tenant}/status/{listId}.
	PublicBaseURL string
	// IssuerID is the iss of IETF list tokens and the issuer of W3C list
	// credentials; "{tenant}" is replaced by the tenant. Default
	// PublicBaseURL/v1/tenants/{tenant}.
	IssuerID string
	// Storage selects SQLite (file "statuslist.db" in SQLiteDir) or
	// PostgreSQL; TablePrefix (default DefaultTablePrefix) lets services
	// share a database.
	Storage     svc.Storage
	TablePrefix string
	// Store, when set, replaces Storage (tests, custom backends). It is
	// not closed by Close.
	Store statuslist.Store
	// Capacity is the number of entries per list (default
	// statuslist.DefaultCapacity, 131,072, the W3C minimum).
	Capacity uint64
	// Batch reserves this many indices per database round trip (default
	// 1). Reserved, never handed out indices stay VALID forever.
	Batch int
	// Validity (exp − iat, default 24 h) and TTL (how long relying parties
	// cache, default 5 min) of published lists.
	Validity, TTL time.Duration
	// Auth authenticates allocation and status changes over HTTP.
	Auth svc.Authenticator
	// Logger is optional.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service is the status list service.
type Service struct {
	cfg    Config
	store  statuslist.Store
	closer func() error
	ping   func(context.Context) error
	alloc  *statuslist.Allocator
	log    *slog.Logger
	mux    *http.ServeMux

	mu   sync.Mutex
	pubs map[string]*tenantPublisher // by key namespace
}

type tenantPublisher struct {
	once   sync.Once
	pub    *statuslist.Publisher
	signer *checkedSigner
	err    error
}

// New opens the store and builds the service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Engine == nil || cfg.Auth == nil {
		return nil, errors.New("statussvc: Config.Engine and Config.Auth are required")
	}
	if cfg.SigningKey.ID == "" || (!cfg.TenantKeys && cfg.SigningKey.Namespace == "") {
		return nil, errors.New("statussvc: Config.SigningKey must name a key")
	}
	u, err := url.Parse(cfg.PublicBaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("statussvc: PublicBaseURL %q is not an http(s) URL", cfg.PublicBaseURL)
	}
	cfg.PublicBaseURL = strings.TrimRight(cfg.PublicBaseURL, "/")
	if cfg.IssuerID == "" {
		cfg.IssuerID = cfg.PublicBaseURL + "/v1/tenants/{tenant}"
	}
	if cfg.TablePrefix == "" {
		cfg.TablePrefix = DefaultTablePrefix
	}
	if cfg.Capacity == 0 {
		cfg.Capacity = statuslist.DefaultCapacity
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, log: cfg.Logger, pubs: map[string]*tenantPublisher{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case cfg.Store != nil:
		s.store, s.closer = cfg.Store, func() error { return nil }
	default:
		var st *sqlstore.Store
		if cfg.Storage.Postgres() {
			st, err = sqlstore.OpenPostgres(ctx, cfg.Storage.PostgresDSN, sqlstore.WithTablePrefix(cfg.TablePrefix))
		} else {
			var path string
			if path, err = cfg.Storage.SQLitePath("statuslist"); err == nil {
				st, err = sqlstore.OpenSQLite(ctx, path, sqlstore.WithTablePrefix(cfg.TablePrefix))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("statussvc: open store: %w", err)
		}
		s.store, s.closer, s.ping = st, st.Close, st.DB().PingContext
	}
	s.alloc = statuslist.NewAllocator(s.store, statuslist.WithListURI(s.ListURL), statuslist.WithBatch(cfg.Batch),
		statuslist.WithClock(cfg.Now), statuslist.WithLogger(s.log))
	s.routes()
	return s, nil
}

// Close closes the store New opened.
func (s *Service) Close() error { return s.closer() }

// Handler returns the full mux (API, publication, health).
func (s *Service) Handler() http.Handler { return s.mux }

// ListURL is the public URL of a list: the statusUrl of allocations, the
// sub of IETF tokens and the id of W3C list credentials.
func (s *Service) ListURL(tenant, listID string) string {
	return s.cfg.PublicBaseURL + "/v1/tenants/" + url.PathEscape(tenant) + "/status/" + url.PathEscape(listID)
}

// Issuer is the issuer id of a tenant's lists.
func (s *Service) Issuer(tenant string) string {
	return strings.ReplaceAll(s.cfg.IssuerID, "{tenant}", tenant)
}

// keyRef is the signing key of a tenant.
func (s *Service) keyRef(tenant string) crypto.KeyRef {
	r := s.cfg.SigningKey
	if s.cfg.TenantKeys {
		r.Namespace = tenant
	}
	return r
}

// publisher returns the publisher signing a tenant's lists, building it
// (and, with CreateKey, the key) once per signing key.
func (s *Service) publisher(ctx context.Context, tenant string) (*tenantPublisher, error) {
	ref := s.keyRef(tenant)
	s.mu.Lock()
	tp := s.pubs[ref.String()]
	if tp == nil {
		tp = &tenantPublisher{}
		s.pubs[ref.String()] = tp
	}
	s.mu.Unlock()
	tp.once.Do(func() {
		var ks *jose.KeySigner
		if ks, tp.err = s.signer(ctx, ref); tp.err != nil {
			return
		}
		tp.signer = &checkedSigner{ks: ks}
		tp.pub, tp.err = statuslist.NewPublisher(statuslist.PublisherConfig{
			Store: s.store, Signer: tp.signer, ListURI: s.ListURL, Issuer: s.Issuer,
			AggregationURI: func(t string) string {
				return s.cfg.PublicBaseURL + "/v1/tenants/" + url.PathEscape(t) + "/status/aggregation"
			},
			Validity: s.cfg.Validity, TTL: s.cfg.TTL, Now: s.cfg.Now, Logger: s.log,
		})
	})
	if tp.err != nil || tp.signer.stale.Load() {
		// Drop it: a later request retries (the signer may be back), and
		// a rotated key gets a publisher on its new version.
		s.mu.Lock()
		if s.pubs[ref.String()] == tp {
			delete(s.pubs, ref.String())
		}
		s.mu.Unlock()
		if tp.err != nil {
			return nil, tp.err
		}
		return s.publisher(ctx, tenant)
	}
	return tp, nil
}

func (s *Service) signer(ctx context.Context, ref crypto.KeyRef) (*jose.KeySigner, error) {
	sg, err := jose.NewKeySigner(ctx, s.cfg.Engine, ref, s.cfg.Algorithm)
	if errors.Is(err, crypto.ErrKeyNotFound) && s.cfg.CreateKey {
		_, err = s.cfg.Engine.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
		if errors.Is(err, crypto.ErrKeyExists) { // another replica was first
			err = nil
		}
		if err == nil {
			s.log.InfoContext(ctx, "status list signing key created", "key", ref.String())
			sg, err = jose.NewKeySigner(ctx, s.cfg.Engine, ref, s.cfg.Algorithm)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("statussvc: signing key %s: %w", ref, err)
	}
	return sg, nil
}

func (s *Service) routes() {
	m := http.NewServeMux()
	p := func(pattern string, h http.HandlerFunc) { m.Handle(pattern, svc.Protect(s.cfg.Auth, h)) }
	p("POST /v1/tenants/{tenant}/status/allocate", s.handleAllocate)
	p("POST /v1/tenants/{tenant}/status/{list}/revoke/{index}", s.handleChange(opRevoke))
	p("POST /v1/tenants/{tenant}/status/{list}/suspend/{index}", s.handleChange(opSuspend))
	p("POST /v1/tenants/{tenant}/status/{list}/reinstate/{index}", s.handleChange(opReinstate))
	// Public: the lists (GET also answers HEAD), their keys and the
	// aggregation document.
	m.HandleFunc("GET /v1/tenants/{tenant}/status/{list}", s.handleList)
	m.HandleFunc("GET /v1/tenants/{tenant}/status/jwks", s.handleJWKS)
	m.HandleFunc("GET /v1/tenants/{tenant}/status/aggregation", s.handleAggregation)
	svc.HandleHealth(m, Name, s.ping)
	s.mux = m
}
