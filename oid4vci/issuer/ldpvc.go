package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/oid4vci"
)

// LDPVCCredential describes one ldp_vc credential configuration
// (OpenID4VCI Appendix A.1.2: a VCDM 2.0 credential secured with a Data
// Integrity proof) served by an LDPVCPlugin.
type LDPVCCredential struct {
	// ID is the credential configuration id.
	ID string
	// Configuration is its metadata: Format ldp_vc and credential_definition
	// with @context (starting with the VCDM 2.0 context) and type (including
	// VerifiableCredential). With cryptographic_binding_methods_supported
	// the holder's DID (from a did-bound proof) becomes credentialSubject.id.
	Configuration oid4vci.CredentialConfiguration
	// Processor and Signer sign through crypto/dataintegrity with an engine
	// key; Suite is the cryptosuite (e.g. eddsa-rdfc-2022).
	Processor *dataintegrity.Processor
	Signer    *dataintegrity.KeySigner
	Suite     dataintegrity.Suite
	// IssuerID is the credential's issuer (the DID of Signer's method).
	IssuerID string
	// Validity sets validUntil when positive.
	Validity time.Duration
}

// LDPVCPlugin issues ldp_vc credentials through crypto/dataintegrity.
type LDPVCPlugin struct {
	creds map[string]*LDPVCCredential
	cfgs  map[string]*oid4vci.CredentialConfiguration
	now   func() time.Time
}

const vcdm2Context = "https://www.w3.org/ns/credentials/v2"

// NewLDPVCPlugin checks the credentials and returns the plugin (now nil:
// time.Now).
func NewLDPVCPlugin(now func() time.Time, creds ...LDPVCCredential) (*LDPVCPlugin, error) {
	if now == nil {
		now = time.Now
	}
	p := &LDPVCPlugin{creds: map[string]*LDPVCCredential{}, cfgs: map[string]*oid4vci.CredentialConfiguration{}, now: now}
	for k := range creds {
		c := creds[k]
		def := c.Configuration.CredentialDefinition
		switch {
		case c.ID == "" || p.creds[c.ID] != nil:
			return nil, fmt.Errorf("%w: ldp_vc credential id %q missing or repeated", ErrConfig, c.ID)
		case c.Configuration.Format != oid4vci.FormatLDPVC || def == nil || !slices.Contains(def.Type, "VerifiableCredential") ||
			len(def.Context) == 0 || def.Context[0] != vcdm2Context:
			return nil, fmt.Errorf("%w: %q: format must be ldp_vc with credential_definition @context starting with %s and type including VerifiableCredential", ErrConfig, c.ID, vcdm2Context)
		case c.Processor == nil || c.Signer == nil || c.Suite == "" || c.IssuerID == "":
			return nil, fmt.Errorf("%w: %q: Processor, Signer, Suite and IssuerID are required", ErrConfig, c.ID)
		}
		cfg := c.Configuration
		if cfg.CredentialSigningAlgValuesSupported == nil {
			cfg.CredentialSigningAlgValuesSupported = []oid4vci.SigningAlg{oid4vci.Alg(string(c.Suite))}
		}
		if err := cfg.Validate(oid4vci.ProfileFinal); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrConfig, c.ID, err)
		}
		p.creds[c.ID], p.cfgs[c.ID] = &c, &cfg
	}
	return p, nil
}

// Configurations implements Plugin.
func (p *LDPVCPlugin) Configurations() map[string]*oid4vci.CredentialConfiguration { return p.cfgs }

// Issue implements Plugin: the offer's claims become credentialSubject; a
// did-bound holder key's DID its id. Claim names must be defined by the
// configured contexts (the processor signs in safe mode).
func (p *LDPVCPlugin) Issue(ctx context.Context, req *IssueRequest) (*IssueResult, error) {
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
		if bound && hk.DID == "" {
			return nil, oid4vci.NewError(oid4vci.CodeInvalidProof, "ldp_vc binds to a DID: use a did: kid in the proof")
		}
		subject, err := credentialSubject(req.Claims, hk.DID)
		if err != nil {
			return nil, err
		}
		now := p.now().UTC().Truncate(time.Second)
		doc := map[string]any{
			"@context": c.Configuration.CredentialDefinition.Context, "type": c.Configuration.CredentialDefinition.Type,
			"issuer": c.IssuerID, "validFrom": now.Format(time.RFC3339), "credentialSubject": subject,
		}
		if c.Validity > 0 {
			doc["validUntil"] = now.Add(c.Validity).Format(time.RFC3339)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		signed, err := c.Processor.Sign(ctx, b, c.Signer, dataintegrity.ProofOptions{Suite: c.Suite, Created: now})
		if err != nil {
			return nil, fmt.Errorf("issuer: issuing %q: %w", req.ConfigurationID, err)
		}
		out.Credentials = append(out.Credentials, oid4vci.IssuedCredential{Credential: signed})
	}
	return out, nil
}
