package wellknown

import (
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
)

// Tenant lists the documents served for one tenant. Every field is
// optional; each set identifier adds the document its spec places there.
type Tenant struct {
	// ID is the tenant key passed to Metadata.
	ID string

	// CredentialIssuer is the Credential Issuer Identifier; with Metadata
	// it serves /.well-known/openid-credential-issuer inserted before its
	// path (OpenID4VCI 1.0 §12.2.2).
	CredentialIssuer string
	// Metadata yields the tenant's issuer metadata (e.g. an Aggregator).
	Metadata MetadataSource
	// MetadataSigner enables signed metadata for clients that ask for
	// application/jwt; MetadataHeader adds header members (x5c).
	MetadataSigner jose.MessageSigner
	MetadataHeader map[string]any
	// MetadataProfile validates the served metadata (default 1.0 Final).
	MetadataProfile oid4vci.Profile
	// MetadataGateway lets a trusted gateway rewrite issuer and endpoints
	// per request (see GatewayHeaders).
	MetadataGateway *GatewayHeaders

	// AuthorizationServer is served at /.well-known/oauth-authorization-server
	// inserted before the path of its issuer (RFC 8414 §3.1).
	AuthorizationServer *ASMetadata
	// OpenIDConfiguration is served at <issuer>/.well-known/openid-configuration
	// (OpenID Connect Discovery 1.0 §4.1; the W-Stack's pre-authorization
	// bridge route).
	OpenIDConfiguration *ASMetadata

	// Keys are the tenant's public signing keys (current and recently
	// rotated), used by the JWKS, JWT VC issuer metadata and did.json.
	Keys KeySource
	// JWKS selects the kids of served key sets.
	JWKS JWKSOptions
	// JWKSPath, when set, serves the JWK Set at that URL path (the path of
	// the metadata's jwks_uri; PathJWKS for the W-Stack route).
	JWKSPath string
	// JWTVCIssuer is an issuer identifier whose JWT VC Issuer Metadata is
	// served at /.well-known/jwt-vc-issuer inserted before its path
	// (SD-JWT VC -18 §5): jwks by value from Keys, or JWTVCIssuerJWKSURI.
	JWTVCIssuer        string
	JWTVCIssuerJWKSURI string

	// DID is a did:web whose did.json is built from Keys (did:web:h →
	// /.well-known/did.json, did:web:h:p → /p/did.json).
	DID         string
	DIDDocument did.WebDocumentOptions
}

// Config configures a Server.
type Config struct {
	Tenants []Tenant
	// DIDConfiguration, when set, serves the origin's
	// /.well-known/did-configuration.json.
	DIDConfiguration *DIDConfigurationOptions
	// MaxAge is the Cache-Control max-age of every document (default
	// DefaultMaxAge).
	MaxAge time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives document build errors (default: discard).
	Logger *slog.Logger
}

// Server serves the well-known documents of every configured tenant from
// one http.Handler. It routes on the request path only and must be mounted
// at the origin root (the documents' locations are fixed by their specs);
// tenants can be added while it runs. It is safe for concurrent use.
type Server struct {
	cfg    Config
	mu     sync.RWMutex
	routes map[string]route
}

type route struct {
	h      http.Handler
	tenant string
	doc    string
}

// New builds a Server and registers cfg.Tenants.
func New(cfg Config) (*Server, error) {
	cfg.MaxAge = orMaxAge(cfg.MaxAge)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, routes: map[string]route{}}
	if cfg.DIDConfiguration != nil {
		o := *cfg.DIDConfiguration
		if o.MaxAge <= 0 {
			o.MaxAge = cfg.MaxAge
		}
		if o.Now == nil {
			o.Now = cfg.Now
		}
		if o.Logger == nil {
			o.Logger = cfg.Logger
		}
		h, err := DIDConfigurationHandler(o)
		if err != nil {
			return nil, err
		}
		s.routes["/.well-known/"+NameDIDConfiguration] = route{h: h, doc: NameDIDConfiguration}
	}
	for _, t := range cfg.Tenants {
		if err := s.AddTenant(t); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// AddTenant registers the documents of t. It fails, registering nothing,
// if a document's path is taken (two tenants with the same identifier).
func (s *Server) AddTenant(t Tenant) error {
	add := map[string]route{}
	put := func(p, doc string, h http.Handler) error {
		if _, dup := add[p]; dup {
			return fmt.Errorf("%w: tenant %.64q serves two documents at %s", ErrConfig, t.ID, p)
		}
		add[p] = route{h: h, tenant: t.ID, doc: doc}
		return nil
	}
	kd := KeyDocumentOptions{JWKS: t.JWKS, MaxAge: s.cfg.MaxAge, Logger: s.cfg.Logger}
	if t.CredentialIssuer != "" {
		if t.Metadata == nil {
			return fmt.Errorf("%w: tenant %.64q has a CredentialIssuer but no Metadata", ErrConfig, t.ID)
		}
		u, err := InsertedURL(t.CredentialIssuer, NameCredentialIssuer)
		if err != nil {
			return err
		}
		h, err := IssuerMetadataHandler(IssuerMetadataOptions{
			Tenant: t.ID, Source: t.Metadata, Signer: t.MetadataSigner, Header: t.MetadataHeader, Profile: t.MetadataProfile, Gateway: t.MetadataGateway,
			MaxAge: s.cfg.MaxAge, Now: s.cfg.Now, Logger: s.cfg.Logger,
		})
		if err != nil {
			return err
		}
		if err := put(urlPath(u), NameCredentialIssuer, h); err != nil {
			return err
		}
	}
	if t.AuthorizationServer != nil {
		u, err := InsertedURL(t.AuthorizationServer.Issuer, NameAuthorizationServer)
		if err != nil {
			return err
		}
		h, err := ASMetadataHandler(t.AuthorizationServer, s.cfg.MaxAge)
		if err != nil {
			return err
		}
		if err := put(urlPath(u), NameAuthorizationServer, h); err != nil {
			return err
		}
	}
	if t.OpenIDConfiguration != nil {
		u, err := AppendedURL(t.OpenIDConfiguration.Issuer, NameOpenIDConfiguration)
		if err != nil {
			return err
		}
		h, err := ASMetadataHandler(t.OpenIDConfiguration, s.cfg.MaxAge)
		if err != nil {
			return err
		}
		if err := put(urlPath(u), NameOpenIDConfiguration, h); err != nil {
			return err
		}
	}
	if t.JWKSPath != "" {
		if t.JWKSPath[0] != '/' || path.Clean(t.JWKSPath) != t.JWKSPath {
			return fmt.Errorf("%w: JWKSPath %.128q is not a clean absolute path", ErrConfig, t.JWKSPath)
		}
		h, err := JWKSHandler(t.Keys, kd)
		if err != nil {
			return err
		}
		if err := put(t.JWKSPath, "jwks", h); err != nil {
			return err
		}
	}
	if t.JWTVCIssuer != "" {
		u, err := InsertedURL(t.JWTVCIssuer, NameJWTVCIssuer)
		if err != nil {
			return err
		}
		h, err := JWTVCIssuerHandler(t.JWTVCIssuer, t.Keys, t.JWTVCIssuerJWKSURI, kd)
		if err != nil {
			return err
		}
		if err := put(urlPath(u), NameJWTVCIssuer, h); err != nil {
			return err
		}
	}
	if t.DID != "" {
		p, err := DIDDocumentPath(t.DID)
		if err != nil {
			return err
		}
		h, err := DIDDocumentHandler(t.DID, t.Keys, t.DIDDocument, kd)
		if err != nil {
			return err
		}
		if err := put(p, "did.json", h); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range add {
		if r, taken := s.routes[p]; taken {
			return fmt.Errorf("%w: %s is already served (tenant %.64q, %s)", ErrConfig, p, r.tenant, r.doc)
		}
	}
	for p, r := range add {
		s.routes[p] = r
	}
	return nil
}

// Handler returns the server's handler.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP routes by path; unknown paths answer 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	rt, ok := s.routes[r.URL.Path]
	s.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	rt.h.ServeHTTP(w, r)
}

// Paths returns the served URL paths, sorted (for README tables and
// router registration).
func (s *Server) Paths() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return sortedKeys(s.routes)
}
