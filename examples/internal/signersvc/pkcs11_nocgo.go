//go:build !cgo

package signersvc

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ocmw/wstack/crypto"
)

func openPKCS11(context.Context, PKCS11Config, *slog.Logger) (crypto.Engine, error) {
	return nil, fmt.Errorf("%w: the PKCS#11 backend needs a cgo build (CGO_ENABLED=1)", ErrNotSupported)
}
