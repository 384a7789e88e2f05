package w3c

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
)

// DefaultAlgorithms returns the allow-list used when ParseOptions.Algorithms
// is empty: the asymmetric algorithms of RFC 7518/8037 that wstack engines
// sign with. Callers should pass the verifier metadata's alg_values.
func DefaultAlgorithms() []crypto.Algorithm {
	return []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.EdDSA, crypto.PS256, crypto.PS384, crypto.PS512, crypto.RS256}
}

// DefaultTyp returns the typ values accepted for jwt_vc_json / jwt_vp_json
// when ParseOptions.Typ is empty (VCDM 1.1 §6.3.1: typ, if present, MUST
// be "JWT"); "" accepts a header without typ. Any other typ (kb+jwt,
// dc+sd-jwt, statuslist+jwt, …) is a different kind of token and is
// rejected (RFC 8725 §3.11).
func DefaultTyp() []string { return []string{"JWT", ""} }

// JWTCredential is a decoded jwt_vc_json.
type JWTCredential struct {
	Token  string
	Header jose.Header
	// Claims is the whole JWT claims set.
	Claims map[string]any
	// Credential is the credential after the VCDM 1.1 §6.3.1 decoding
	// rules: iss → issuer, sub → credentialSubject.id, jti → id, nbf →
	// issuanceDate, exp → expirationDate where the vc claim lacks them.
	Credential *Credential
	// Registered claims (zero when absent).
	Issuer, Subject, ID         string
	NotBefore, Expiry, IssuedAt time.Time
	// ConfirmationJWK is cnf.jwk, the holder key the credential is bound
	// to, when present.
	ConfirmationJWK map[string]any

	hasNbf, hasExp, hasIat bool
	signed                 bool
	jws                    *jose.JWS
}

// JWS returns the parsed JWS.
func (c *JWTCredential) JWS() *jose.JWS { return c.jws }

// Verified reports whether the signature was verified.
func (c *JWTCredential) Verified() bool { return c.signed }

// SignOptions configure SignCredentialJWT.
type SignOptions struct {
	// Now sets iat (default time.Now()).
	Now time.Time
	// Header holds extra protected header members (typ defaults to "JWT").
	Header map[string]any
	// Claims holds extra JWT claims (e.g. cnf); registered claims derived
	// from the credential win over them.
	Claims map[string]any
}

// SignCredentialJWT encodes a VCDM 1.1 credential as a jwt_vc_json token
// (VCDM 1.1 §6.3.1): iss = issuer, sub = credentialSubject.id (one subject
// only), jti = id, nbf = issuanceDate, exp = expirationDate, iat = now, and
// the credential itself, unchanged, in the vc claim. The credential must
// validate.
func SignCredentialJWT(ctx context.Context, s jose.MessageSigner, c *Credential, o SignOptions) (string, error) {
	if c.Version() != V1 {
		return "", invalid(ErrContext, "jwt_vc_json carries a VCDM 1.1 credential (first @context %s)", ContextV1)
	}
	if err := c.Validate(); err != nil {
		return "", err
	}
	if c.Proof != nil {
		return "", invalid(ErrMalformed, "a jwt_vc_json credential carries no embedded proof")
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	claims := maps.Clone(o.Claims)
	if claims == nil {
		claims = map[string]any{}
	}
	claims["iss"] = c.IssuerID()
	if sub := c.SubjectID(); sub != "" {
		claims["sub"] = sub
	}
	if c.ID != "" {
		claims["jti"] = c.ID
	}
	v := c.Validity()
	if !v.From.IsZero() {
		claims["nbf"] = v.From.Unix()
	}
	if !v.Until.IsZero() {
		claims["exp"] = v.Until.Unix()
	}
	claims["iat"] = now.Unix()
	claims["vc"] = c.Map()
	return jose.SignJWT(ctx, s, header(o.Header), claims)
}

func header(h map[string]any) map[string]any {
	out := maps.Clone(h)
	if out == nil {
		out = map[string]any{}
	}
	if _, ok := out["typ"]; !ok {
		out["typ"] = "JWT"
	}
	return out
}

// ParseOptions configure the parse gate of VC-JWTs.
type ParseOptions struct {
	// Algorithms is the allow-list (default DefaultAlgorithms()).
	Algorithms []crypto.Algorithm
	// Typ lists accepted typ values (default DefaultTyp()).
	Typ []string
	// MaxSize bounds the token (default jose.DefaultMaxSize).
	MaxSize int
	// MaxDepth bounds JSON nesting (default 32).
	MaxDepth int
}

func (o ParseOptions) jose() jose.ParseOptions {
	algs := o.Algorithms
	if len(algs) == 0 {
		algs = DefaultAlgorithms()
	}
	typ := o.Typ
	if len(typ) == 0 {
		typ = DefaultTyp()
	}
	return jose.ParseOptions{Algorithms: algs, Typ: typ, MaxSize: o.MaxSize, MaxDepth: o.MaxDepth}
}

// VerifyOptions configure VerifyCredentialJWT and VerifyPresentationJWT.
type VerifyOptions struct {
	ParseOptions
	// Key verifies the signature; if nil, Resolver resolves it (for
	// instance IssuerKeys). One of them is required.
	Key      any
	Resolver jose.KeyResolver
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Leeway tolerates clock skew in every time check.
	Leeway time.Duration
	// SkipTimeChecks leaves exp/nbf/iat and the credential's validity
	// window unchecked (the caller checks them, e.g. presentation.Validator
	// which reports them as separate failures).
	SkipTimeChecks bool
}

func (o VerifyOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func decodeClaims(j *jose.JWS) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(j.Payload))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: claims set is not a JSON object", ErrMalformed)
	}
	return m, nil
}

func optString(m map[string]any, k string) (string, error) {
	v, ok := m[k]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%w: %s must be a non-empty string", ErrJWTClaims, k)
	}
	return s, nil
}

// ParseCredentialJWT decodes a jwt_vc_json through the JOSE parse gate and
// applies the VCDM 1.1 decoding rules, without verifying the signature or
// any time.
func ParseCredentialJWT(token string, o ParseOptions) (*JWTCredential, error) {
	j, err := jose.Parse(token, o.jose())
	if err != nil {
		return nil, err
	}
	return decodeCredentialJWT(token, j)
}

func decodeCredentialJWT(token string, j *jose.JWS) (*JWTCredential, error) {
	claims, err := decodeClaims(j)
	if err != nil {
		return nil, err
	}
	out := &JWTCredential{Token: token, Header: j.Header, Claims: claims, jws: j}
	vcv, ok := claims["vc"]
	if !ok {
		return nil, fmt.Errorf("%w: no vc claim", ErrJWTClaims)
	}
	vc, ok := vcv.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: vc claim is not an object", ErrJWTClaims)
	}
	if _, isVP := claims["vp"]; isVP {
		return nil, fmt.Errorf("%w: both vc and vp claims", ErrJWTClaims)
	}
	if err := readRegistered(out, claims); err != nil {
		return nil, err
	}
	c, err := CredentialFromMap(maps.Clone(vc))
	if err != nil {
		return nil, err
	}
	// VCDM 1.1 §6.3.1 decoding, with contradictions rejected.
	if out.Issuer != "" {
		if c.Issuer == nil {
			c.Issuer = &Issuer{ID: out.Issuer}
			delete(c.Extra, "issuer")
		} else if c.Issuer.ID != out.Issuer {
			return nil, fmt.Errorf("%w: iss %q ≠ vc.issuer %q", ErrJWTClaims, out.Issuer, c.Issuer.ID)
		}
	}
	if out.ID != "" {
		if c.ID == "" {
			c.ID = out.ID
		} else if c.ID != out.ID {
			return nil, fmt.Errorf("%w: jti ≠ vc.id", ErrJWTClaims)
		}
	}
	if out.Subject != "" {
		switch len(c.CredentialSubject.Items) {
		case 0:
			c.CredentialSubject = One(map[string]any{"id": out.Subject})
		case 1:
			subj := maps.Clone(c.CredentialSubject.Items[0])
			if id, ok := subj["id"]; ok && id != out.Subject {
				return nil, fmt.Errorf("%w: sub ≠ credentialSubject.id", ErrJWTClaims)
			}
			subj["id"] = out.Subject
			c.CredentialSubject = OneOrMany[map[string]any]{Items: []map[string]any{subj}, Array: c.CredentialSubject.Array}
		default:
			return nil, fmt.Errorf("%w: sub with several credential subjects", ErrJWTClaims)
		}
	}
	if out.hasNbf && c.IssuanceDate == "" && c.ValidFrom == "" {
		if c.Version() == V2 {
			c.ValidFrom = FormatDateTime(out.NotBefore)
		} else {
			c.IssuanceDate = FormatDateTime(out.NotBefore)
		}
	}
	if out.hasExp && c.ExpirationDate == "" && c.ValidUntil == "" {
		if c.Version() == V2 {
			c.ValidUntil = FormatDateTime(out.Expiry)
		} else {
			c.ExpirationDate = FormatDateTime(out.Expiry)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Proof != nil {
		return nil, invalid(ErrMalformed, "vc claim carries an embedded proof")
	}
	out.Credential = c
	if cnf, ok := claims["cnf"].(map[string]any); ok {
		if jwk, ok := cnf["jwk"].(map[string]any); ok {
			if _, err := crypto.PublicKeyFromJWK(jwk); err != nil {
				return nil, fmt.Errorf("%w: cnf.jwk: %w", ErrJWTClaims, err)
			}
			out.ConfirmationJWK = jwk
		}
	}
	return out, nil
}

func readRegistered(out *JWTCredential, claims map[string]any) error {
	var err error
	if out.Issuer, err = optString(claims, "iss"); err != nil {
		return err
	}
	if out.Subject, err = optString(claims, "sub"); err != nil {
		return err
	}
	if out.ID, err = optString(claims, "jti"); err != nil {
		return err
	}
	if out.NotBefore, out.hasNbf, err = jose.NumericDate(claims, "nbf"); err != nil {
		return err
	}
	if out.Expiry, out.hasExp, err = jose.NumericDate(claims, "exp"); err != nil {
		return err
	}
	if out.IssuedAt, out.hasIat, err = jose.NumericDate(claims, "iat"); err != nil {
		return err
	}
	return nil
}

// VerifySignature verifies the signature of a token from
// ParseCredentialJWT with o.Key or the key o.Resolver resolves (the parse
// options of o are not used again). It lets a caller look at the unverified
// credential first — e.g. reject an untrusted issuer before resolving its
// key over the network — without parsing twice.
func (c *JWTCredential) VerifySignature(ctx context.Context, o VerifyOptions) error {
	key := o.Key
	if key == nil {
		if o.Resolver == nil {
			return jose.ErrNoKey
		}
		k, err := o.Resolver.ResolveKey(ctx, c.jws)
		if err != nil {
			return fmt.Errorf("%w: %w", jose.ErrNoKey, err)
		}
		key = k
	}
	if err := c.jws.VerifySignature(key); err != nil {
		return err
	}
	c.signed = true
	return nil
}

// VerifyCredentialJWT verifies a jwt_vc_json: the parse gate, the
// signature with the configured key or resolver, the VCDM 1.1 decoding and
// data model validation, and (unless SkipTimeChecks) exp/nbf/iat and the
// credential's validity window.
func VerifyCredentialJWT(ctx context.Context, token string, o VerifyOptions) (*JWTCredential, error) {
	j, err := verifyJWS(ctx, token, o)
	if err != nil {
		return nil, err
	}
	c, err := decodeCredentialJWT(token, j)
	if err != nil {
		return nil, err
	}
	c.signed = true
	if !o.SkipTimeChecks {
		if err := CheckWindow(c.Claims, c.Credential.Validity(), o.now(), o.Leeway); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func verifyJWS(ctx context.Context, token string, o VerifyOptions) (*jose.JWS, error) {
	vo := jose.VerifyOptions{ParseOptions: o.ParseOptions.jose(), Resolver: o.Resolver}
	if o.Key != nil {
		vo.Key = o.Key
	}
	return jose.Verify(ctx, token, vo)
}

// CheckWindow checks the JWT time claims and a validity window at now with
// leeway. It returns jose.ErrExpired, jose.ErrNotYetValid or
// jose.ErrIssuedInFuture.
func CheckWindow(claims map[string]any, v Validity, now time.Time, leeway time.Duration) error {
	if claims != nil {
		if err := jose.ValidateTimes(claims, jose.TimeOptions{Now: now, Leeway: leeway}); err != nil {
			return err
		}
	}
	if !v.Until.IsZero() && !now.Before(v.Until.Add(leeway)) {
		return fmt.Errorf("%w: validUntil/expirationDate passed", jose.ErrExpired)
	}
	if !v.From.IsZero() && now.Add(leeway).Before(v.From) {
		return fmt.Errorf("%w: validFrom/issuanceDate in the future", jose.ErrNotYetValid)
	}
	return nil
}

// JWTPresentation is a decoded jwt_vp_json.
type JWTPresentation struct {
	Token  string
	Header jose.Header
	Claims map[string]any
	// Presentation is the vp claim after the §6.3.1 decoding rules (iss →
	// holder, jti → id).
	Presentation *Presentation
	Holder       string // iss, or vp.holder
	Nonce        string
	// Audience holds aud (one value when aud is a string).
	Audience []string
	IssuedAt time.Time
	jws      *jose.JWS
	audArray bool
}

// JWS returns the parsed JWS.
func (p *JWTPresentation) JWS() *jose.JWS { return p.jws }

// PresentationSignOptions configure SignPresentationJWT.
type PresentationSignOptions struct {
	// Nonce and Audience bind the presentation to one request (OpenID4VP
	// 1.0 §8.6, §B.3.3: the request nonce and the verifier's client_id,
	// prefix included). Both are required.
	Nonce    string
	Audience string
	// Now sets iat and nbf (default time.Now()).
	Now time.Time
	// Lifetime sets exp = now + Lifetime (default 5 minutes).
	Lifetime time.Duration
	Header   map[string]any
	// NoNonce omits the nonce, for Decentralized Claims Protocol
	// presentation responses, which are bound by aud and a short exp.
	NoNonce bool
}

// SignPresentationJWT encodes a presentation as a jwt_vp_json signed by the
// holder: iss = holder, jti = id, aud, nonce, iat, nbf, exp and the
// presentation in the vp claim.
func SignPresentationJWT(ctx context.Context, s jose.MessageSigner, p *Presentation, o PresentationSignOptions) (string, error) {
	if (o.Nonce == "" && !o.NoNonce) || o.Audience == "" {
		return "", fmt.Errorf("%w: nonce and audience are required", jose.ErrOptions)
	}
	if err := p.Validate(); err != nil {
		return "", err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	life := o.Lifetime
	if life <= 0 {
		life = 5 * time.Minute
	}
	claims := map[string]any{
		"aud":   o.Audience,
		"nonce": o.Nonce,
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(life).Unix(),
		"vp":    p.Map(),
	}
	if o.NoNonce {
		delete(claims, "nonce")
	}
	if p.Holder != nil && p.Holder.ID != "" {
		claims["iss"] = p.Holder.ID
	}
	if p.ID != "" {
		claims["jti"] = p.ID
	}
	return jose.SignJWT(ctx, s, header(o.Header), claims)
}

// PresentationVerifyOptions configure VerifyPresentationJWT.
type PresentationVerifyOptions struct {
	VerifyOptions
	// Nonce and Audience are the expected values; both are required. aud
	// must be that exact string (a JSON string, not an array).
	Nonce    string
	Audience string
	// MaxAge, when positive, rejects an iat older than now-MaxAge.
	MaxAge time.Duration
	// SkipNonce binds the presentation by audience and its validity claims
	// only, as the Decentralized Claims Protocol does (its presentation
	// responses carry no nonce). Never set it for OpenID4VP, where the
	// nonce is what prevents replay.
	SkipNonce bool
}

// ParsePresentationJWT decodes a jwt_vp_json through the parse gate without
// verifying its signature, nonce or audience.
func ParsePresentationJWT(token string, o ParseOptions) (*JWTPresentation, error) {
	j, err := jose.Parse(token, o.jose())
	if err != nil {
		return nil, err
	}
	return decodePresentationJWT(token, j)
}

func decodePresentationJWT(token string, j *jose.JWS) (*JWTPresentation, error) {
	claims, err := decodeClaims(j)
	if err != nil {
		return nil, err
	}
	out := &JWTPresentation{Token: token, Header: j.Header, Claims: claims, jws: j}
	vpv, ok := claims["vp"]
	if !ok {
		return nil, fmt.Errorf("%w: no vp claim", ErrJWTClaims)
	}
	vp, ok := vpv.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: vp claim is not an object", ErrJWTClaims)
	}
	if _, isVC := claims["vc"]; isVC {
		return nil, fmt.Errorf("%w: both vc and vp claims", ErrJWTClaims)
	}
	p, err := PresentationFromMap(maps.Clone(vp))
	if err != nil {
		return nil, err
	}
	iss, err := optString(claims, "iss")
	if err != nil {
		return nil, err
	}
	if iss != "" {
		if p.Holder == nil {
			p.Holder = &Issuer{ID: iss}
		} else if p.Holder.ID != iss {
			return nil, fmt.Errorf("%w: iss %q ≠ vp.holder %q", ErrJWTClaims, iss, p.Holder.ID)
		}
	}
	jti, err := optString(claims, "jti")
	if err != nil {
		return nil, err
	}
	if jti != "" {
		if p.ID == "" {
			p.ID = jti
		} else if p.ID != jti {
			return nil, fmt.Errorf("%w: jti ≠ vp.id", ErrJWTClaims)
		}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	out.Presentation = p
	if p.Holder != nil {
		out.Holder = p.Holder.ID
	}
	if v, ok := claims["nonce"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: nonce must be a string", ErrNonce)
		}
		out.Nonce = s
	}
	switch a := claims["aud"].(type) {
	case nil:
	case string:
		out.Audience = []string{a}
	case []any:
		out.audArray = true
		for _, x := range a {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("%w: aud entries must be strings", ErrAudience)
			}
			out.Audience = append(out.Audience, s)
		}
	default:
		return nil, fmt.Errorf("%w: aud must be a string", ErrAudience)
	}
	out.IssuedAt, _, err = jose.NumericDate(claims, "iat")
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyPresentationJWT verifies a jwt_vp_json: the parse gate, the
// holder's signature (key from Key or Resolver), the vp claim, exp/nbf/iat
// (iat required) and the binding to the request: nonce and aud must equal
// the expected values (OpenID4VP 1.0 §8.6; security rows 12, 15). The
// embedded credentials are decoded but not verified here; the presentation
// package verifies each one and checks holder binding.
func VerifyPresentationJWT(ctx context.Context, token string, o PresentationVerifyOptions) (*JWTPresentation, error) {
	if (o.Nonce == "" && !o.SkipNonce) || o.Audience == "" {
		return nil, fmt.Errorf("%w: expected nonce and audience are required", jose.ErrOptions)
	}
	j, err := verifyJWS(ctx, token, o.VerifyOptions)
	if err != nil {
		return nil, err
	}
	p, err := decodePresentationJWT(token, j)
	if err != nil {
		return nil, err
	}
	if o.SkipNonce {
		if err := CheckAudience(p.Audience, o.Audience); err != nil {
			return nil, err
		}
	} else if err := CheckBinding(p.Nonce, p.Audience, o.Nonce, o.Audience); err != nil {
		return nil, err
	}
	if p.audArray {
		// OpenID4VP: aud is the client_id, a single string (security row 12).
		return nil, fmt.Errorf("%w: aud must be a string, not an array", ErrAudience)
	}
	if !o.SkipTimeChecks {
		if err := jose.ValidateTimes(p.Claims, jose.TimeOptions{Now: o.now(), Leeway: o.Leeway, RequireIat: true, MaxAge: o.MaxAge}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// CheckBinding compares a presentation's nonce and audience values with the
// expected ones: exactly one audience, equal to the expected string (a bare
// host name never matches a prefixed client_id).
func CheckBinding(nonce string, aud []string, wantNonce, wantAud string) error {
	if nonce == "" || nonce != wantNonce {
		return ErrNonce
	}
	return CheckAudience(aud, wantAud)
}

// CheckAudience requires exactly one audience, equal to the expected string.
func CheckAudience(aud []string, wantAud string) error {
	if len(aud) != 1 || aud[0] != wantAud {
		return fmt.Errorf("%w: %q", ErrAudience, aud)
	}
	return nil
}
