package statuslist

import (
	"context"
	gocrypto "crypto"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/jsonx"
)

// Media types and token types (draft-20 "Status List Token", IANA considerations; VC-JOSE-COSE).
const (
	MediaTypeJWT         = "application/statuslist+jwt"
	MediaTypeCWT         = "application/statuslist+cwt"
	MediaTypeVCJWT       = "application/vc+jwt"
	MediaTypeVCLD        = "application/vc+ld+json"
	MediaTypeVC          = "application/vc"
	TypJWT               = "statuslist+jwt"
	TypVCJWT             = "vc+jwt"
	DefaultMaxTokenBytes = 8 << 20
)

// CWT claim keys (RFC 8392, draft-20 "Status List Token in CWT Format" and "Referenced Token").
const (
	cwtIss        = 1
	cwtSub        = 2
	cwtExp        = 4
	cwtIat        = 6
	cwtStatus     = 65535
	cwtStatusList = 65533
	cwtTTL        = 65534
	coseAlg       = 1
	coseKid       = 4
	coseTyp       = 16
	coseSign1Tag  = 18
	cwtTag        = 61
)

// IETFStatusList is the status_list object of a status list token in JSON
// form (draft-20 "Status List in JSON Format"). Its CBOR form carries lst as a byte string.
type IETFStatusList struct {
	Bits           int    `json:"bits"`
	Lst            string `json:"lst"`
	AggregationURI string `json:"aggregation_uri,omitempty"`
}

// NewIETFStatusList encodes l (which must be an IETF list).
func NewIETFStatusList(l *List, aggregationURI string) (IETFStatusList, error) {
	lst, err := EncodeLst(l)
	if err != nil {
		return IETFStatusList{}, err
	}
	return IETFStatusList{Bits: l.Bits(), Lst: lst, AggregationURI: aggregationURI}, nil
}

// Decode decodes the list with bounded inflation.
func (s IETFStatusList) Decode(opts DecodeOptions) (*List, error) {
	return DecodeLst(s.Lst, s.Bits, opts)
}

// Aggregation is the Status List Aggregation document (draft-20 "Status List Aggregation").
type Aggregation struct {
	StatusLists []string `json:"status_lists"`
}

// TokenClaims are the claims of a status list token (draft-20 "Status List Token in JWT Format" / "... in CWT Format").
// Times are whole seconds.
type TokenClaims struct {
	Issuer    string
	Subject   string
	IssuedAt  time.Time
	ExpiresAt time.Time // zero: no exp
	TTL       time.Duration
	// TTLSet reports whether the token carried ttl (0 is a valid value:
	// do not cache beyond the relying party's minimum).
	TTLSet     bool
	StatusList IETFStatusList
	// Extra holds other JWT claims (JSON form only), kept on round trip.
	Extra map[string]any
}

func (c TokenClaims) jsonMap() (map[string]any, error) {
	if c.Subject == "" || c.IssuedAt.IsZero() {
		return nil, fmt.Errorf("%w: sub and iat are required", ErrConfig)
	}
	m := make(map[string]any, len(c.Extra)+6)
	for k, v := range c.Extra {
		m[k] = v
	}
	m["sub"] = c.Subject
	m["iat"] = c.IssuedAt.Unix()
	if c.Issuer != "" {
		m["iss"] = c.Issuer
	}
	if !c.ExpiresAt.IsZero() {
		m["exp"] = c.ExpiresAt.Unix()
	}
	if c.TTL > 0 || c.TTLSet {
		m["ttl"] = int64(c.TTL / time.Second)
	}
	m["status_list"] = c.StatusList
	return m, nil
}

// SignJWT signs a status list token in JWT form (typ statuslist+jwt).
func SignJWT(ctx context.Context, s jose.MessageSigner, c TokenClaims) (string, error) {
	m, err := c.jsonMap()
	if err != nil {
		return "", err
	}
	return jose.SignJWT(ctx, s, map[string]any{"typ": TypJWT}, m)
}

// SignCWT signs a status list token in CWT form: a tagged COSE_Sign1 with
// protected header {1: alg, 16: "application/statuslist+cwt"} and kid in the
// unprotected header (draft-20 "Status List Token in CWT Format"). lst is the raw compressed bytes.
func SignCWT(ctx context.Context, s jose.MessageSigner, c TokenClaims) ([]byte, error) {
	if c.Subject == "" || c.IssuedAt.IsZero() {
		return nil, fmt.Errorf("%w: sub and iat are required", ErrConfig)
	}
	alg, ok := coseAlgID(s.Algorithm())
	if !ok {
		return nil, fmt.Errorf("%w: no COSE identifier for %s", ErrConfig, s.Algorithm())
	}
	lst, err := base64Raw(c.StatusList.Lst)
	if err != nil {
		return nil, err
	}
	sl := &cborMap{}
	sl.set("bits", int64(c.StatusList.Bits))
	sl.set("lst", lst)
	if c.StatusList.AggregationURI != "" {
		sl.set("aggregation_uri", c.StatusList.AggregationURI)
	}
	claims := &cborMap{}
	claims.set(int64(cwtSub), c.Subject)
	claims.set(int64(cwtIat), c.IssuedAt.Unix())
	if c.Issuer != "" {
		claims.set(int64(cwtIss), c.Issuer)
	}
	if !c.ExpiresAt.IsZero() {
		claims.set(int64(cwtExp), c.ExpiresAt.Unix())
	}
	if c.TTL > 0 || c.TTLSet {
		claims.set(int64(cwtTTL), int64(c.TTL/time.Second))
	}
	claims.set(int64(cwtStatusList), sl)
	payload, err := cborEncode(claims)
	if err != nil {
		return nil, err
	}
	prot := &cborMap{}
	prot.set(int64(coseAlg), alg)
	prot.set(int64(coseTyp), MediaTypeCWT)
	protBytes, err := cborEncode(prot)
	if err != nil {
		return nil, err
	}
	unprot := &cborMap{}
	if kid := s.KID(); kid != "" {
		unprot.set(int64(coseKid), []byte(kid))
	}
	tbs, err := sigStructure(protBytes, payload)
	if err != nil {
		return nil, err
	}
	sig, err := s.SignMessage(ctx, tbs)
	if err != nil {
		return nil, err
	}
	return cborEncode(cborTag{num: coseSign1Tag, content: []any{protBytes, unprot, payload, sig}})
}

func sigStructure(prot, payload []byte) ([]byte, error) {
	return cborEncode([]any{"Signature1", prot, []byte{}, payload})
}

var coseAlgs = map[crypto.Algorithm]int64{
	crypto.ES256: -7, crypto.ES384: -35, crypto.EdDSA: -8,
	crypto.PS256: -37, crypto.PS384: -38, crypto.PS512: -39,
	crypto.RS256: -257, crypto.RS384: -258, crypto.RS512: -259,
}

func coseAlgID(a crypto.Algorithm) (int64, bool) { v, ok := coseAlgs[a]; return v, ok }

func coseAlgName(id int64) (crypto.Algorithm, bool) {
	for a, v := range coseAlgs {
		if v == id {
			return a, true
		}
	}
	return "", false
}

// KeyHint tells a KeyResolver which key a status list token claims.
type KeyHint struct {
	// Format is "jwt", "cwt" or "vc+jwt".
	Format string
	// URI is the status list URI the referenced token points to (the
	// token's unverified sub only when no expected subject was given).
	URI string
	// Issuer is the iss claim (JWT/CWT) or the credential issuer (W3C).
	Issuer string
	KeyID  string
	Alg    crypto.Algorithm
	// Header is the decoded JWS header (JWT forms only).
	Header *jose.Header
}

// KeyResolver returns the public key that must have signed a status list
// token. Implementations decide from trusted configuration (issuer
// metadata, DID documents, certificates with id-kp-oauthStatusSigning);
// header hints are hints only.
type KeyResolver interface {
	ResolveStatusListKey(ctx context.Context, h KeyHint) (gocrypto.PublicKey, error)
}

// KeyResolverFunc adapts a function to KeyResolver.
type KeyResolverFunc func(ctx context.Context, h KeyHint) (gocrypto.PublicKey, error)

// ResolveStatusListKey calls f.
func (f KeyResolverFunc) ResolveStatusListKey(ctx context.Context, h KeyHint) (gocrypto.PublicKey, error) {
	return f(ctx, h)
}

// StaticKey resolves every token to one key.
func StaticKey(pub gocrypto.PublicKey) KeyResolver {
	return KeyResolverFunc(func(context.Context, KeyHint) (gocrypto.PublicKey, error) { return pub, nil })
}

// VerifyOptions configure token verification.
type VerifyOptions struct {
	// Algorithms is the signature allow-list (default ES256, ES384, EdDSA).
	Algorithms []crypto.Algorithm
	// Keys resolves the signing key; required.
	Keys KeyResolver
	// Subject, when set, must equal the token's sub (the referenced uri).
	Subject string
	// Now is the verification time (default time.Now()).
	Now time.Time
	// Leeway tolerates clock skew for exp and iat.
	Leeway time.Duration
	// MaxTokenBytes bounds the token (default DefaultMaxTokenBytes).
	MaxTokenBytes int
	// Decode bounds list decoding.
	Decode DecodeOptions
}

// defaultAlgorithms is the default signature allow-list.
var defaultAlgorithms = []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.EdDSA}

func (o VerifyOptions) algs() []crypto.Algorithm {
	if len(o.Algorithms) > 0 {
		return o.Algorithms
	}
	return defaultAlgorithms
}

func (o VerifyOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// hintURI is the URI given to key resolvers: the expected subject (the
// referenced uri) when known, never only the token's unverified claim.
func (o VerifyOptions) hintURI(claimed string) string {
	if o.Subject != "" {
		return o.Subject
	}
	return claimed
}

func (o VerifyOptions) maxToken() int {
	if o.MaxTokenBytes > 0 {
		return o.MaxTokenBytes
	}
	return DefaultMaxTokenBytes
}

// VerifiedToken is a verified, decoded status list token.
type VerifiedToken struct {
	Claims TokenClaims
	List   *List
	// Format is "jwt" or "cwt".
	Format string
}

// VerifyJWT verifies a status list token in JWT form (draft-20 "Validation Rules"): typ
// statuslist+jwt, allowed algorithm, signature under the resolved key,
// sub = opts.Subject, exp, then decodes the list with bounded inflation.
func VerifyJWT(ctx context.Context, token string, opts VerifyOptions) (*VerifiedToken, error) {
	if opts.Keys == nil {
		return nil, fmt.Errorf("%w: no key resolver", ErrConfig)
	}
	j, err := jose.Parse(token, jose.ParseOptions{Algorithms: opts.algs(), Typ: []string{TypJWT}, MaxSize: opts.maxToken()})
	if err != nil {
		return nil, mapJoseErr(err)
	}
	var raw map[string]json.RawMessage
	if err := jsonx.Unmarshal(j.Payload, &raw, jsonx.Limits{MaxBytes: opts.maxToken()}); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	c, err := parseJSONClaims(raw)
	if err != nil {
		return nil, err
	}
	pub, err := opts.Keys.ResolveStatusListKey(ctx, KeyHint{Format: "jwt", URI: opts.hintURI(c.Subject), Issuer: c.Issuer, KeyID: j.Header.Kid, Alg: j.Header.Alg, Header: &j.Header})
	if err != nil || pub == nil {
		return nil, fmt.Errorf("%w: no key: %v", ErrSignature, err)
	}
	if err := j.VerifySignature(pub); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return finishVerify(c, "jwt", opts)
}

func mapJoseErr(err error) error {
	switch {
	case errorsIs(err, jose.ErrTyp):
		return fmt.Errorf("%w: %v", ErrTokenType, err)
	case errorsIs(err, jose.ErrTooLarge):
		return fmt.Errorf("%w: %v", ErrTooLarge, err)
	case errorsIs(err, jose.ErrAlgorithmNotAllowed), errorsIs(err, jose.ErrSignature):
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return fmt.Errorf("%w: %v", ErrToken, err)
}

func parseJSONClaims(raw map[string]json.RawMessage) (TokenClaims, error) {
	var c TokenClaims
	str := func(name string, dst *string) error {
		if v, ok := raw[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return fmt.Errorf("%w: %s is not a string", ErrToken, name)
			}
		}
		return nil
	}
	if err := str("sub", &c.Subject); err != nil {
		return c, err
	}
	if err := str("iss", &c.Issuer); err != nil {
		return c, err
	}
	num := func(name string) (float64, bool, error) {
		v, ok := raw[name]
		if !ok {
			return 0, false, nil
		}
		var f float64
		if err := json.Unmarshal(v, &f); err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
			return 0, true, fmt.Errorf("%w: %s is not a valid number", ErrToken, name)
		}
		return f, true, nil
	}
	iat, ok, err := num("iat")
	if err != nil {
		return c, err
	}
	if ok {
		c.IssuedAt = time.Unix(int64(iat), 0)
	}
	exp, ok, err := num("exp")
	if err != nil {
		return c, err
	}
	if ok {
		c.ExpiresAt = time.Unix(int64(exp), 0)
	}
	if v, ok := raw["ttl"]; ok {
		var ttl float64
		if err := json.Unmarshal(v, &ttl); err != nil || ttl != math.Trunc(ttl) || ttl < 0 {
			return c, fmt.Errorf("%w: ttl must be a non-negative integer of seconds", ErrToken)
		}
		c.TTL, c.TTLSet = ttlDuration(uint64(min(ttl, maxTTLSeconds))), true
	}
	sl, ok := raw["status_list"]
	if !ok {
		return c, fmt.Errorf("%w: status_list missing", ErrToken)
	}
	var obj struct {
		Bits           json.RawMessage `json:"bits"`
		Lst            *string         `json:"lst"`
		AggregationURI *string         `json:"aggregation_uri"`
	}
	if err := json.Unmarshal(sl, &obj); err != nil || obj.Bits == nil || obj.Lst == nil {
		return c, fmt.Errorf("%w: status_list needs bits and lst", ErrToken)
	}
	if obj.Bits[0] < '0' || obj.Bits[0] > '9' {
		return c, fmt.Errorf("%w: bits is not a number", ErrToken)
	}
	bits, err := strconv.Atoi(string(obj.Bits))
	if err != nil || !ietfBits(bits) {
		return c, fmt.Errorf("%w: bits=%s", ErrBadBits, obj.Bits)
	}
	c.StatusList = IETFStatusList{Bits: bits, Lst: *obj.Lst}
	if obj.AggregationURI != nil {
		c.StatusList.AggregationURI = *obj.AggregationURI
	}
	c.Extra = map[string]any{}
	for k, v := range raw {
		switch k {
		case "sub", "iss", "iat", "exp", "ttl", "status_list":
			continue
		}
		var x any
		_ = json.Unmarshal(v, &x) // already validated by jsonx
		c.Extra[k] = x
	}
	return c, nil
}

func finishVerify(c TokenClaims, format string, opts VerifyOptions) (*VerifiedToken, error) {
	if err := checkClaims(c, opts); err != nil {
		return nil, err
	}
	l, err := c.StatusList.Decode(opts.Decode)
	if err != nil {
		return nil, err
	}
	return &VerifiedToken{Claims: c, List: l, Format: format}, nil
}

func checkClaims(c TokenClaims, opts VerifyOptions) error {
	if c.Subject == "" {
		return fmt.Errorf("%w: sub missing", ErrToken)
	}
	if c.IssuedAt.IsZero() {
		return fmt.Errorf("%w: iat missing", ErrToken)
	}
	if opts.Subject != "" && c.Subject != opts.Subject {
		return fmt.Errorf("%w: sub %q, uri %q", ErrSubjectMismatch, c.Subject, opts.Subject)
	}
	now := opts.now()
	if !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt.Add(opts.Leeway)) {
		return fmt.Errorf("%w: exp %s", ErrExpired, c.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if now.Add(opts.Leeway).Before(c.IssuedAt) {
		return fmt.Errorf("%w: iat %s", ErrNotYetValid, c.IssuedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// VerifyCWT verifies a status list token in CWT form (draft-20 "Validation Rules"): a
// COSE_Sign1 (tagged or not) whose protected header carries an allowed alg
// and typ application/statuslist+cwt, signed by the resolved key.
func VerifyCWT(ctx context.Context, token []byte, opts VerifyOptions) (*VerifiedToken, error) {
	if opts.Keys == nil {
		return nil, fmt.Errorf("%w: no key resolver", ErrConfig)
	}
	if len(token) > opts.maxToken() {
		return nil, fmt.Errorf("%w: token is %d bytes", ErrTooLarge, len(token))
	}
	v, err := cborDecode(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrToken, err)
	}
	// A status list CWT is a tagged COSE_Sign1 (draft-20), optionally
	// inside the CWT tag 61 (RFC 8392 §6).
	if t, ok := v.(cborTag); ok && t.num == cwtTag {
		v = t.content
	}
	t, ok := v.(cborTag)
	if !ok || t.num != coseSign1Tag {
		return nil, fmt.Errorf("%w: not a tagged COSE_Sign1", ErrTokenType)
	}
	v = t.content
	arr, ok := v.([]any)
	if !ok || len(arr) != 4 {
		return nil, fmt.Errorf("%w: COSE_Sign1 must be an array of 4", ErrToken)
	}
	protBytes, ok1 := arr[0].([]byte)
	unprot, ok2 := arr[1].(*cborMap)
	payload, ok3 := arr[2].([]byte)
	sig, ok4 := arr[3].([]byte)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, fmt.Errorf("%w: malformed COSE_Sign1 (detached payloads are not supported)", ErrToken)
	}
	pv, err := cborDecode(protBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: protected header: %v", ErrToken, err)
	}
	prot, ok := pv.(*cborMap)
	if !ok {
		return nil, fmt.Errorf("%w: protected header is not a map", ErrToken)
	}
	if _, ok := prot.get(int64(2)); ok { // crit
		return nil, fmt.Errorf("%w: crit header parameters are not supported", ErrToken)
	}
	algV, _ := prot.get(int64(coseAlg))
	algID, ok := cborInt(algV)
	if !ok {
		return nil, fmt.Errorf("%w: alg missing from the protected header", ErrSignature)
	}
	alg, ok := coseAlgName(algID)
	if !ok || !algAllowed(alg, opts.algs()) {
		return nil, fmt.Errorf("%w: COSE alg %d not allowed", ErrSignature, algID)
	}
	typV, _ := prot.get(int64(coseTyp))
	if typ, _ := typV.(string); !strings.EqualFold(typ, MediaTypeCWT) {
		return nil, fmt.Errorf("%w: typ %v", ErrTokenType, typV)
	}
	var kid string
	for _, m := range []*cborMap{prot, unprot} {
		if k, ok := m.get(int64(coseKid)); ok {
			if b, ok := k.([]byte); ok {
				kid = string(b)
			}
		}
	}
	cv, err := cborDecode(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	cm, ok := cv.(*cborMap)
	if !ok {
		return nil, fmt.Errorf("%w: claims are not a map", ErrToken)
	}
	c, lst, err := parseCWTClaims(cm)
	if err != nil {
		return nil, err
	}
	pub, err := opts.Keys.ResolveStatusListKey(ctx, KeyHint{Format: "cwt", URI: opts.hintURI(c.Subject), Issuer: c.Issuer, KeyID: kid, Alg: alg})
	if err != nil || pub == nil {
		return nil, fmt.Errorf("%w: no key: %v", ErrSignature, err)
	}
	tbs, err := sigStructure(protBytes, payload)
	if err != nil {
		return nil, err
	}
	if err := crypto.VerifySignature(pub, alg, tbs, sig); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if err := checkClaims(c, opts); err != nil {
		return nil, err
	}
	l, err := DecodeLstBytes(lst, c.StatusList.Bits, opts.Decode)
	if err != nil {
		return nil, err
	}
	c.StatusList.Lst = base64RawEncode(lst)
	return &VerifiedToken{Claims: c, List: l, Format: "cwt"}, nil
}

func algAllowed(a crypto.Algorithm, allowed []crypto.Algorithm) bool {
	if !a.IsAsymmetricSignature() {
		return false
	}
	for _, x := range allowed {
		if x == a {
			return true
		}
	}
	return false
}

// maxTTLSeconds caps a parsed ttl (about 31 years) so it fits a
// time.Duration; relying parties clamp it much lower anyway.
const maxTTLSeconds = 1e9

func ttlDuration(sec uint64) time.Duration {
	if sec > maxTTLSeconds {
		sec = maxTTLSeconds
	}
	return time.Duration(sec) * time.Second
}

func parseCWTClaims(m *cborMap) (TokenClaims, []byte, error) {
	var c TokenClaims
	if v, ok := m.get(int64(cwtSub)); ok {
		s, ok := v.(string)
		if !ok {
			return c, nil, fmt.Errorf("%w: sub is not a text string", ErrToken)
		}
		c.Subject = s
	}
	if v, ok := m.get(int64(cwtIss)); ok {
		s, ok := v.(string)
		if !ok {
			return c, nil, fmt.Errorf("%w: iss is not a text string", ErrToken)
		}
		c.Issuer = s
	}
	date := func(key int64) (time.Time, error) {
		v, ok := m.get(key)
		if !ok {
			return time.Time{}, nil
		}
		u, ok := v.(uint64)
		if !ok || u > 1e11 {
			return time.Time{}, fmt.Errorf("%w: claim %d is not a non-negative integer date", ErrToken, key)
		}
		return time.Unix(int64(u), 0), nil
	}
	var err error
	if c.IssuedAt, err = date(cwtIat); err != nil {
		return c, nil, err
	}
	if c.ExpiresAt, err = date(cwtExp); err != nil {
		return c, nil, err
	}
	if v, ok := m.get(int64(cwtTTL)); ok {
		u, ok := v.(uint64)
		if !ok {
			return c, nil, fmt.Errorf("%w: ttl must be a non-negative integer", ErrToken)
		}
		c.TTL, c.TTLSet = ttlDuration(u), true
	}
	slv, ok := m.get(int64(cwtStatusList))
	if !ok {
		return c, nil, fmt.Errorf("%w: status_list (65533) missing", ErrToken)
	}
	sl, ok := slv.(*cborMap)
	if !ok {
		return c, nil, fmt.Errorf("%w: status_list is not a map", ErrToken)
	}
	bv, _ := sl.get("bits")
	bits, ok := cborInt(bv)
	if !ok || !ietfBits(int(bits)) {
		return c, nil, fmt.Errorf("%w: bits=%v", ErrBadBits, bv)
	}
	lv, _ := sl.get("lst")
	lst, ok := lv.([]byte)
	if !ok {
		return c, nil, fmt.Errorf("%w: lst must be a byte string", ErrToken)
	}
	c.StatusList.Bits = int(bits)
	if av, ok := sl.get("aggregation_uri"); ok {
		s, ok := av.(string)
		if !ok {
			return c, nil, fmt.Errorf("%w: aggregation_uri is not a text string", ErrToken)
		}
		c.StatusList.AggregationURI = s
	}
	return c, lst, nil
}
