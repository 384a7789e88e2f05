package pluginsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/issuer"
	"github.com/ocmw/wstack/oid4vci/issuer/natsplugin"
)

// Defaults of Config.
const (
	DefaultTopic                = issuersvc.DefaultPluginTopic
	DefaultSDJWTConfigurationID = "DeveloperCredential_dc+sd-jwt"
	DefaultJWTVCConfigurationID = "DeveloperCredential_jwt_vc_json"
	DefaultVCT                  = "SD_JWT_DEVELOPER_CREDENTIAL"
	DefaultKeyNamespace         = "plugin"
	DefaultKeyID                = "credential-signer"
	DefaultRegistrationSubject  = "wellknown.issuer.registration"
	DefaultRegistrationInterval = 30 * time.Second
	DefaultStatusSubject        = "status.data.create"
	DefaultValidity             = 365 * 24 * time.Hour
	DefaultStatusGroup          = "credentials"
	registrationType            = "wellknown.issuer.registration"
	requestReplyType            = "issuance.request.reply"
	natsTimeout                 = 10 * time.Second
)

// Errors.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("pluginsvc: invalid configuration")
	// ErrRequest reports an issuance request the plugin refuses.
	ErrRequest = errors.New("pluginsvc: invalid issuance request")
	// ErrStatus reports a failed status list allocation.
	ErrStatus = errors.New("pluginsvc: status allocation failed")
	// ErrOffer reports that the issuer did not return an offer.
	ErrOffer = errors.New("pluginsvc: no offer from the issuer")
)

var tenantRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,15}$`)

// StatusConfig turns on status list entries allocated over NATS (the
// status service's status.data.create contract).
type StatusConfig struct {
	// Subject is the request subject (default status.data.create).
	Subject string
	// GroupID selects the list pool (the request's group_id, default
	// "credentials").
	GroupID string
	// Purpose is the status purpose (default revocation); Bits the bits
	// per entry (1, 2, 4 or 8; default 2: valid, invalid, suspended).
	Purpose string
	Bits    int
	// Timeout bounds one allocation (default 5 s).
	Timeout time.Duration
}

// Config configures the plugin. NATS, Engine and Auth are required.
type Config struct {
	// NATS is the connection (required; the caller closes it).
	NATS *nats.Conn
	// Topic is the plugin's NATS topic (default issuer.dummycontentsigner);
	// QueueGroup (default the topic) lets replicas share the work.
	Topic      string
	QueueGroup string

	// Engine holds the credential signing key Key (default
	// plugin/credential-signer, ECDSA P-256, ES256); CreateKey generates it
	// when missing.
	Engine    crypto.Engine
	Key       crypto.KeyRef
	CreateKey bool
	// IssuerDIDMethod is "key" (default) or "jwk": the issuer is the
	// did:key or did:jwk of Key and kid its DID URL. IssuerID, when set
	// instead, is an https issuer identifier (iss) whose JWT VC Issuer
	// Metadata serves the key; the kid is then the engine's.
	IssuerDIDMethod string
	IssuerID        string

	// SDJWTConfigurationID and VCT name the dc+sd-jwt configuration
	// (defaults DeveloperCredential_dc+sd-jwt, SD_JWT_DEVELOPER_CREDENTIAL).
	SDJWTConfigurationID string
	VCT                  string
	// RecursiveClaims are the object claims whose members are disclosable
	// one by one (default ["address"]).
	RecursiveClaims []string
	// JWTVC adds the jwt_vc_json configuration JWTVCConfigurationID
	// (default DeveloperCredential_jwt_vc_json); it has no status entry.
	JWTVC                bool
	JWTVCConfigurationID string
	// Validity is the credentials' lifetime (default 365 days).
	Validity time.Duration

	// Status, when set, embeds a status list entry in every dc+sd-jwt
	// credential; nil issues without status (no status service needed).
	Status *StatusConfig

	// OfferSubject is the issuer's offer request subject (default
	// credential.offer.url).
	OfferSubject string
	// Tenants are the tenants the configurations are registered for
	// (default ["default"]).
	Tenants []string
	// RegistrationSubject (default wellknown.issuer.registration) and
	// RegistrationInterval (default 30 s; negative disables) drive the
	// well-known registration.
	RegistrationSubject  string
	RegistrationInterval time.Duration

	// Auth authenticates POST …/issuance/request (required).
	Auth svc.Authenticator

	// Logger (default: discard); claims and credentials are never logged.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service is the running plugin.
type Service struct {
	cfg      Config
	log      *slog.Logger
	signer   *jose.KeySigner
	issuerID string
	configs  map[string]*oid4vci.CredentialConfiguration
	jwtvc    *issuer.JWTVCPlugin
	srv      *natsplugin.Server
	subs     []*nats.Subscription
	mux      *http.ServeMux
	stop     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
}

// New checks cfg, prepares the signer, serves the plugin on NATS and
// starts the registration loop.
func New(ctx context.Context, cfg Config) (_ *Service, err error) {
	if err := fill(&cfg); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger, stop: make(chan struct{})}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if _, err := svc.EnsureKey(ctx, cfg.Engine, cfg.Key, crypto.KeyTypeECP256, cfg.CreateKey); err != nil {
		return nil, err
	}
	switch {
	case cfg.IssuerID != "":
		s.signer, err = jose.NewKeySigner(ctx, cfg.Engine, cfg.Key, "")
		s.issuerID = cfg.IssuerID
	case cfg.IssuerDIDMethod == "jwk":
		s.signer, s.issuerID, err = did.NewJWKDIDSigner(ctx, cfg.Engine, cfg.Key, "")
	default:
		s.signer, s.issuerID, err = did.NewKeyDIDSigner(ctx, cfg.Engine, cfg.Key, "")
	}
	if err != nil {
		return nil, fmt.Errorf("pluginsvc: signer: %w", err)
	}
	if err := s.buildConfigurations(); err != nil {
		return nil, err
	}
	if s.srv, err = natsplugin.Serve(cfg.NATS, cfg.Topic, cfg.QueueGroup, s, s.log); err != nil {
		return nil, fmt.Errorf("pluginsvc: serving %s: %w", cfg.Topic, err)
	}
	sub, err := svc.Respond(cfg.NATS, cfg.Topic+".request", cfg.QueueGroup, cfg.Topic, requestReplyType, natsTimeout, s.log, s.respondRequest)
	if err != nil {
		return nil, fmt.Errorf("pluginsvc: subscribing %s.request: %w", cfg.Topic, err)
	}
	s.subs = append(s.subs, sub)
	s.routes()
	if cfg.RegistrationInterval > 0 {
		s.wg.Add(1)
		go s.registrationLoop()
	}
	return s, nil
}

func fill(cfg *Config) error {
	switch {
	case cfg.NATS == nil:
		return fmt.Errorf("%w: NATS is required", ErrConfig)
	case cfg.Engine == nil:
		return fmt.Errorf("%w: Engine is required", ErrConfig)
	case cfg.Auth == nil:
		return fmt.Errorf("%w: Auth is required (management APIs are never anonymous)", ErrConfig)
	case cfg.IssuerDIDMethod != "" && cfg.IssuerDIDMethod != "key" && cfg.IssuerDIDMethod != "jwk":
		return fmt.Errorf("%w: IssuerDIDMethod must be key or jwk", ErrConfig)
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.Topic, DefaultTopic)
	def(&cfg.QueueGroup, cfg.Topic)
	def(&cfg.SDJWTConfigurationID, DefaultSDJWTConfigurationID)
	def(&cfg.JWTVCConfigurationID, DefaultJWTVCConfigurationID)
	def(&cfg.VCT, DefaultVCT)
	def(&cfg.OfferSubject, issuersvc.DefaultOfferSubject)
	def(&cfg.RegistrationSubject, DefaultRegistrationSubject)
	if cfg.Key.ID == "" {
		cfg.Key = crypto.KeyRef{Context: crypto.Context{Namespace: DefaultKeyNamespace}, ID: DefaultKeyID}
	}
	if cfg.RecursiveClaims == nil {
		cfg.RecursiveClaims = []string{"address"}
	}
	if cfg.Validity <= 0 {
		cfg.Validity = DefaultValidity
	}
	if len(cfg.Tenants) == 0 {
		cfg.Tenants = []string{issuersvc.DefaultTenant}
	}
	for _, t := range cfg.Tenants {
		if !tenantRE.MatchString(t) {
			return fmt.Errorf("%w: tenant %q does not match %s", ErrConfig, t, tenantRE)
		}
	}
	if cfg.RegistrationInterval == 0 {
		cfg.RegistrationInterval = DefaultRegistrationInterval
	}
	if st := cfg.Status; st != nil {
		c := *st
		def(&c.Subject, DefaultStatusSubject)
		def(&c.GroupID, DefaultStatusGroup)
		def(&c.Purpose, "revocation")
		if c.Bits == 0 {
			c.Bits = 2
		}
		if c.Bits != 1 && c.Bits != 2 && c.Bits != 4 && c.Bits != 8 {
			return fmt.Errorf("%w: Status.Bits must be 1, 2, 4 or 8", ErrConfig)
		}
		if c.Timeout <= 0 {
			c.Timeout = 5 * time.Second
		}
		cfg.Status = &c
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return nil
}

func (s *Service) buildConfigurations() error {
	alg := []oid4vci.SigningAlg{oid4vci.Alg(string(s.signer.Algorithm()))}
	proofs := map[string]*oid4vci.ProofTypeMetadata{
		oid4vci.ProofTypeJWT: {ProofSigningAlgValuesSupported: []string{"ES256", "ES384", "EdDSA"}},
	}
	claim := func(name string, path ...any) oid4vci.ClaimDescription {
		return oid4vci.ClaimDescription{Path: oid4vci.ClaimPath(path), Display: []oid4vci.ClaimDisplay{{Name: name, Locale: "en"}}}
	}
	sd := &oid4vci.CredentialConfiguration{
		Format: oid4vci.FormatSDJWTVC, VCT: s.cfg.VCT, Scope: s.cfg.SDJWTConfigurationID,
		CredentialSigningAlgValuesSupported:  alg,
		CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
		ProofTypesSupported:                  proofs,
		CredentialMetadata: &oid4vci.CredentialMetadata{
			Display: []oid4vci.CredentialDisplay{{Name: "Developer credential", Locale: "en", BackgroundColor: "#12107c", TextColor: "#ffffff"}},
			Claims: []oid4vci.ClaimDescription{
				claim("Given name", "given_name"), claim("Family name", "family_name"), claim("E-mail", "email"),
				claim("Role", "role"), claim("Street", "address", "street_address"), claim("City", "address", "locality"),
				claim("Postal code", "address", "postal_code"), claim("Country", "address", "country"),
			},
		},
	}
	if err := sd.Validate(oid4vci.ProfileFinal); err != nil {
		return fmt.Errorf("%w: %v", ErrConfig, err)
	}
	s.configs = map[string]*oid4vci.CredentialConfiguration{s.cfg.SDJWTConfigurationID: sd}
	if s.cfg.JWTVC {
		if s.cfg.JWTVCConfigurationID == s.cfg.SDJWTConfigurationID {
			return fmt.Errorf("%w: the two configuration ids are equal", ErrConfig)
		}
		p, err := issuer.NewJWTVCPlugin(s.cfg.Now, issuer.JWTVCCredential{
			ID: s.cfg.JWTVCConfigurationID, Signer: s.signer, IssuerID: s.issuerID, Validity: s.cfg.Validity,
			Configuration: oid4vci.CredentialConfiguration{
				Format: oid4vci.FormatJWTVCJSON, Scope: s.cfg.JWTVCConfigurationID,
				CredentialSigningAlgValuesSupported:  alg,
				CryptographicBindingMethodsSupported: []string{oid4vci.BindingJWK},
				ProofTypesSupported:                  proofs,
				CredentialDefinition:                 &oid4vci.CredentialDefinition{Type: []string{"VerifiableCredential", "DeveloperCredential"}},
				CredentialMetadata: &oid4vci.CredentialMetadata{
					Display: []oid4vci.CredentialDisplay{{Name: "Developer credential (JWT VC)", Locale: "en"}},
				},
			},
		})
		if err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		s.jwtvc = p
		for id, c := range p.Configurations() {
			s.configs[id] = c
		}
	}
	return nil
}

// IssuerID is the iss of the credentials (the issuer DID or the
// configured identifier): what verifiers and wallets must trust.
func (s *Service) IssuerID() string { return s.issuerID }

// Configurations implements issuer.Plugin.
func (s *Service) Configurations() map[string]*oid4vci.CredentialConfiguration { return s.configs }

// Handler is the HTTP handler: POST /v1/tenants/{tenant}/issuance/request
// (authenticated) and the health route.
func (s *Service) Handler() http.Handler { return s.mux }

func (s *Service) routes() {
	m := http.NewServeMux()
	svc.HandleHealth(m, "plugin", func(context.Context) error {
		if !s.cfg.NATS.IsConnected() {
			return errors.New("pluginsvc: NATS disconnected")
		}
		return nil
	})
	m.Handle("POST /v1/tenants/{tenant}/issuance/request", svc.Protect(s.cfg.Auth, http.HandlerFunc(s.handleRequest)))
	s.mux = m
}

// registration is the data of a wellknown.issuer.registration event.
type registration struct {
	svc.Request
	Issuer registeredIssuer `json:"issuer"`
}

type registeredIssuer struct {
	Configurations map[string]json.RawMessage `json:"credential_configurations_supported"`
}

// Register publishes the configurations for every tenant once (what the
// loop does every RegistrationInterval). Each configuration carries the
// plugin's "topic" for W-Stack issuers that route by it; the well-known
// service keeps it out of the served document.
func (s *Service) Register() error {
	topic, _ := json.Marshal(s.cfg.Topic)
	cfgs := make(map[string]json.RawMessage, len(s.configs))
	for id, c := range s.configs {
		cp := *c
		cp.Extra = oid4vci.Extra{"topic": topic}
		b, err := json.Marshal(cp)
		if err != nil {
			return err
		}
		cfgs[id] = b
	}
	var errs []error
	for _, t := range s.cfg.Tenants {
		reg := registration{Request: svc.Request{TenantID: t, RequestID: svc.RandomID()}, Issuer: registeredIssuer{Configurations: cfgs}}
		errs = append(errs, svc.Publish(s.cfg.NATS, s.cfg.RegistrationSubject, s.cfg.Topic, registrationType, reg))
	}
	return errors.Join(errs...)
}

func (s *Service) registrationLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.RegistrationInterval)
	defer tick.Stop()
	for {
		if err := s.Register(); err != nil {
			s.log.Warn("registration failed", "err", err)
		}
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
	}
}

// Close stops serving and registering. It does not close the NATS
// connection.
func (s *Service) Close() error {
	var errs []error
	s.once.Do(func() {
		close(s.stop)
		s.wg.Wait()
		if s.srv != nil {
			errs = append(errs, s.srv.Close())
		}
		for _, sub := range s.subs {
			if err := sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
				errs = append(errs, err)
			}
		}
	})
	return errors.Join(errs...)
}
