package vpcache

import (
	"context"
	"strings"
	"time"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

// Verified is the parsed, verified form of one presentation: what the cache
// needs to decide whether it may serve it.
type Verified struct {
	// Holder is the presentation's holder (the VP holder, or the iss of a
	// JWT VP); it must equal the counterparty DID.
	Holder string
	// Expiry is the presentation's own exp (zero when absent); it bounds the
	// entry only with WithStrictExpiry.
	Expiry time.Time
	// Credentials are the credentials inside, in wstack's credential view.
	// The cache reads Types, VCT, DocType (scope coverage), Issuer (trust),
	// IssuedAt, ValidFrom, ValidUntil (validity window) and Status.
	Credentials []presentation.Credential
}

// Verifier verifies presentations before they are cached. It must check
// everything the verifier of the protocol checks: the presentation proof
// with the participant context's own DID as audience, every credential's
// signature, the credential subjects against the holder, and issuer trust
// (the DCP v1.0 "Presentation Validation" rules; in EDC the
// VerifiableCredentialValidationService). It returns one Verified per
// presentation, index-aligned, or an error for the first failure.
//
// The cache itself additionally checks scope coverage, holder, validity
// windows and status, so a Verifier may leave those to it.
type Verifier interface {
	VerifyPresentations(ctx context.Context, participantContextID string, presentations []Presentation) ([]Verified, error)
}

// VerifierFunc adapts a function to [Verifier].
type VerifierFunc func(ctx context.Context, participantContextID string, presentations []Presentation) ([]Verified, error)

// VerifyPresentations calls f.
func (f VerifierFunc) VerifyPresentations(ctx context.Context, pcID string, ps []Presentation) ([]Verified, error) {
	return f(ctx, pcID, ps)
}

// Parser rebuilds the parsed form of presentations that were verified when
// they were stored, without verifying proofs again (a presentation's proof
// may legitimately have expired since: IdentityHub issues VPs with exp =
// iat + 60 s). Without a Parser the cache calls the Verifier on every read of
// a store that does not keep the parsed form (the SQL stores), which then must
// accept an expired VP proof.
type Parser interface {
	ParsePresentations(ctx context.Context, presentations []Presentation) ([]Verified, error)
}

// ParserFunc adapts a function to [Parser].
type ParserFunc func(ctx context.Context, presentations []Presentation) ([]Verified, error)

// ParsePresentations calls f.
func (f ParserFunc) ParsePresentations(ctx context.Context, ps []Presentation) ([]Verified, error) {
	return f(ctx, ps)
}

// StatusChecker looks up one status reference (IETF Token Status List or
// W3C Bitstring Status List): the one status checker interface of wstack,
// vocab.StatusChecker; a *statuslist.Checker is one. It is called on every
// store and every hit, so it should cache status lists itself (within
// their ttl, as statuslist.Checker does). Its answer is interpreted with
// vocab.InterpretStatus.
type StatusChecker = vocab.StatusChecker

// IssuerTrust decides whether a participant context still trusts a
// credential's issuer for that credential. It returns false (or an error)
// to reject.
type IssuerTrust interface {
	Trusted(ctx context.Context, participantContextID string, cred *presentation.Credential) (bool, error)
}

// IssuerTrustFunc adapts a function to [IssuerTrust].
type IssuerTrustFunc func(ctx context.Context, participantContextID string, cred *presentation.Credential) (bool, error)

// Trusted calls f.
func (f IssuerTrustFunc) Trusted(ctx context.Context, pcID string, cred *presentation.Credential) (bool, error) {
	return f(ctx, pcID, cred)
}

// CoverageFunc decides whether the credentials cover the requested scopes.
type CoverageFunc func(scopes []string, creds []*presentation.Credential) bool

// TractusXCoverage is the requested-credentials rule of EDC's
// DcpIdentityService, which the Tractus-X cache applies before storing: it
// fails when there are more scopes than credentials, and otherwise requires
// every scope string to contain (as a substring) some type of some
// credential. Types are the W3C types plus the SD-JWT VC vct and the mdoc
// doctype. The generic type "VerifiableCredential" is not used for matching
// (it would let any credential cover a scope that merely mentions it).
//
// In addition (not in Tractus-X), a DCP credential-id scope
// "org.eclipse.dspace.dcp.vc.id:<id>[:<operation>]" (DCP v1.0, Verifiable
// Presentation Protocol, "Scopes") is covered by the credential whose id is exactly <id>.
//
// The substring rule is loose by design of the original: a scope
// "org.eclipse.tractusx.vc.type:MembershipCredential:read" is covered by a
// credential of type MembershipCredential, but also by one of type
// "Credential". Supply a stricter [CoverageFunc] with [WithCoverage] if your
// scopes have a fixed grammar.
func TractusXCoverage(scopes []string, creds []*presentation.Credential) bool {
	if len(scopes) > len(creds) {
		return false
	}
	for _, s := range scopes {
		if !scopeCovered(s, creds) {
			return false
		}
	}
	return true
}

// ScopeAliasCredentialID is the DCP scope alias that selects a credential by id.
const ScopeAliasCredentialID = "org.eclipse.dspace.dcp.vc.id:"

func scopeCovered(scope string, creds []*presentation.Credential) bool {
	if rest, ok := strings.CutPrefix(scope, ScopeAliasCredentialID); ok {
		for _, c := range creds {
			if c.ID != "" && (rest == c.ID || strings.HasPrefix(rest, c.ID+":")) {
				return true
			}
		}
	}
	for _, c := range creds {
		for _, t := range c.Types {
			if t != "" && t != "VerifiableCredential" && strings.Contains(scope, t) {
				return true
			}
		}
		if c.VCT != "" && strings.Contains(scope, c.VCT) {
			return true
		}
		if c.DocType != "" && strings.Contains(scope, c.DocType) {
			return true
		}
	}
	return false
}
