// Command signer runs the signer service: a key engine (crypto/local, or a
// PKCS#11 token) behind an HTTP API, the role of the XFSC W-Stack's TSA
// signer. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ocmw/wstack/examples/internal/signersvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "signer:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("listen", svc.Env(svc.EnvListenAddr, "127.0.0.1:8083"), "listen address (env "+svc.EnvListenAddr+")")
	logLevel := flag.String("log-level", svc.Env(svc.EnvLogLevel, "info"), "log level (env "+svc.EnvLogLevel+")")
	keyFile := flag.String("key-file", svc.Env("SIGNER_KEY_FILE", ""), "file the local engine persists keys to, encrypted under SIGNER_KEY_PASSPHRASE (env SIGNER_KEY_FILE; empty: memory only)")
	module := flag.String("pkcs11-module", svc.Env("SIGNER_PKCS11_MODULE", ""), "PKCS#11 module path, e.g. /usr/lib/softhsm/libsofthsm2.so (env SIGNER_PKCS11_MODULE; selects the PKCS#11 engine)")
	token := flag.String("pkcs11-token", svc.Env("SIGNER_PKCS11_TOKEN", ""), "PKCS#11 token label (env SIGNER_PKCS11_TOKEN)")
	sessions := flag.Int("pkcs11-sessions", svc.EnvInt("SIGNER_PKCS11_SESSIONS", 0), "maximum PKCS#11 sessions (env SIGNER_PKCS11_SESSIONS; 0: engine default)")
	flag.Parse()

	log := svc.NewLogger(signersvc.Name, *logLevel)
	auth, err := svc.AuthFromEnv(fetch.New(fetch.Options{}))
	if err != nil {
		return err
	}
	cfg := signersvc.Config{Auth: auth, Logger: log, KeyFile: *keyFile}
	if *keyFile != "" {
		cfg.KeyPassphrase = []byte(os.Getenv("SIGNER_KEY_PASSPHRASE"))
	}
	if *module != "" {
		// The PIN comes from the environment only, never from a flag
		// (flags show in the process list).
		cfg.PKCS11 = signersvc.PKCS11Config{Module: *module, TokenLabel: *token, PIN: os.Getenv("SIGNER_PKCS11_PIN"), MaxSessions: *sessions}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := signersvc.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return svc.Run(ctx, *addr, s.Handler(), log)
}
