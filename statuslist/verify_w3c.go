package statuslist

import (
	"context"
	"fmt"
	"time"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/jsonx"
)

// VerifiedCredential is a verified W3C status list credential.
type VerifiedCredential struct {
	Credential BitstringCredential
	ValidFrom  time.Time
	ValidUntil time.Time
	// TTL is credentialSubject.ttl (zero when absent).
	TTL time.Duration
}

// CredentialVerifier verifies a status list credential that is not a JWT
// (a JSON-LD document secured with a Data Integrity proof, media type
// application/vc+ld+json or application/vc) and returns the verified
// document. crypto/dataintegrity provides one; the Checker uses it when set.
type CredentialVerifier interface {
	VerifyStatusListCredential(ctx context.Context, doc []byte) ([]byte, error)
}

// VerifyCredentialJWT verifies a BitstringStatusListCredential (or a
// StatusList2021Credential) secured as a JWT: VC-JOSE-COSE (typ vc+jwt,
// the payload is the credential) or, with legacyTyp, the VCDM 1.1 JWT
// encoding (payload with a vc claim, typ JWT or absent). opts.Subject, when
// set, must equal the credential id if the credential has one.
func VerifyCredentialJWT(ctx context.Context, token string, opts VerifyOptions, legacyTyp bool) (*VerifiedCredential, error) {
	if opts.Keys == nil {
		return nil, fmt.Errorf("%w: no key resolver", ErrConfig)
	}
	typs := []string{TypVCJWT, "vc+ld+json+jwt"}
	if legacyTyp {
		typs = append(typs, "JWT", "")
	}
	j, err := jose.Parse(token, jose.ParseOptions{Algorithms: opts.algs(), Typ: typs, MaxSize: opts.maxToken()})
	if err != nil {
		return nil, mapJoseErr(err)
	}
	var doc struct {
		BitstringCredential
		VC  *BitstringCredential `json:"vc"`
		Iss string               `json:"iss"`
		Jti string               `json:"jti"`
		Nbf *float64             `json:"nbf"`
		Exp *float64             `json:"exp"`
	}
	if err := jsonx.Unmarshal(j.Payload, &doc, jsonx.Limits{MaxBytes: opts.maxToken()}); err != nil {
		return nil, fmt.Errorf("%w: credential: %v", ErrToken, err)
	}
	cred := doc.BitstringCredential
	if doc.VC != nil {
		if !legacyTyp {
			return nil, fmt.Errorf("%w: VCDM 1.1 vc claim needs the legacy option", ErrTokenType)
		}
		cred = *doc.VC
		if cred.ID == "" {
			cred.ID = doc.Jti
		}
		if cred.Issuer == nil && doc.Iss != "" {
			cred.Issuer = doc.Iss
		}
		if doc.Nbf != nil && cred.IssuanceDate == "" {
			cred.IssuanceDate = time.Unix(int64(*doc.Nbf), 0).UTC().Format(time.RFC3339)
		}
		if doc.Exp != nil && cred.ExpirationDate == "" {
			cred.ExpirationDate = time.Unix(int64(*doc.Exp), 0).UTC().Format(time.RFC3339)
		}
	}
	if !hasType(cred.Type, TypeBitstringCred) && !hasType(cred.Type, TypeStatusList2021Cred) {
		return nil, fmt.Errorf("%w: type %v", ErrTokenType, cred.Type)
	}
	issuer := cred.IssuerID()
	if issuer == "" {
		return nil, fmt.Errorf("%w: issuer missing", ErrToken)
	}
	if doc.Iss != "" && doc.Iss != issuer {
		return nil, fmt.Errorf("%w: iss %q ≠ issuer %q", ErrToken, doc.Iss, issuer)
	}
	pub, err := opts.Keys.ResolveStatusListKey(ctx, KeyHint{Format: "vc+jwt", URI: opts.hintURI(cred.ID), Issuer: issuer, KeyID: j.Header.Kid, Alg: j.Header.Alg, Header: &j.Header})
	if err != nil || pub == nil {
		return nil, fmt.Errorf("%w: no key: %v", ErrSignature, err)
	}
	if err := j.VerifySignature(pub); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return checkCredential(cred, opts)
}

// VerifyCredentialDocument checks a credential document that a
// CredentialVerifier already verified (proof, issuer key).
func VerifyCredentialDocument(doc []byte, opts VerifyOptions) (*VerifiedCredential, error) {
	var cred BitstringCredential
	if err := jsonx.Unmarshal(doc, &cred, jsonx.Limits{MaxBytes: opts.maxToken()}); err != nil {
		return nil, fmt.Errorf("%w: credential: %v", ErrToken, err)
	}
	if !hasType(cred.Type, TypeBitstringCred) && !hasType(cred.Type, TypeStatusList2021Cred) {
		return nil, fmt.Errorf("%w: type %v", ErrTokenType, cred.Type)
	}
	return checkCredential(cred, opts)
}

func checkCredential(cred BitstringCredential, opts VerifyOptions) (*VerifiedCredential, error) {
	if opts.Subject != "" && cred.ID != "" && cred.ID != opts.Subject {
		return nil, fmt.Errorf("%w: credential id %q, statusListCredential %q", ErrSubjectMismatch, cred.ID, opts.Subject)
	}
	from, until, err := cred.validity()
	if err != nil {
		return nil, err
	}
	now := opts.now()
	if !until.IsZero() && !now.Before(until.Add(opts.Leeway)) {
		return nil, fmt.Errorf("%w: validUntil %s", ErrExpired, until.Format(time.RFC3339))
	}
	if !from.IsZero() && now.Add(opts.Leeway).Before(from) {
		return nil, fmt.Errorf("%w: validFrom %s", ErrNotYetValid, from.Format(time.RFC3339))
	}
	if cred.CredentialSubject.TTL < 0 {
		return nil, fmt.Errorf("%w: negative ttl", ErrToken)
	}
	if len(cred.CredentialSubject.Purposes()) == 0 {
		return nil, fmt.Errorf("%w: statusPurpose missing", ErrToken)
	}
	return &VerifiedCredential{Credential: cred, ValidFrom: from, ValidUntil: until, TTL: time.Duration(cred.CredentialSubject.TTL) * time.Millisecond}, nil
}
