package oid4vp

import (
	"crypto/subtle"
	"encoding/json"
	"maps"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/ocmw/wstack/internal/jsonx"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
)

// Limits of response parsing.
const (
	MaxResponseBytes = dcql.MaxVPTokenBytes + 64<<10
	MaxResponseDepth = dcql.MaxVPTokenDepth + 2
	// MaxJWEBytes bounds the response parameter of encrypted modes.
	MaxJWEBytes = dcql.MaxVPTokenBytes * 2
)

// AuthorizationResponse holds the parameters of an Authorization Response
// (§8.1): the form a wallet posts to response_uri (§8.2), the parameters of
// a redirect, or the payload of the encrypted JWT of direct_post.jwt and
// dc_api.jwt (§8.3). Unknown parameters are kept in Extra and ignored.
type AuthorizationResponse struct {
	// VPToken maps credential query ids to presentations (DCQL, §8.1).
	VPToken dcql.VPToken `json:"-"`
	// LegacyVPToken is the vp_token of a Presentation Exchange response
	// (legacy profile): one presentation (a string or an object) or an
	// array of them, addressed by PresentationSubmission.
	LegacyVPToken          json.RawMessage `json:"-"`
	PresentationSubmission *pex.Submission `json:"presentation_submission,omitempty"`
	State                  string          `json:"state,omitempty"`
	// Response is the encrypted JWT of direct_post.jwt and dc_api.jwt.
	Response string `json:"response,omitempty"`
	IDToken  string `json:"id_token,omitempty"`
	Code     string `json:"code,omitempty"`
	// Issuer is the RFC 9207 iss parameter.
	Issuer           string                     `json:"iss,omitempty"`
	Error            string                     `json:"error,omitempty"`
	ErrorDescription string                     `json:"error_description,omitempty"`
	ErrorURI         string                     `json:"error_uri,omitempty"`
	Extra            map[string]json.RawMessage `json:"-"`
	decrypted        bool
	// the presentation_submission as received, written back unchanged
	// while PresentationSubmission still points to what was decoded
	submissionRaw    json.RawMessage
	submissionParsed *pex.Submission
}

var keysResponse = func() map[string]bool {
	k := jsonx.KnownKeys(reflect.TypeFor[AuthorizationResponse]())
	k["vp_token"] = true
	return k
}()

// MarshalJSON writes the response as a JSON object (the payload to
// encrypt for the .jwt modes).
func (r AuthorizationResponse) MarshalJSON() ([]byte, error) {
	type plain AuthorizationResponse
	extra := r.Extra
	var tok json.RawMessage
	switch {
	case r.VPToken != nil:
		b, err := json.Marshal(map[string][]any(r.VPToken))
		if err != nil {
			return nil, err
		}
		tok = b
	case r.LegacyVPToken != nil:
		tok = r.LegacyVPToken
	}
	if tok != nil {
		extra = make(map[string]json.RawMessage, len(r.Extra)+1)
		for k, v := range r.Extra {
			extra[k] = v
		}
		extra["vp_token"] = tok
	}
	if r.submissionRaw != nil && r.PresentationSubmission == r.submissionParsed {
		if tok == nil {
			extra = maps.Clone(r.Extra)
			if extra == nil {
				extra = map[string]json.RawMessage{}
			}
		}
		extra["presentation_submission"] = r.submissionRaw
		r.PresentationSubmission = nil
	}
	known := keysResponse
	_, psExtra := extra["presentation_submission"]
	if tok != nil || (psExtra && r.PresentationSubmission == nil) {
		known = make(map[string]bool, len(keysResponse))
		for k := range keysResponse {
			known[k] = k != "vp_token" && (k != "presentation_submission" || r.PresentationSubmission != nil)
		}
	}
	return jsonx.MarshalExtra(plain(r), extra, known)
}

// Values encodes the response as form parameters (direct_post body or a
// redirect's fragment): vp_token and presentation_submission as JSON text
// (a legacy vp_token that is a JSON string as the string itself).
func (r *AuthorizationResponse) Values() (url.Values, error) {
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
		if (k != "presentation_submission") && json.Unmarshal(raw, &s) == nil {
			v.Set(k, s)
			continue
		}
		v.Set(k, string(raw))
	}
	return v, nil
}

// ParseResponse decodes Authorization Response parameters from a form
// (direct_post) or a redirect's parameters: each at most once, within
// MaxResponseBytes. vp_token is the JSON text of the DCQL map, checked by
// dcql.ParseVPToken; with ProfileLegacy and a presentation_submission it
// is a single presentation or an array (a bare JWT string is accepted as
// is), and presentation_submission is checked by pex.ParseSubmission.
func ParseResponse(form url.Values, p Profile) (*AuthorizationResponse, error) {
	m, err := formParams(form, MaxJWEBytes+MaxResponseBytes, func() error {
		return newErr(CodeInvalidRequest, ErrTooLarge, "response exceeds its size limit")
	}, func(k, v string) (json.RawMessage, bool, error) {
		switch {
		case k == "vp_token" && looksJSON(v, p):
			return json.RawMessage(v), true, nil
		case k == "presentation_submission" && p == ProfileLegacy:
			return json.RawMessage(v), true, nil
		}
		return nil, false, nil
	})
	if err != nil {
		return nil, err
	}
	return decodeResponse(m, p)
}

// looksJSON: in 1.0 vp_token is always JSON; a legacy vp_token may be a
// bare compact JWT or SD-JWT.
func looksJSON(v string, p Profile) bool {
	if p != ProfileLegacy {
		return true
	}
	t := strings.TrimLeft(v, " \t\r\n")
	return t != "" && (t[0] == '{' || t[0] == '[' || t[0] == '"')
}

// ParseResponsePayload decodes a response given as a JSON object: the
// payload of the encrypted JWT of direct_post.jwt / dc_api.jwt (§8.3), or
// the data of a DC API response (A.4; for dc_api.jwt {"response": JWE}),
// with the limits of ParseResponse. Unless it holds response, the result
// counts as decrypted for CheckResponse.
func ParseResponsePayload(data []byte, p Profile) (*AuthorizationResponse, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: MaxResponseBytes, MaxDepth: MaxResponseDepth}); err != nil {
		return nil, wrapErr(CodeInvalidRequest, limitOr(err), err, "response")
	}
	m, err := jsonx.ValidatedMembers(data) // validated just above
	if err != nil {
		return nil, wrapErr(CodeInvalidRequest, ErrMalformed, err, "response")
	}
	if len(m) > MaxParameters {
		return nil, newErr(CodeInvalidRequest, ErrTooLarge, "more than %d parameters", MaxParameters)
	}
	r, err := decodeResponse(m, p)
	if err != nil {
		return nil, err
	}
	// A DC API response object of dc_api.jwt carries the JWE in response;
	// anything else is a decrypted payload.
	r.decrypted = r.Response == ""
	return r, nil
}

func decodeResponse(m map[string]json.RawMessage, p Profile) (*AuthorizationResponse, error) {
	r := &AuthorizationResponse{}
	d := &paramDecoder{m: m}
	d.str("state", &r.State)
	d.str("response", &r.Response)
	d.str("id_token", &r.IDToken)
	d.str("code", &r.Code)
	d.str("iss", &r.Issuer)
	d.str("error", &r.Error)
	d.str("error_description", &r.ErrorDescription)
	d.str("error_uri", &r.ErrorURI)
	if d.err != nil {
		return nil, d.err
	}
	if len(r.Response) > MaxJWEBytes {
		return nil, newErr(CodeInvalidRequest, ErrTooLarge, "response longer than %d bytes", MaxJWEBytes)
	}
	if r.Response != "" && strings.Count(r.Response, ".") != 4 {
		return nil, invalidRequest(ErrMalformed, "response is not a compact JWE")
	}
	if raw, ok := m["presentation_submission"]; ok && p == ProfileLegacy {
		s, err := decodeSubmission(raw)
		if err != nil {
			return nil, err
		}
		r.PresentationSubmission = s
		r.submissionRaw, r.submissionParsed = raw, s
	}
	if raw, ok := m["vp_token"]; ok {
		if r.PresentationSubmission != nil {
			if err := jsonx.Validate(raw, jsonx.Limits{MaxBytes: dcql.MaxVPTokenBytes, MaxDepth: dcql.MaxVPTokenDepth}); err != nil {
				return nil, wrapErr(CodeInvalidRequest, limitOr(err), err, "vp_token")
			}
			r.LegacyVPToken = raw
		} else {
			tok, err := dcql.ParseVPToken(raw)
			if err != nil {
				return nil, wrapErr(CodeInvalidRequest, ErrInvalidParameter, err, "vp_token")
			}
			r.VPToken = tok
		}
	}
	for k, v := range m {
		if keysResponse[k] && (k != "presentation_submission" || p == ProfileLegacy) {
			continue
		}
		if r.Extra == nil {
			r.Extra = make(map[string]json.RawMessage)
		}
		r.Extra[k] = v
	}
	return r, nil
}

// ErrorResponse returns the wallet's error as an *Error (wrapping
// ErrProtocolError), or nil when the response is not an error response.
func (r *AuthorizationResponse) ErrorResponse() *Error {
	if r.Error == "" {
		return nil
	}
	return &Error{Code: r.Error, Description: r.ErrorDescription, URI: r.ErrorURI, Status: 400, cause: ErrProtocolError}
}

// CheckResponse checks a response against the request it answers, the
// pure part of §8 and §8.6 step 1:
//   - an error response returns its *Error (errors.Is ErrProtocolError)
//     after the state check;
//   - state equals the request's (constant time), and is absent when the
//     request had none;
//   - for direct_post.jwt / dc_api.jwt the received form holds only
//     response (and the payload, parsed with ParseResponsePayload, no
//     response); for the other modes no response;
//   - vp_token present, every key a credential query id of the request,
//     one presentation unless the query sets multiple (§8.1);
//   - legacy presentation_definition: vp_token and presentation_submission
//     present, definition_id equal to the definition's id.
//
// Verifying each presentation (signatures, nonce, audience, holder
// binding, the DCQL rules) is dcql.Compiled.Verify's job.
func (r *AuthorizationResponse) CheckResponse(req *AuthorizationRequest) error {
	mode := req.EffectiveResponseMode()
	if r.Response != "" {
		if !mode.Encrypted() {
			return invalidRequest(ErrUnexpectedResponse, "an encrypted response for response_mode %s", mode)
		}
		if r.VPToken != nil || r.LegacyVPToken != nil || r.Error != "" || r.PresentationSubmission != nil {
			return invalidRequest(ErrUnexpectedResponse, "response must be the only parameter of an encrypted response")
		}
		return nil
	}
	if err := checkState(req.State, r.State); err != nil {
		return err
	}
	if e := r.ErrorResponse(); e != nil {
		if r.VPToken != nil || r.LegacyVPToken != nil {
			return invalidRequest(ErrUnexpectedResponse, "error response with vp_token")
		}
		return e
	}
	if mode.Encrypted() && !r.decrypted {
		return invalidRequest(ErrUnexpectedResponse, "response_mode %s requires an encrypted response", mode)
	}
	if req.PresentationDefinition != nil || req.PresentationDefinitionURI != "" {
		if r.LegacyVPToken == nil || r.PresentationSubmission == nil {
			return invalidRequest(ErrMissingParameter, "vp_token and presentation_submission are required")
		}
		if req.PresentationDefinition != nil && r.PresentationSubmission.DefinitionID != req.PresentationDefinition.ID {
			return invalidRequest(ErrUnexpectedResponse, "presentation_submission.definition_id does not name the request's definition")
		}
		return nil
	}
	if r.VPToken == nil {
		return invalidRequest(ErrMissingParameter, "vp_token is required")
	}
	if req.DCQLQuery == nil {
		return nil // a scope-defined query: the caller maps and checks it
	}
	for id, ps := range r.VPToken {
		cq := req.credentialQuery(id)
		if cq == nil {
			return invalidRequest(ErrUnexpectedResponse, "vp_token key %q is not a credential query of the request", truncate(id))
		}
		if len(ps) > 1 && !cq.Multiple {
			return invalidRequest(ErrUnexpectedResponse, "vp_token has %d presentations for %q without multiple", len(ps), id)
		}
	}
	return nil
}

func checkState(want, got string) error {
	if want == "" && got == "" {
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return invalidRequest(ErrStateMismatch, "state does not match the request")
	}
	return nil
}

// DirectPostResult is the JSON the response endpoint returns to the wallet
// after a direct_post (§8.2): an optional redirect_uri carrying a fresh
// response code.
type DirectPostResult struct {
	RedirectURI string                     `json:"redirect_uri,omitempty"`
	Extra       map[string]json.RawMessage `json:"-"`
}

var keysDirectPostResult = jsonx.KnownKeys(reflect.TypeFor[DirectPostResult]())

// MarshalJSON writes Extra back.
func (d DirectPostResult) MarshalJSON() ([]byte, error) {
	type plain DirectPostResult
	return jsonx.MarshalExtra(plain(d), d.Extra, keysDirectPostResult)
}

// ParseDirectPostResult decodes the response endpoint's answer (strict
// JSON, at most 16 KiB); redirect_uri, when present, is an absolute URI.
func ParseDirectPostResult(data []byte) (*DirectPostResult, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: 16 << 10, MaxDepth: 8}); err != nil {
		return nil, wrapErr(CodeInvalidRequest, limitOr(err), err, "response endpoint result")
	}
	type plain DirectPostResult
	var p plain
	extra, err := jsonx.UnmarshalExtra(data, &p, keysDirectPostResult)
	if err != nil {
		return nil, wrapErr(CodeInvalidRequest, ErrMalformed, err, "response endpoint result")
	}
	d := DirectPostResult(p)
	d.Extra = extra
	if d.RedirectURI != "" && !absoluteURIWithFragment(d.RedirectURI) {
		return nil, invalidRequest(ErrInvalidParameter, "redirect_uri is not an absolute URI")
	}
	return &d, nil
}

func absoluteURIWithFragment(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != "" && len(s) <= MaxURILength
}

// decodeSubmission decodes a legacy presentation_submission: strict JSON
// within pex's submission limits, id, definition_id and a non-empty
// descriptor_map whose entries (and path_nested, at most 4 deep) carry
// format and path, entries also id. pex.ParseSubmission's DIF schema is not
// used because it requires id inside path_nested, which the OpenID4VP
// drafts' own examples omit; pex's Verify checks the rest.
func decodeSubmission(raw json.RawMessage) (*pex.Submission, error) {
	if err := jsonx.Validate(raw, jsonx.Limits{MaxBytes: pex.MaxSubmissionBytes, MaxDepth: pex.MaxSubmissionDepth}); err != nil {
		return nil, wrapErr(CodeInvalidRequest, limitOr(err), err, "presentation_submission")
	}
	var s pex.Submission
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, wrapErr(CodeInvalidRequest, ErrMalformed, err, "presentation_submission")
	}
	bad := func(what string) error {
		return invalidRequest(ErrInvalidParameter, "presentation_submission: %s", what)
	}
	if s.ID == "" || s.DefinitionID == "" {
		return nil, bad("id and definition_id are required")
	}
	if len(s.DescriptorMap) == 0 || len(s.DescriptorMap) > pex.MaxDescriptorMap {
		return nil, bad("descriptor_map must hold 1 to " + strconv.Itoa(pex.MaxDescriptorMap) + " entries")
	}
	for _, d := range s.DescriptorMap {
		if d == nil || d.ID == "" {
			return nil, bad("descriptor_map entry without id")
		}
		for n, depth := d, 0; n != nil; n, depth = n.PathNested, depth+1 {
			if depth > 4 {
				return nil, bad("path_nested nested too deeply")
			}
			if n.Format == "" || n.Path == "" {
				return nil, bad("descriptor_map entry without format or path")
			}
		}
	}
	return &s, nil
}

// FragmentURL returns redirectURI with the response's parameters in the
// fragment (response_mode fragment, §5.6): the redirect a wallet performs.
// redirectURI must be absolute and carry no fragment.
func (r *AuthorizationResponse) FragmentURL(redirectURI string) (string, error) {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "" || u.Fragment != "" {
		return "", invalidRequest(ErrInvalidParameter, "redirect_uri must be an absolute URI without fragment")
	}
	v, err := r.Values()
	if err != nil {
		return "", err
	}
	return redirectURI + "#" + v.Encode(), nil
}
