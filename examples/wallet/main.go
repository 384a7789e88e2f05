// Command wallet runs wstack's wallet service alone: the W-Stack's
// retrieval service (offering API), storage service (credentials encrypted
// per account) and holder (answers OpenID4VP requests) in one process.
//
//	WSTACK_AUTH_TOKENS=ops:<16+ chars> WALLET_TRUSTED_ISSUERS=did:key:z… \
//	WALLET_TRUSTED_VERIFIERS=decentralized_identifier:did:key:z… \
//	WALLET_KEYS_PASSPHRASE=… go run ./examples/wallet
//
// See README.md for flags, routes and NATS subjects.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/walletsvc"
	"github.com/ocmw/wstack/fetch"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "wallet:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("wallet", flag.ContinueOnError)
	listen := fs.String("listen", svc.Env(svc.EnvListenAddr, "127.0.0.1:8086"), "listen address (LISTEN_ADDR)")
	dataDir := fs.String("data-dir", svc.Env("WALLET_DATA_DIR", "wallet-data"), "directory of the SQLite database and the key file (WALLET_DATA_DIR); PostgreSQL when WSTACK_POSTGRES_DSN is set")
	prefix := fs.String("table-prefix", svc.Env("WALLET_TABLE_PREFIX", walletsvc.DefaultTablePrefix), "SQL table prefix (WALLET_TABLE_PREFIX)")
	keysFile := fs.String("keys-file", svc.Env("WALLET_KEYS_FILE", ""), "encrypted key file of the local engine (WALLET_KEYS_FILE; default <data-dir>/keys.json); passphrase from WALLET_KEYS_PASSPHRASE")
	issuers := fs.String("trusted-issuers", svc.Env("WALLET_TRUSTED_ISSUERS", ""), "comma-separated issuer identifiers (iss) whose credentials are accepted (WALLET_TRUSTED_ISSUERS)")
	verifiers := fs.String("trusted-verifiers", svc.Env("WALLET_TRUSTED_VERIFIERS", ""), "comma-separated verifier client_ids, prefix included, the wallet presents to (WALLET_TRUSTED_VERIFIERS)")
	anyVerifier := fs.Bool("trust-any-verifier", svc.Env("WALLET_TRUST_ANY_VERIFIER", "") == "true", "present to every verifier that authenticates for its client_id prefix (WALLET_TRUST_ANY_VERIFIER=true; demo only)")
	clientID := fs.String("client-id", svc.Env("WALLET_CLIENT_ID", "wstack-wallet"), "OpenID4VCI client_id (WALLET_CLIENT_ID)")
	ttl := fs.Duration("offering-ttl", svc.EnvDuration("WALLET_OFFERING_TTL", walletsvc.DefaultOfferingTTL), "lifetime of pending offerings (WALLET_OFFERING_TTL)")
	natsURL := fs.String("nats-url", svc.Env(svc.EnvNATSURL, ""), "NATS server for offering events (WSTACK_NATS_URL; optional)")
	topic := fs.String("offering-topic", svc.Env("WALLET_OFFERING_TOPIC", "retrieval.offering"), "subject of offering events (WALLET_OFFERING_TOPIC)")
	loopback := fs.Bool("insecure-loopback", svc.Env("WALLET_INSECURE_LOOPBACK", "") == "true", "talk to issuers and verifiers on loopback over plain http (demo and tests only)")
	level := fs.String("log-level", svc.Env(svc.EnvLogLevel, "info"), "log level (LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := svc.NewLogger(walletsvc.ServiceName, *level)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *keysFile == "" {
		*keysFile = filepath.Join(*dataDir, "keys.json")
	}
	pass := os.Getenv("WALLET_KEYS_PASSPHRASE")
	if pass == "" {
		return fmt.Errorf("set WALLET_KEYS_PASSPHRASE: the key file holds the holder keys and the storage key-encryption keys")
	}
	if err := os.MkdirAll(filepath.Dir(*keysFile), 0o700); err != nil {
		return err
	}
	engine, err := local.New(local.Options{Path: *keysFile, Passphrase: []byte(pass)})
	if err != nil {
		return err
	}
	fetcher := fetch.New(fetch.Options{AllowLoopback: *loopback})
	auth, err := svc.AuthFromEnv(fetcher)
	if err != nil {
		return err
	}
	cfg := walletsvc.Config{
		Engine: engine, Auth: auth, Storage: svc.StorageFromEnv(*dataDir), TablePrefix: *prefix,
		TrustedIssuers: svc.SplitList(*issuers), TrustedVerifiers: svc.SplitList(*verifiers), TrustAnyVerifier: *anyVerifier,
		ClientID: *clientID, OfferingTTL: *ttl, Fetcher: fetcher, InsecureLoopback: *loopback,
		OfferingTopic: *topic, Logger: log,
	}
	if *natsURL != "" {
		nc, err := svc.ConnectNATS(*natsURL, walletsvc.ServiceName)
		if err != nil {
			return err
		}
		defer nc.Drain()
		cfg.NATS = nc
	}
	s, err := walletsvc.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if *loopback {
		log.Warn("insecure loopback enabled: demo and tests only")
	}
	return svc.Run(ctx, *listen, s.Handler(), log)
}
