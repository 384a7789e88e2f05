package wallet

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/fetch"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/wellknown"
)

// Deferred polling bounds: an issuer's interval is clamped to
// [MinDeferredInterval, Config.MaxDeferredInterval].
const (
	MinDeferredInterval     = time.Second
	DefaultDeferredInterval = 5 * time.Second
	DefaultMaxDeferredWait  = 5 * time.Minute
)

// HolderKey is a key of the key engine the wallet proves possession of
// and binds credentials to. It signs through the engine and never sees
// private material.
type HolderKey struct {
	jwk        *jose.KeySigner
	didSigner  *jose.KeySigner
	did        string
	diSigner   *dataintegrity.KeySigner
	pubJWK     map[string]any
	thumbprint string
}

// NewHolderKey reads the public part of ref once and prepares both proof
// forms: a jwk header and a did:key kid (DID URL). alg may be empty for the
// key type's default.
func NewHolderKey(ctx context.Context, e jose.Engine, ref crypto.KeyRef, alg crypto.Algorithm) (*HolderKey, error) {
	s, err := jose.NewKeySigner(ctx, e, ref, alg)
	if err != nil {
		return nil, err
	}
	h := &HolderKey{jwk: s}
	if h.pubJWK, err = crypto.PublicJWK(s.Public()); err != nil {
		return nil, err
	}
	if h.thumbprint, err = crypto.Thumbprint(s.Public()); err != nil {
		return nil, err
	}
	// did:key covers the key types it has multicodecs for; others use jwk.
	if ds, d, err := did.NewKeyDIDSigner(ctx, e, ref, s.Algorithm()); err == nil {
		h.didSigner, h.did = ds, d
		// di_vp proofs need an engine that also manages keys.
		if km, ok := e.(interface {
			crypto.Signer
			crypto.KeyManager
		}); ok {
			if _, vm, err := did.NewKeyDIDFromEngine(ctx, e, ref); err == nil {
				if dis, err := dataintegrity.NewKeySigner(ctx, km, ref, vm); err == nil {
					h.diSigner = dis
				}
			}
		}
	}
	return h, nil
}

// DID returns the holder's did:key ("" when the key type has none).
func (h *HolderKey) DID() string { return h.did }

// Thumbprint returns the RFC 7638 thumbprint of the key.
func (h *HolderKey) Thumbprint() string { return h.thumbprint }

// Config configures a Client. Fetcher, Validator and at least one holder
// key are required; the zero value of everything else is the secure
// default.
type Config struct {
	// Fetcher fetches offers by reference and metadata (no redirects,
	// size limits, https only unless it allows loopback).
	Fetcher *fetch.Fetcher
	// HolderKeys are the keys credentials are bound to; a batch request
	// uses one key per proof, in order (at most len(HolderKeys) proofs).
	HolderKeys []*HolderKey
	// Validator verifies every received credential before it is stored:
	// issuer signature, validity, status, issuer trust.
	Validator *presentation.Validator
	// Store keeps accepted credentials (default: a new MemoryStore).
	Store Store
	// DPoPKey signs DPoP proofs (RFC 9449). When set, DPoP is used
	// wherever the authorization server advertises it; without it, an
	// issuer that requires DPoP refuses the wallet.
	DPoPKey *jose.KeySigner
	// ClientID is sent as client_id at the token endpoint and as iss of
	// key proofs; empty means anonymous access (which the authorization
	// server must advertise).
	ClientID string
	// TxCode is asked for the transaction code when an offer requires one
	// (the PIN delivered to the user out of band). The code is never
	// logged.
	TxCode func(ctx context.Context, tx *oid4vci.TxCode) (string, error)
	// ClientAttestation, when set, authenticates the wallet at PAR and
	// token endpoints that accept attest_jwt_client_auth (HAIP); client_id
	// is then the attestation's sub.
	ClientAttestation AttestationProvider
	// DataIntegrity signs di_vp key proofs (§F.2) for configurations that
	// offer only that proof type; without it they are unsupported.
	DataIntegrity *dataintegrity.Processor
	// KeyAttestations, when set, attests holder keys for configurations
	// with key_attestations_required (key_attestation in the jwt proof
	// header) and for the attestation proof type.
	KeyAttestations KeyAttestationProvider
	// Authorize and RedirectURI drive the authorization code flow, used
	// when the offer has no pre-authorized code: Authorize receives the
	// authorization request URL and returns the redirect it led to.
	Authorize   Authorize
	RedirectURI string
	// ConsentOfferURI is asked before a credential_offer_uri is fetched;
	// nil refuses offers by reference (ErrConsent).
	ConsentOfferURI func(ctx context.Context, offerURI string) error
	// Batch is the number of credentials to request per configuration
	// when the issuer supports batch issuance (default 1; capped by the
	// issuer's batch_size and len(HolderKeys)).
	Batch int
	// SignedMetadataRoots and SignedMetadataKeys, when either is set, make
	// the wallet ask for signed issuer metadata only (Accept:
	// application/jwt, §12.2.3) and use it only when it verifies: typ
	// openidvci-issuer-metadata+jwt, an asymmetric allow-listed alg, x5c to
	// a root in SignedMetadataRoots (leaf naming the issuer) or a key from
	// SignedMetadataKeys, sub = credential_issuer = the issuer, iat, exp.
	// Unsigned metadata is then refused.
	SignedMetadataRoots *x509.CertPool
	SignedMetadataKeys  jose.KeyResolver
	// Draft13Requests, with Profile ProfileLegacy, sends the credential
	// request of drafts 11–13: format with vct / doctype /
	// credential_definition instead of an identifier, and the singular
	// proof object (so one credential per request), for issuers that do
	// not understand credential_configuration_id.
	Draft13Requests bool
	// SkipEncryption sends plaintext credential and deferred requests when
	// the issuer offers but does not require encryption (§10).
	SkipEncryption bool
	// Profile is the OpenID4VCI profile of the parsers (default 1.0 Final).
	Profile oid4vci.Profile
	// MaxDeferredInterval caps the issuer's deferred interval (default
	// DefaultMaxDeferredWait); MaxDeferredAttempts bounds the polls
	// (default 20).
	MaxDeferredInterval time.Duration
	MaxDeferredAttempts int
	// Sleep waits between deferred polls (default: a timer that honours
	// ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxResponseBytes bounds the responses of token, nonce, credential,
	// deferred and notification endpoints (default 1 MiB).
	MaxResponseBytes int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives debug records (never codes, PINs, tokens, proofs or
	// credentials); nil discards.
	Logger *slog.Logger
	// InsecureAllowLoopback accepts endpoints on loopback hosts (and plain
	// http there); for tests against httptest servers only.
	InsecureAllowLoopback bool
}

// Option configures a Client beyond Config.
type Option func(*Client)

// WithHTTPClient sets the client for POST requests (token, nonce,
// credential, deferred, notification). Its redirect policy is replaced:
// the wallet never follows redirects. The default has a 10 s timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// Client is an OpenID4VCI wallet: it retrieves credentials from an issuer
// and stores the ones that verify. Safe for concurrent use.
type Client struct {
	cfg    Config
	hc     *http.Client
	md     *wellknown.Client
	parser oid4vci.Parser
	log    *slog.Logger
}

// New checks cfg and returns a Client.
func New(cfg Config, opts ...Option) (*Client, error) {
	switch {
	case cfg.Fetcher == nil:
		return nil, fmt.Errorf("%w: Fetcher is required", ErrConfig)
	case cfg.Validator == nil:
		return nil, fmt.Errorf("%w: Validator is required", ErrConfig)
	case len(cfg.HolderKeys) == 0:
		return nil, fmt.Errorf("%w: at least one holder key is required", ErrConfig)
	}
	for i, h := range cfg.HolderKeys {
		if h == nil || h.jwk == nil {
			return nil, fmt.Errorf("%w: holder key %d: use NewHolderKey", ErrConfig, i)
		}
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1
	}
	if cfg.MaxDeferredInterval <= 0 {
		cfg.MaxDeferredInterval = DefaultMaxDeferredWait
	}
	if cfg.MaxDeferredAttempts <= 0 {
		cfg.MaxDeferredAttempts = 20
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{cfg: cfg, parser: oid4vci.Parser{Profile: cfg.Profile}}
	c.log = cfg.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 10 * time.Second}
	}
	hc := *c.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	md, err := wellknown.NewClient(cfg.Fetcher, wellknown.ClientOptions{
		Profile: cfg.Profile, Now: cfg.Now, MetadataRoots: cfg.SignedMetadataRoots, MetadataKeys: cfg.SignedMetadataKeys,
	})
	if err != nil {
		return nil, err
	}
	c.md = md
	return c, nil
}

// Store returns the credential store.
func (c *Client) Store() Store { return c.cfg.Store }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ResolveOffer turns what a wallet is handed into a validated Credential
// Offer (§4.1): an offer link (openid-credential-offer://… or an https
// credential_offer_endpoint URL) with credential_offer or
// credential_offer_uri, or the offer's JSON itself. An offer by reference
// is fetched through the Fetcher (no redirects) only after
// Config.ConsentOfferURI agreed.
func (c *Client) ResolveOffer(ctx context.Context, input string) (*oid4vci.CredentialOffer, error) {
	in := strings.TrimSpace(input)
	if strings.HasPrefix(in, "{") {
		o, err := c.parser.CredentialOffer([]byte(in))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOffer, err)
		}
		return o, nil
	}
	l, err := c.parser.OfferLink(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOffer, err)
	}
	if l.Offer != nil {
		return l.Offer, nil
	}
	if c.cfg.ConsentOfferURI == nil {
		return nil, fmt.Errorf("%w: no consent hook for credential_offer_uri", ErrConsent)
	}
	if err := c.cfg.ConsentOfferURI(ctx, l.OfferURI); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConsent, err)
	}
	res, err := c.cfg.Fetcher.Get(ctx, l.OfferURI, fetch.Call{Accept: oid4vci.MediaTypeJSON, MaxBytes: 64 << 10})
	if err != nil {
		return nil, fmt.Errorf("%w: credential_offer_uri: %w", ErrOffer, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: credential_offer_uri answered %d", ErrOffer, res.StatusCode)
	}
	o, err := c.parser.CredentialOffer(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOffer, err)
	}
	return o, nil
}

// Session is one retrieval: the offer, the metadata it was checked
// against, the access token and the nonces. Not safe for concurrent use.
type Session struct {
	Offer    *oid4vci.CredentialOffer
	Metadata *oid4vci.IssuerMetadata
	// AS is the metadata of the authorization server the token comes from.
	AS *wellknown.ASMetadata
	// Token is the token response (set by Token).
	Token *oid4vci.TokenResponse

	dpop       bool   // token is DPoP-bound
	asNonce    string // DPoP-Nonce of the token endpoint
	rsNonce    string // DPoP-Nonce of the issuer's resource endpoints
	cNonce     string // legacy c_nonce from the token / credential response
	anonymous  bool
	clientID   string
	asIdentity string
	tokenExp   time.Time // when the access token expires (zero: unknown)
	att        *clientAuth
}

// Start fetches the issuer metadata for the offer's credential_issuer
// (credential_issuer must equal it), cross-checks the offer with it
// (configuration ids known, authorization_server listed), checks that
// every endpoint is https, and fetches the authorization server metadata
// (RFC 8414 path insertion first, then openid-configuration).
func (c *Client) Start(ctx context.Context, offer *oid4vci.CredentialOffer) (*Session, error) {
	if offer == nil {
		return nil, fmt.Errorf("%w: nil offer", ErrOffer)
	}
	if err := offer.Validate(c.cfg.Profile); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOffer, err)
	}
	md, err := c.Metadata(ctx, offer.CredentialIssuer)
	if err != nil {
		return nil, err
	}
	if err := offer.CheckMetadata(md); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOffer, err)
	}
	s := &Session{Offer: offer, Metadata: md}
	// The authorization server: the offer's hint for the grant the wallet
	// will use, else the first listed one that supports that grant, else
	// the issuer itself (§12.2.4).
	preAuth := offer.Grants != nil && offer.Grants.PreAuthorizedCode != nil
	var candidates []string
	switch g := offer.Grants; {
	case preAuth && g.PreAuthorizedCode.AuthorizationServer != "":
		candidates = []string{g.PreAuthorizedCode.AuthorizationServer}
	case !preAuth && g != nil && g.AuthorizationCode != nil && g.AuthorizationCode.AuthorizationServer != "":
		candidates = []string{g.AuthorizationCode.AuthorizationServer}
	case len(md.AuthorizationServers) > 0:
		candidates = md.AuthorizationServers
	default:
		candidates = []string{offer.CredentialIssuer}
	}
	var lastErr error
	for _, as := range candidates {
		asm, err := c.asMetadata(ctx, as)
		if err != nil {
			lastErr = err
			continue
		}
		gt := oid4vci.GrantTypeAuthorizationCode
		if preAuth {
			gt = oid4vci.GrantTypePreAuthorizedCode
		}
		if len(asm.GrantTypesSupported) > 0 && !slices.Contains(asm.GrantTypesSupported, gt) || (!preAuth && asm.AuthorizationEndpoint == "") {
			lastErr = fmt.Errorf("%w: authorization server %.128q does not support %s", ErrMetadata, as, gt)
			continue
		}
		s.AS, s.asIdentity = asm, as
		return s, nil
	}
	return nil, lastErr
}

// asMetadata fetches and checks the metadata of one authorization server.
func (c *Client) asMetadata(ctx context.Context, as string) (*wellknown.ASMetadata, error) {
	if err := c.checkEndpoint("authorization_server", as); err != nil {
		return nil, err
	}
	asm, err := c.md.AuthorizationServerMetadata(ctx, as)
	if err != nil {
		var err2 error
		if asm, err2 = c.md.OpenIDConfiguration(ctx, as); err2 != nil {
			return nil, fmt.Errorf("%w: authorization server metadata of %.128q: %w", ErrMetadata, as, err)
		}
	}
	if asm.TokenEndpoint == "" {
		return nil, fmt.Errorf("%w: authorization server without token_endpoint", ErrMetadata)
	}
	if err := c.checkEndpoint("token_endpoint", asm.TokenEndpoint); err != nil {
		return nil, err
	}
	return asm, nil
}

// Metadata fetches and checks the Credential Issuer Metadata (§12.2.2):
// the well-known segment inserted before the issuer's path, no redirects,
// credential_issuer equal to issuer, and every endpoint https (loopback
// only with InsecureAllowLoopback).
func (c *Client) Metadata(ctx context.Context, issuer string) (*oid4vci.IssuerMetadata, error) {
	if err := c.checkEndpoint("credential_issuer", issuer); err != nil {
		return nil, err
	}
	var md *oid4vci.IssuerMetadata
	if c.cfg.SignedMetadataRoots != nil || c.cfg.SignedMetadataKeys != nil {
		smd, err := c.md.SignedIssuerMetadata(ctx, issuer)
		if err != nil {
			return nil, fmt.Errorf("%w: signed metadata: %w", ErrMetadata, err)
		}
		md = smd.Metadata
	} else {
		var err error
		if md, err = c.md.IssuerMetadata(ctx, issuer); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMetadata, err)
		}
	}
	if err := c.CheckMetadata(md); err != nil {
		return nil, err
	}
	return md, nil
}

// CheckMetadata checks the endpoint URLs of issuer metadata: each must be
// an absolute https URL without user information or fragment, and not on
// a loopback host unless InsecureAllowLoopback is set. Display images
// follow the same rule or are data:image/… URIs of at most
// MaxDataURIBytes.
func (c *Client) CheckMetadata(md *oid4vci.IssuerMetadata) error {
	eps := []struct{ name, u string }{
		{"credential_endpoint", md.CredentialEndpoint}, {"nonce_endpoint", md.NonceEndpoint},
		{"deferred_credential_endpoint", md.DeferredCredentialEndpoint}, {"notification_endpoint", md.NotificationEndpoint},
		{"batch_credential_endpoint", md.BatchCredentialEndpoint},
	}
	if md.CredentialEndpoint == "" {
		return fmt.Errorf("%w: credential_endpoint missing", ErrMetadata)
	}
	for _, e := range eps {
		if e.u == "" {
			continue
		}
		if err := c.checkEndpoint(e.name, e.u); err != nil {
			return err
		}
	}
	for i, as := range md.AuthorizationServers {
		if err := c.checkEndpoint(fmt.Sprintf("authorization_servers[%d]", i), as); err != nil {
			return err
		}
	}
	return c.checkDisplay(md)
}

func (c *Client) checkEndpoint(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%w: %s is not an absolute URL without user information and fragment", ErrMetadata, field)
	}
	loop := fetch.IsLoopbackHost(u.Hostname())
	switch {
	case u.Scheme == "https" && !loop:
		return nil
	case loop && c.cfg.InsecureAllowLoopback && (u.Scheme == "https" || u.Scheme == "http"):
		return nil
	case loop:
		return fmt.Errorf("%w: %s on a loopback host (InsecureAllowLoopback is off)", ErrMetadata, field)
	}
	return fmt.Errorf("%w: %s must be https", ErrMetadata, field)
}

// Token obtains the access token (§6): with the offer's pre-authorized
// code and the transaction code from Config.TxCode when the offer asks for
// one, or else by the authorization code flow (PKCE, PAR, Config.Authorize);
// with a DPoP proof when the authorization server supports DPoP and
// the wallet has a DPoPKey (one retry on use_dpop_nonce). The response
// must carry an access_token of the token_type asked for.
func (c *Client) Token(ctx context.Context, s *Session) error {
	useDPoP := c.cfg.DPoPKey != nil && slices.Contains(s.AS.DPoPSigningAlgValuesSupported, string(c.cfg.DPoPKey.Algorithm()))
	att, err := c.clientAttestation(ctx, s)
	if err != nil {
		return err
	}
	s.clientID = c.cfg.ClientID
	if att != nil {
		s.clientID = att.sub
	}
	var req *oid4vci.TokenRequest
	if g := s.Offer.Grants; g != nil && g.PreAuthorizedCode != nil {
		req, err = c.preAuthorized(ctx, g.PreAuthorizedCode, s.clientID)
	} else {
		req, err = c.authorizationCode(ctx, s, useDPoP, att)
	}
	if err != nil {
		return err
	}
	s.anonymous = s.clientID == ""
	s.att = att
	return c.tokenRequest(ctx, s, req, useDPoP)
}

// tokenRequest POSTs a token request (with client attestation and DPoP as
// the session uses them, one retry on use_dpop_nonce) and checks the
// response: access_token and the token_type asked for.
func (c *Client) tokenRequest(ctx context.Context, s *Session, req *oid4vci.TokenRequest, useDPoP bool) error {
	att := s.att
	form, err := req.Form()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	body := []byte(form.Encode())
	var res *httpResult
	for attempt := 0; ; attempt++ {
		hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if err := att.headers(ctx, hdr, s.AS.Issuer, c.cfg.Now()); err != nil {
			return err
		}
		if useDPoP {
			p, err := c.dpopProof(ctx, http.MethodPost, s.AS.TokenEndpoint, "", s.asNonce)
			if err != nil {
				return err
			}
			hdr.Set("DPoP", p)
		}
		res, err = c.post(ctx, s.AS.TokenEndpoint, body, hdr)
		if err != nil {
			return err
		}
		if n := res.header.Get("DPoP-Nonce"); n != "" {
			s.asNonce = n
		}
		if res.status == http.StatusOK {
			break
		}
		pe := c.protocolError(res)
		if useDPoP && attempt == 0 && pe != nil && pe.Code == oid4vci.CodeUseDPoPNonce && res.header.Get("DPoP-Nonce") != "" {
			continue
		}
		if pe != nil {
			return fmt.Errorf("wallet: token endpoint: %w", pe)
		}
		return fmt.Errorf("%w: token endpoint answered %d", ErrResponse, res.status)
	}
	tr, err := c.parser.TokenResponse(res.body)
	if err != nil {
		return fmt.Errorf("%w: token response: %w", ErrResponse, err)
	}
	want := "Bearer"
	if useDPoP {
		want = "DPoP"
	}
	if !strings.EqualFold(tr.TokenType, want) {
		return fmt.Errorf("%w: token_type %.32q, asked for %s", ErrResponse, tr.TokenType, want)
	}
	if s.Token != nil && tr.AuthorizationDetails == nil {
		tr.AuthorizationDetails = s.Token.AuthorizationDetails // a refresh keeps the grant
	}
	s.Token, s.dpop = tr, useDPoP
	if tr.CNonce != "" {
		s.cNonce = tr.CNonce
	}
	s.tokenExp = time.Time{}
	if tr.ExpiresIn > 0 {
		s.tokenExp = c.cfg.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	c.log.DebugContext(ctx, "wallet: access token received", slog.String("issuer", s.Offer.CredentialIssuer), slog.Bool("dpop", useDPoP))
	return nil
}

// Refresh obtains a new access token with the session's refresh token
// (RFC 6749 §6; DPoP-proven when the grant is DPoP-bound, with the client
// attestation when the session used one) and keeps the rotated refresh
// token. The credential, deferred and notification calls refresh by
// themselves when the access token expired or the issuer answers
// invalid_token.
func (c *Client) Refresh(ctx context.Context, s *Session) error {
	if s.Token == nil || s.Token.RefreshToken == "" {
		return fmt.Errorf("%w: no refresh token", ErrConfig)
	}
	req := &oid4vci.TokenRequest{GrantType: oid4vci.GrantTypeRefreshToken, RefreshToken: s.Token.RefreshToken, ClientID: s.clientID}
	return c.tokenRequest(ctx, s, req, s.dpop)
}

// preAuthorized builds the pre-authorized code token request.
func (c *Client) preAuthorized(ctx context.Context, pa *oid4vci.PreAuthorizedCodeGrant, clientID string) (*oid4vci.TokenRequest, error) {
	req := &oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: pa.PreAuthorizedCode, ClientID: clientID}
	if !pa.TxCodeRequired() {
		return req, nil
	}
	if c.cfg.TxCode == nil {
		return nil, ErrTxCode
	}
	tx := pa.TxCode
	if tx == nil {
		tx = &oid4vci.TxCode{InputMode: oid4vci.InputModeNumeric}
	}
	code, err := c.cfg.TxCode(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTxCode, err)
	}
	if code == "" {
		return nil, ErrTxCode
	}
	if pa.TxCode == nil {
		req.UserPIN = code // drafts ≤ 12: user_pin_required
	} else {
		req.TxCode = code
	}
	return req, nil
}

// Nonce fetches a fresh c_nonce from the nonce endpoint (§7). Without a
// nonce endpoint it returns the legacy c_nonce of the last response, or "".
func (c *Client) Nonce(ctx context.Context, s *Session) (string, error) {
	if s.Metadata.NonceEndpoint == "" {
		return s.cNonce, nil
	}
	res, err := c.post(ctx, s.Metadata.NonceEndpoint, nil, http.Header{})
	if err != nil {
		return "", err
	}
	if res.status != http.StatusOK {
		if pe := c.protocolError(res); pe != nil {
			return "", fmt.Errorf("wallet: nonce endpoint: %w", pe)
		}
		return "", fmt.Errorf("%w: nonce endpoint answered %d", ErrResponse, res.status)
	}
	nr, err := c.parser.NonceResponse(res.body)
	if err != nil {
		return "", fmt.Errorf("%w: nonce response: %w", ErrResponse, err)
	}
	return nr.CNonce, nil
}

// Request names what to ask the credential endpoint for.
type Request struct {
	// ConfigurationID is the credential configuration (from the offer).
	ConfigurationID string
	// CredentialIdentifier, when set, is sent instead of the
	// configuration id (from the token response's authorization_details).
	CredentialIdentifier string
	// Count is the number of credentials (one proof and key each); 0 uses
	// Config.Batch. Capped by batch_size and the holder keys.
	Count int
}

// Issued is the outcome of a credential request: verified credentials
// ready to store, not yet stored.
type Issued struct {
	Credentials    []*StoredCredential
	NotificationID string
}

// RequestCredential sends a credential request (§8) with jwt key proofs
// (typ openid4vci-proof+jwt, aud = the issuer, nonce = a fresh c_nonce,
// kid = DID URL or jwk header as the configuration's
// cryptographic_binding_methods_supported allows), one key per proof,
// retries once on invalid_nonce, polls the deferred endpoint when the
// issuer defers, and checks every credential: verified by the Validator,
// of the requested format / vct / type, bound to a key it proved, no more
// credentials than proofs. On any failure nothing is returned and the
// issuer is sent credential_failure when the response had a
// notification_id.
func (c *Client) RequestCredential(ctx context.Context, s *Session, r Request) (*Issued, error) {
	if s.Token == nil {
		return nil, fmt.Errorf("%w: no access token (call Token first)", ErrConfig)
	}
	cfg := s.Metadata.CredentialConfigurations[r.ConfigurationID]
	if cfg == nil {
		return nil, fmt.Errorf("%w: unknown configuration %.64q", ErrOffer, r.ConfigurationID)
	}
	keys, mode, err := c.proofKeys(s, cfg, r.Count)
	if err != nil {
		return nil, err
	}
	if c.cfg.Draft13Requests && c.cfg.Profile == oid4vci.ProfileLegacy && s.Metadata.BatchCredentialEndpoint != "" &&
		len(keys) > 1 && (mode == proofJWK || mode == proofDID) && cfg.ProofTypesSupported[oid4vci.ProofTypeJWT].KeyAttestationsRequired == nil {
		return c.requestBatch(ctx, s, r, cfg, keys, mode)
	}
	var cr *oid4vci.CredentialResponse
	for attempt := 0; ; attempt++ {
		req := oid4vci.CredentialRequest{CredentialIdentifier: r.CredentialIdentifier}
		draft13 := c.cfg.Draft13Requests && c.cfg.Profile == oid4vci.ProfileLegacy
		switch {
		case draft13:
			req = oid4vci.CredentialRequest{Format: cfg.Format, VCT: cfg.VCT, Doctype: cfg.Doctype, CredentialDefinition: cfg.CredentialDefinition}
			keys = keys[:min(len(keys), 1)]
		case req.CredentialIdentifier == "":
			req.CredentialConfigurationID = r.ConfigurationID
		}
		if len(keys) > 0 {
			nonce, err := c.Nonce(ctx, s)
			if err != nil {
				return nil, err
			}
			var keyAtt string
			ptype := oid4vci.ProofTypeJWT
			if mode == proofAttestation {
				ptype = oid4vci.ProofTypeAttestation
			}
			if pt := cfg.ProofTypesSupported[ptype]; mode == proofAttestation || (mode != proofDIVP && pt.KeyAttestationsRequired != nil) {
				if keyAtt, err = c.cfg.KeyAttestations.KeyAttestation(ctx, keys, nonce, pt.KeyAttestationsRequired); err != nil {
					return nil, fmt.Errorf("wallet: key attestation: %w", err)
				}
			}
			switch mode {
			case proofDIVP:
				req.Proofs = &oid4vci.Proofs{}
				for _, k := range keys {
					vp, err := c.divp(ctx, s, k, cfg, nonce)
					if err != nil {
						return nil, err
					}
					req.Proofs.DIVP = append(req.Proofs.DIVP, vp)
				}
			case proofAttestation:
				req.Proofs = &oid4vci.Proofs{Attestation: []string{keyAtt}}
			default:
				proofs := make([]string, len(keys))
				for i, k := range keys {
					if proofs[i], err = c.proof(ctx, s, k, mode, nonce, keyAtt); err != nil {
						return nil, err
					}
				}
				req.Proofs = &oid4vci.Proofs{JWT: proofs}
				if draft13 {
					req.Proofs, req.Proof = nil, &oid4vci.Proof{ProofType: oid4vci.ProofTypeJWT, JWT: proofs[0]}
				}
			}
		}
		x, err := c.newExchange(s.Metadata)
		if err != nil {
			return nil, err
		}
		if x != nil {
			req.CredentialResponseEncryption = x.re
		}
		res, err := c.resource(ctx, s, s.Metadata.CredentialEndpoint, req, x)
		if err != nil {
			return nil, err
		}
		if res.status == http.StatusOK || res.status == http.StatusAccepted {
			pt, err := x.open(res)
			if err != nil {
				return nil, err
			}
			cr, err = c.parser.CredentialResponse(res.status, pt)
			if err != nil {
				return nil, fmt.Errorf("%w: credential response: %w", ErrResponse, err)
			}
			break
		}
		pe := c.protocolError(res)
		if pe != nil && pe.Code == oid4vci.CodeInvalidNonce && attempt == 0 && len(keys) > 0 {
			if pe.CNonce != "" {
				s.cNonce = pe.CNonce
			}
			continue
		}
		if pe != nil {
			return nil, fmt.Errorf("wallet: credential endpoint: %w", pe)
		}
		return nil, fmt.Errorf("%w: credential endpoint answered %d", ErrResponse, res.status)
	}
	if cr.CNonce != "" {
		s.cNonce = cr.CNonce
	}
	if len(cr.Credentials) == 0 && len(cr.Credential) == 0 {
		if cr.TransactionID == "" {
			return nil, fmt.Errorf("%w: neither credentials nor transaction_id", ErrResponse)
		}
		if cr, err = c.Deferred(ctx, s, cr.TransactionID, cr.Interval); err != nil {
			return nil, err
		}
	}
	is, err := c.check(ctx, s, r.ConfigurationID, cfg, keys, cr)
	if err != nil {
		// Tell the issuer the credential was not accepted (§11.1); the
		// error of the notification itself is secondary.
		if nerr := c.Notify(ctx, s, cr.NotificationID, oid4vci.EventCredentialFailure, "the wallet rejected the credential"); nerr != nil {
			c.log.DebugContext(ctx, "wallet: failure notification failed", slog.Any("error", nerr))
		}
		return nil, err
	}
	return is, nil
}

// requestBatch is RequestCredential through the draft 13 batch credential
// endpoint: one format-based request with the singular jwt proof per key,
// all with the same c_nonce (one retry on invalid_nonce), the
// credential_responses in order (deferred ones polled), then the same
// checks as for one response.
func (c *Client) requestBatch(ctx context.Context, s *Session, r Request, cfg *oid4vci.CredentialConfiguration, keys []*HolderKey, mode proofMode) (*Issued, error) {
	var br *oid4vci.BatchCredentialResponse
	for attempt := 0; ; attempt++ {
		nonce, err := c.Nonce(ctx, s)
		if err != nil {
			return nil, err
		}
		req := oid4vci.BatchCredentialRequest{}
		for _, k := range keys {
			p, err := c.proof(ctx, s, k, mode, nonce, "")
			if err != nil {
				return nil, err
			}
			req.CredentialRequests = append(req.CredentialRequests, oid4vci.CredentialRequest{
				Format: cfg.Format, VCT: cfg.VCT, Doctype: cfg.Doctype, CredentialDefinition: cfg.CredentialDefinition,
				Proof: &oid4vci.Proof{ProofType: oid4vci.ProofTypeJWT, JWT: p},
			})
		}
		res, err := c.resource(ctx, s, s.Metadata.BatchCredentialEndpoint, req, nil)
		if err != nil {
			return nil, err
		}
		if res.status == http.StatusOK {
			if br, err = c.parser.BatchCredentialResponse(res.body); err != nil {
				return nil, fmt.Errorf("%w: batch credential response: %w", ErrResponse, err)
			}
			break
		}
		pe := c.protocolError(res)
		if pe != nil && pe.Code == oid4vci.CodeInvalidNonce && attempt == 0 {
			if pe.CNonce != "" {
				s.cNonce = pe.CNonce
			}
			continue
		}
		if pe != nil {
			return nil, fmt.Errorf("wallet: batch credential endpoint: %w", pe)
		}
		return nil, fmt.Errorf("%w: batch credential endpoint answered %d", ErrResponse, res.status)
	}
	if br.CNonce != "" {
		s.cNonce = br.CNonce
	}
	if len(br.CredentialResponses) > len(keys) {
		return nil, fmt.Errorf("%w: %d batch responses for %d requests", ErrTooMany, len(br.CredentialResponses), len(keys))
	}
	cr := &oid4vci.CredentialResponse{}
	var nids []string
	for k := range br.CredentialResponses {
		item := &br.CredentialResponses[k]
		if len(item.Credential) == 0 && len(item.Credentials) == 0 && item.TransactionID != "" {
			d, err := c.Deferred(ctx, s, item.TransactionID, item.Interval)
			if err != nil {
				return nil, err
			}
			item = d
		}
		got := item.Credentials
		if len(got) == 0 && len(item.Credential) > 0 {
			got = []oid4vci.IssuedCredential{{Credential: item.Credential}}
		}
		if len(got) != 1 {
			return nil, fmt.Errorf("%w: batch response %d holds %d credentials", ErrResponse, k, len(got))
		}
		cr.Credentials = append(cr.Credentials, got[0])
		nids = append(nids, item.NotificationID)
	}
	if len(nids) > 0 {
		cr.NotificationID = nids[0]
	}
	is, err := c.check(ctx, s, r.ConfigurationID, cfg, keys, cr)
	if err != nil {
		for _, n := range nids {
			_ = c.Notify(ctx, s, n, oid4vci.EventCredentialFailure, "the wallet rejected the credential")
		}
		return nil, err
	}
	for k, sc := range is.Credentials {
		if k < len(nids) {
			sc.NotificationID = nids[k]
		}
	}
	return is, nil
}

type proofMode int

const (
	proofNone proofMode = iota
	proofJWK
	proofDID
	proofAttestation
	proofDIVP
)

// proofKeys picks the keys and the proof form for a configuration.
func (c *Client) proofKeys(s *Session, cfg *oid4vci.CredentialConfiguration, count int) ([]*HolderKey, proofMode, error) {
	if len(cfg.ProofTypesSupported) == 0 {
		if len(cfg.CryptographicBindingMethodsSupported) > 0 {
			return nil, 0, fmt.Errorf("%w: binding without proof_types_supported", ErrMetadata)
		}
		return nil, proofNone, nil
	}
	pt := cfg.ProofTypesSupported[oid4vci.ProofTypeJWT]
	attested := false
	if pt == nil && cfg.ProofTypesSupported[oid4vci.ProofTypeDIVP] != nil && c.cfg.DataIntegrity != nil {
		return c.divpKeys(s, cfg, count)
	}
	if pt == nil {
		pt = cfg.ProofTypesSupported[oid4vci.ProofTypeAttestation]
		if pt == nil || c.cfg.KeyAttestations == nil {
			return nil, 0, fmt.Errorf("%w: only jwt proofs (and attestation proofs with a KeyAttestations provider) are implemented", ErrUnsupported)
		}
		attested = true
	}
	if pt.KeyAttestationsRequired != nil && c.cfg.KeyAttestations == nil {
		return nil, 0, fmt.Errorf("%w: key attestations required but no KeyAttestations provider", ErrUnsupported)
	}
	if len(pt.ProofSigningAlgValuesSupported) > 0 && !slices.Contains(pt.ProofSigningAlgValuesSupported, string(c.cfg.HolderKeys[0].jwk.Algorithm())) {
		return nil, 0, fmt.Errorf("%w: proof_signing_alg_values_supported lacks %s", ErrUnsupported, c.cfg.HolderKeys[0].jwk.Algorithm())
	}
	methods := cfg.CryptographicBindingMethodsSupported
	mode := proofJWK
	switch {
	case slices.Contains(methods, "did:key") && c.cfg.HolderKeys[0].didSigner != nil:
		mode = proofDID
	case len(methods) == 0 || slices.Contains(methods, oid4vci.BindingJWK):
	default:
		return nil, 0, fmt.Errorf("%w: binding methods %v", ErrUnsupported, methods)
	}
	if count <= 0 {
		count = c.cfg.Batch
	}
	max := 1
	if b := s.Metadata.BatchCredentialIssuance; b != nil && b.BatchSize > 1 {
		max = b.BatchSize
	}
	count = min(count, max, len(c.cfg.HolderKeys))
	keys := c.cfg.HolderKeys[:count]
	if attested {
		return keys, proofAttestation, nil
	}
	if mode == proofDID {
		for _, k := range keys {
			if k.didSigner == nil {
				return nil, 0, fmt.Errorf("%w: holder key without did:key", ErrUnsupported)
			}
		}
	}
	return keys, mode, nil
}

// proof signs one jwt key proof (§F.1).
func (c *Client) proof(ctx context.Context, s *Session, k *HolderKey, mode proofMode, nonce, keyAttestation string) (string, error) {
	h := map[string]any{"typ": oid4vci.ProofJWTType}
	if keyAttestation != "" {
		h["key_attestation"] = keyAttestation
	}
	signer := k.jwk
	if mode == proofDID {
		signer = k.didSigner // kid = the DID URL
	} else {
		h["jwk"] = k.pubJWK
	}
	claims := map[string]any{"aud": s.Metadata.CredentialIssuer, "iat": c.cfg.Now().Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if !s.anonymous {
		claims["iss"] = s.clientID
	}
	return jose.SignJWT(ctx, signer, h, claims)
}

// Deferred polls the deferred credential endpoint (§9) until the issuer
// issues, waiting interval seconds between polls (clamped to
// [MinDeferredInterval, MaxDeferredInterval]) and stopping when ctx ends
// or after MaxDeferredAttempts polls.
func (c *Client) Deferred(ctx context.Context, s *Session, transactionID string, interval int) (*oid4vci.CredentialResponse, error) {
	if s.Metadata.DeferredCredentialEndpoint == "" {
		return nil, fmt.Errorf("%w: issuer deferred without a deferred_credential_endpoint", ErrDeferred)
	}
	for n := 0; n < c.cfg.MaxDeferredAttempts; n++ {
		if err := c.cfg.Sleep(ctx, c.clampInterval(interval)); err != nil {
			return nil, err
		}
		x, err := c.newExchange(s.Metadata)
		if err != nil {
			return nil, err
		}
		req := oid4vci.DeferredCredentialRequest{TransactionID: transactionID}
		if x != nil {
			req.CredentialResponseEncryption = x.re
		}
		res, err := c.resource(ctx, s, s.Metadata.DeferredCredentialEndpoint, req, x)
		if err != nil {
			return nil, err
		}
		switch res.status {
		case http.StatusOK, http.StatusAccepted:
			pt, err := x.open(res)
			if err != nil {
				return nil, err
			}
			cr, err := c.parser.CredentialResponse(res.status, pt)
			if err != nil {
				return nil, fmt.Errorf("%w: deferred response: %w", ErrResponse, err)
			}
			if len(cr.Credentials) > 0 || len(cr.Credential) > 0 {
				return cr, nil
			}
			interval = cr.Interval
			continue
		}
		pe := c.protocolError(res)
		if pe != nil && (pe.Code == oid4vci.CodeIssuancePending || pe.Code == oid4vci.CodeAuthorizationPending) {
			interval = pe.Interval
			continue
		}
		if pe != nil && pe.Code == oid4vci.CodeSlowDown {
			interval = max(interval, 0) + 5
			continue
		}
		if pe != nil {
			return nil, fmt.Errorf("wallet: deferred endpoint: %w", pe)
		}
		return nil, fmt.Errorf("%w: deferred endpoint answered %d", ErrResponse, res.status)
	}
	return nil, fmt.Errorf("%w: still pending after %d polls", ErrDeferred, c.cfg.MaxDeferredAttempts)
}

func (c *Client) clampInterval(sec int) time.Duration {
	if sec <= 0 {
		return DefaultDeferredInterval
	}
	if int64(sec) > int64(c.cfg.MaxDeferredInterval/time.Second) {
		return c.cfg.MaxDeferredInterval
	}
	return max(time.Duration(sec)*time.Second, MinDeferredInterval)
}

// Notify sends a notification (§11): event is credential_accepted,
// credential_failure or credential_deleted.
func (c *Client) Notify(ctx context.Context, s *Session, notificationID, event, description string) error {
	if s.Metadata.NotificationEndpoint == "" || notificationID == "" {
		return nil
	}
	nr := oid4vci.NotificationRequest{NotificationID: notificationID, Event: event, EventDescription: description}
	if err := nr.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	res, err := c.resource(ctx, s, s.Metadata.NotificationEndpoint, nr, nil)
	if err != nil {
		return err
	}
	if res.status == http.StatusNoContent || res.status == http.StatusOK {
		return nil
	}
	if pe := c.protocolError(res); pe != nil {
		return fmt.Errorf("wallet: notification endpoint: %w", pe)
	}
	return fmt.Errorf("%w: notification endpoint answered %d", ErrResponse, res.status)
}

// check verifies what arrived; see RequestCredential.
func (c *Client) check(ctx context.Context, s *Session, cfgID string, cfg *oid4vci.CredentialConfiguration, keys []*HolderKey, cr *oid4vci.CredentialResponse) (*Issued, error) {
	creds := cr.Credentials
	if len(creds) == 0 && len(cr.Credential) > 0 {
		creds = []oid4vci.IssuedCredential{{Credential: cr.Credential}}
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("%w: no credentials", ErrResponse)
	}
	if len(creds) > max(len(keys), 1) {
		return nil, fmt.Errorf("%w: %d credentials for %d proofs", ErrTooMany, len(creds), len(keys))
	}
	format := vocab.Format(cfg.Format)
	if cfg.Format == oid4vci.FormatLegacySDJWTVC {
		format = vocab.FormatSDJWTVCLegacy
	}
	out := &Issued{NotificationID: cr.NotificationID}
	used := map[string]bool{}
	for i, ic := range creds {
		v, err := c.cfg.Validator.Verify(ctx, format, ic.Credential)
		if err != nil {
			return nil, fmt.Errorf("%w: credential %d (%s): %w", ErrCredential, i, cfg.Format, err)
		}
		if v.Format != format {
			return nil, fmt.Errorf("%w: credential %d is %s, asked for %s", ErrCredential, i, v.Format, format)
		}
		switch cfg.Format {
		case oid4vci.FormatSDJWTVC, oid4vci.FormatLegacySDJWTVC:
			if cfg.VCT != "" && v.VCT != cfg.VCT {
				return nil, fmt.Errorf("%w: credential %d has vct %.128q, asked for %.128q", ErrCredential, i, v.VCT, cfg.VCT)
			}
		case oid4vci.FormatMsoMdoc:
			if cfg.Doctype != "" && v.DocType != cfg.Doctype {
				return nil, fmt.Errorf("%w: credential %d has doctype %.128q", ErrCredential, i, v.DocType)
			}
		default:
			if d := cfg.CredentialDefinition; d != nil {
				for _, t := range d.Type {
					if !slices.Contains(v.Types, t) {
						return nil, fmt.Errorf("%w: credential %d lacks type %.128q", ErrCredential, i, t)
					}
				}
			}
		}
		tp := ""
		if len(keys) > 0 {
			k, err := boundKey(v, keys)
			if err != nil {
				return nil, fmt.Errorf("credential %d: %w", i, err)
			}
			if used[k.thumbprint] {
				return nil, fmt.Errorf("%w: credential %d bound to a key another credential uses", ErrBinding, i)
			}
			used[k.thumbprint] = true
			tp = k.thumbprint
		}
		raw := string(ic.Credential)
		var str string
		if json.Unmarshal(ic.Credential, &str) == nil {
			raw = str
		}
		out.Credentials = append(out.Credentials, &StoredCredential{
			ID: rand.Text(), Issuer: s.Metadata.CredentialIssuer, ConfigurationID: cfgID, Format: cfg.Format,
			VCT: v.VCT, Types: v.Types, Raw: raw, HolderKeyThumbprint: tp, NotificationID: cr.NotificationID,
		})
	}
	return out, nil
}

// boundKey finds the proved key a credential is bound to: cnf.jwk by
// thumbprint, or the holder DID (credentialSubject.id / sub / kid).
func boundKey(v *presentation.Credential, keys []*HolderKey) (*HolderKey, error) {
	if v.HolderJWK != nil {
		pub, err := crypto.PublicKeyFromJWK(v.HolderJWK)
		if err != nil {
			return nil, fmt.Errorf("%w: cnf.jwk: %w", ErrBinding, err)
		}
		tp, err := crypto.Thumbprint(pub)
		if err != nil {
			return nil, fmt.Errorf("%w: cnf.jwk: %w", ErrBinding, err)
		}
		for _, k := range keys {
			if k.thumbprint == tp {
				return k, nil
			}
		}
		return nil, fmt.Errorf("%w: cnf.jwk is not a key the wallet proved", ErrBinding)
	}
	for _, id := range []string{v.HolderID, v.Subject} {
		if id == "" {
			continue
		}
		base, _, _ := strings.Cut(id, "#")
		for _, k := range keys {
			if k.did != "" && base == k.did {
				return k, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: not bound to a key the wallet proved", ErrBinding)
}

// Accept stores issued credentials.
func (c *Client) Accept(ctx context.Context, is *Issued) error {
	now := c.cfg.Now()
	for _, sc := range is.Credentials {
		sc.ReceivedAt = now
		if err := c.cfg.Store.Put(ctx, sc); err != nil {
			return err
		}
	}
	return nil
}

// AcceptOffer runs the whole retrieval for an offer (link, https URL or
// JSON): resolve, metadata, token, then one credential request per offered
// configuration. Credentials are stored only when all of them verified;
// the issuer is notified (credential_accepted, or credential_failure when
// a credential was rejected). It returns the stored credentials.
func (c *Client) AcceptOffer(ctx context.Context, input string) ([]*StoredCredential, error) {
	offer, err := c.ResolveOffer(ctx, input)
	if err != nil {
		return nil, err
	}
	s, err := c.Start(ctx, offer)
	if err != nil {
		return nil, err
	}
	if err := c.Token(ctx, s); err != nil {
		return nil, err
	}
	var all []*Issued
	for _, id := range offer.ConfigurationIDs() {
		r := Request{ConfigurationID: id}
		if ids := s.Token.CredentialIdentifiers(id); len(ids) > 0 {
			r.CredentialIdentifier = ids[0]
		}
		is, err := c.RequestCredential(ctx, s, r)
		if err != nil {
			// The credential_failure notification needs a notification_id,
			// which only a response that verified structurally carries.
			for _, done := range all {
				_ = c.Notify(ctx, s, done.NotificationID, oid4vci.EventCredentialFailure, "another credential of the offer was rejected")
			}
			return nil, err
		}
		all = append(all, is)
	}
	var out []*StoredCredential
	for _, is := range all {
		if err := c.Accept(ctx, is); err != nil {
			return nil, err
		}
		out = append(out, is.Credentials...)
	}
	for _, is := range all {
		// One notification per notification_id (a draft 13 batch has one
		// per credential).
		ids := []string{is.NotificationID}
		for _, sc := range is.Credentials {
			if !slices.Contains(ids, sc.NotificationID) {
				ids = append(ids, sc.NotificationID)
			}
		}
		for _, id := range ids {
			if err := c.Notify(ctx, s, id, oid4vci.EventCredentialAccepted, ""); err != nil {
				c.log.DebugContext(ctx, "wallet: notification failed", slog.Any("error", err))
			}
		}
	}
	return out, nil
}

// Delete removes a stored credential and, when the session is still
// usable, tells the issuer (credential_deleted).
func (c *Client) Delete(ctx context.Context, s *Session, id string) error {
	sc, err := c.cfg.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := c.cfg.Store.Delete(ctx, id); err != nil {
		return err
	}
	if s != nil && s.Token != nil {
		return c.Notify(ctx, s, sc.NotificationID, oid4vci.EventCredentialDeleted, "")
	}
	return nil
}

// --- HTTP plumbing ---

type httpResult struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) post(ctx context.Context, u string, body []byte, hdr http.Header) (*httpResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", oid4vci.MediaTypeJSON)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("wallet: POST %s: %w", redact(u), err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		return nil, fmt.Errorf("%w: %d from %s", ErrRedirect, res.StatusCode, redact(u))
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("wallet: reading %s: %w", redact(u), err)
	}
	if int64(len(b)) > c.cfg.MaxResponseBytes {
		return nil, fmt.Errorf("%w: response of %s exceeds %d bytes", ErrResponse, redact(u), c.cfg.MaxResponseBytes)
	}
	return &httpResult{status: res.StatusCode, header: res.Header, body: b}, nil
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(bad URL)"
	}
	p.RawQuery, p.Fragment, p.User = "", "", nil
	return p.String()
}

// resource POSTs JSON to a protected endpoint with the access token
// (Bearer, or DPoP with a proof), retrying once on a DPoP nonce challenge.
// With an exchange, the body is encrypted (application/jwt); a fresh
// encryption is made per attempt.
func (c *Client) resource(ctx context.Context, s *Session, u string, msg any, x *exchange) (*httpResult, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	ct := oid4vci.MediaTypeJSON
	refreshed := false
	if s.Token != nil && s.Token.RefreshToken != "" && !s.tokenExp.IsZero() && !c.cfg.Now().Before(s.tokenExp) {
		if err := c.Refresh(ctx, s); err != nil {
			return nil, err
		}
		refreshed = true
	}
	for attempt := 0; ; attempt++ {
		send := body
		if x != nil {
			if send, err = x.seal(body); err != nil {
				return nil, err
			}
			ct = oid4vci.MediaTypeJWT
		}
		hdr := http.Header{"Content-Type": {ct}}
		if x != nil {
			hdr.Set("Accept", oid4vci.MediaTypeJWT+", "+oid4vci.MediaTypeJSON)
		}
		if s.dpop {
			p, err := c.dpopProof(ctx, http.MethodPost, u, s.Token.AccessToken, s.rsNonce)
			if err != nil {
				return nil, err
			}
			hdr.Set("DPoP", p)
			hdr.Set("Authorization", "DPoP "+s.Token.AccessToken)
		} else {
			hdr.Set("Authorization", "Bearer "+s.Token.AccessToken)
		}
		res, err := c.post(ctx, u, send, hdr)
		if err != nil {
			return nil, err
		}
		n := res.header.Get("DPoP-Nonce")
		if n != "" {
			s.rsNonce = n
		}
		if s.dpop && attempt == 0 && n != "" && res.status == http.StatusUnauthorized && dpopNonceChallenge(res) {
			continue
		}
		if !refreshed && res.status == http.StatusUnauthorized && s.Token.RefreshToken != "" {
			if pe := c.protocolError(res); pe != nil && pe.Code == oid4vci.CodeInvalidToken {
				refreshed = true
				if err := c.Refresh(ctx, s); err != nil {
					return nil, err
				}
				attempt = -1
				continue
			}
		}
		return res, nil
	}
}

func dpopNonceChallenge(res *httpResult) bool {
	chs, err := oid4vci.ParseWWWAuthenticate(res.header.Values("WWW-Authenticate")...)
	if err != nil {
		return false
	}
	for _, ch := range chs {
		if e := ch.Error(); e != nil && e.Code == oid4vci.CodeUseDPoPNonce {
			return true
		}
	}
	return false
}

// protocolError decodes an error response: the JSON body, or a
// WWW-Authenticate challenge for 401/403.
func (c *Client) protocolError(res *httpResult) *oid4vci.Error {
	if len(res.body) > 0 {
		if e, err := c.parser.ErrorResponse(res.status, res.body); err == nil {
			return e
		}
	}
	if chs, err := oid4vci.ParseWWWAuthenticate(res.header.Values("WWW-Authenticate")...); err == nil {
		for _, ch := range chs {
			if e := ch.Error(); e != nil {
				e.Status = res.status
				return e
			}
		}
	}
	return nil
}

// dpopProof signs a DPoP proof (RFC 9449 §4.2).
func (c *Client) dpopProof(ctx context.Context, method, u, accessToken, nonce string) (string, error) {
	k := c.cfg.DPoPKey
	jwk, err := k.JWK()
	if err != nil {
		return "", err
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	pu.RawQuery, pu.Fragment = "", ""
	claims := map[string]any{"jti": rand.Text(), "htm": method, "htu": pu.String(), "iat": c.cfg.Now().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	return jose.SignJWT(ctx, k, map[string]any{"typ": "dpop+jwt", "jwk": publicOnly(jwk)}, claims)
}

func publicOnly(jwk map[string]any) map[string]any {
	out := make(map[string]any, len(jwk))
	for k, v := range jwk {
		switch k {
		case "d", "p", "q", "dp", "dq", "qi", "kid", "use", "key_ops", "alg":
			continue
		}
		out[k] = v
	}
	return out
}
