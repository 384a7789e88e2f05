package wellknown

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ocmw/wstack/crypto/dataintegrity"
	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
	"github.com/ocmw/wstack/crypto/did"
)

// didConfigurationContextV1 is the JSON-LD context published at
// DIDConfigurationContext, pinned so that Domain Linkage Credentials in
// the JSON-LD form are processed offline.
const didConfigurationContextV1 = `{
  "@context": [
    {
      "@version": 1.1,
      "@protected": true,
      "LinkedDomains": "https://identity.foundation/.well-known/did-configuration/v1#DomainLinkageCredential",
      "DomainLinkageCredential": "https://identity.foundation/.well-known/did-configuration/v1#DomainLinkageCredential",
      "origin": "https://identity.foundation/.well-known/did-configuration/v1#origin",
      "linked_dids": "https://identity.foundation/.well-known/did-configuration/v1#linked_dids"
    }
  ]
}`

// loader is immutable once built; building parses every bundled context,
// so it is done once.
var domainLinkageLoader = sync.OnceValues(func() (*contexts.Loader, error) {
	return contexts.NewLoader(contexts.Options{Pinned: map[string][]byte{DIDConfigurationContext: []byte(didConfigurationContextV1)}})
})

// DomainLinkageLoader returns the offline JSON-LD loader for Domain
// Linkage Credentials: the bundled contexts plus the DID configuration
// context.
func DomainLinkageLoader() (*contexts.Loader, error) { return domainLinkageLoader() }

// defaultDomainLinkageSuites are the Data Integrity suites accepted for
// Domain Linkage Credentials in the JSON-LD form.
var defaultDomainLinkageSuites = []dataintegrity.Suite{
	dataintegrity.EdDSARDFC2022, dataintegrity.ECDSARDFC2019, dataintegrity.Ed25519Signature2020, dataintegrity.JsonWebSignature2020,
}

func newDomainLinkageProcessor(resolver dataintegrity.VerificationMethodResolver, now func() time.Time) (*dataintegrity.Processor, error) {
	l, err := DomainLinkageLoader()
	if err != nil {
		return nil, err
	}
	return dataintegrity.New(dataintegrity.Config{Loader: l, Resolver: resolver, Now: now})
}

// SignDomainLinkageLD issues a Domain Linkage Credential in the JSON-LD
// form (DIF Well Known DID Configuration v1.0, "Linked Data Proof Format"):
// a VCDM 1.1 credential with the DID configuration context, issuer =
// credentialSubject.id = subjectDID, credentialSubject.origin, issuanceDate
// and expirationDate, secured with a Data Integrity proof (suite, e.g.
// eddsa-rdfc-2022) by s, whose verification method must be a DID URL of
// subjectDID.
func SignDomainLinkageLD(ctx context.Context, s *dataintegrity.KeySigner, suite dataintegrity.Suite, subjectDID, origin string, issued, expires time.Time) (json.RawMessage, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no signer", ErrConfig)
	}
	o, err := canonicalOrigin(origin)
	if err != nil {
		return nil, err
	}
	u, err := did.ParseURL(s.VerificationMethod)
	if err != nil || u.DID.String() != subjectDID || u.Fragment == "" {
		return nil, fmt.Errorf("%w: verification method %.128q is not a DID URL of %.128q", ErrConfig, s.VerificationMethod, subjectDID)
	}
	if !expires.After(issued) {
		return nil, fmt.Errorf("%w: expirationDate not after issuanceDate", ErrConfig)
	}
	vc := domainLinkageVC{
		Context:        []string{CredentialsV1Context, DIDConfigurationContext},
		Issuer:         subjectDID,
		IssuanceDate:   issued.UTC().Format(time.RFC3339),
		ExpirationDate: expires.UTC().Format(time.RFC3339),
		Type:           []string{"VerifiableCredential", DomainLinkageCredentialType},
	}
	vc.CredentialSubject.ID, vc.CredentialSubject.Origin = subjectDID, o
	doc, err := json.Marshal(vc)
	if err != nil {
		return nil, err
	}
	p, err := newDomainLinkageProcessor(nil, nil)
	if err != nil {
		return nil, err
	}
	signed, err := p.Sign(ctx, doc, s, dataintegrity.ProofOptions{Suite: suite, Created: issued})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return signed, nil
}

// VerifyDomainLinkageLD verifies one Domain Linkage Credential in the
// JSON-LD form for origin: the Data Integrity proof (assertionMethod, by a
// verification method of the issuer DID, resolved through o.Resolver),
// issuer = credentialSubject.id, the DomainLinkageCredential type and
// contexts, credentialSubject.origin equal to origin, issuanceDate and
// expirationDate present and around now.
func VerifyDomainLinkageLD(ctx context.Context, credential []byte, origin string, o DomainLinkageOptions) (*LinkedDID, error) {
	origin, err := canonicalOrigin(origin)
	if err != nil {
		return nil, err
	}
	if o.Resolver == nil {
		return nil, fmt.Errorf("%w: DomainLinkageOptions.Resolver is required", ErrConfig)
	}
	var vc domainLinkageVC
	if err := json.Unmarshal(credential, &vc); err != nil {
		return nil, fmt.Errorf("%w: domain linkage credential: %v", ErrMalformed, err)
	}
	issuer, _ := vc.Issuer.(string)
	if m, ok := vc.Issuer.(map[string]any); ok {
		issuer, _ = m["id"].(string)
	}
	switch {
	case issuer == "" || issuer != vc.CredentialSubject.ID:
		return nil, fmt.Errorf("%w: issuer and credentialSubject.id must be the same DID", ErrIssuerMismatch)
	case !slices.Contains(vc.Type, DomainLinkageCredentialType) || !slices.Contains(vc.Type, "VerifiableCredential"):
		return nil, fmt.Errorf("%w: type must hold VerifiableCredential and DomainLinkageCredential", ErrMalformed)
	case !slices.Contains(vc.Context, CredentialsV1Context) || !slices.Contains(vc.Context, DIDConfigurationContext):
		return nil, fmt.Errorf("%w: @context must hold the credentials and did-configuration contexts", ErrMalformed)
	}
	subOrigin, err := canonicalOrigin(vc.CredentialSubject.Origin)
	if err != nil || subOrigin != origin {
		return nil, fmt.Errorf("%w: credential is for origin %.128q, not %s", ErrIssuerMismatch, vc.CredentialSubject.Origin, origin)
	}
	nbf, err1 := time.Parse(time.RFC3339, vc.IssuanceDate)
	exp, err2 := time.Parse(time.RFC3339, vc.ExpirationDate)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%w: issuanceDate and expirationDate are required date-times", ErrMalformed)
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	leeway := o.Leeway
	if leeway == 0 {
		leeway = time.Minute
	}
	if now.Add(leeway).Before(nbf) || !now.Add(-leeway).Before(exp) {
		return nil, fmt.Errorf("%w: valid from %s to %s", ErrExpired, vc.IssuanceDate, vc.ExpirationDate)
	}
	kr := did.NewKeyResolver(o.Resolver, did.KeyResolverOptions{Relationship: did.AssertionMethod})
	p, err := newDomainLinkageProcessor(kr, o.Now)
	if err != nil {
		return nil, err
	}
	if _, err := p.Verify(ctx, credential, dataintegrity.VerifyOptions{Suites: defaultDomainLinkageSuites, Purpose: dataintegrity.PurposeAssertionMethod, Controller: issuer}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return &LinkedDID{DID: issuer, Origin: origin, NotBefore: nbf, Expires: exp}, nil
}
