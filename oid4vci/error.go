package oid4vci

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ErrorCode is an OAuth 2.0 / OpenID4VCI error code.
type ErrorCode string

// Token endpoint errors (RFC 6749 §5.2, OpenID4VCI §6.3).
const (
	CodeInvalidRequest       ErrorCode = "invalid_request"
	CodeInvalidClient        ErrorCode = "invalid_client"
	CodeInvalidGrant         ErrorCode = "invalid_grant"
	CodeUnauthorizedClient   ErrorCode = "unauthorized_client"
	CodeUnsupportedGrantType ErrorCode = "unsupported_grant_type"
	CodeInvalidScope         ErrorCode = "invalid_scope"
	// CodeInvalidAuthorizationDetails is RFC 9396 §5.
	CodeInvalidAuthorizationDetails ErrorCode = "invalid_authorization_details"
	// CodeInvalidDPoPProof is RFC 9449 §5 and §7.1.
	CodeInvalidDPoPProof ErrorCode = "invalid_dpop_proof"
	// CodeUseDPoPNonce is RFC 9449 §8 (token endpoint, JSON body) and §9
	// (resource server, WWW-Authenticate).
	CodeUseDPoPNonce ErrorCode = "use_dpop_nonce"
	// CodeServerError is RFC 6749's server_error, used for internal failures.
	CodeServerError ErrorCode = "server_error"
)

// Access token errors at the credential, deferred and notification
// endpoints (RFC 6750 §3.1); they go into WWW-Authenticate.
const (
	CodeInvalidToken      ErrorCode = "invalid_token"
	CodeInsufficientScope ErrorCode = "insufficient_scope"
)

// Credential endpoint errors (§8.3.1.2), deferred (§9.3) and
// notification (§11.3) errors.
const (
	CodeInvalidCredentialRequest       ErrorCode = "invalid_credential_request"
	CodeUnknownCredentialConfiguration ErrorCode = "unknown_credential_configuration"
	CodeUnknownCredentialIdentifier    ErrorCode = "unknown_credential_identifier"
	CodeInvalidProof                   ErrorCode = "invalid_proof"
	CodeInvalidNonce                   ErrorCode = "invalid_nonce"
	CodeInvalidEncryptionParameters    ErrorCode = "invalid_encryption_parameters"
	CodeCredentialRequestDenied        ErrorCode = "credential_request_denied"
	CodeInvalidTransactionID           ErrorCode = "invalid_transaction_id"
	CodeInvalidNotificationID          ErrorCode = "invalid_notification_id"
	CodeInvalidNotificationRequest     ErrorCode = "invalid_notification_request"
)

// Drafts 11–13 error codes (legacy profile).
const (
	// CodeAuthorizationPending and CodeSlowDown are the RFC 8628 codes that
	// draft 13 §6.3 uses for the pre-authorized code grant.
	CodeAuthorizationPending ErrorCode = "authorization_pending"
	CodeSlowDown             ErrorCode = "slow_down"
	// CodeUnsupportedCredentialType and CodeUnsupportedCredentialFormat are
	// the draft 13 §7.3.1.2 codes replaced by unknown_credential_*.
	CodeUnsupportedCredentialType   ErrorCode = "unsupported_credential_type"
	CodeUnsupportedCredentialFormat ErrorCode = "unsupported_credential_format"
	// CodeIssuancePending is the draft 13 §9.3 deferred error (with
	// interval) replaced by the 202 response.
	CodeIssuancePending ErrorCode = "issuance_pending"
)

// vciCodes are the credential, deferred and notification endpoint codes,
// whose JSON bodies carry no error_uri.
var vciCodes = map[ErrorCode]bool{
	CodeInvalidCredentialRequest: true, CodeUnknownCredentialConfiguration: true, CodeUnknownCredentialIdentifier: true,
	CodeInvalidProof: true, CodeInvalidNonce: true, CodeInvalidEncryptionParameters: true, CodeCredentialRequestDenied: true,
	CodeInvalidTransactionID: true, CodeInvalidNotificationID: true, CodeInvalidNotificationRequest: true,
	CodeUnsupportedCredentialType: true, CodeUnsupportedCredentialFormat: true, CodeIssuancePending: true,
}

// AuthScheme is the HTTP authentication scheme of an access-token error.
type AuthScheme string

// Schemes of WWW-Authenticate challenges.
const (
	SchemeBearer AuthScheme = "Bearer" // RFC 6750
	SchemeDPoP   AuthScheme = "DPoP"   // RFC 9449
)

// Error is an OpenID4VCI / OAuth protocol error. Endpoints return it;
// WriteError sends it. With Scheme empty it is sent as a JSON body
// {error, error_description, error_uri}; with Scheme set (access-token
// errors at protected endpoints, RFC 6750 §3 and RFC 9449 §7.1) it is sent
// as a WWW-Authenticate challenge without a body. Errors are never
// encrypted. The cause, if any, is for logs and errors.Is/As only; it is
// never sent.
type Error struct {
	// Code is the error code. REQUIRED.
	Code ErrorCode
	// Description is the human-readable error_description; characters
	// outside %x20-21 / %x23-5B / %x5D-7E are replaced when sent.
	Description string
	// URI is error_uri (RFC 6749 §5.2, RFC 6750 §3); not sent with the
	// credential, deferred and notification endpoint codes, whose bodies
	// define only error and error_description.
	URI string
	// Status is the HTTP status; 0 means the default for Code and Scheme.
	Status int

	// Scheme makes the error a WWW-Authenticate challenge.
	Scheme AuthScheme
	// Realm and Scope are the RFC 6750 §3 challenge attributes.
	Realm string
	Scope string
	// Algs lists the DPoP signing algorithms (RFC 9449 §7.1 algs).
	Algs []string
	// DPoPNonce, when set, is sent in the DPoP-Nonce header (RFC 9449 §8,
	// §9), e.g. with use_dpop_nonce.
	DPoPNonce string

	// CNonce, CNonceExpiresIn and Interval are the drafts 11–13 members of
	// credential and deferred error responses (legacy profile).
	CNonce          string
	CNonceExpiresIn int
	Interval        int

	// Extra holds other members of a received JSON error body.
	Extra Extra

	cause error
}

// NewError returns an *Error with the given code and description.
func NewError(code ErrorCode, description string) *Error {
	return &Error{Code: code, Description: description}
}

// Wrap returns a copy of e carrying cause (reported by Unwrap, never sent).
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// Error implements error.
func (e *Error) Error() string {
	s := "oid4vci: " + string(e.Code)
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the private cause.
func (e *Error) Unwrap() error { return e.cause }

// Is matches another *Error by code, so errors.Is(err,
// NewError(CodeInvalidProof, "")) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// HTTPStatus returns Status or the default: 401 for invalid_token and
// use_dpop_nonce/invalid_dpop_proof challenges, 403 for
// insufficient_scope, 500 for server_error, otherwise 400.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case CodeInvalidToken:
		return http.StatusUnauthorized
	case CodeInsufficientScope:
		return http.StatusForbidden
	case CodeServerError:
		return http.StatusInternalServerError
	case CodeUseDPoPNonce, CodeInvalidDPoPProof:
		if e.Scheme != "" {
			return http.StatusUnauthorized
		}
	case "":
		if e.Scheme != "" { // a bare challenge: no credentials presented
			return http.StatusUnauthorized
		}
	}
	return http.StatusBadRequest
}

type errorBody struct {
	Error            ErrorCode `json:"error"`
	ErrorDescription string    `json:"error_description,omitempty"`
	ErrorURI         string    `json:"error_uri,omitempty"`
	CNonce           string    `json:"c_nonce,omitempty"`
	CNonceExpiresIn  int       `json:"c_nonce_expires_in,omitempty"`
	Interval         int       `json:"interval,omitempty"`
}

var errorBodyKeys = known[errorBody]()

// MarshalJSON encodes the JSON error body: error, error_description,
// error_uri and, when set, the legacy c_nonce, c_nonce_expires_in and
// interval.
func (e *Error) MarshalJSON() ([]byte, error) {
	uri := e.URI
	if vciCodes[e.Code] {
		uri = "" // §8.3.1.2, §9.3, §11.3 define only error and error_description
	}
	return json.Marshal(errorBody{
		Error:            e.Code,
		ErrorDescription: SanitizeDescription(e.Description),
		ErrorURI:         uri,
		CNonce:           e.CNonce,
		CNonceExpiresIn:  e.CNonceExpiresIn,
		Interval:         e.Interval,
	})
}

// ErrorResponse decodes a JSON error body received with HTTP status
// (wallet side). error is required.
func (p Parser) ErrorResponse(status int, data []byte) (*Error, error) {
	var raw json.RawMessage
	if err := p.decode(data, defaultSmall, &raw); err != nil {
		return nil, err
	}
	var b errorBody
	extra, err := unmarshalExtra(raw, &b, errorBodyKeys)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if b.Error == "" {
		return nil, fieldErr("error", ErrMissing, "")
	}
	return &Error{
		Code: b.Error, Description: b.ErrorDescription, URI: b.ErrorURI, Status: status,
		CNonce: b.CNonce, CNonceExpiresIn: b.CNonceExpiresIn, Interval: b.Interval, Extra: extra,
	}, nil
}

// WWWAuthenticate returns the challenge for an error with a Scheme, e.g.
// `DPoP error="use_dpop_nonce", error_description="…", algs="ES256"`.
func (e *Error) WWWAuthenticate() string {
	scheme := e.Scheme
	if scheme == "" {
		scheme = SchemeBearer
	}
	var b strings.Builder
	b.WriteString(string(scheme))
	sep := " "
	param := func(name, value string) {
		if value == "" {
			return
		}
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(SanitizeDescription(value)) // no '"' or '\' remain
		b.WriteByte('"')
		sep = ", "
	}
	param("realm", e.Realm)
	param("scope", e.Scope)
	param("error", string(e.Code))
	param("error_description", e.Description)
	param("error_uri", e.URI)
	if scheme == SchemeDPoP {
		param("algs", strings.Join(e.Algs, " "))
	}
	return b.String()
}

// WriteError writes err to w. An *Error in err's chain is written as a
// challenge (Scheme set) or as a JSON body; a *FieldError with a Code is
// written as a 400 JSON error with that code; anything else is written as
// 500 server_error without detail, so internal errors never leak. The
// response carries Cache-Control: no-store.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		var fe *FieldError
		if errors.As(err, &fe) && fe.Code != "" {
			e = &Error{Code: fe.Code, Description: capDescription(fe.Error())}
		} else {
			e = &Error{Code: CodeServerError}
		}
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if e.DPoPNonce != "" {
		h.Set("DPoP-Nonce", e.DPoPNonce)
	}
	if e.Scheme != "" {
		h.Add("WWW-Authenticate", e.WWWAuthenticate())
		w.WriteHeader(e.HTTPStatus())
		return
	}
	body, _ := e.MarshalJSON()
	h.Set("Content-Type", MediaTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}

// maxDescription bounds an error_description derived from a validation
// failure, whose field path may echo names chosen by the sender.
const maxDescription = 256

func capDescription(s string) string {
	if len(s) <= maxDescription {
		return s
	}
	return s[:maxDescription] + "..."
}
