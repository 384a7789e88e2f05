package signersvc

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/examples/internal/svc"
)

// Errors of the service and its client besides crypto's sentinels.
var (
	// ErrNotSupported: the engine behind the service lacks an optional
	// capability (listing namespaces). HTTP 501.
	ErrNotSupported = errors.New("signersvc: not supported by the engine")
	// ErrForbidden: the caller's principal may not use the namespace.
	// HTTP 403.
	ErrForbidden = errors.New("signersvc: namespace not allowed")
	// ErrProtocol: the server's answer broke the protocol (malformed body,
	// a JWK that is not a public key of the stated type).
	ErrProtocol = errors.New("signersvc: protocol error")
	// ErrRemote: the server failed for a reason without a sentinel here
	// (HTTP 5xx "server_error", unknown codes).
	ErrRemote = errors.New("signersvc: remote error")
)

// errorCode maps a sentinel error to its code and HTTP status. The table is
// used in both directions: the server writes code and status for the first
// sentinel the error matches, the client turns the code back into the
// sentinel.
var errorCodes = []struct {
	err    error
	code   string
	status int
}{
	{crypto.ErrKeyNotFound, "key_not_found", http.StatusNotFound},
	{crypto.ErrKeyExists, "key_exists", http.StatusConflict},
	{crypto.ErrUnsupportedAlgorithm, "unsupported_algorithm", http.StatusBadRequest},
	{crypto.ErrUnsupportedKeyType, "unsupported_key_type", http.StatusBadRequest},
	{crypto.ErrInvalidContext, "invalid_context", http.StatusBadRequest},
	{crypto.ErrInvalidKeyID, "invalid_key_id", http.StatusBadRequest},
	{crypto.ErrInvalidSignature, "invalid_signature", http.StatusUnprocessableEntity},
	{crypto.ErrDecrypt, "decryption_failed", http.StatusUnprocessableEntity},
	{crypto.ErrWrongKeyUse, "wrong_key_use", http.StatusUnprocessableEntity},
	{crypto.ErrInvalidJWK, "invalid_jwk", http.StatusUnprocessableEntity},
	{crypto.ErrEngineClosed, "engine_closed", http.StatusServiceUnavailable},
	{crypto.ErrEngineTimeout, "engine_timeout", http.StatusGatewayTimeout},
	{crypto.ErrEnginePanic, "engine_panic", http.StatusBadGateway},
	{crypto.ErrEngineMisbehaved, "engine_misbehaved", http.StatusBadGateway},
	{ErrNotSupported, "not_supported", http.StatusNotImplemented},
	{ErrForbidden, "insufficient_scope", http.StatusForbidden},
	{svc.ErrBadRequest, "invalid_request", http.StatusBadRequest},
	{svc.ErrUnauthenticated, "invalid_token", http.StatusUnauthorized},
}

// writeError answers err with the code and status of its sentinel, or 500
// server_error with a generic description (the cause is logged, not sent).
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			svc.WriteError(w, c.status, c.code, err.Error())
			return
		}
	}
	s.log.ErrorContext(r.Context(), "signer request failed", "path", r.URL.Path, "err", err)
	svc.WriteError(w, http.StatusInternalServerError, "server_error", "internal error")
}

// RemoteError is an error answer of the service. It unwraps to the
// sentinel its code stands for (crypto.ErrKeyNotFound for key_not_found,
// …; ErrRemote for codes without one).
type RemoteError struct {
	Status      int
	Code        string
	Description string
	sentinel    error
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("signersvc: %s (%d %s)", e.Description, e.Status, e.Code)
}

// Unwrap returns the sentinel.
func (e *RemoteError) Unwrap() error { return e.sentinel }

func remoteError(status int, code, desc string) error {
	e := &RemoteError{Status: status, Code: code, Description: desc, sentinel: ErrRemote}
	for _, c := range errorCodes {
		if c.code == code {
			e.sentinel = c.err
			return e
		}
	}
	switch status {
	case http.StatusUnauthorized:
		e.sentinel = svc.ErrUnauthenticated
	case http.StatusForbidden:
		e.sentinel = ErrForbidden
	case http.StatusNotFound:
		// A route the server does not have: not a missing key.
		e.sentinel = ErrNotSupported
	}
	return e
}
