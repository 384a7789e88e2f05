//go:build cgo

package signersvc

import (
	"context"
	"log/slog"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/pkcs11"
)

func openPKCS11(ctx context.Context, c PKCS11Config, log *slog.Logger) (crypto.Engine, error) {
	return pkcs11.Open(ctx, pkcs11.Config{Module: c.Module, TokenLabel: c.TokenLabel, TokenSerial: c.TokenSerial,
		Slot: c.Slot, PIN: c.PIN, MaxSessions: c.MaxSessions, Logger: log})
}
