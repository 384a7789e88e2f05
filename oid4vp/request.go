package oid4vp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
)

// Limits of request parsing (links, query parameters, Request Object
// claims).
const (
	MaxRequestBytes    = 256 << 10
	MaxRequestDepth    = 32
	MaxParameters      = 64
	MaxVerifierInfo    = 16
	MaxExpectedOrigins = 16
	MaxNonceLength     = 512
	MaxStateLength     = 2048
	MaxURILength       = 4096
)

// VerifierInfo is one verifier_info entry (§5.1, §5.11).
type VerifierInfo struct {
	Format string `json:"format"`
	// Data is a JSON string (for example a JWT) or object.
	Data          json.RawMessage            `json:"data"`
	CredentialIDs []string                   `json:"credential_ids,omitempty"`
	Extra         map[string]json.RawMessage `json:"-"`
}

var keysVerifierInfo = jsonx.KnownKeys(reflect.TypeFor[VerifierInfo]())

// UnmarshalJSON keeps unknown members in Extra.
func (v *VerifierInfo) UnmarshalJSON(b []byte) error {
	type plain VerifierInfo
	var p plain
	extra, err := jsonx.UnmarshalExtra(b, &p, keysVerifierInfo)
	if err != nil {
		return err
	}
	*v = VerifierInfo(p)
	v.Extra = extra
	return nil
}

// MarshalJSON writes Extra back.
func (v VerifierInfo) MarshalJSON() ([]byte, error) {
	type plain VerifierInfo
	return jsonx.MarshalExtra(plain(v), v.Extra, keysVerifierInfo)
}

// Audience is the aud claim of a Request Object: one string or an array
// (RFC 7519 §4.1.3). It marshals a single value as a string.
type Audience []string

// UnmarshalJSON accepts a string or an array of strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = Audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return errors.New("aud must be a string or an array of strings")
	}
	*a = l
	return nil
}

// MarshalJSON writes one value as a string.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// Contains reports whether v is one of the audiences.
func (a Audience) Contains(v string) bool {
	for _, s := range a {
		if s == v {
			return true
		}
	}
	return false
}

// AuthorizationRequest holds the parameters of an Authorization Request
// (§5) — from a link's query, a form, the Digital Credentials API, or the
// claims of a Request Object, which additionally carry the JWT claims iss,
// aud, exp, iat, nbf, jti and wallet_nonce. Unknown parameters are kept in
// Extra and otherwise ignored (§5).
type AuthorizationRequest struct {
	ResponseType string `json:"response_type,omitempty"`
	// ResponseMode defaults to fragment when empty (§5.6).
	ResponseMode ResponseMode `json:"response_mode,omitempty"`
	// ClientID is the full client_id, prefix included (ParsedClientID).
	ClientID    string `json:"client_id,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
	ResponseURI string `json:"response_uri,omitempty"`
	Nonce       string `json:"nonce,omitempty"`
	State       string `json:"state,omitempty"`
	Scope       string `json:"scope,omitempty"`
	// DCQLQuery was parsed and validated by dcql.Parse.
	DCQLQuery      *dcql.Query     `json:"dcql_query,omitempty"`
	ClientMetadata *ClientMetadata `json:"client_metadata,omitempty"`
	// Request is a Request Object by value (a compact JWS or JWE).
	Request          string `json:"request,omitempty"`
	RequestURI       string `json:"request_uri,omitempty"`
	RequestURIMethod string `json:"request_uri_method,omitempty"`
	// TransactionData holds the base64url strings as sent; decode them
	// with DecodeTransactionData (Validate does).
	TransactionData []string       `json:"transaction_data,omitempty"`
	VerifierInfo    []VerifierInfo `json:"verifier_info,omitempty"`
	// ExpectedOrigins is the DC API parameter of signed requests (A.2).
	ExpectedOrigins []string `json:"expected_origins,omitempty"`
	// TrustChain is the openid_federation prefix's trust_chain parameter.
	TrustChain []string `json:"trust_chain,omitempty"`

	// Request Object claims (JAR, RFC 9101; §5, §5.8, §5.10.1).
	Issuer      string   `json:"iss,omitempty"`
	Audience    Audience `json:"aud,omitempty"`
	ExpiresAt   *int64   `json:"exp,omitempty"`
	IssuedAt    *int64   `json:"iat,omitempty"`
	NotBefore   *int64   `json:"nbf,omitempty"`
	JWTID       string   `json:"jti,omitempty"`
	WalletNonce string   `json:"wallet_nonce,omitempty"`

	// Legacy profile (drafts ≤ 25); with ProfileFinal these parameters are
	// unknown and stay in Extra.
	ClientIDScheme            string          `json:"client_id_scheme,omitempty"`
	PresentationDefinition    *pex.Definition `json:"presentation_definition,omitempty"`
	PresentationDefinitionURI string          `json:"presentation_definition_uri,omitempty"`
	ClientMetadataURI         string          `json:"client_metadata_uri,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

var keysRequest = jsonx.KnownKeys(reflect.TypeFor[AuthorizationRequest]())

// legacyParams are the members only ProfileLegacy decodes.
var legacyParams = map[string]bool{"client_id_scheme": true, "presentation_definition": true, "presentation_definition_uri": true, "client_metadata_uri": true}

// jsonParams are the parameters whose query or form value is a JSON text
// (§5.1: objects are passed as JSON-serialized strings).
var jsonParams = map[string]bool{"dcql_query": true, "client_metadata": true, "transaction_data": true, "verifier_info": true, "expected_origins": true, "trust_chain": true, "presentation_definition": true}

// MarshalJSON writes the request as a JSON object (Request Object claims,
// a DC API request), Extra included.
func (r AuthorizationRequest) MarshalJSON() ([]byte, error) {
	type plain AuthorizationRequest
	known := keysRequest
	if len(r.Extra) > 0 {
		// Legacy parameters decoded with ProfileFinal sit in Extra while
		// their fields are empty: write them from Extra.
		empty := map[string]bool{
			"client_id_scheme":            r.ClientIDScheme == "",
			"presentation_definition":     r.PresentationDefinition == nil,
			"presentation_definition_uri": r.PresentationDefinitionURI == "",
			"client_metadata_uri":         r.ClientMetadataURI == "",
		}
		copied := false
		for k := range r.Extra {
			if empty[k] {
				if !copied {
					known = maps.Clone(keysRequest)
					copied = true
				}
				delete(known, k)
			}
		}
	}
	return jsonx.MarshalExtra(plain(r), r.Extra, known)
}

// UnmarshalJSON decodes like DecodeRequest with ProfileLegacy, which
// accepts every parameter this type defines.
func (r *AuthorizationRequest) UnmarshalJSON(b []byte) error {
	d, err := DecodeRequest(b, ProfileLegacy)
	if err != nil {
		return err
	}
	*r = *d
	return nil
}

// DecodeRequest decodes a JSON object of request parameters: Request
// Object claims or a Digital Credentials API request. It checks strict
// JSON within MaxRequestBytes and MaxRequestDepth and the type of every
// known member, parses dcql_query with dcql.Parse, client_metadata with its
// rules and, with ProfileLegacy, presentation_definition with
// pex.ParseDefinition. It does not check the rules between parameters:
// call Validate (or CheckRequestObject) for that.
func DecodeRequest(data []byte, p Profile) (*AuthorizationRequest, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxRequestBytes, MaxDepth: MaxRequestDepth}); err != nil {
		return nil, wrapErr(CodeInvalidRequest, limitOr(err), err, "request")
	}
	m, err := jsonx.ValidatedMembers(data) // validated just above
	if err != nil {
		return nil, wrapErr(CodeInvalidRequest, ErrMalformed, err, "request")
	}
	return decodeParams(m, p)
}

// ParseQuery decodes request parameters from a query string or form
// (url.Values): every parameter at most once, at most MaxParameters, the
// JSON-valued ones (dcql_query, client_metadata, transaction_data,
// verifier_info, expected_origins, presentation_definition) decoded from
// their JSON text, the rest taken as strings; then as DecodeRequest.
func ParseQuery(q url.Values, p Profile) (*AuthorizationRequest, error) {
	m, err := formParams(q, MaxRequestBytes, func() error {
		return newErr(CodeInvalidRequest, ErrTooLarge, "parameters exceed %d bytes", MaxRequestBytes)
	}, func(k, v string) (json.RawMessage, bool, error) {
		if !jsonParams[k] || (p != ProfileLegacy && legacyParams[k]) {
			return nil, false, nil
		}
		if err := jsonx.Validate([]byte(v), jsonx.Limits{MaxBytes: MaxRequestBytes, MaxDepth: MaxRequestDepth - 1}); err != nil {
			return nil, false, wrapErr(CodeInvalidRequest, limitOr(err), err, k)
		}
		return json.RawMessage(v), true, nil
	})
	if err != nil {
		return nil, err
	}
	return decodeParams(m, p)
}

// formParams turns form or query parameters into raw JSON members, the
// input of decodeParams / decodeResponse: every parameter at most once, at
// most MaxParameters, their keys and values within maxBytes (tooLarge
// reports the excess). raw returns a parameter's JSON text when it is a
// JSON-valued one (ok); every other value becomes a JSON string.
func formParams(q url.Values, maxBytes int, tooLarge func() error, raw func(k, v string) (json.RawMessage, bool, error)) (map[string]json.RawMessage, error) {
	if len(q) > MaxParameters {
		return nil, newErr(CodeInvalidRequest, ErrTooLarge, "more than %d parameters", MaxParameters)
	}
	m := make(map[string]json.RawMessage, len(q))
	total := 0
	for k, vs := range q {
		if len(vs) != 1 {
			return nil, invalidRequest(ErrDuplicateParameter, "parameter %q given %d times", truncate(k), len(vs))
		}
		v := vs[0]
		total += len(k) + len(v)
		if total > maxBytes {
			return nil, tooLarge()
		}
		j, ok, err := raw(k, v)
		if err != nil {
			return nil, err
		}
		if ok {
			m[k] = j
			continue
		}
		b, err := quoteJSON(v)
		if err != nil {
			return nil, invalidRequest(ErrMalformed, "parameter %q: %v", truncate(k), err)
		}
		m[k] = b
	}
	return m, nil
}

// plainJSONString reports whether s can stand between two quotes as a
// JSON string as it is: valid UTF-8 with no quote, backslash or control
// character (base64url, JWS and JWE compact forms, URLs).
func plainJSONString(s []byte) bool {
	ascii := true
	for _, c := range s {
		switch {
		case c < 0x20 || c == '"' || c == '\\':
			return false
		case c >= 0x80:
			ascii = false
		}
	}
	return ascii || utf8.Valid(s)
}

// quoteJSON is json.Marshal of a string, without the encoder's scan for
// the plain strings parameters almost always are.
func quoteJSON(v string) (json.RawMessage, error) {
	if plainJSONString([]byte(v)) {
		b := make([]byte, 0, len(v)+2)
		b = append(b, '"')
		b = append(b, v...)
		return append(b, '"'), nil
	}
	return json.Marshal(v)
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Values encodes the request as query or form parameters (for a link, a
// form post, or the request_uri POST body): JSON-valued parameters as
// their JSON text, strings as they are.
func (r *AuthorizationRequest) Values() (url.Values, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	v := make(url.Values, len(m))
	for k, raw := range m {
		var s string
		if !jsonParams[k] && json.Unmarshal(raw, &s) == nil {
			v.Set(k, s)
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		v.Set(k, buf.String())
	}
	return v, nil
}

type paramDecoder struct {
	m   map[string]json.RawMessage
	err error
}

func (d *paramDecoder) fail(key string, what string) {
	if d.err == nil {
		d.err = invalidRequest(ErrInvalidParameter, "%s must be %s", key, what)
	}
}

func (d *paramDecoder) str(key string, dst *string) {
	raw, ok := d.m[key]
	if !ok || d.err != nil {
		return
	}
	// The common case, a string without escapes, needs no decoder.
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && plainJSONString(raw[1:n-1]) {
		*dst = string(raw[1 : n-1])
		return
	}
	if json.Unmarshal(raw, dst) != nil {
		d.fail(key, "a string")
	}
}

func (d *paramDecoder) strs(key string, max int, dst *[]string) {
	raw, ok := d.m[key]
	if !ok || d.err != nil {
		return
	}
	var l []string
	if json.Unmarshal(raw, &l) != nil {
		d.fail(key, "an array of strings")
		return
	}
	if len(l) == 0 {
		d.fail(key, "a non-empty array")
		return
	}
	if len(l) > max {
		d.err = newErr(CodeInvalidRequest, ErrTooLarge, "%s has more than %d entries", key, max)
		return
	}
	*dst = l
}

func (d *paramDecoder) integer(key string, dst **int64) {
	raw, ok := d.m[key]
	if !ok || d.err != nil {
		return
	}
	var n int64
	if json.Unmarshal(raw, &n) != nil {
		d.fail(key, "an integer NumericDate")
		return
	}
	*dst = &n
}

func decodeParams(m map[string]json.RawMessage, p Profile) (*AuthorizationRequest, error) {
	if len(m) > MaxParameters {
		return nil, newErr(CodeInvalidRequest, ErrTooLarge, "more than %d parameters", MaxParameters)
	}
	r := &AuthorizationRequest{}
	d := &paramDecoder{m: m}
	var mode string
	d.str("response_type", &r.ResponseType)
	d.str("response_mode", &mode)
	r.ResponseMode = ResponseMode(mode)
	d.str("client_id", &r.ClientID)
	d.str("redirect_uri", &r.RedirectURI)
	d.str("response_uri", &r.ResponseURI)
	d.str("nonce", &r.Nonce)
	d.str("state", &r.State)
	d.str("scope", &r.Scope)
	d.str("request", &r.Request)
	d.str("request_uri", &r.RequestURI)
	d.str("request_uri_method", &r.RequestURIMethod)
	d.strs("transaction_data", MaxTransactionData, &r.TransactionData)
	d.strs("expected_origins", MaxExpectedOrigins, &r.ExpectedOrigins)
	d.strs("trust_chain", 16, &r.TrustChain)
	d.str("iss", &r.Issuer)
	d.str("jti", &r.JWTID)
	d.str("wallet_nonce", &r.WalletNonce)
	d.integer("exp", &r.ExpiresAt)
	d.integer("iat", &r.IssuedAt)
	d.integer("nbf", &r.NotBefore)
	if raw, ok := m["aud"]; ok && d.err == nil {
		if json.Unmarshal(raw, &r.Audience) != nil {
			d.fail("aud", "a string or an array of strings")
		}
	}
	if raw, ok := m["verifier_info"]; ok && d.err == nil {
		if json.Unmarshal(raw, &r.VerifierInfo) != nil {
			d.fail("verifier_info", "an array of objects")
		} else if len(r.VerifierInfo) == 0 {
			d.fail("verifier_info", "a non-empty array")
		} else if len(r.VerifierInfo) > MaxVerifierInfo {
			d.err = newErr(CodeInvalidRequest, ErrTooLarge, "verifier_info has more than %d entries", MaxVerifierInfo)
		}
	}
	if p == ProfileLegacy {
		d.str("client_id_scheme", &r.ClientIDScheme)
		d.str("presentation_definition_uri", &r.PresentationDefinitionURI)
		d.str("client_metadata_uri", &r.ClientMetadataURI)
	}
	if d.err != nil {
		return nil, d.err
	}
	if raw, ok := m["dcql_query"]; ok {
		q, err := dcql.Parse(raw)
		if err != nil {
			return nil, wrapErr(CodeInvalidRequest, ErrInvalidParameter, err, "dcql_query")
		}
		r.DCQLQuery = q
	}
	if raw, ok := m["client_metadata"]; ok {
		cm, err := ParseClientMetadata(raw)
		if err != nil {
			return nil, err
		}
		r.ClientMetadata = cm
	}
	if raw, ok := m["presentation_definition"]; ok && p == ProfileLegacy {
		def, err := pex.ParseDefinition(raw)
		if err != nil {
			return nil, wrapErr(CodeInvalidRequest, ErrInvalidParameter, err, "presentation_definition")
		}
		r.PresentationDefinition = def
	}
	for k, v := range m {
		if keysRequest[k] && (p == ProfileLegacy || !legacyParams[k]) {
			continue
		}
		if r.Extra == nil {
			r.Extra = make(map[string]json.RawMessage)
		}
		r.Extra[k] = v
	}
	return r, nil
}

// ByReference reports whether the request passes a Request Object by
// value (request) or by reference (request_uri) that must be resolved
// before the request can be validated.
func (r *AuthorizationRequest) ByReference() bool { return r.Request != "" || r.RequestURI != "" }

// ParsedClientID parses client_id for the profile (ParseClientID, or
// ParseLegacyClientID with client_id_scheme for ProfileLegacy).
func (r *AuthorizationRequest) ParsedClientID(p Profile) (ClientID, error) {
	if p == ProfileLegacy {
		return ParseLegacyClientID(r.ClientID, r.ClientIDScheme)
	}
	return ParseClientID(r.ClientID)
}

// EffectiveResponseMode returns response_mode, fragment when absent.
func (r *AuthorizationRequest) EffectiveResponseMode() ResponseMode {
	if r.ResponseMode == "" {
		return ResponseModeFragment
	}
	return r.ResponseMode
}

// ResponseTarget returns where the wallet sends the response: response_uri
// for direct_post modes, redirect_uri otherwise; with the redirect_uri
// prefix, the client identifier when the parameter was omitted (§5.9.3).
// It is empty for DC API modes.
func (r *AuthorizationRequest) ResponseTarget(c ClientID) string {
	mode := r.EffectiveResponseMode()
	if mode.DCAPI() {
		return ""
	}
	t := r.RedirectURI
	if mode.DirectPost() {
		t = r.ResponseURI
	}
	if t == "" && c.Prefix == PrefixRedirectURI {
		t = c.Identifier
	}
	return t
}

// String returns the JSON form of the request (for logs it is better to
// log nothing: the request holds the nonce and state).
func (r *AuthorizationRequest) String() string {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Sprintf("oid4vp.AuthorizationRequest(%v)", err)
	}
	return string(b)
}

// scopeTokens returns the scope values except openid (which requests a
// SIOPv2 ID Token, not a DCQL query).
func scopeTokens(scope string) []string {
	var out []string
	for _, s := range strings.Fields(scope) {
		if s != "openid" {
			out = append(out, s)
		}
	}
	return out
}
