package oid4vci

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ocmw/wstack/internal/b64url"
)

// JOSEHeader is the protected header of a key proof, key attestation or
// signed metadata JWT. Members not listed are kept in Extra.
type JOSEHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ,omitempty"`
	Kid string `json:"kid,omitempty"`
	// JWK is the public key (jwt proofs bound to a JWK).
	JWK json.RawMessage `json:"jwk,omitempty"`
	// X5C is the certificate chain, base64 (not URL) DER.
	X5C []string `json:"x5c,omitempty"`
	// KeyAttestation is a key attestation JWT (§F.1).
	KeyAttestation string `json:"key_attestation,omitempty"`
	// TrustChain is an OpenID Federation trust chain (§F.1).
	TrustChain []string `json:"trust_chain,omitempty"`
	Extra      Extra    `json:"-"`
}

var joseHeaderKeys = known[JOSEHeader]()

// UnmarshalJSON decodes the header and keeps unknown members.
func (h *JOSEHeader) UnmarshalJSON(b []byte) error {
	type plain JOSEHeader
	var v plain
	extra, err := unmarshalExtra(b, &v, joseHeaderKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*h = JOSEHeader(v)
	return nil
}

// MarshalJSON encodes the header.
func (h JOSEHeader) MarshalJSON() ([]byte, error) {
	type plain JOSEHeader
	return marshalExtra(plain(h), h.Extra, joseHeaderKeys)
}

// asymmetricJWSAlgs are the registered asymmetric JWS algorithms (RFC 7518,
// RFC 8037, RFC 8812, fully-specified algorithms). none and HS* are absent.
var asymmetricJWSAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true,
	"PS256": true, "PS384": true, "PS512": true,
	"ES256": true, "ES384": true, "ES512": true, "ES256K": true,
	"EdDSA": true, "Ed25519": true, "Ed448": true,
	"ESP256": true, "ESP384": true, "ESP512": true,
}

// IsAsymmetricJWSAlg reports whether alg is a registered asymmetric JWS
// signature algorithm (never none or a MAC).
func IsAsymmetricJWSAlg(alg string) bool { return asymmetricJWSAlgs[alg] }

// typIs compares a JOSE typ with a media type, case-insensitively and with
// an optional "application/" prefix (RFC 7515 §4.1.9).
func typIs(typ, want string) bool {
	t := strings.ToLower(typ)
	t = strings.TrimPrefix(t, "application/")
	return t == want
}

// compactJWT splits and decodes a compact JWS.
type compactJWT struct {
	header       []byte
	payload      []byte
	signingInput string
	signature    []byte
}

func (p Parser) splitJWT(token string, defBytes int) (*compactJWT, error) {
	lim := p.Limits.with(defBytes)
	if len(token) > lim.MaxBytes {
		return nil, fieldErr("", ErrTooLarge, fmt.Sprintf("JWT of %d bytes > %d", len(token), lim.MaxBytes))
	}
	h, rest, ok1 := strings.Cut(token, ".")
	pl, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") || h == "" || pl == "" {
		return nil, fieldErr("", ErrMalformed, "not a compact JWS")
	}
	hb, err1 := b64url.DecodeStringStrict(h)
	pb, err2 := b64url.DecodeStringStrict(pl)
	sb, err3 := b64url.DecodeStringStrict(sig)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, fieldErr("", ErrMalformed, "bad base64url")
	}
	return &compactJWT{header: hb, payload: pb, signingInput: h + "." + pl, signature: sb}, nil
}

// ProofJWT is a parsed jwt key proof (§F.1). Parsing checks structure only;
// the issuer verifies Signature over SigningInput with the key the header
// names (jwk, kid or x5c) and checks the claims against its state.
type ProofJWT struct {
	Header JOSEHeader
	Claims ProofClaims
	// KeyAttestation is the parsed key_attestation header, if any.
	KeyAttestation *KeyAttestation
	SigningInput   string
	Signature      []byte
}

// ProofClaims are the claims of a jwt key proof (§F.1).
type ProofClaims struct {
	// Iss is the client_id; omitted for anonymous pre-authorized access.
	Iss string `json:"iss,omitempty"`
	// Aud is the Credential Issuer Identifier. REQUIRED.
	Aud string `json:"aud"`
	// Iat is the issuance time (seconds since the epoch). REQUIRED.
	Iat int64 `json:"iat"`
	// Nonce is the c_nonce from the nonce endpoint.
	Nonce string `json:"nonce,omitempty"`
	Extra Extra  `json:"-"`
}

var proofClaimsKeys = known[ProofClaims]()

// UnmarshalJSON decodes the claims and keeps unknown ones.
func (c *ProofClaims) UnmarshalJSON(b []byte) error {
	type plain ProofClaims
	var v plain
	extra, err := unmarshalExtra(b, &v, proofClaimsKeys)
	if err != nil {
		return err
	}
	v.Extra = extra
	*c = ProofClaims(v)
	return nil
}

// MarshalJSON encodes the claims.
func (c ProofClaims) MarshalJSON() ([]byte, error) {
	type plain ProofClaims
	return marshalExtra(plain(c), c.Extra, proofClaimsKeys)
}

// ProofJWT parses a jwt key proof and checks its structure (§F.1, §F.4):
// typ openid4vci-proof+jwt; alg a registered asymmetric algorithm; exactly
// one of kid, jwk and x5c (1.0; draft 13 allows x5c beside kid or jwk);
// no private key in jwk; kid with trust_chain; aud and iat present. It does
// not verify the signature. Errors carry invalid_proof.
func (p Parser) ProofJWT(token string) (*ProofJWT, error) {
	c, err := p.splitJWT(token, defaultSmall)
	if err != nil {
		return nil, withCode(err, CodeInvalidProof)
	}
	pj := &ProofJWT{SigningInput: c.signingInput, Signature: c.signature}
	if err := p.decode(c.header, defaultSmall, &pj.Header); err != nil {
		return nil, withCode(prefix("header", asField(err)), CodeInvalidProof)
	}
	if err := p.decode(c.payload, defaultSmall, &pj.Claims); err != nil {
		return nil, withCode(prefix("claims", asField(err)), CodeInvalidProof)
	}
	if err := pj.validate(p.Profile); err != nil {
		return nil, withCode(err, CodeInvalidProof)
	}
	return pj, nil
}

// asField turns a plain sentinel-wrapping error into a *FieldError so that
// a path prefix and a code can be attached.
func asField(err error) error {
	if _, ok := err.(*FieldError); ok {
		return err
	}
	for _, s := range []error{ErrTooLarge, ErrMalformed} {
		if isErr(err, s) {
			return &FieldError{Err: s, Detail: strings.TrimPrefix(err.Error(), s.Error()+": ")}
		}
	}
	return err
}

func (pj *ProofJWT) validate(p Profile) error {
	h := &pj.Header
	if !typIs(h.Typ, ProofJWTType) {
		if h.Typ == "" {
			return fieldErr("header.typ", ErrMissing, "")
		}
		return fieldErr("header.typ", ErrInvalidValue, "must be "+ProofJWTType)
	}
	if err := checkSigAlg("header.alg", h.Alg); err != nil {
		return err
	}
	// RFC 7515 §4.1.11: a recipient must reject a JWS whose crit lists
	// extensions it does not understand; no extension is defined for proofs.
	if _, ok := h.Extra["crit"]; ok {
		return fieldErr("header.crit", ErrInvalidValue, "no critical header extension is understood")
	}
	hasKid, hasJWK, hasX5C := h.Kid != "", h.JWK != nil, h.X5C != nil
	n := 0
	for _, b := range []bool{hasKid, hasJWK, hasX5C} {
		if b {
			n++
		}
	}
	switch {
	case n == 0:
		return fieldErr("header.kid", ErrMissing, "one of kid, jwk and x5c is required")
	case p == ProfileFinal && n > 1, hasKid && hasJWK:
		return fieldErr("header.jwk", ErrConflict, "kid, jwk and x5c exclude each other")
	}
	if hasJWK {
		var k map[string]json.RawMessage
		if err := json.Unmarshal(h.JWK, &k); err != nil || h.JWK[0] != '{' {
			return fieldErr("header.jwk", ErrInvalidValue, "must be a JWK object")
		}
		if err := checkPublicJWK(k); err != nil {
			return prefix("header.jwk", err)
		}
	}
	if hasX5C && len(h.X5C) == 0 {
		return fieldErr("header.x5c", ErrEmpty, "")
	}
	if h.TrustChain != nil && !hasKid {
		return fieldErr("header.kid", ErrMissing, "required with trust_chain")
	}
	if h.KeyAttestation != "" {
		ka, err := Parser{Profile: p}.KeyAttestation(h.KeyAttestation)
		if err != nil {
			return prefix("header.key_attestation", err)
		}
		if ka.Claims.Exp == 0 {
			return fieldErr("header.key_attestation.claims.exp", ErrMissing, "required with the jwt proof type")
		}
		pj.KeyAttestation = ka
	}
	if pj.Claims.Aud == "" {
		return fieldErr("claims.aud", ErrMissing, "")
	}
	if pj.Claims.Iat <= 0 {
		return fieldErr("claims.iat", ErrMissing, "")
	}
	return nil
}

func checkSigAlg(field, alg string) error {
	switch {
	case alg == "":
		return fieldErr(field, ErrMissing, "")
	case !IsAsymmetricJWSAlg(alg):
		return fieldErr(field, ErrInvalidValue, "not a registered asymmetric signature algorithm: "+truncate(alg))
	}
	return nil
}
