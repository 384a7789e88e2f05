// Command verifier runs wstack's verification service (OID4VP verifier
// with the W-Stack's routes and NATS subjects); see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/verifiersvc"
	"github.com/ocmw/wstack/fetch"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "verifier:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		listen     = flag.String("listen", svc.Env(svc.EnvListenAddr, "127.0.0.1:8087"), "listen address (LISTEN_ADDR)")
		publicURL  = flag.String("public-url", svc.Env("VERIFIER_PUBLIC_URL", ""), "external base URL wallets reach (VERIFIER_PUBLIC_URL; default http://<listen> with -insecure-loopback)")
		tenants    = flag.String("tenants", svc.Env("VERIFIER_TENANTS", "default"), "comma-separated tenants (VERIFIER_TENANTS)")
		didMethod  = flag.String("did-method", svc.Env("VERIFIER_DID_METHOD", "key"), "client DID method: key or jwk (VERIFIER_DID_METHOD)")
		issuers    = flag.String("trusted-issuers", svc.Env("VERIFIER_TRUSTED_ISSUERS", ""), "comma-separated trusted issuer identifiers (VERIFIER_TRUSTED_ISSUERS)")
		keyFile    = flag.String("key-file", svc.Env("VERIFIER_KEY_FILE", ""), "encrypted key file of the local engine (VERIFIER_KEY_FILE; passphrase in VERIFIER_KEY_PASSPHRASE); empty: keys in memory")
		sqliteDir  = flag.String("sqlite-dir", svc.Env("VERIFIER_SQLITE_DIR", "./data/verifier"), "SQLite directory when WSTACK_POSTGRES_DSN is unset (VERIFIER_SQLITE_DIR)")
		prefix     = flag.String("table-prefix", svc.Env("VERIFIER_TABLE_PREFIX", verifiersvc.DefaultTablePrefix), "table name prefix (VERIFIER_TABLE_PREFIX)")
		natsURL    = flag.String("nats-url", svc.Env(svc.EnvNATSURL, ""), "NATS URL (WSTACK_NATS_URL); empty: no NATS")
		ttl        = flag.Duration("ttl", svc.EnvDuration("VERIFIER_TTL", verifiersvc.DefaultTTL), "request lifetime (VERIFIER_TTL)")
		cacheValid = flag.Duration("cache-validity", svc.EnvDuration("VERIFIER_CACHE_VALIDITY", 0), "presentation cache validity, 0 = 24h (VERIFIER_CACHE_VALIDITY)")
		noCache    = flag.Bool("no-cache", svc.Env("VERIFIER_NO_CACHE", "") == "true", "disable the presentation cache (VERIFIER_NO_CACHE=true)")
		insecure   = flag.Bool("insecure-loopback", svc.Env("VERIFIER_INSECURE_LOOPBACK", "") == "true", "DEMO/TEST ONLY: http public URL and loopback fetches (VERIFIER_INSECURE_LOOPBACK=true)")
		logLevel   = flag.String("log-level", svc.Env(svc.EnvLogLevel, "info"), "log level (LOG_LEVEL)")
	)
	flag.Parse()
	log := svc.NewLogger("verifier", *logLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	auth, err := svc.AuthFromEnv(fetch.New(fetch.Options{AllowLoopback: *insecure}))
	if err != nil {
		return err
	}
	opts := local.Options{}
	if *keyFile != "" {
		pass := os.Getenv("VERIFIER_KEY_PASSPHRASE")
		if pass == "" {
			return errors.New("VERIFIER_KEY_PASSPHRASE is required with -key-file")
		}
		opts.Path, opts.Passphrase = *keyFile, []byte(pass)
	}
	engine, err := local.New(opts)
	if err != nil {
		return err
	}
	if *publicURL == "" && *insecure {
		*publicURL = "http://" + *listen
	}
	cfg := verifiersvc.Config{
		PublicURL:        *publicURL,
		Engine:           engine,
		Tenants:          map[string]verifiersvc.TenantConfig{},
		Auth:             auth,
		Storage:          svc.StorageFromEnv(*sqliteDir),
		TablePrefix:      *prefix,
		TTL:              *ttl,
		Cache:            verifiersvc.CacheConfig{Disabled: *noCache, Validity: *cacheValid},
		InsecureLoopback: *insecure,
		Logger:           log,
	}
	for _, t := range svc.SplitList(*tenants) {
		cfg.Tenants[t] = verifiersvc.TenantConfig{DIDMethod: *didMethod, GenerateKey: true,
			Key: crypto.KeyRef{Context: crypto.Context{Namespace: t, Group: "verifier"}, ID: "request-signing"}}
	}
	cfg.TrustedIssuers = append(cfg.TrustedIssuers, svc.SplitList(*issuers)...)
	if *natsURL != "" {
		nc, err := svc.ConnectNATS(*natsURL, "wstack-verifier")
		if err != nil {
			return err
		}
		defer nc.Drain()
		cfg.NATS = nc
	}
	s, err := verifiersvc.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return svc.Run(ctx, *listen, s.Handler(), log)
}
