package jose

import (
	"bytes"
	"context"
	gocrypto "crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/b64url"
	"github.com/ocmw/wstack/internal/jsonx"
)

// Errors returned by Parse and Verify. Signature failures wrap
// crypto.ErrInvalidSignature as well as ErrSignature.
var (
	ErrMalformed           = errors.New("jose: malformed JWS")
	ErrTooLarge            = errors.New("jose: token too large")
	ErrAlgorithmNotAllowed = errors.New("jose: algorithm not allowed")
	ErrTyp                 = errors.New("jose: unexpected typ")
	ErrCrit                = errors.New("jose: unsupported crit header")
	ErrPrivateKeyInHeader  = errors.New("jose: private key material in header")
	ErrSignature           = errors.New("jose: signature verification failed")
	ErrNoKey               = errors.New("jose: no verification key")
	ErrExpired             = errors.New("jose: token expired")
	ErrNotYetValid         = errors.New("jose: token not yet valid")
	ErrIssuedInFuture      = errors.New("jose: token issued in the future")
	ErrClaim               = errors.New("jose: invalid claim")
	ErrOptions             = errors.New("jose: invalid options")
)

// Default limits.
const (
	DefaultMaxSize   = 256 << 10 // compact token
	MaxHeaderSize    = 16 << 10  // decoded protected header
	DefaultMaxDepth  = 32
	maxSegmentsCheck = 3
)

// registered header parameters (RFC 7515 §4.1, RFC 7516 §4.1) that must
// never appear in crit.
var registeredHeaders = map[string]bool{
	"alg": true, "jku": true, "jwk": true, "kid": true, "x5u": true, "x5c": true, "x5t": true,
	"x5t#S256": true, "typ": true, "cty": true, "crit": true, "enc": true, "zip": true,
}

// Header is the decoded protected header.
type Header struct {
	Alg  crypto.Algorithm
	Typ  string
	Kid  string
	Cty  string
	JWK  map[string]any // embedded public key, checked to hold no private members
	X5C  []string       // certificate chain, base64 DER
	Crit []string
	// Raw holds every header member.
	Raw map[string]any
}

// JWS is a parsed compact JWS whose structure passed the parse gate. Its
// signature is not yet verified unless it came from Verify.
type JWS struct {
	Header     Header
	HeaderJSON []byte
	Payload    []byte
	Signature  []byte
	// SigningInput is "base64url(header).base64url(payload)".
	SigningInput string
}

// ParseOptions configure the parse gate.
type ParseOptions struct {
	// Algorithms is the allow-list; required. Only asymmetric signature
	// algorithms are ever accepted, whatever the list says.
	Algorithms []crypto.Algorithm
	// Typ lists the accepted typ values, compared case-insensitively with an
	// optional "application/" prefix (RFC 7515 §4.1.9). Required unless
	// AllowAnyTyp is set; "" in the list accepts a header without typ.
	Typ []string
	// AllowAnyTyp disables the typ check (for formats whose typ is
	// optional and carries no meaning, e.g. jwt_vc_json).
	AllowAnyTyp bool
	// MaxSize bounds the compact token (default DefaultMaxSize).
	MaxSize int
	// MaxDepth bounds JSON nesting in header and payload (default 32).
	MaxDepth int
	// MaxValues bounds the number of JSON values in the payload, which
	// bounds the memory its decoding takes (default
	// jsonx.DefaultMaxValues, 32,768).
	MaxValues int
	// Crit lists the extension header parameters the caller understands
	// and processes; any other name in crit is rejected.
	Crit []string
	// PayloadNotJSON skips the JSON checks of the payload (detached or
	// binary payloads). JWTs never set it.
	PayloadNotJSON bool
}

var strictB64 = base64.RawURLEncoding.Strict()

// decodeB64 decodes canonical unpadded base64url (RFC 7515 §2, with the
// RFC 4648 §3.5 canonical-encoding requirement enforced by Strict).
func decodeB64(s string) ([]byte, error) {
	return decodeB64To(nil, s)
}

// decodeB64To is decodeB64 decoding into the free capacity of buf when it
// suffices (else into a new slice). The result is capped at its length,
// so that an append to it never writes beyond it.
func decodeB64To(buf []byte, s string) ([]byte, error) {
	need := strictB64.DecodedLen(len(s))
	if cap(buf)-len(buf) < need {
		buf = make([]byte, 0, need)
	}
	dst := buf[len(buf) : len(buf)+need]
	n, err := b64url.DecodeStrict(dst, s)
	if err != nil {
		// The characters are checked one by one only here, to report
		// what a failed decode was.
		if !b64url.ValidChars(s) {
			return nil, fmt.Errorf("%w: invalid base64url character", ErrMalformed)
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return dst[:n:n], nil
}

// Parse runs the parse gate over a compact JWS and decodes it. It does not
// verify the signature.
func Parse(token string, o ParseOptions) (*JWS, error) {
	if len(o.Algorithms) == 0 {
		return nil, fmt.Errorf("%w: empty algorithm allow-list", ErrOptions)
	}
	if len(o.Typ) == 0 && !o.AllowAnyTyp {
		return nil, fmt.Errorf("%w: expected typ not set", ErrOptions)
	}
	max := o.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	if len(token) > max {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(token), max)
	}
	// Count the separators before splitting (never allocate per dot).
	if strings.Count(token, ".") != 2 {
		return nil, fmt.Errorf("%w: compact JWS must have exactly three parts", ErrMalformed)
	}
	i := strings.IndexByte(token, '.')
	j := i + 1 + strings.IndexByte(token[i+1:], '.')
	h64, p64, s64 := token[:i], token[i+1:j], token[j+1:]
	if h64 == "" || s64 == "" {
		return nil, fmt.Errorf("%w: empty header or signature", ErrMalformed)
	}
	if len(h64) > MaxHeaderSize*4/3+4 {
		return nil, fmt.Errorf("%w: header too large", ErrTooLarge)
	}
	// Header, payload and signature are decoded into one buffer (each
	// capped at its length).
	// The header is there twice: HeaderJSON, which the caller may modify,
	// and a private copy right after it that the decoded header strings
	// share and that nothing ever writes again.
	hl := strictB64.DecodedLen(len(h64))
	buf := make([]byte, 0, 2*hl+strictB64.DecodedLen(len(p64))+strictB64.DecodedLen(len(s64)))
	hb, err := decodeB64To(buf, h64)
	if err != nil {
		return nil, err
	}
	buf = buf[:len(hb)]
	priv := append(buf, hb...)
	buf, priv = priv, priv[len(hb):len(priv):len(priv)]
	depth := o.MaxDepth
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	// Checked and decoded in one pass.
	hv, err := jsonx.DecodeAliased(priv, jsonx.Limits{MaxBytes: MaxHeaderSize, MaxDepth: depth})
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	hdr, err := decodeHeader(hv)
	if err != nil {
		return nil, err
	}
	if err := checkAlg(hdr.Alg, o.Algorithms); err != nil {
		return nil, err
	}
	if !o.AllowAnyTyp && !typMatches(hdr.Typ, o.Typ) {
		return nil, fmt.Errorf("%w: %q", ErrTyp, hdr.Typ)
	}
	if err := checkCrit(hdr, o.Crit); err != nil {
		return nil, err
	}
	payload, err := decodeB64To(buf, p64)
	if err != nil {
		return nil, err
	}
	buf = buf[:len(buf)+len(payload)]
	if !o.PayloadNotJSON {
		if err := payloadErr(jsonx.Validate(payload, o.payloadLimits())); err != nil {
			return nil, err
		}
	}
	sig, err := decodeB64To(buf, s64)
	if err != nil {
		return nil, err
	}
	return &JWS{Header: hdr, HeaderJSON: hb, Payload: payload, Signature: sig, SigningInput: token[:j]}, nil
}

// payloadLimits are the JSON limits Parse applies to a payload.
func (o ParseOptions) payloadLimits() jsonx.Limits {
	max, depth := o.MaxSize, o.MaxDepth
	if max <= 0 {
		max = DefaultMaxSize
	}
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	return jsonx.Limits{MaxBytes: max, MaxDepth: depth, MaxValues: o.MaxValues}
}

func payloadErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, jsonx.ErrTooManyValues) {
		return fmt.Errorf("%w: payload: %w", ErrTooLarge, err)
	}
	return fmt.Errorf("%w: payload: %w", ErrMalformed, err)
}

// DecodePayload checks a payload that Parse returned under
// o.PayloadNotJSON against exactly the JSON rules and limits Parse applies
// to a JSON payload under o (returning the same errors), and decodes it in
// the same pass into map[string]any, []any, string, float64, bool or nil
// values. With alias, strings share memory with payload: the caller must
// then never modify payload (nor let anyone else hold it).
func DecodePayload(payload []byte, o ParseOptions, alias bool) (any, error) {
	var v any
	var err error
	if alias {
		v, err = jsonx.DecodeAliased(payload, o.payloadLimits())
	} else {
		v, err = jsonx.Decode(payload, o.payloadLimits())
	}
	if err != nil {
		return nil, payloadErr(err)
	}
	return v, nil
}

// decodeHeader reads the protected header from its decoded JSON.
func decodeHeader(v any) (Header, error) {
	raw, ok := v.(map[string]any)
	if !ok {
		return Header{}, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	h := Header{Raw: raw}
	str := func(name string) (string, error) {
		v, ok := raw[name]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%w: header %q is not a string", ErrMalformed, name)
		}
		return s, nil
	}
	alg, err := str("alg")
	if err != nil {
		return h, err
	}
	if alg == "" {
		return h, fmt.Errorf("%w: missing alg", ErrMalformed)
	}
	h.Alg = crypto.Algorithm(alg)
	if h.Typ, err = str("typ"); err != nil {
		return h, err
	}
	if h.Kid, err = str("kid"); err != nil {
		return h, err
	}
	if h.Cty, err = str("cty"); err != nil {
		return h, err
	}
	if v, ok := raw["jwk"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return h, fmt.Errorf("%w: jwk header is not an object", ErrMalformed)
		}
		for _, p := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, bad := m[p]; bad {
				return h, fmt.Errorf("%w: jwk member %q", ErrPrivateKeyInHeader, p)
			}
		}
		h.JWK = m
	}
	if v, ok := raw["x5c"]; ok {
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return h, fmt.Errorf("%w: x5c must be a non-empty array", ErrMalformed)
		}
		for _, e := range arr {
			s, ok := e.(string)
			if !ok {
				return h, fmt.Errorf("%w: x5c entry not a string", ErrMalformed)
			}
			h.X5C = append(h.X5C, s)
		}
	}
	if v, ok := raw["crit"]; ok {
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return h, fmt.Errorf("%w: crit must be a non-empty array", ErrCrit)
		}
		for _, e := range arr {
			s, ok := e.(string)
			if !ok || s == "" {
				return h, fmt.Errorf("%w: crit entry not a non-empty string", ErrCrit)
			}
			h.Crit = append(h.Crit, s)
		}
	}
	return h, nil
}

func checkAlg(alg crypto.Algorithm, allowed []crypto.Algorithm) error {
	if !alg.IsAsymmetricSignature() {
		return fmt.Errorf("%w: %q", ErrAlgorithmNotAllowed, alg)
	}
	for _, a := range allowed {
		if a == alg {
			return nil
		}
	}
	return fmt.Errorf("%w: %q not in allow-list", ErrAlgorithmNotAllowed, alg)
}

func checkCrit(h Header, understood []string) error {
	seen := map[string]bool{}
	for _, c := range h.Crit {
		if registeredHeaders[c] {
			return fmt.Errorf("%w: registered parameter %q in crit", ErrCrit, c)
		}
		if c == "b64" {
			return fmt.Errorf("%w: unencoded payloads (b64) are not supported", ErrCrit)
		}
		if seen[c] {
			return fmt.Errorf("%w: %q listed twice", ErrCrit, c)
		}
		seen[c] = true
		if _, present := h.Raw[c]; !present {
			return fmt.Errorf("%w: %q listed but absent", ErrCrit, c)
		}
		ok := false
		for _, u := range understood {
			if u == c {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("%w: %q not understood", ErrCrit, c)
		}
	}
	if _, ok := h.Raw["b64"]; ok {
		return fmt.Errorf("%w: b64 header is not supported", ErrCrit)
	}
	return nil
}

// NormalizeTyp lower-cases a typ value and strips an "application/" prefix
// (RFC 7515 §4.1.9).
func NormalizeTyp(t string) string {
	t = strings.ToLower(t)
	return strings.TrimPrefix(t, "application/")
}

func typMatches(got string, want []string) bool {
	g := NormalizeTyp(got)
	for _, w := range want {
		if NormalizeTyp(w) == g {
			return true
		}
	}
	return false
}

// VerifySignature verifies the JWS signature with pub. The header alg must
// suit the key: an ES256 header never verifies under an RSA or P-384 key.
func (j *JWS) VerifySignature(pub gocrypto.PublicKey) error {
	if pub == nil {
		return ErrNoKey
	}
	// crypto.VerifySignature only reads the message: it gets the signing
	// input's bytes without a copy (the string is never written).
	msg := unsafe.Slice(unsafe.StringData(j.SigningInput), len(j.SigningInput))
	if err := crypto.VerifySignature(pub, j.Header.Alg, msg, j.Signature); err != nil {
		if errors.Is(err, crypto.ErrInvalidSignature) {
			return fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return fmt.Errorf("%w: %w", ErrAlgorithmNotAllowed, err)
	}
	return nil
}

// VerifySignatureDigest is VerifySignature for a caller that has computed
// digest, the hash of SigningInput under the header alg's hash function
// (e.g. while hashing a longer string that starts with it). The checks and
// errors are VerifySignature's; an EdDSA header, whose signature covers the
// signing input itself, or a digest of another size fails with
// ErrAlgorithmNotAllowed.
func (j *JWS) VerifySignatureDigest(pub gocrypto.PublicKey, digest []byte) error {
	if pub == nil {
		return ErrNoKey
	}
	if err := crypto.VerifyPrehashed(pub, j.Header.Alg, digest, j.Signature); err != nil {
		if errors.Is(err, crypto.ErrInvalidSignature) {
			return fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return fmt.Errorf("%w: %w", ErrAlgorithmNotAllowed, err)
	}
	return nil
}

// Claims decodes the payload (already checked for duplicates and depth)
// into v.
func (j *JWS) Claims(v any) error {
	d := json.NewDecoder(bytes.NewReader(j.Payload))
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	return nil
}

// KeyResolver finds the key that must have signed a JWS. Implementations
// decide from trusted configuration (issuer metadata, DID documents, a
// certificate pool) and may use header hints (kid, x5c) only as hints.
type KeyResolver interface {
	ResolveKey(ctx context.Context, j *JWS) (gocrypto.PublicKey, error)
}

// KeyResolverFunc adapts a function to KeyResolver.
type KeyResolverFunc func(ctx context.Context, j *JWS) (gocrypto.PublicKey, error)

// ResolveKey calls f.
func (f KeyResolverFunc) ResolveKey(ctx context.Context, j *JWS) (gocrypto.PublicKey, error) {
	return f(ctx, j)
}

// VerifyOptions configure Verify: the parse gate plus the key source.
type VerifyOptions struct {
	ParseOptions
	// Key verifies the signature; if nil, Resolver is asked.
	Key      gocrypto.PublicKey
	Resolver KeyResolver
}

// Verify parses token through the gate and verifies its signature with the
// configured key.
func Verify(ctx context.Context, token string, o VerifyOptions) (*JWS, error) {
	j, err := Parse(token, o.ParseOptions)
	if err != nil {
		return nil, err
	}
	key := o.Key
	if key == nil {
		if o.Resolver == nil {
			return nil, ErrNoKey
		}
		if key, err = o.Resolver.ResolveKey(ctx, j); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoKey, err)
		}
	}
	if err := j.VerifySignature(key); err != nil {
		return nil, err
	}
	return j, nil
}

// TimeOptions configure ValidateTimes.
type TimeOptions struct {
	Now        time.Time
	Leeway     time.Duration
	RequireExp bool
	RequireIat bool
	// MaxAge, when positive, rejects an iat older than Now-MaxAge-Leeway.
	MaxAge time.Duration
}

// NumericDate reads a JWT NumericDate claim (RFC 7519 §2). It reports false
// when the claim is absent and an error when it is not a finite number.
func NumericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return time.Time{}, true, fmt.Errorf("%w: %s is not a number", ErrClaim, name)
		}
	default:
		return time.Time{}, true, fmt.Errorf("%w: %s is not a number", ErrClaim, name)
	}
	if f < 0 || f > 1e11 || f != f {
		return time.Time{}, true, fmt.Errorf("%w: %s out of range", ErrClaim, name)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true, nil
}

// ValidateTimes checks exp, nbf and iat of a JWT claims set.
func ValidateTimes(claims map[string]any, o TimeOptions) error {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	exp, ok, err := NumericDate(claims, "exp")
	if err != nil {
		return err
	}
	if !ok && o.RequireExp {
		return fmt.Errorf("%w: exp missing", ErrClaim)
	}
	if ok && !now.Before(exp.Add(o.Leeway)) {
		return ErrExpired
	}
	nbf, ok, err := NumericDate(claims, "nbf")
	if err != nil {
		return err
	}
	if ok && now.Add(o.Leeway).Before(nbf) {
		return ErrNotYetValid
	}
	iat, ok, err := NumericDate(claims, "iat")
	if err != nil {
		return err
	}
	if !ok && o.RequireIat {
		return fmt.Errorf("%w: iat missing", ErrClaim)
	}
	if ok {
		if now.Add(o.Leeway).Before(iat) {
			return ErrIssuedInFuture
		}
		if o.MaxAge > 0 && iat.Add(o.MaxAge+o.Leeway).Before(now) {
			return fmt.Errorf("%w: iat too old", ErrExpired)
		}
	}
	return nil
}

// CheckAudience checks the aud claim (RFC 7519 §4.1.3): a non-empty string
// equal to expected, or a non-empty array of strings containing it. The
// comparison is exact, so a bare host never matches a prefixed OpenID4VP
// client identifier.
func CheckAudience(claims map[string]any, expected string) error {
	if expected == "" {
		return fmt.Errorf("%w: expected audience not set", ErrOptions)
	}
	switch v := claims["aud"].(type) {
	case string:
		if v == expected {
			return nil
		}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("%w: aud entry is not a string", ErrClaim)
			}
			if s == expected {
				return nil
			}
		}
	case nil:
		return fmt.Errorf("%w: aud missing", ErrClaim)
	default:
		return fmt.Errorf("%w: aud is neither string nor array", ErrClaim)
	}
	return fmt.Errorf("%w: aud does not contain %q", ErrClaim, expected)
}
