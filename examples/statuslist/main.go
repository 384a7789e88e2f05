// Command statuslist runs the status list service: index allocation over
// NATS (status.data.create) and HTTP, revoke/suspend/reinstate, and
// publication of IETF Token Status Lists and W3C Bitstring Status Lists.
// See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/signersvc"
	"github.com/ocmw/wstack/examples/internal/statussvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "statuslist:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("listen", svc.Env(svc.EnvListenAddr, "127.0.0.1:8084"), "listen address (env "+svc.EnvListenAddr+")")
	logLevel := flag.String("log-level", svc.Env(svc.EnvLogLevel, "info"), "log level (env "+svc.EnvLogLevel+")")
	publicURL := flag.String("public-url", svc.Env("STATUSLIST_PUBLIC_URL", ""), "public base URL of this service, e.g. https://status.example.com (env STATUSLIST_PUBLIC_URL; default http://<addr>)")
	issuer := flag.String("issuer-id", svc.Env("STATUSLIST_ISSUER_ID", ""), "iss / issuer of the lists, {tenant} replaced (env STATUSLIST_ISSUER_ID; default <public-url>/v1/tenants/{tenant})")
	natsURL := flag.String("nats-url", svc.Env(svc.EnvNATSURL, ""), "NATS server (env "+svc.EnvNATSURL+"; empty: HTTP allocation only)")
	dataDir := flag.String("data-dir", svc.Env("STATUSLIST_DATA_DIR", "./data"), "SQLite directory when "+svc.EnvPostgresDSN+" is unset (env STATUSLIST_DATA_DIR)")
	prefix := flag.String("table-prefix", svc.Env("STATUSLIST_TABLE_PREFIX", statussvc.DefaultTablePrefix), "SQL table prefix (env STATUSLIST_TABLE_PREFIX)")
	keyNS := flag.String("key-namespace", svc.Env("STATUSLIST_KEY_NAMESPACE", "statuslist"), "namespace of the signing key (env STATUSLIST_KEY_NAMESPACE)")
	keyGroup := flag.String("key-group", svc.Env("STATUSLIST_KEY_GROUP", "lists"), "group of the signing key (env STATUSLIST_KEY_GROUP)")
	keyID := flag.String("key-id", svc.Env("STATUSLIST_KEY_ID", "signing"), "id of the signing key (env STATUSLIST_KEY_ID)")
	tenantKeys := flag.Bool("tenant-keys", svc.Env("STATUSLIST_TENANT_KEYS", "") == "true", "one signing key per tenant: the key's namespace is the tenant (env STATUSLIST_TENANT_KEYS=true)")
	createKey := flag.Bool("create-key", svc.Env("STATUSLIST_CREATE_KEY", "true") == "true", "create a missing signing key (ecdsa-p256) (env STATUSLIST_CREATE_KEY)")
	signerURL := flag.String("signer-url", svc.Env("SIGNER_URL", ""), "sign through the signer service at this URL with SIGNER_TOKEN (env SIGNER_URL; empty: in-process local engine, persisted with STATUSLIST_KEY_FILE/STATUSLIST_KEY_PASSPHRASE)")
	batch := flag.Int("batch", svc.EnvInt("STATUSLIST_BATCH", 1), "indices reserved per database round trip (env STATUSLIST_BATCH)")
	validity := flag.Duration("validity", svc.EnvDuration("STATUSLIST_VALIDITY", 0), "lifetime of a published list token (env STATUSLIST_VALIDITY; default 24h)")
	ttl := flag.Duration("ttl", svc.EnvDuration("STATUSLIST_TTL", 0), "cache time for relying parties (env STATUSLIST_TTL; default 5m)")
	flag.Parse()

	log := svc.NewLogger(statussvc.Name, *logLevel)
	auth, err := svc.AuthFromEnv(fetch.New(fetch.Options{}))
	if err != nil {
		return err
	}
	var engine crypto.Engine
	if *signerURL != "" {
		engine = signersvc.NewClient(*signerURL, os.Getenv("SIGNER_TOKEN"), nil)
	} else {
		le, err := local.New(local.Options{Path: os.Getenv("STATUSLIST_KEY_FILE"), Passphrase: []byte(os.Getenv("STATUSLIST_KEY_PASSPHRASE"))})
		if err != nil {
			return err
		}
		defer le.Close()
		engine = le
	}
	if *publicURL == "" {
		*publicURL = "http://" + *addr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := statussvc.New(ctx, statussvc.Config{
		Engine: engine, SigningKey: crypto.KeyRef{Context: crypto.Context{Namespace: *keyNS, Group: *keyGroup}, ID: *keyID},
		TenantKeys: *tenantKeys, CreateKey: *createKey, PublicBaseURL: *publicURL, IssuerID: *issuer,
		Storage: svc.StorageFromEnv(*dataDir), TablePrefix: *prefix, Batch: *batch, Validity: *validity, TTL: *ttl,
		Auth: auth, Logger: log,
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if *natsURL != "" {
		nc, err := svc.ConnectNATS(*natsURL, statussvc.Name)
		if err != nil {
			return err
		}
		defer nc.Close()
		if _, err := s.Subscribe(nc); err != nil {
			return err
		}
		log.Info("answering NATS", "subject", statussvc.Subject)
	} else {
		log.Warn("no NATS URL: allocation over HTTP only")
	}
	return svc.Run(ctx, *addr, s.Handler(), log)
}
