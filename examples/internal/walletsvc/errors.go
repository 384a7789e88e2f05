package walletsvc

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/oid4vci"
	"github.com/ocmw/wstack/oid4vci/wallet"
	"github.com/ocmw/wstack/oid4vp"
	vpwallet "github.com/ocmw/wstack/oid4vp/wallet"
	"github.com/ocmw/wstack/presentation/dcql"
	"github.com/ocmw/wstack/presentation/pex"
)

var (
	// ErrForbidden reports a request naming keys the caller may not use.
	ErrForbidden = errors.New("walletsvc: forbidden")
	// ErrTooLarge reports an oversized request body.
	ErrTooLarge = errors.New("walletsvc: request body too large")
)

// status maps an error to the HTTP status and error code of the
// management API's answer. Descriptions are the error text (no secrets are
// ever in it: the libraries never put codes, PINs or claims in errors).
func status(err error) (int, string) {
	var ve *oid4vci.Error
	var pe *oid4vp.Error
	switch {
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "invalid_request"
	case errors.Is(err, ErrInput), errors.Is(err, svc.ErrBadRequest):
		if errors.Is(err, svc.ErrBadRequest) && isTooLarge(err) {
			return http.StatusRequestEntityTooLarge, "invalid_request"
		}
		return http.StatusBadRequest, "invalid_request"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, ErrUnsupportedOffer), errors.Is(err, wallet.ErrUnsupported):
		return http.StatusUnprocessableEntity, "unsupported_offer"
	case errors.Is(err, wallet.ErrTxCode):
		return http.StatusBadRequest, "invalid_tx_code"
	case errors.As(err, &ve) && ve.Code == oid4vci.CodeInvalidGrant:
		// a wrong tx_code, or a code already redeemed or expired
		return http.StatusBadRequest, "invalid_grant"
	case errors.Is(err, wallet.ErrOffer), errors.Is(err, wallet.ErrConsent):
		return http.StatusBadRequest, "invalid_offer"
	case errors.Is(err, wallet.ErrMetadata), errors.Is(err, wallet.ErrRedirect), errors.Is(err, wallet.ErrResponse):
		return http.StatusBadGateway, "issuer_error"
	case errors.Is(err, wallet.ErrCredential), errors.Is(err, wallet.ErrBinding), errors.Is(err, wallet.ErrTooMany):
		return http.StatusBadGateway, "credential_rejected"
	case errors.As(err, &ve):
		return http.StatusBadGateway, "issuer_error"
	case errors.Is(err, dcql.ErrInvalidQuery), errors.Is(err, pex.ErrInvalidDefinition):
		return http.StatusBadRequest, "invalid_query"
	case errors.Is(err, vpwallet.ErrUntrustedVerifier), errors.Is(err, vpwallet.ErrUnsupportedPrefix),
		errors.Is(err, vpwallet.ErrRequestObject):
		return http.StatusForbidden, "untrusted_verifier"
	case errors.Is(err, vpwallet.ErrNoMatch):
		return http.StatusConflict, "no_matching_credentials"
	case errors.Is(err, vpwallet.ErrDeclined), errors.Is(err, ErrMixedHolderKeys):
		return http.StatusConflict, "declined"
	case errors.Is(err, vpwallet.ErrFetch), errors.Is(err, vpwallet.ErrResponse):
		return http.StatusBadGateway, "verifier_error"
	case errors.Is(err, vpwallet.ErrQueryBudget):
		return http.StatusUnprocessableEntity, "query_too_expensive"
	case errors.As(err, &pe):
		return http.StatusBadRequest, "invalid_authorization_request"
	}
	return http.StatusInternalServerError, "server_error"
}

func isTooLarge(err error) bool { return strings.Contains(err.Error(), "body over ") }

// fail answers err; server errors are logged and not described.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	st, code := status(err)
	msg := err.Error()
	if st >= 500 && st != http.StatusBadGateway {
		s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	svc.WriteError(w, st, code, msg)
}
