package issuer

import (
	"context"
	gocrypto "crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
)

// Config configures an Issuer. Issuer, Signer and at least one Plugin are
// required; every other field has a secure default.
type Config struct {
	// Issuer is the Credential Issuer Identifier: an https URL that may have
	// a path (multi-tenant deployments: https://host/tenants/acme). The
	// endpoints live below it (…/token, …/nonce, …/credential,
	// …/deferred_credential, …/notification, …/offers/{id}); the
	// well-known documents are inserted before its path.
	Issuer string
	// Signer signs access tokens (at+jwt, RFC 9068) through the key engine
	// (a *jose.KeySigner over crypto/local, crypto/pkcs11, …). Its public
	// key verifies them; it is also the key of the token endpoint's JWKS.
	Signer AccessTokenSigner
	// Plugins issue the credentials; their configurations form
	// credential_configurations_supported. Two plugins must not claim the
	// same configuration id.
	Plugins []Plugin

	// Offers, Nonces, Replays, Transactions and Notifications are the
	// stores; nil fields use one shared in-memory Memory (single replica).
	Offers        OfferStore
	Nonces        NonceStore
	Replays       ReplayStore
	Transactions  TransactionStore
	Notifications NotificationStore
	// RefreshTokenStore keeps refresh tokens (with RefreshTokens).
	RefreshTokenStore RefreshTokenStore

	// RefreshTokens makes the token endpoint issue refresh tokens with
	// pre-authorized grants and accept grant_type=refresh_token (RFC 6749
	// §6): stored hashed, single use (each use returns the next token of
	// the family; a reused token revokes the whole family), bound to the
	// client and to the DPoP key of the grant, all expiring with the
	// grant, RefreshTokenTTL after redemption.
	RefreshTokens bool
	// RefreshTokenTTL is the lifetime of a grant with refresh tokens
	// (default 24 h).
	RefreshTokenTTL time.Duration

	// DeliverTxCode delivers a generated transaction code to the user out
	// of band (e-mail, SMS, another device). It is the only place the code
	// appears: never in the offer, never in a log. Required for offers
	// with a transaction code.
	DeliverTxCode func(ctx context.Context, d TxCodeDelivery) error

	// OfferTTL bounds an offer and its pre-authorized code (default 10 min).
	OfferTTL time.Duration
	// AccessTokenTTL bounds access tokens (default 5 min).
	AccessTokenTTL time.Duration
	// NonceTTL bounds c_nonce values (default 5 min).
	NonceTTL time.Duration
	// DeferredTTL bounds deferred transactions (default 24 h).
	DeferredTTL time.Duration
	// NotificationTTL bounds notification ids (default 24 h).
	NotificationTTL time.Duration
	// MaxTxCodeAttempts is the number of wrong transaction codes after
	// which the pre-authorized code is invalidated (default 5).
	MaxTxCodeAttempts int
	// ProofMaxAge is the oldest accepted proof iat (default 5 min); Leeway
	// the clock skew allowed into the future and for token expiry
	// (default 30 s).
	ProofMaxAge time.Duration
	Leeway      time.Duration
	// BatchSize, when ≥ 2, enables batch issuance with at most BatchSize
	// proofs per request (batch_credential_issuance).
	BatchSize int
	// AnonymousAccess accepts token requests without client_id
	// (pre-authorized_grant_anonymous_access_supported, default false). With
	// it, proofs of anonymous grants carry no iss.
	AnonymousAccess bool

	// DIDResolver resolves did: kids of key proofs (default: did:key and
	// did:jwk, which need no network).
	DIDResolver did.Resolver
	// ProofAlgorithms is the allow-list for key proofs and DPoP proofs
	// (default ES256, ES384, EdDSA). none and MAC algorithms are never
	// accepted, whatever the list says.
	ProofAlgorithms []crypto.Algorithm

	// Profile ProfileLegacy also accepts the draft 13 shapes W-Stack wallets
	// send (singular proof, format-based credential requests, user_pin) and
	// answers them in kind (c_nonce in token and credential responses, the
	// singular credential). 1.0 requests are handled as 1.0 either way.
	Profile oid4vci.Profile
	// LegacyBatchEndpoint, with ProfileLegacy, serves the draft 13 batch
	// credential endpoint (…/batch_credential) and advertises it as
	// batch_credential_endpoint. The member is not 1.0 metadata: strict 1.0
	// parsers (this module's wallet under ProfileFinal) refuse such
	// metadata, so turn it on only for issuers serving draft 13 wallets.
	LegacyBatchEndpoint bool

	// AuthorizationServers are external authorization servers (the
	// authorization code flow) whose access tokens are accepted.
	AuthorizationServers []AuthorizationServer
	// ExternalGrantTTL is how long an offer redeemed through an external
	// AS's token (issuer_state) stays usable for deferred and notification
	// calls with that user's later tokens (default 24 h).
	ExternalGrantTTL time.Duration

	// ClientAttestation, when set, authenticates wallets at the token
	// endpoint by Attestation-Based Client Authentication (HAIP).
	ClientAttestation *ClientAttestationConfig

	// DataIntegrity verifies di_vp key proofs (§F.2); its resolver must
	// resolve the holders' DIDs (e.g. did.NewKeyResolver). Without it,
	// configurations offering di_vp are refused by New.
	DataIntegrity *dataintegrity.Processor

	// KeyAttesters resolves the keys of trusted key attesters (Appendix D),
	// e.g. a *jose.TrustedKeys keyed by the attestation's iss. Without it,
	// configurations with key_attestations_required are refused by New.
	KeyAttesters jose.KeyResolver

	// DPoP configures sender-constrained tokens (RFC 9449).
	DPoP DPoPConfig

	// Encryption, when set, turns on encrypted credential requests and
	// responses (§10).
	Encryption *EncryptionConfig

	// MetadataSigner, when set, makes the metadata endpoint answer
	// Accept: application/jwt with signed metadata (§12.2.3, typ
	// openidvci-issuer-metadata+jwt, sub = the issuer, iat, exp). Put the
	// x5c chain into MetadataHeader for HAIP.
	MetadataSigner jose.MessageSigner
	// MetadataHeader holds extra protected header members (x5c, kid).
	MetadataHeader map[string]any
	// MetadataTTL is the validity of signed metadata (default 24 h); it is
	// re-signed after half of it.
	MetadataTTL time.Duration

	// Display is the issuer's display metadata.
	Display []oid4vci.IssuerDisplay

	// Logger receives records of failures (never codes, PINs, tokens,
	// proofs or credentials); nil discards.
	Logger *slog.Logger
	// Metrics receives events; nil discards.
	Metrics Metrics
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DPoPConfig configures DPoP (RFC 9449).
type DPoPConfig struct {
	// Required rejects token requests without a DPoP proof and Bearer
	// tokens at the protected endpoints (HAIP).
	Required bool
	// Nonces makes the issuer demand server-provided DPoP nonces (RFC 9449
	// §8, §9): proofs without a current nonce get use_dpop_nonce.
	Nonces bool
	// NonceKey is the MAC key of the stateless DPoP nonces, shared by all
	// replicas (≥ 32 bytes); empty means a random per-process key.
	NonceKey []byte
	// NonceTTL is a DPoP nonce's validity (default 5 min).
	NonceTTL time.Duration
	// MaxAge bounds the age of a DPoP proof (default 2 min).
	MaxAge time.Duration
}

// AccessTokenSigner signs access tokens; *jose.KeySigner implements it.
type AccessTokenSigner interface {
	jose.MessageSigner
	Public() gocrypto.PublicKey
}

// TxCodeDelivery is handed to Config.DeliverTxCode.
type TxCodeDelivery struct {
	// OfferID identifies the offer; Subject is the offer's subject.
	OfferID string
	Subject string
	// Code is the transaction code the user must enter. Secret.
	Code string
	// ExpiresAt is when the offer expires.
	ExpiresAt time.Time
}

// String hides the code (and the offer id, which locates an offer by
// reference), so that logging a TxCodeDelivery leaks nothing.
func (d TxCodeDelivery) String() string {
	return fmt.Sprintf("TxCodeDelivery{Offer:%s Code:[redacted]}", LogID(d.OfferID))
}

// LogValue hides the code from slog.
func (d TxCodeDelivery) LogValue() slog.Value {
	return slog.GroupValue(slog.String("offer", LogID(d.OfferID)), slog.String("code", "[redacted]"))
}

// LogID is the form in which an offer id appears in logs: a short hash, since
// the id itself is the path of an offer by reference (which carries the
// pre-authorized code).
func LogID(offerID string) string { return hashHex("log", offerID)[:16] }

// Issuer is an OpenID4VCI credential issuer with its own pre-authorized code
// token endpoint. It is safe for concurrent use.
type Issuer struct {
	cfg      Config
	id       string // issuer identifier without trailing slash
	origin   string // scheme://host
	path     string // escaped path of the issuer identifier, no trailing slash
	now      func() time.Time
	log      *slog.Logger
	metrics  Metrics
	parser   oid4vci.Parser
	plugins  map[string]Plugin
	configs  map[string]*oid4vci.CredentialConfiguration
	metadata *oid4vci.IssuerMetadata
	mdJSON   []byte
	asJSON   []byte
	atAlg    crypto.Algorithm
	atPub    gocrypto.PublicKey
	didKeys  *did.KeyResolver
	proofAlg []crypto.Algorithm
	dpopKey  []byte
	mux      *http.ServeMux
	enc      *encryption
	external map[string]*AuthorizationServer
	// introspectors by AS issuer; opaque tokens go to these, in order.
	introspectors map[string]*introspector
	opaqueASes    []*AuthorizationServer

	signedMu  sync.Mutex
	signed    []byte
	signedExp time.Time
}

// New checks cfg and returns an Issuer.
func New(cfg Config) (*Issuer, error) {
	if _, err := oid4vci.IssuerMetadataURL(cfg.Issuer); err != nil {
		return nil, fmt.Errorf("%w: Issuer: %v", ErrConfig, err)
	}
	if cfg.Signer == nil {
		return nil, fmt.Errorf("%w: Signer is required", ErrConfig)
	}
	if len(cfg.Plugins) == 0 {
		return nil, fmt.Errorf("%w: at least one plugin is required", ErrConfig)
	}
	u, _ := url.Parse(cfg.Issuer)
	i := &Issuer{
		cfg: cfg, id: strings.TrimSuffix(cfg.Issuer, "/"), origin: u.Scheme + "://" + u.Host,
		path: strings.TrimSuffix(u.EscapedPath(), "/"), now: cfg.Now, log: cfg.Logger, metrics: cfg.Metrics,
		plugins: map[string]Plugin{}, configs: map[string]*oid4vci.CredentialConfiguration{},
	}
	if i.now == nil {
		i.now = time.Now
	}
	if i.log == nil {
		i.log = discardLogger()
	}
	if i.metrics == nil {
		i.metrics = noMetrics{}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&i.cfg.OfferTTL, 10*time.Minute)
	def(&i.cfg.AccessTokenTTL, 5*time.Minute)
	def(&i.cfg.NonceTTL, 5*time.Minute)
	def(&i.cfg.DeferredTTL, 24*time.Hour)
	def(&i.cfg.NotificationTTL, 24*time.Hour)
	def(&i.cfg.ProofMaxAge, 5*time.Minute)
	def(&i.cfg.Leeway, 30*time.Second)
	def(&i.cfg.DPoP.NonceTTL, 5*time.Minute)
	def(&i.cfg.MetadataTTL, 24*time.Hour)
	def(&i.cfg.DPoP.MaxAge, 2*time.Minute)
	if i.cfg.MaxTxCodeAttempts <= 0 {
		i.cfg.MaxTxCodeAttempts = 5
	}
	def(&i.cfg.ExternalGrantTTL, 24*time.Hour)
	def(&i.cfg.RefreshTokenTTL, 24*time.Hour)
	i.external = map[string]*AuthorizationServer{}
	i.introspectors = map[string]*introspector{}
	for k := range i.cfg.AuthorizationServers {
		as := &i.cfg.AuthorizationServers[k]
		if as.Issuer == "" || (as.JWKS == nil && as.Introspection == nil) || as.Issuer == i.id || i.external[as.Issuer] != nil {
			return nil, fmt.Errorf("%w: authorization server %q needs a unique Issuer and JWKS or Introspection", ErrConfig, as.Issuer)
		}
		i.external[as.Issuer] = as
		if as.Introspection != nil {
			in, err := newIntrospector(as.Introspection)
			if err != nil {
				return nil, fmt.Errorf("authorization server %q: %w", as.Issuer, err)
			}
			i.introspectors[as.Issuer] = in
			i.opaqueASes = append(i.opaqueASes, as)
		}
	}
	if c := i.cfg.ClientAttestation; c != nil && c.Providers == nil {
		return nil, fmt.Errorf("%w: ClientAttestation needs Providers", ErrConfig)
	}
	if i.cfg.LegacyBatchEndpoint && i.cfg.Profile != oid4vci.ProfileLegacy {
		return nil, fmt.Errorf("%w: LegacyBatchEndpoint needs Profile = ProfileLegacy", ErrConfig)
	}
	if i.cfg.BatchSize == 1 || i.cfg.BatchSize < 0 {
		return nil, fmt.Errorf("%w: BatchSize must be 0 or at least 2", ErrConfig)
	}
	mem := NewMemory()
	if i.cfg.Offers == nil {
		i.cfg.Offers = mem.Offers()
	}
	if i.cfg.Nonces == nil {
		i.cfg.Nonces = mem.Nonces()
	}
	if i.cfg.Replays == nil {
		i.cfg.Replays = mem.Replays()
	}
	if i.cfg.Transactions == nil {
		i.cfg.Transactions = mem.Transactions()
	}
	if i.cfg.Notifications == nil {
		i.cfg.Notifications = mem.Notifications()
	}
	if i.cfg.RefreshTokenStore == nil {
		i.cfg.RefreshTokenStore = mem.RefreshTokens()
	}
	i.atAlg = cfg.Signer.Algorithm()
	if !i.atAlg.IsAsymmetricSignature() {
		return nil, fmt.Errorf("%w: Signer algorithm %q is not an asymmetric signature algorithm", ErrConfig, i.atAlg)
	}
	i.atPub = cfg.Signer.Public()
	i.proofAlg = cfg.ProofAlgorithms
	if len(i.proofAlg) == 0 {
		i.proofAlg = []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.EdDSA}
	}
	for _, a := range i.proofAlg {
		if !a.IsAsymmetricSignature() {
			return nil, fmt.Errorf("%w: proof algorithm %q is not an asymmetric signature algorithm", ErrConfig, a)
		}
	}
	res := cfg.DIDResolver
	if res == nil {
		r, err := did.NewRegistry(did.KeyMethod{}, did.JWKMethod{})
		if err != nil {
			return nil, err
		}
		res = r
	}
	i.didKeys = did.NewKeyResolver(res, did.KeyResolverOptions{Relationship: did.Authentication})
	i.dpopKey = cfg.DPoP.NonceKey
	if len(i.dpopKey) == 0 {
		i.dpopKey = make([]byte, 32)
		_, _ = rand.Read(i.dpopKey)
	} else if len(i.dpopKey) < 32 {
		return nil, fmt.Errorf("%w: DPoP.NonceKey must have at least 32 bytes", ErrConfig)
	}
	for _, p := range cfg.Plugins {
		for id, c := range p.Configurations() {
			if _, dup := i.configs[id]; dup {
				return nil, fmt.Errorf("%w: credential configuration %q claimed by two plugins", ErrConfig, id)
			}
			if c == nil {
				return nil, fmt.Errorf("%w: credential configuration %q is nil", ErrConfig, id)
			}
			for t, m := range c.ProofTypesSupported {
				if t != oid4vci.ProofTypeJWT && t != oid4vci.ProofTypeAttestation && t != oid4vci.ProofTypeDIVP {
					return nil, fmt.Errorf("%w: configuration %q: proof type %q is not supported by this issuer (jwt, di_vp, attestation)", ErrConfig, id, t)
				}
				if t == oid4vci.ProofTypeDIVP && cfg.DataIntegrity == nil {
					return nil, fmt.Errorf("%w: configuration %q: the di_vp proof type needs Config.DataIntegrity", ErrConfig, id)
				}
				if t == oid4vci.ProofTypeAttestation && cfg.KeyAttesters == nil {
					return nil, fmt.Errorf("%w: configuration %q: the attestation proof type needs Config.KeyAttesters", ErrConfig, id)
				}
				if m != nil && m.KeyAttestationsRequired != nil && cfg.KeyAttesters == nil {
					return nil, fmt.Errorf("%w: configuration %q requires key attestations: Config.KeyAttesters is needed", ErrConfig, id)
				}
			}
			i.configs[id] = c
			i.plugins[id] = p
		}
	}
	if err := i.buildMetadata(); err != nil {
		return nil, err
	}
	i.parser = oid4vci.Parser{Profile: cfg.Profile}
	i.routes()
	return i, nil
}

// Endpoint URLs.
func (i *Issuer) endpoint(name string) string { return i.id + "/" + name }

// TokenEndpoint returns the token endpoint URL.
func (i *Issuer) TokenEndpoint() string { return i.endpoint("token") }

// Identifier returns the Credential Issuer Identifier.
func (i *Issuer) Identifier() string { return i.id }

func (i *Issuer) buildMetadata() error {
	md := &oid4vci.IssuerMetadata{
		CredentialIssuer:           i.cfg.Issuer,
		CredentialEndpoint:         i.endpoint("credential"),
		NonceEndpoint:              i.endpoint("nonce"),
		DeferredCredentialEndpoint: i.endpoint("deferred_credential"),
		NotificationEndpoint:       i.endpoint("notification"),
		Display:                    i.cfg.Display,
		AuthorizationServers:       i.authorizationServers(),
		CredentialConfigurations:   i.configs,
	}
	enc, err := newEncryption(i.cfg.Encryption, md)
	if err != nil {
		return err
	}
	i.enc = enc
	if i.cfg.BatchSize >= 2 {
		md.BatchCredentialIssuance = &oid4vci.BatchCredentialIssuance{BatchSize: i.cfg.BatchSize}
	}
	mdProfile := oid4vci.ProfileFinal
	if i.cfg.LegacyBatchEndpoint {
		// Draft 13 wallets find the batch endpoint here.
		md.BatchCredentialEndpoint = i.endpoint("batch_credential")
		mdProfile = oid4vci.ProfileLegacy
	}
	if err := md.Validate(mdProfile); err != nil {
		return fmt.Errorf("%w: metadata: %v", ErrConfig, err)
	}
	b, err := json.Marshal(md)
	if err != nil {
		return err
	}
	i.metadata, i.mdJSON = md, b
	algs := make([]string, len(i.proofAlg))
	for k, a := range i.proofAlg {
		algs[k] = string(a)
	}
	as := map[string]any{
		"issuer":                            i.id,
		"token_endpoint":                    i.TokenEndpoint(),
		"grant_types_supported":             grantTypes(i.cfg.RefreshTokens),
		"response_types_supported":          []string{},
		"dpop_signing_alg_values_supported": algs,
		"pre-authorized_grant_anonymous_access_supported": i.cfg.AnonymousAccess,
		"authorization_details_types_supported":           []string{oid4vci.AuthorizationDetailsType},
		"token_endpoint_auth_methods_supported":           authMethods(i.cfg.ClientAttestation),
	}
	i.asJSON, err = json.Marshal(as)
	return err
}

// authorizationServers lists the external authorization servers and, since
// it is then no longer implied (§12.2.4), the issuer itself for its
// pre-authorized token endpoint.
func (i *Issuer) authorizationServers() []string {
	if len(i.cfg.AuthorizationServers) == 0 {
		return nil
	}
	var out []string
	for _, as := range i.cfg.AuthorizationServers {
		out = append(out, as.Issuer)
	}
	return append(out, i.id)
}

func grantTypes(refresh bool) []string {
	if refresh {
		return []string{oid4vci.GrantTypePreAuthorizedCode, oid4vci.GrantTypeRefreshToken}
	}
	return []string{oid4vci.GrantTypePreAuthorizedCode}
}

func authMethods(c *ClientAttestationConfig) []string {
	switch {
	case c == nil:
		return []string{"none"}
	case c.Required:
		return []string{"attest_jwt_client_auth"}
	}
	return []string{"attest_jwt_client_auth", "none"}
}

// IssuerMetadata returns the Credential Issuer Metadata (§12.2.4); it
// implements MetadataSource. The result is a copy the caller may change.
func (i *Issuer) IssuerMetadata(context.Context) (*oid4vci.IssuerMetadata, error) {
	var md oid4vci.IssuerMetadata
	if err := json.Unmarshal(i.mdJSON, &md); err != nil {
		return nil, err
	}
	return &md, nil
}

// routes registers every endpoint with its full path, so Handler can be
// mounted at the server root or on a mux shared by several tenants.
func (i *Issuer) routes() {
	m := http.NewServeMux()
	p := i.path
	m.Handle("POST "+p+"/token", i.TokenHandler())
	m.Handle("POST "+p+"/nonce", i.NonceHandler())
	m.Handle("POST "+p+"/credential", i.CredentialHandler())
	if i.cfg.LegacyBatchEndpoint {
		m.Handle("POST "+p+"/batch_credential", i.BatchCredentialHandler())
	}
	m.Handle("POST "+p+"/deferred_credential", i.DeferredHandler())
	m.Handle("POST "+p+"/notification", i.NotificationHandler())
	m.Handle("GET "+p+"/offers/{offer}", i.OfferHandler())
	m.Handle("GET "+oid4vci.WellKnownIssuerMetadata+p, i.MetadataHandler())
	m.Handle("GET /.well-known/oauth-authorization-server"+p, i.ASMetadataHandler())
	i.mux = m
}

// Handler serves every endpoint of the issuer at its full path below the
// issuer identifier, plus the issuer and authorization server metadata at
// their well-known URLs (RFC 8615 insertion before the path).
func (i *Issuer) Handler() http.Handler { return i.mux }

// MetadataHandler serves the issuer metadata as application/json, or
// signed as application/jwt when the request accepts it and
// Config.MetadataSigner is set (§12.2.2, §12.2.3).
func (i *Issuer) MetadataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		if i.cfg.MetadataSigner != nil && acceptsJWT(r.Header.Values("Accept")) {
			tok, err := i.signedMetadata(r.Context())
			if err != nil {
				i.log.ErrorContext(r.Context(), "issuer: signing metadata", "err", err)
				http.Error(w, "metadata unavailable", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", oid4vci.MediaTypeJWT)
			_, _ = w.Write(tok)
			return
		}
		w.Header().Set("Content-Type", oid4vci.MediaTypeJSON)
		_, _ = w.Write(i.mdJSON)
	})
}

func acceptsJWT(vals []string) bool {
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(mt), oid4vci.MediaTypeJWT) {
				return true
			}
		}
	}
	return false
}

func (i *Issuer) signedMetadata(ctx context.Context) ([]byte, error) {
	i.signedMu.Lock()
	defer i.signedMu.Unlock()
	now := i.now()
	if i.signed != nil && now.Before(i.signedExp.Add(-i.cfg.MetadataTTL/2)) {
		return i.signed, nil
	}
	exp := now.Add(i.cfg.MetadataTTL)
	payload, err := oid4vci.SignedMetadataPayload(i.metadata, "", now.Unix(), exp.Unix())
	if err != nil {
		return nil, err
	}
	h := map[string]any{}
	for k, v := range i.cfg.MetadataHeader {
		h[k] = v
	}
	h["typ"] = oid4vci.SignedMetadataType
	tok, err := jose.Sign(ctx, i.cfg.MetadataSigner, h, payload)
	if err != nil {
		return nil, err
	}
	i.signed, i.signedExp = []byte(tok), exp
	return i.signed, nil
}

// ASMetadataHandler serves RFC 8414 authorization server metadata for the
// issuer's own pre-authorized code token endpoint.
func (i *Issuer) ASMetadataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", oid4vci.MediaTypeJSON)
		_, _ = w.Write(i.asJSON)
	})
}

// randomID returns n random bytes, base64url.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("issuer: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashHex(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func macEqual(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// fail records a failure and writes it.
func (i *Issuer) fail(ctx context.Context, w http.ResponseWriter, endpoint string, err error) {
	var e *oid4vci.Error
	code := oid4vci.CodeServerError
	var fe *oid4vci.FieldError
	switch {
	case errors.As(err, &e):
		code = e.Code
	case errors.As(err, &fe) && fe.Code != "":
		code = fe.Code
	}
	if code == oid4vci.CodeServerError {
		i.log.ErrorContext(ctx, "issuer: internal error", "endpoint", endpoint, "err", err)
		err = oid4vci.NewError(oid4vci.CodeServerError, "internal error").Wrap(err)
	} else {
		i.log.DebugContext(ctx, "issuer: request rejected", "endpoint", endpoint, "code", string(code))
	}
	i.metrics.Record(ctx, Event{Kind: EventFailure, Endpoint: endpoint, Code: code})
	oid4vci.WriteError(w, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		oid4vci.WriteError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", oid4vci.MediaTypeJSON)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// marshal is json.Marshal, calling the MarshalJSON of the package
// oid4vci's wire types directly when they carry no Extra members: their
// output is then json.Marshal's own (compact, HTML-escaped), so
// encoding/json's re-validation and compaction of a Marshaler's output (a
// scan of the whole response, credentials included) would give the same
// bytes.
func marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case *oid4vci.CredentialResponse:
		if m != nil && len(m.Extra) == 0 {
			return m.MarshalJSON()
		}
	case *oid4vci.TokenResponse:
		if m != nil && len(m.Extra) == 0 {
			return m.MarshalJSON()
		}
	}
	return json.Marshal(v)
}

func (i *Issuer) timed(endpoint string, h func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h(w, r)
		i.metrics.Record(r.Context(), Event{Kind: EventRequest, Endpoint: endpoint, Duration: time.Since(start)})
	})
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
