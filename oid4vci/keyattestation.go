package oid4vci

import (
	"encoding/json"
	"fmt"
)

// KeyAttestation is a parsed key attestation JWT (Appendix D.1), carried in
// the key_attestation header of a jwt proof or as an attestation proof.
// Parsing checks structure only; the issuer verifies Signature over
// SigningInput with the attester's key (x5c, kid or trust_chain).
type KeyAttestation struct {
	Header       JOSEHeader
	Claims       KeyAttestationClaims
	SigningInput string
	Signature    []byte
}

// KeyAttestationClaims are the claims of a key attestation (Appendix D.1).
type KeyAttestationClaims struct {
	Iss string `json:"iss,omitempty"`
	// Iat is REQUIRED.
	Iat int64 `json:"iat"`
	// Exp is REQUIRED when the attestation is used with the jwt proof type.
	Exp int64 `json:"exp,omitempty"`
	// AttestedKeys is a non-empty array of public JWKs. REQUIRED.
	AttestedKeys       []json.RawMessage `json:"attested_keys"`
	KeyStorage         []string          `json:"key_storage,omitempty"`
	UserAuthentication []string          `json:"user_authentication,omitempty"`
	Certification      string            `json:"certification,omitempty"`
	Nonce              string            `json:"nonce,omitempty"`
	Status             json.RawMessage   `json:"status,omitempty"`
	Extra              Extra             `json:"-"`
}

var keyAttestationClaimsKeys = known[KeyAttestationClaims]()

// UnmarshalJSON decodes the claims and keeps unknown ones.
func (c *KeyAttestationClaims) UnmarshalJSON(b []byte) error {
	type plain KeyAttestationClaims
	var v plain
	extra, err := unmarshalExtra(b, &v, keyAttestationClaimsKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*c = KeyAttestationClaims(v)
	return nil
}

// MarshalJSON encodes the claims.
func (c KeyAttestationClaims) MarshalJSON() ([]byte, error) {
	type plain KeyAttestationClaims
	return marshalExtra(plain(c), c.Extra, keyAttestationClaimsKeys)
}

// KeyAttestation parses a key attestation JWT and checks its structure:
// typ key-attestation+jwt, an asymmetric alg, iat, non-empty attested_keys
// of public JWKs, non-empty key_storage and user_authentication when
// present. It does not verify the signature. Errors carry invalid_proof.
func (p Parser) KeyAttestation(token string) (*KeyAttestation, error) {
	c, err := p.splitJWT(token, defaultSmall)
	if err != nil {
		return nil, withCode(err, CodeInvalidProof)
	}
	ka := &KeyAttestation{SigningInput: c.signingInput, Signature: c.signature}
	if err := p.decode(c.header, defaultSmall, &ka.Header); err != nil {
		return nil, withCode(prefix("header", asField(err)), CodeInvalidProof)
	}
	if err := p.decode(c.payload, defaultSmall, &ka.Claims); err != nil {
		return nil, withCode(prefix("claims", asField(err)), CodeInvalidProof)
	}
	if err := ka.validate(); err != nil {
		return nil, withCode(err, CodeInvalidProof)
	}
	return ka, nil
}

func (ka *KeyAttestation) validate() error {
	if !typIs(ka.Header.Typ, KeyAttestationJWTType) {
		return fieldErr("header.typ", ErrInvalidValue, "must be "+KeyAttestationJWTType)
	}
	if err := checkSigAlg("header.alg", ka.Header.Alg); err != nil {
		return err
	}
	cl := &ka.Claims
	if cl.Iat <= 0 {
		return fieldErr("claims.iat", ErrMissing, "")
	}
	if cl.Exp != 0 && cl.Exp < cl.Iat {
		return fieldErr("claims.exp", ErrInvalidValue, "before iat")
	}
	if len(cl.AttestedKeys) == 0 {
		return fieldErr("claims.attested_keys", ErrMissing, "")
	}
	for i, k := range cl.AttestedKeys {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(k, &m); err != nil || k[0] != '{' {
			return fieldErr(fmt.Sprintf("claims.attested_keys[%d]", i), ErrInvalidValue, "must be a JWK")
		}
		if err := checkPublicJWK(m); err != nil {
			return prefix(fmt.Sprintf("claims.attested_keys[%d]", i), err)
		}
	}
	if err := checkStrings("claims.key_storage", cl.KeyStorage, true); err != nil {
		return err
	}
	return checkStrings("claims.user_authentication", cl.UserAuthentication, true)
}
