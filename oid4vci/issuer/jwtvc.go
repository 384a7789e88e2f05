package issuer

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/presentation/w3c"
)

// JWTVCCredential describes one jwt_vc_json credential configuration
// (OpenID4VCI Appendix A.1.1: a VCDM 1.1 credential signed as a JWT) served
// by a JWTVCPlugin.
type JWTVCCredential struct {
	// ID is the credential configuration id.
	ID string
	// Configuration is its metadata: Format jwt_vc_json and
	// credential_definition.type including "VerifiableCredential". With
	// cryptographic_binding_methods_supported the credential is bound to
	// the proven key: cnf.jwk, and credentialSubject.id = the holder's DID
	// for did-bound proofs.
	Configuration oid4vci.CredentialConfiguration
	// Signer signs through the key engine (e.g. did.NewKeyDIDSigner).
	Signer jose.MessageSigner
	// IssuerID is the credential's issuer (iss).
	IssuerID string
	// Validity sets expirationDate when positive.
	Validity time.Duration
}

// JWTVCPlugin issues jwt_vc_json credentials through presentation/w3c.
type JWTVCPlugin struct {
	creds map[string]*JWTVCCredential
	cfgs  map[string]*oid4vci.CredentialConfiguration
	now   func() time.Time
}

// NewJWTVCPlugin checks the credentials and returns the plugin (now nil:
// time.Now).
func NewJWTVCPlugin(now func() time.Time, creds ...JWTVCCredential) (*JWTVCPlugin, error) {
	if now == nil {
		now = time.Now
	}
	p := &JWTVCPlugin{creds: map[string]*JWTVCCredential{}, cfgs: map[string]*oid4vci.CredentialConfiguration{}, now: now}
	for k := range creds {
		c := creds[k]
		def := c.Configuration.CredentialDefinition
		switch {
		case c.ID == "" || p.creds[c.ID] != nil:
			return nil, fmt.Errorf("%w: jwt_vc_json credential id %q missing or repeated", ErrConfig, c.ID)
		case c.Configuration.Format != oid4vci.FormatJWTVCJSON || def == nil || !slices.Contains(def.Type, "VerifiableCredential"):
			return nil, fmt.Errorf("%w: %q: format must be jwt_vc_json with credential_definition.type including VerifiableCredential", ErrConfig, c.ID)
		case c.Signer == nil || c.IssuerID == "":
			return nil, fmt.Errorf("%w: %q: Signer and IssuerID are required", ErrConfig, c.ID)
		}
		cfg := c.Configuration
		if cfg.CredentialSigningAlgValuesSupported == nil {
			cfg.CredentialSigningAlgValuesSupported = []oid4vci.SigningAlg{oid4vci.Alg(string(c.Signer.Algorithm()))}
		}
		if err := cfg.Validate(oid4vci.ProfileFinal); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrConfig, c.ID, err)
		}
		p.creds[c.ID], p.cfgs[c.ID] = &c, &cfg
	}
	return p, nil
}

// Configurations implements Plugin.
func (p *JWTVCPlugin) Configurations() map[string]*oid4vci.CredentialConfiguration { return p.cfgs }

// Issue implements Plugin: the offer's claims become credentialSubject.
func (p *JWTVCPlugin) Issue(ctx context.Context, req *IssueRequest) (*IssueResult, error) {
	c := p.creds[req.ConfigurationID]
	if c == nil {
		return nil, oid4vci.NewError(oid4vci.CodeUnknownCredentialConfiguration, "configuration not served by this plugin")
	}
	bound, keys, err := holderKeys(&c.Configuration, req)
	if err != nil {
		return nil, err
	}
	out := &IssueResult{}
	for _, hk := range keys {
		now := p.now()
		subject, err := credentialSubject(req.Claims, hk.DID)
		if err != nil {
			return nil, err
		}
		ctxs := []any{"https://www.w3.org/2018/credentials/v1"}
		for _, x := range c.Configuration.CredentialDefinition.Context {
			if x != ctxs[0] {
				ctxs = append(ctxs, x)
			}
		}
		cred := &w3c.Credential{
			Context: w3c.Many(ctxs...), Type: w3c.Many(c.Configuration.CredentialDefinition.Type...),
			Issuer: &w3c.Issuer{ID: c.IssuerID}, IssuanceDate: w3c.FormatDateTime(now),
			CredentialSubject: w3c.One(subject),
		}
		if c.Validity > 0 {
			cred.ExpirationDate = w3c.FormatDateTime(now.Add(c.Validity))
		}
		o := w3c.SignOptions{Now: now}
		if bound {
			o.Claims = map[string]any{"cnf": map[string]any{"jwk": hk.JWK}}
		}
		tok, err := w3c.SignCredentialJWT(ctx, c.Signer, cred, o)
		if err != nil {
			return nil, fmt.Errorf("issuer: issuing %q: %w", req.ConfigurationID, err)
		}
		out.Credentials = append(out.Credentials, oid4vci.StringCredential(tok))
	}
	return out, nil
}
