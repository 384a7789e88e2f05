package issuer

import (
	"context"
	"fmt"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/statuslist"
	"github.com/ocmw/wstack/vocab"
)

// SDJWTCredential describes one dc+sd-jwt credential configuration served
// by an SDJWTPlugin.
type SDJWTCredential struct {
	// ID is the credential configuration id.
	ID string
	// Configuration is its metadata. Format must be dc+sd-jwt and VCT set;
	// with cryptographic_binding_methods_supported the credential is bound
	// to the proven holder key (cnf.jwk).
	Configuration oid4vci.CredentialConfiguration
	// Signer signs the credentials through the key engine, e.g.
	// did.NewKeyDIDSigner (kid = DID URL) or a *jose.KeySigner.
	Signer jose.MessageSigner
	// IssuerID is the iss claim (the signer's DID or the issuer's https
	// URL for JWT VC Issuer Metadata).
	IssuerID string
	// Disclosable lists the selectively disclosable claims; nil makes every
	// top-level claim of the offer data disclosable (except the claims
	// SD-JWT VC forbids to hide).
	Disclosable []vocab.ClaimPath
	// Validity sets exp = iat + Validity when positive.
	Validity time.Duration
	// Status, when set, allocates a status list entry for every credential.
	Status *StatusConfig
}

// StatusConfig allocates IETF Token Status List entries.
type StatusConfig struct {
	// Allocator hands out indices; it needs statuslist.WithListURI.
	Allocator *statuslist.Allocator
	// Tenant and Pool select the lists.
	Tenant, Pool string
	// List is the pool's list configuration (Format FormatIETF).
	List statuslist.ListConfig
}

// SDJWTPlugin issues SD-JWT VCs (dc+sd-jwt) through sdjwt/vc.
type SDJWTPlugin struct {
	creds map[string]*SDJWTCredential
	cfgs  map[string]*oid4vci.CredentialConfiguration
	now   func() time.Time
}

// NewSDJWTPlugin checks the credentials and returns the plugin. now is the
// clock (nil: time.Now).
func NewSDJWTPlugin(now func() time.Time, creds ...SDJWTCredential) (*SDJWTPlugin, error) {
	if now == nil {
		now = time.Now
	}
	p := &SDJWTPlugin{creds: map[string]*SDJWTCredential{}, cfgs: map[string]*oid4vci.CredentialConfiguration{}, now: now}
	for k := range creds {
		c := creds[k]
		switch {
		case c.ID == "":
			return nil, fmt.Errorf("%w: SD-JWT credential without ID", ErrConfig)
		case p.creds[c.ID] != nil:
			return nil, fmt.Errorf("%w: SD-JWT credential %q twice", ErrConfig, c.ID)
		case c.Configuration.Format != oid4vci.FormatSDJWTVC || c.Configuration.VCT == "":
			return nil, fmt.Errorf("%w: %q: format must be dc+sd-jwt with a vct", ErrConfig, c.ID)
		case c.Signer == nil || c.IssuerID == "":
			return nil, fmt.Errorf("%w: %q: Signer and IssuerID are required", ErrConfig, c.ID)
		case c.Status != nil && c.Status.Allocator == nil:
			return nil, fmt.Errorf("%w: %q: Status needs an Allocator", ErrConfig, c.ID)
		}
		cfg := c.Configuration
		if cfg.CredentialSigningAlgValuesSupported == nil {
			cfg.CredentialSigningAlgValuesSupported = []oid4vci.SigningAlg{oid4vci.Alg(string(c.Signer.Algorithm()))}
		}
		if err := cfg.Validate(oid4vci.ProfileFinal); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrConfig, c.ID, err)
		}
		p.creds[c.ID] = &c
		p.cfgs[c.ID] = &cfg
	}
	return p, nil
}

// Configurations implements Plugin.
func (p *SDJWTPlugin) Configurations() map[string]*oid4vci.CredentialConfiguration { return p.cfgs }

// reserved are the claims the plugin sets itself.
var reserved = map[string]bool{"iss": true, "iat": true, "nbf": true, "exp": true, "cnf": true, "vct": true, "status": true, "vct#integrity": true}

// Issue implements Plugin: one SD-JWT VC per holder key, built from the
// offer's claims (which must not set iss, iat, nbf, exp, cnf, vct, status).
func (p *SDJWTPlugin) Issue(ctx context.Context, req *IssueRequest) (*IssueResult, error) {
	c := p.creds[req.ConfigurationID]
	if c == nil {
		return nil, oid4vci.NewError(oid4vci.CodeUnknownCredentialConfiguration, "configuration not served by this plugin")
	}
	bound := len(c.Configuration.CryptographicBindingMethodsSupported) > 0
	if bound && len(req.HolderKeys) == 0 {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidProof, "holder key required")
	}
	keys := req.HolderKeys
	if !bound {
		keys = []HolderKey{{}}
	}
	out := &IssueResult{}
	for _, hk := range keys {
		claims := make(map[string]any, len(req.Claims)+5)
		var disclosable []vocab.ClaimPath
		for k, v := range req.Claims {
			if reserved[k] {
				return nil, fmt.Errorf("issuer: offer claims must not set %q", k)
			}
			claims[k] = v
			if c.Disclosable == nil {
				disclosable = append(disclosable, vocab.ClaimPath{k})
			}
		}
		if c.Disclosable != nil {
			disclosable = c.Disclosable
		}
		now := p.now()
		claims["iss"] = c.IssuerID
		claims["vct"] = c.Configuration.VCT
		claims["iat"] = now.Unix()
		if c.Validity > 0 {
			claims["exp"] = now.Add(c.Validity).Unix()
		}
		if c.Status != nil {
			a, err := c.Status.Allocator.Allocate(ctx, c.Status.Tenant, c.Status.Pool, c.Status.List)
			if err != nil {
				return nil, fmt.Errorf("issuer: status allocation: %w", err)
			}
			st, err := statuslist.NewStatusListClaim(a)
			if err != nil {
				return nil, fmt.Errorf("issuer: status claim: %w", err)
			}
			claims["status"] = st
		}
		o := sdjwt.IssueOptions{Disclosable: disclosable}
		if bound {
			o.HolderJWK = hk.JWK
		}
		sd, err := vc.Issue(ctx, c.Signer, claims, o)
		if err != nil {
			return nil, fmt.Errorf("issuer: issuing %q: %w", req.ConfigurationID, err)
		}
		out.Credentials = append(out.Credentials, oid4vci.StringCredential(sd.String()))
	}
	return out, nil
}
