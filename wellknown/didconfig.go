package wellknown

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
)

// DID configuration vocabulary (DIF Well Known DID Configuration v1.0).
const (
	// DIDConfigurationContext is the @context of the resource and the
	// second context of a Domain Linkage Credential.
	DIDConfigurationContext = "https://identity.foundation/.well-known/did-configuration/v1"
	// CredentialsV1Context is the VCDM 1.1 base context the spec's
	// credentials use.
	CredentialsV1Context = "https://www.w3.org/2018/credentials/v1"
	// DomainLinkageCredentialType is the credential type.
	DomainLinkageCredentialType = "DomainLinkageCredential"
	// DefaultDomainLinkageValidity is the validity of the credentials
	// DIDConfigurationHandler signs; they are re-signed after half of it.
	DefaultDomainLinkageValidity = 365 * 24 * time.Hour
)

// DIDConfiguration is the DID Configuration Resource: the context and the
// linked_dids array of Domain Linkage Credentials, each a compact JWT (a
// JSON string) or a JSON-LD credential (an object).
type DIDConfiguration struct {
	Context    any               `json:"@context"`
	LinkedDIDs []json.RawMessage `json:"linked_dids"`
}

// domainLinkageVC is the vc claim / JSON-LD body of a Domain Linkage
// Credential.
type domainLinkageVC struct {
	Context           []string `json:"@context"`
	Issuer            any      `json:"issuer"`
	IssuanceDate      string   `json:"issuanceDate,omitempty"`
	ExpirationDate    string   `json:"expirationDate,omitempty"`
	Type              []string `json:"type"`
	CredentialSubject struct {
		ID     string `json:"id"`
		Origin string `json:"origin"`
	} `json:"credentialSubject"`
}

type domainLinkageClaims struct {
	Iss string           `json:"iss"`
	Sub string           `json:"sub"`
	Nbf int64            `json:"nbf"`
	Exp int64            `json:"exp"`
	VC  *domainLinkageVC `json:"vc"`
}

// SignDomainLinkageJWT signs a Domain Linkage Credential in the JWT form
// (DIF Well Known DID Configuration v1.0, "JSON Web Token Proof Format"):
// header alg and kid (the signer's kid, which must be a DID URL of
// subjectDID), claims iss = sub = subjectDID, nbf, exp and vc with
// credentialSubject {id: subjectDID, origin}.
func SignDomainLinkageJWT(ctx context.Context, s jose.MessageSigner, subjectDID, origin string, notBefore, expires time.Time) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: no signer", ErrConfig)
	}
	o, err := canonicalOrigin(origin)
	if err != nil {
		return "", err
	}
	if _, err := did.Parse(subjectDID); err != nil {
		return "", fmt.Errorf("%w: %w", ErrIdentifier, err)
	}
	u, err := did.ParseURL(s.KID())
	if err != nil || u.DID.String() != subjectDID || u.Fragment == "" {
		return "", fmt.Errorf("%w: signer kid %.128q is not a DID URL of %.128q", ErrConfig, s.KID(), subjectDID)
	}
	if !expires.After(notBefore) {
		return "", fmt.Errorf("%w: expiry not after nbf", ErrConfig)
	}
	vc := &domainLinkageVC{
		Context:        []string{CredentialsV1Context, DIDConfigurationContext},
		Issuer:         subjectDID,
		IssuanceDate:   notBefore.UTC().Format(time.RFC3339),
		ExpirationDate: expires.UTC().Format(time.RFC3339),
		Type:           []string{"VerifiableCredential", DomainLinkageCredentialType},
	}
	vc.CredentialSubject.ID = subjectDID
	vc.CredentialSubject.Origin = o
	return jose.SignJWT(ctx, s, map[string]any{"typ": "JWT"}, domainLinkageClaims{
		Iss: subjectDID, Sub: subjectDID, Nbf: notBefore.Unix(), Exp: expires.Unix(), VC: vc,
	})
}

// DomainLink is one DID linked to the served origin, with the signer whose
// kid is a DID URL of that DID (e.g. from did.NewKeyDIDSigner, or a
// jose.KeySigner WithKID("did:web:…#kid")).
type DomainLink struct {
	DID    string
	Signer jose.MessageSigner
	// LDSigner, when set, adds the same linkage in the JSON-LD form with a
	// Data Integrity proof of LDSuite (default eddsa-rdfc-2022); its
	// verification method must be a DID URL of DID.
	LDSigner *dataintegrity.KeySigner
	LDSuite  dataintegrity.Suite
}

// DIDConfigurationOptions configure DIDConfigurationHandler.
type DIDConfigurationOptions struct {
	// Origin is the served origin (https://host[:port]).
	Origin string
	// Links are the linked DIDs (at least one).
	Links []DomainLink
	// Validity of each credential (default DefaultDomainLinkageValidity).
	Validity time.Duration
	// MaxAge is the Cache-Control max-age (default DefaultMaxAge).
	MaxAge time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives signing errors (default: discard).
	Logger *slog.Logger
}

type didConfigHandler struct {
	o     DIDConfigurationOptions
	mu    sync.Mutex
	rep   *representation
	until time.Time
}

// DIDConfigurationHandler serves /.well-known/did-configuration.json for
// one origin: Domain Linkage Credentials in the JWT form signed through
// the links' signers, re-signed when half of their validity has passed.
func DIDConfigurationHandler(o DIDConfigurationOptions) (http.Handler, error) {
	origin, err := canonicalOrigin(o.Origin)
	if err != nil {
		return nil, err
	}
	o.Origin = origin
	if len(o.Links) == 0 || len(o.Links) > MaxLinkedDIDs {
		return nil, fmt.Errorf("%w: DID configuration needs 1 to %d links", ErrConfig, MaxLinkedDIDs)
	}
	for _, l := range o.Links {
		if l.Signer == nil && l.LDSigner == nil {
			return nil, fmt.Errorf("%w: link %.128q has no signer", ErrConfig, l.DID)
		}
	}
	if o.Validity <= 0 {
		o.Validity = DefaultDomainLinkageValidity
	}
	o.MaxAge = orMaxAge(o.MaxAge)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &didConfigHandler{o: o}, nil
}

func (h *didConfigHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowGetHead(w, r) {
		return
	}
	rep, err := h.representation(r.Context())
	if err != nil {
		serveError(w, r, h.o.Logger, "did-configuration.json", err)
		return
	}
	serve(w, r, rep, h.o.MaxAge, "")
}

func (h *didConfigHandler) representation(ctx context.Context) (*representation, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.o.Now()
	if h.rep != nil && now.Before(h.until) {
		return h.rep, nil
	}
	cfg := DIDConfiguration{Context: DIDConfigurationContext}
	nbf := now.Truncate(time.Second)
	for _, l := range h.o.Links {
		if l.Signer != nil {
			tok, err := SignDomainLinkageJWT(ctx, l.Signer, l.DID, h.o.Origin, nbf, nbf.Add(h.o.Validity))
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(tok)
			cfg.LinkedDIDs = append(cfg.LinkedDIDs, b)
		}
		if l.LDSigner != nil {
			suite := l.LDSuite
			if suite == "" {
				suite = dataintegrity.EdDSARDFC2022
			}
			vc, err := SignDomainLinkageLD(ctx, l.LDSigner, suite, l.DID, h.o.Origin, nbf, nbf.Add(h.o.Validity))
			if err != nil {
				return nil, err
			}
			cfg.LinkedDIDs = append(cfg.LinkedDIDs, vc)
		}
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	h.rep = newRepresentation(body, MediaTypeJSON, now)
	h.until = now.Add(h.o.Validity / 2)
	return h.rep, nil
}

// LinkedDID is a verified domain linkage.
type LinkedDID struct {
	DID       string
	Origin    string
	NotBefore time.Time
	Expires   time.Time
}

// DomainLinkageOptions configure VerifyDIDConfiguration.
type DomainLinkageOptions struct {
	// Origin is the origin the resource was fetched from (required).
	Origin string
	// Resolver resolves the linked DIDs (required; e.g.
	// did.NewDefaultRegistry over a fetch.Fetcher).
	Resolver did.Resolver
	// Algorithms is the JWS allow-list (default ES256, ES384, EdDSA, PS256,
	// RS256); none and MAC algorithms are never accepted.
	Algorithms []crypto.Algorithm
	// Now and Leeway check nbf / exp (defaults time.Now, 1 minute).
	Now    func() time.Time
	Leeway time.Duration
}

// defaultAlgorithms is the default JWS allow-list of signed documents.
var defaultAlgorithms = []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.EdDSA, crypto.PS256, crypto.RS256}

// ParseDIDConfiguration decodes a DID Configuration Resource (strict JSON
// within MaxDocumentBytes, the DIF context, 1 to MaxLinkedDIDs entries) without
// verifying the credentials.
func ParseDIDConfiguration(data []byte) (*DIDConfiguration, error) {
	var c DIDConfiguration
	if err := strictDecode(data, &c, "DID configuration"); err != nil {
		return nil, err
	}
	if !hasContext(c.Context, DIDConfigurationContext) {
		return nil, fmt.Errorf("%w: DID configuration @context is not %s", ErrMalformed, DIDConfigurationContext)
	}
	if len(c.LinkedDIDs) == 0 || len(c.LinkedDIDs) > MaxLinkedDIDs {
		return nil, fmt.Errorf("%w: linked_dids must hold 1 to %d entries", ErrMalformed, MaxLinkedDIDs)
	}
	return &c, nil
}

func hasContext(c any, want string) bool {
	switch v := c.(type) {
	case string:
		return v == want
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

// VerifyDIDConfiguration parses a DID Configuration Resource fetched from
// o.Origin and verifies each Domain Linkage Credential in the JWT form:
// alg on the allow-list, kid a DID URL of iss, iss = sub =
// credentialSubject.id = vc.issuer, the DomainLinkageCredential type and
// contexts, credentialSubject.origin equal to o.Origin, nbf and exp
// present and around now, and the signature by the kid's assertionMethod
// key resolved through o.Resolver. It returns the verified links and,
// joined, the errors of the entries that failed (JSON-LD entries are
// verified by VerifyDomainLinkageLD); both can be non-nil. A relying party treats a
// DID as linked only if it is among the returned links.
func VerifyDIDConfiguration(ctx context.Context, data []byte, o DomainLinkageOptions) ([]LinkedDID, error) {
	origin, err := canonicalOrigin(o.Origin)
	if err != nil {
		return nil, err
	}
	if o.Resolver == nil {
		return nil, fmt.Errorf("%w: DomainLinkageOptions.Resolver is required", ErrConfig)
	}
	cfg, err := ParseDIDConfiguration(data)
	if err != nil {
		return nil, err
	}
	var out []LinkedDID
	var errs []error
	for i, raw := range cfg.LinkedDIDs {
		var l *LinkedDID
		var tok string
		switch {
		case len(raw) > 0 && raw[0] == '{':
			l, err = VerifyDomainLinkageLD(ctx, raw, origin, o)
		case json.Unmarshal(raw, &tok) == nil:
			l, err = VerifyDomainLinkageJWT(ctx, tok, origin, o)
		default:
			err = fmt.Errorf("%w: not a JWT string nor a credential object", ErrMalformed)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("linked_dids[%d]: %w", i, err))
			continue
		}
		out = append(out, *l)
	}
	return out, errors.Join(errs...)
}

// VerifyDomainLinkageJWT verifies one Domain Linkage Credential in the JWT
// form for origin (see VerifyDIDConfiguration).
func VerifyDomainLinkageJWT(ctx context.Context, token, origin string, o DomainLinkageOptions) (*LinkedDID, error) {
	origin, err := canonicalOrigin(origin)
	if err != nil {
		return nil, err
	}
	if o.Resolver == nil {
		return nil, fmt.Errorf("%w: DomainLinkageOptions.Resolver is required", ErrConfig)
	}
	algs := o.Algorithms
	if len(algs) == 0 {
		algs = defaultAlgorithms
	}
	j, err := jose.Parse(token, jose.ParseOptions{Algorithms: algs, Typ: []string{"", "JWT"}, MaxSize: 64 << 10})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	var cl domainLinkageClaims
	if err := j.Claims(&cl); err != nil || cl.VC == nil {
		return nil, fmt.Errorf("%w: domain linkage credential claims", ErrMalformed)
	}
	vc := cl.VC
	issuer, _ := vc.Issuer.(string)
	if m, ok := vc.Issuer.(map[string]any); ok {
		issuer, _ = m["id"].(string)
	}
	kidURL, kidErr := did.ParseURL(j.Header.Kid)
	switch {
	case cl.Iss == "" || cl.Sub == "":
		return nil, fmt.Errorf("%w: iss and sub are required", ErrMalformed)
	case cl.Iss != cl.Sub || cl.Iss != vc.CredentialSubject.ID || issuer != cl.Iss:
		return nil, fmt.Errorf("%w: iss, sub, vc.issuer and credentialSubject.id must be the same DID", ErrIssuerMismatch)
	case kidErr != nil || kidURL.Fragment == "" || kidURL.DID.String() != cl.Iss:
		return nil, fmt.Errorf("%w: kid %.128q is not a DID URL of %.128q", ErrSignature, j.Header.Kid, cl.Iss)
	case !slices.Contains(vc.Type, DomainLinkageCredentialType) || !slices.Contains(vc.Type, "VerifiableCredential"):
		return nil, fmt.Errorf("%w: type must hold VerifiableCredential and DomainLinkageCredential", ErrMalformed)
	case !slices.Contains(vc.Context, CredentialsV1Context) || !slices.Contains(vc.Context, DIDConfigurationContext):
		return nil, fmt.Errorf("%w: @context must hold the credentials and did-configuration contexts", ErrMalformed)
	case cl.Nbf == 0 || cl.Exp == 0:
		return nil, fmt.Errorf("%w: nbf and exp are required", ErrMalformed)
	}
	subOrigin, err := canonicalOrigin(vc.CredentialSubject.Origin)
	if err != nil || subOrigin != origin {
		return nil, fmt.Errorf("%w: credential is for origin %.128q, not %s", ErrIssuerMismatch, vc.CredentialSubject.Origin, origin)
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	leeway := o.Leeway
	if leeway == 0 {
		leeway = time.Minute
	}
	nbf, exp := time.Unix(cl.Nbf, 0), time.Unix(cl.Exp, 0)
	if now.Add(leeway).Before(nbf) || !now.Add(-leeway).Before(exp) {
		return nil, fmt.Errorf("%w: valid from %s to %s", ErrExpired, nbf.UTC().Format(time.RFC3339), exp.UTC().Format(time.RFC3339))
	}
	kr := did.NewKeyResolver(o.Resolver, did.KeyResolverOptions{Relationship: did.AssertionMethod})
	pub, err := kr.ResolveKey(ctx, j)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	if err := j.VerifySignature(pub); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return &LinkedDID{DID: cl.Iss, Origin: origin, NotBefore: nbf, Expires: exp}, nil
}
