package presentation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

// Errors of the credential view. Parse failures wrap ErrMalformed (and the
// format package's own error); validation failures are listed in a
// *ValidationError whose entries wrap the sentinels of validate_errors.go.
var (
	// ErrUnsupportedFormat: no parser for the format (dc+sd-jwt without an
	// SDJWTHandler, mso_mdoc without a registered decoder, …).
	ErrUnsupportedFormat = errors.New("presentation: unsupported credential format")
	// ErrMalformed: the credential cannot be parsed in its format.
	ErrMalformed = errors.New("presentation: malformed credential")
)

// Default limits of the view.
const (
	// DefaultMaxSize bounds a credential or presentation (compact token or
	// JSON document).
	DefaultMaxSize = 1 << 20
	// DefaultMaxDepth bounds JSON nesting.
	DefaultMaxDepth = 32
)

// SDJWTHandler is what the view needs from an SD-JWT implementation (wstack's
// sdjwt package, which cannot be imported here because it imports this
// package; wire it with a small adapter, see the package example).
//
// ParseSDJWT splits and processes an SD-JWT as held (issuer-signed JWT plus
// every disclosure) without verifying signatures; VerifySDJWT verifies an
// SD-JWT: the issuer signature (key resolved by the handler's own trusted
// configuration), every disclosure, the validity claims, and — when
// b.Nonce is set — a Key Binding JWT with that nonce and audience (RFC 9901
// §7.3). With a zero Binding it verifies the SD-JWT as issued (§7.2).
// Validity failures (exp, nbf) must wrap ErrExpired / ErrNotYetValid and key
// binding failures ErrHolderBinding (or ErrNonce / ErrAudience) so that they
// are reported as such, not as signature failures.
type SDJWTHandler interface {
	ParseSDJWT(ctx context.Context, raw string) (*SDJWTView, error)
	VerifySDJWT(ctx context.Context, raw string, b Binding) (*SDJWTView, error)
}

// SDJWTView is an SD-JWT with its disclosures applied.
type SDJWTView struct {
	// Claims is the processed payload (every digest replaced by its
	// disclosed claim, _sd and _sd_alg removed).
	Claims map[string]any
	// Disclosable lists the claim path of every disclosure present.
	Disclosable []vocab.ClaimPath
	// KeyBound reports that a Key Binding JWT was verified.
	KeyBound bool
}

// Binding is what binds a presentation to one request (OpenID4VP 1.0
// §8.6, §14.1): the request nonce and the verifier's client identifier
// (with its prefix), or the origin over the DC API.
type Binding struct {
	Nonce    string
	Audience string
	// TransactionDataHashes, when set, are the hashes of the request's
	// transaction_data entries the presentation must carry (OpenID4VP 1.0
	// §8.4: KB-JWT transaction_data_hashes, in order). Only SD-JWT (and
	// decoders that implement it) can carry them.
	TransactionDataHashes []string
}

// Decoder parses credentials of a format the view does not know (mso_mdoc,
// a profile of the caller's), registered in ParserConfig.Decoders.
type Decoder interface {
	Decode(ctx context.Context, raw any) (*Credential, error)
}

// VerifyingDecoder is a Decoder that can also verify the issuer signature
// of its format (VerifyCredential) and a presentation of it bound to a
// request (VerifyPresentation, e.g. an mdoc DeviceResponse with its
// SessionTranscript), so that Validator handles the format like the
// built-in ones. VerifyPresentation returns the presented credential with
// HolderJWK set to the device key; binding failures wrap ErrHolderBinding,
// ErrNonce or ErrAudience.
type VerifyingDecoder interface {
	Decoder
	VerifyCredential(ctx context.Context, raw any) (*Credential, error)
	VerifyPresentation(ctx context.Context, raw any, b Binding) (*Credential, error)
}

// ParserConfig configures a Parser. The zero value parses jwt_vc_json and
// ldp_vc with the default limits.
type ParserConfig struct {
	// SDJWT parses dc+sd-jwt (and vc+sd-jwt when AllowLegacySDJWT).
	SDJWT SDJWTHandler
	// AllowLegacySDJWT accepts the pre-2024 format name vc+sd-jwt.
	AllowLegacySDJWT bool
	// Algorithms is the JWS allow-list of the parse gate (default
	// w3c.DefaultAlgorithms()). "none" and MAC algorithms are never accepted.
	Algorithms []crypto.Algorithm
	// MaxSize and MaxDepth bound input (defaults DefaultMaxSize,
	// DefaultMaxDepth).
	MaxSize  int
	MaxDepth int
	// Decoders handles further formats (e.g. FormatMsoMdoc).
	Decoders map[vocab.Format]Decoder
}

// Parser turns a credential of any supported format into the Credential
// view. Parsing checks structure, the data model and the JOSE parse gate but
// no signature, time or status: use Validator for that. It is safe for
// concurrent use.
type Parser struct {
	cfg ParserConfig
}

// NewParser returns a Parser.
func NewParser(cfg ParserConfig) *Parser {
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = w3c.DefaultAlgorithms()
	}
	return &Parser{cfg: cfg}
}

var defaultParser = NewParser(ParserConfig{SDJWT: &SDJWTVCHandler{}})

// Parse parses a dc+sd-jwt, jwt_vc_json or ldp_vc credential with the
// default parser (no signature, validity or status check: Validator does
// those). raw is a string (compact JWT or SD-JWT, or JSON text), []byte /
// json.RawMessage (JSON), or a decoded JSON object (map[string]any, as an
// ldp_vc appears inside a vp_token).
func Parse(ctx context.Context, format vocab.Format, raw any) (*Credential, error) {
	return defaultParser.Parse(ctx, format, raw)
}

// Parse parses a credential of the given format into the view.
func (p *Parser) Parse(ctx context.Context, format vocab.Format, raw any) (*Credential, error) {
	switch format {
	case vocab.FormatJWTVCJSON, vocab.FormatDIFJWTVC:
		tok, err := p.compact(raw)
		if err != nil {
			return nil, err
		}
		jc, err := w3c.ParseCredentialJWT(tok, p.w3cParse())
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return viewFromJWT(format, jc), nil
	case vocab.FormatLDPVC:
		doc, err := p.document(raw)
		if err != nil {
			return nil, err
		}
		c, err := w3c.ParseCredential(doc, w3c.Limits{MaxBytes: p.cfg.MaxSize, MaxDepth: p.cfg.MaxDepth})
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		if c.Proof == nil {
			return nil, fmt.Errorf("%w: ldp_vc without proof", ErrMalformed)
		}
		return viewFromLDP(format, string(doc), c), nil
	case vocab.FormatSDJWTVC, vocab.FormatSDJWTVCLegacy, vocab.FormatDIFSDJWT:
		if p.cfg.SDJWT == nil || (format == vocab.FormatSDJWTVCLegacy && !p.cfg.AllowLegacySDJWT) {
			return nil, fmt.Errorf("%w: %s", ErrUnsupportedFormat, format)
		}
		tok, err := p.compact(raw)
		if err != nil {
			return nil, err
		}
		v, err := p.cfg.SDJWT.ParseSDJWT(ctx, tok)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return viewFromSDJWT(format, tok, v)
	}
	if d, ok := p.cfg.Decoders[format]; ok {
		c, err := d.Decode(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedFormat, format)
}

func (p *Parser) w3cParse() w3c.ParseOptions {
	return w3c.ParseOptions{Algorithms: p.cfg.Algorithms, MaxSize: p.cfg.MaxSize, MaxDepth: p.cfg.MaxDepth}
}

// compact returns raw as a compact serialization string.
func (p *Parser) compact(raw any) (string, error) {
	var s string
	switch t := raw.(type) {
	case string:
		s = t
	case []byte:
		s = string(t)
	case json.RawMessage:
		// A JSON string holding the token, as in a vp_token array.
		if err := json.Unmarshal(t, &s); err != nil {
			s = string(t)
		}
	default:
		return "", fmt.Errorf("%w: expected a compact token, got %T", ErrMalformed, raw)
	}
	if len(s) > p.cfg.MaxSize {
		return "", fmt.Errorf("%w: %d bytes > %d", ErrMalformed, len(s), p.cfg.MaxSize)
	}
	return s, nil
}

// document returns raw as JSON text.
func (p *Parser) document(raw any) ([]byte, error) {
	var b []byte
	switch t := raw.(type) {
	case string:
		b = []byte(t)
	case []byte:
		b = t
	case json.RawMessage:
		b = t
	case map[string]any:
		var err error
		if err = checkDepth(t, p.cfg.MaxDepth); err != nil {
			return nil, err
		}
		if b, err = json.Marshal(t); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	default:
		return nil, fmt.Errorf("%w: expected a JSON document, got %T", ErrMalformed, raw)
	}
	if len(b) > p.cfg.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrMalformed, len(b), p.cfg.MaxSize)
	}
	return b, nil
}

// checkDepth bounds the nesting of an already decoded value before it is
// re-encoded (json.Marshal recurses without limit).
func checkDepth(v any, max int) error {
	type item struct {
		v any
		d int
	}
	stack := []item{{v, 1}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.d > max {
			return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, max)
		}
		switch t := it.v.(type) {
		case map[string]any:
			for _, x := range t {
				stack = append(stack, item{x, it.d + 1})
			}
		case []any:
			for _, x := range t {
				stack = append(stack, item{x, it.d + 1})
			}
		}
	}
	return nil
}

func viewFromJWT(format vocab.Format, jc *w3c.JWTCredential) *Credential {
	c := jc.Credential
	v := baseView(format, jc.Token, c)
	v.Claims = jc.Claims
	if jc.ID != "" {
		v.ID = jc.ID
	}
	win := c.Validity()
	v.ValidFrom, v.ValidUntil = win.From, win.Until
	if !jc.NotBefore.IsZero() && (v.ValidFrom.IsZero() || jc.NotBefore.After(v.ValidFrom)) {
		v.ValidFrom = jc.NotBefore
	}
	if !jc.Expiry.IsZero() && (v.ValidUntil.IsZero() || jc.Expiry.Before(v.ValidUntil)) {
		v.ValidUntil = jc.Expiry
	}
	v.IssuedAt = jc.IssuedAt
	if jc.ConfirmationJWK != nil {
		v.HolderJWK = jc.ConfirmationJWK
	}
	return v
}

func viewFromLDP(format vocab.Format, raw string, c *w3c.Credential) *Credential {
	v := baseView(format, raw, c)
	v.Claims = v.Document
	win := c.Validity()
	v.ValidFrom, v.ValidUntil = win.From, win.Until
	if c.IssuanceDate != "" {
		v.IssuedAt, _ = w3c.ParseDateTime(c.IssuanceDate, false)
	}
	return v
}

func baseView(format vocab.Format, raw string, c *w3c.Credential) *Credential {
	v := &Credential{
		Format:   format,
		Raw:      raw,
		ID:       c.ID,
		Issuer:   c.IssuerID(),
		Subject:  c.SubjectID(),
		Types:    append([]string(nil), c.Type.Items...),
		Document: c.Map(),
	}
	if strings.HasPrefix(v.Subject, "did:") {
		// A DID subject can authenticate as holder (VP signed by one of its
		// authentication keys); other subject ids cannot.
		v.HolderID = v.Subject
	}
	for _, st := range c.CredentialStatus.Items {
		v.Status = append(v.Status, statusRef(st))
	}
	return v
}

func statusRef(o w3c.Object) vocab.StatusReference {
	e, err := o.StatusEntry()
	if err != nil {
		// Not interpreted here (unknown type): the status checker decides.
		t := ""
		if len(o.Type.Items) > 0 {
			t = o.Type.Items[0]
		}
		raw := maps.Clone(o.Extra)
		if raw == nil {
			raw = map[string]any{}
		}
		raw["type"] = t
		if o.ID != "" {
			raw["id"] = o.ID
		}
		return vocab.StatusReference{Type: t, URI: o.ID, Raw: raw}
	}
	return vocab.StatusReference{Type: e.Type, URI: e.ListCredential, Index: e.Index, Purpose: e.Purpose, Size: e.Size, Raw: e.Raw}
}

// viewFromSDJWT maps SD-JWT VC claims (draft-ietf-oauth-sd-jwt-vc §3.2.2) to
// the view.
func viewFromSDJWT(format vocab.Format, raw string, s *SDJWTView) (*Credential, error) {
	if s == nil || s.Claims == nil {
		return nil, fmt.Errorf("%w: SD-JWT handler returned no claims", ErrMalformed)
	}
	// One number representation in every view: json.Number, as the W3C
	// decoders produce (Credential.Claims).
	cl := jsonx.NumbersMap(s.Claims)
	v := &Credential{Format: format, Raw: raw, Claims: cl, Disclosable: s.Disclosable}
	str := func(k string) (string, error) {
		x, ok := cl[k]
		if !ok {
			return "", nil
		}
		sv, ok := x.(string)
		if !ok {
			return "", fmt.Errorf("%w: %s is not a string", ErrMalformed, k)
		}
		return sv, nil
	}
	var err error
	if v.Issuer, err = str("iss"); err != nil {
		return nil, err
	}
	if v.Subject, err = str("sub"); err != nil {
		return nil, err
	}
	if v.VCT, err = str("vct"); err != nil {
		return nil, err
	}
	if v.ID, err = str("jti"); err != nil {
		return nil, err
	}
	if format != vocab.FormatDIFSDJWT && v.VCT == "" {
		return nil, fmt.Errorf("%w: SD-JWT VC without vct", ErrMalformed)
	}
	times := []struct {
		name string
		dst  *time.Time
	}{{"nbf", &v.ValidFrom}, {"exp", &v.ValidUntil}, {"iat", &v.IssuedAt}}
	for _, t := range times {
		tv, _, err := jose.NumericDate(cl, t.name)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		*t.dst = tv
	}
	if st, ok := cl["status"]; ok {
		ref, err := ietfStatus(st)
		if err != nil {
			return nil, err
		}
		if ref != nil {
			v.Status = append(v.Status, *ref)
		}
	}
	if cnf, ok := cl["cnf"].(map[string]any); ok {
		if jwk, ok := cnf["jwk"].(map[string]any); ok {
			if _, err := crypto.PublicKeyFromJWK(jwk); err != nil {
				return nil, fmt.Errorf("%w: cnf.jwk: %w", ErrMalformed, err)
			}
			v.HolderJWK = jwk
		}
		if kid, ok := cnf["kid"].(string); ok {
			v.HolderID = kid
		}
	}
	return v, nil
}

// ietfStatus reads status.status_list {idx, uri} (Token Status List §6.1).
func ietfStatus(st any) (*vocab.StatusReference, error) {
	m, ok := st.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: status is not an object", ErrMalformed)
	}
	sl, ok := m["status_list"]
	if !ok {
		return nil, nil // other status mechanisms are not interpreted
	}
	o, ok := sl.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: status_list is not an object", ErrMalformed)
	}
	uri, ok := o["uri"].(string)
	if !ok || !strings.HasPrefix(uri, "https://") && !strings.HasPrefix(uri, "http://") {
		return nil, fmt.Errorf("%w: status_list.uri", ErrMalformed)
	}
	idx, err := nonNegInt(o["idx"])
	if err != nil {
		return nil, fmt.Errorf("%w: status_list.idx: %v", ErrMalformed, err)
	}
	return &vocab.StatusReference{Type: "status_list", URI: uri, Index: idx, Raw: m}, nil
}

func nonNegInt(v any) (uint64, error) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, err
		}
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	default:
		return 0, errors.New("not a number")
	}
	if f < 0 || f != float64(uint64(f)) || f > 1<<53 {
		return 0, errors.New("not a non-negative integer")
	}
	return uint64(f), nil
}
