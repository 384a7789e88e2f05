package oid4vp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/ocmw/wstack/internal/jsonx"
)

// Error codes of §8.5 (and RFC 6749 §4.1.2.1).
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeAccessDenied            = "access_denied"
	CodeInvalidScope            = "invalid_scope"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeServerError             = "server_error"
	CodeVPFormatsNotSupported   = "vp_formats_not_supported"
	CodeInvalidRequestURIMethod = "invalid_request_uri_method"
	CodeInvalidTransactionData  = "invalid_transaction_data"
	CodeWalletUnavailable       = "wallet_unavailable"
)

// Sentinel errors. Every *Error returned by this package wraps one of them.
var (
	ErrTooLarge            = errors.New("oid4vp: input exceeds a size, depth or count limit")
	ErrMalformed           = errors.New("oid4vp: malformed input")
	ErrDuplicateParameter  = errors.New("oid4vp: parameter given more than once")
	ErrMissingParameter    = errors.New("oid4vp: required parameter missing")
	ErrInvalidParameter    = errors.New("oid4vp: invalid parameter value")
	ErrConflictingParams   = errors.New("oid4vp: parameters that exclude each other are both present")
	ErrUnsupportedScheme   = errors.New("oid4vp: link scheme not accepted")
	ErrInvalidClientID     = errors.New("oid4vp: malformed client identifier")
	ErrRejectedPrefix      = errors.New("oid4vp: client identifier prefix not allowed here")
	ErrClientIDMismatch    = errors.New("oid4vp: client_id differs between request and request object")
	ErrInvalidTyp          = errors.New("oid4vp: request object typ is not oauth-authz-req+jwt")
	ErrWalletNonceMismatch = errors.New("oid4vp: request object does not echo wallet_nonce")
	ErrAudienceMismatch    = errors.New("oid4vp: request object aud does not name this wallet")
	ErrExpired             = errors.New("oid4vp: request object expired or not yet valid")
	ErrTransactionData     = errors.New("oid4vp: invalid transaction_data")
	ErrRequestURIMethod    = errors.New("oid4vp: request_uri_method is neither get nor post")
	ErrStateMismatch       = errors.New("oid4vp: state differs from the request")
	ErrUnexpectedResponse  = errors.New("oid4vp: response does not fit the request")
	ErrUnsupportedHash     = errors.New("oid4vp: unsupported hash algorithm")
	ErrProtocolError       = errors.New("oid4vp: error response")
)

// Error is an OpenID4VP error (§8.5): an error code, a description safe to
// return to the peer, the HTTP status a server answers with, and a private
// cause (a sentinel above, possibly wrapping another package's error) that
// is never written to the wire.
type Error struct {
	Code        string
	Description string
	// URI is error_uri, kept when an error response is parsed.
	URI    string
	Status int
	cause  error
}

// NewError returns an Error with the given code and description, HTTP
// status 400 and no cause.
func NewError(code, description string) *Error {
	return &Error{Code: code, Description: description, Status: http.StatusBadRequest}
}

// WithCause returns a copy of e carrying cause (matched by errors.Is/As).
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// Error returns code, description and cause, for logs; the wire form is
// MarshalJSON / Values.
func (e *Error) Error() string {
	s := "oid4vp: " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.cause != nil {
		s += " (" + e.cause.Error() + ")"
	}
	return s
}

// Unwrap returns the private cause.
func (e *Error) Unwrap() error { return e.cause }

// maxDescription bounds error_description: descriptions may quote input.
const maxDescription = 256

func newErr(code string, sentinel error, format string, args ...any) *Error {
	d := fmt.Sprintf(format, args...)
	if len(d) > maxDescription {
		d = d[:maxDescription] + "…"
	}
	status := http.StatusBadRequest
	if code == CodeInvalidClient {
		status = http.StatusUnauthorized
	}
	return &Error{Code: code, Description: d, Status: status, cause: fmt.Errorf("%w: %s", sentinel, d)}
}

func invalidRequest(sentinel error, format string, args ...any) *Error {
	return newErr(CodeInvalidRequest, sentinel, format, args...)
}

// wrapErr wraps another package's error (dcql, pex, jsonx) so that both
// the sentinel here and the original are matchable.
// The description names only what was wrong and the sentinel's reason;
// the other package's message stays in the private cause.
func wrapErr(code string, sentinel error, err error, what string) *Error {
	e := newErr(code, sentinel, "%s: %s", what, strings.TrimPrefix(sentinel.Error(), "oid4vp: "))
	e.cause = fmt.Errorf("%w: %s: %w", sentinel, what, err)
	return e
}

// CodeOf returns the §8.5 error code carried by err, or server_error when
// err is not an *Error.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeServerError
}

type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
	ErrorURI         string `json:"error_uri,omitempty"`
}

var keysErrorBody = jsonx.KnownKeys(reflect.TypeFor[errorBody]())

// MarshalJSON writes {error, error_description, error_uri}; never the cause.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(errorBody{Error: e.Code, ErrorDescription: e.Description, ErrorURI: e.URI})
}

// Values returns the error as form parameters (an error response posted to
// a response_uri, §8.2); state is added when non-empty.
func (e *Error) Values(state string) url.Values {
	v := url.Values{"error": {e.Code}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	if e.URI != "" {
		v.Set("error_uri", e.URI)
	}
	if state != "" {
		v.Set("state", state)
	}
	return v
}

// Limits of ParseError.
const maxErrorBytes = 8 << 10

// ParseError decodes an error response body {error, error_description,
// error_uri} (for example the one a Digital Credentials API call returns,
// A.4). The result wraps ErrProtocolError.
func ParseError(data []byte) (*Error, error) {
	if err := jsonx.Validate(data, jsonx.Limits{MaxBytes: maxErrorBytes, MaxDepth: 4}); err != nil {
		return nil, wrapErr(CodeInvalidRequest, limitOr(err), err, "error response")
	}
	var b errorBody
	if _, err := jsonx.UnmarshalExtra(data, &b, keysErrorBody); err != nil {
		return nil, wrapErr(CodeInvalidRequest, ErrMalformed, err, "error response")
	}
	if b.Error == "" {
		return nil, invalidRequest(ErrMissingParameter, "error response without error")
	}
	return &Error{Code: b.Error, Description: b.ErrorDescription, URI: b.ErrorURI, Status: http.StatusBadRequest, cause: ErrProtocolError}, nil
}

// WriteError writes err as a JSON error response {error, error_description}
// with the status of the *Error (400 when unset) and Cache-Control:
// no-store. Errors that are not *Error are written as server_error with
// status 500 and no description, so that internal detail never leaks.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: CodeServerError, Status: http.StatusInternalServerError}
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	body, _ := e.MarshalJSON()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func limitOr(err error) error {
	if errors.Is(err, jsonx.ErrTooLarge) || errors.Is(err, jsonx.ErrTooDeep) {
		return ErrTooLarge
	}
	return ErrMalformed
}
