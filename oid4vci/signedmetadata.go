package oid4vci

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SignedIssuerMetadata is Credential Issuer Metadata served as a signed JWT
// (application/jwt, §12.2.3): the metadata parameters are top-level claims
// beside iss, sub, iat and exp.
type SignedIssuerMetadata struct {
	Header JOSEHeader
	// Iss is the party attesting the metadata. OPTIONAL.
	Iss string
	// Sub equals the Credential Issuer Identifier. REQUIRED.
	Sub string
	// Iat is the issuance time. REQUIRED.
	Iat int64
	// Exp is the expiry time; 0 if absent.
	Exp int64
	// Metadata holds the metadata parameters (iss, sub, iat, exp removed).
	Metadata *IssuerMetadata
}

// VerifyFunc verifies a JWS signature. It receives the decoded protected
// header (to select and trust the key, e.g. from x5c or kid) and must
// return an error unless signature is a valid signature over signingInput
// with header.Alg by a key the caller trusts.
type VerifyFunc func(header *JOSEHeader, signingInput string, signature []byte) error

type signedMetadataClaims struct {
	Iss string `json:"iss,omitempty"`
	Sub string `json:"sub"`
	Iat int64  `json:"iat"`
	Exp int64  `json:"exp,omitempty"`
}

// SignedIssuerMetadata parses signed issuer metadata, checks the JOSE
// header (typ openidvci-issuer-metadata+jwt, asymmetric alg), calls verify
// (required: without a verifier nothing is returned), and validates the
// claims and the metadata: sub and iat present, sub equal to
// credential_issuer. The caller still compares credential_issuer with the
// issuer identifier it fetched the metadata for (CheckIssuer) and checks
// exp against its clock.
func (p Parser) SignedIssuerMetadata(token []byte, verify VerifyFunc) (*SignedIssuerMetadata, error) {
	if verify == nil {
		return nil, fmt.Errorf("%w: no verifier given", ErrSignature)
	}
	c, err := p.splitJWT(strings.TrimSpace(string(token)), defaultMedium)
	if err != nil {
		return nil, err
	}
	s := &SignedIssuerMetadata{}
	if err := p.decode(c.header, defaultSmall, &s.Header); err != nil {
		return nil, prefix("header", asField(err))
	}
	if !typIs(s.Header.Typ, SignedMetadataType) {
		return nil, fieldErr("header.typ", ErrSignature, "must be "+SignedMetadataType)
	}
	if err := checkSigAlg("header.alg", s.Header.Alg); err != nil {
		return nil, err
	}
	if err := verify(&s.Header, c.signingInput, c.signature); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	var md IssuerMetadata
	if err := p.decode(c.payload, defaultMedium, &md); err != nil {
		return nil, prefix("claims", asField(err))
	}
	var cl signedMetadataClaims
	if err := json.Unmarshal(c.payload, &cl); err != nil {
		return nil, fieldErr("claims", ErrMalformed, "iss, sub, iat or exp of the wrong type")
	}
	for _, k := range []string{"iss", "sub", "iat", "exp"} {
		delete(md.Extra, k)
	}
	if len(md.Extra) == 0 {
		md.Extra = nil
	}
	switch {
	case cl.Sub == "":
		return nil, fieldErr("claims.sub", ErrMissing, "")
	case cl.Iat <= 0:
		return nil, fieldErr("claims.iat", ErrMissing, "")
	case cl.Exp != 0 && cl.Exp < cl.Iat:
		return nil, fieldErr("claims.exp", ErrInvalidValue, "before iat")
	case cl.Sub != md.CredentialIssuer:
		return nil, fieldErr("claims.sub", ErrInvalidValue, "does not equal credential_issuer")
	}
	if err := md.Validate(p.Profile); err != nil {
		return nil, err
	}
	s.Iss, s.Sub, s.Iat, s.Exp, s.Metadata = cl.Iss, cl.Sub, cl.Iat, cl.Exp, &md
	return s, nil
}

// SignedMetadataPayload returns the JWS payload for signed metadata: the
// metadata parameters plus sub (= credential_issuer), iat, and iss and exp
// when non-zero. The issuer signs it with header typ SignedMetadataType.
func SignedMetadataPayload(md *IssuerMetadata, iss string, iat, exp int64) ([]byte, error) {
	if err := md.Validate(ProfileFinal); err != nil {
		return nil, err
	}
	c := *md
	c.Extra = make(Extra, len(md.Extra)+4)
	for k, v := range md.Extra {
		c.Extra[k] = v
	}
	add := func(k string, v any) {
		b, _ := json.Marshal(v)
		c.Extra[k] = b
	}
	add("sub", md.CredentialIssuer)
	add("iat", iat)
	if iss != "" {
		add("iss", iss)
	}
	if exp != 0 {
		add("exp", exp)
	}
	return json.Marshal(c)
}
