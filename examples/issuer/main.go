// Command issuer runs the example issuance service (package
// examples/internal/issuersvc): OpenID4VCI issuer endpoints per tenant,
// plugins over NATS, the offers API and tx_code events. See README.md.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/issuersvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "issuer:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", svc.Env(svc.EnvListenAddr, "127.0.0.1:8080"), "listen address (LISTEN_ADDR)")
	public := flag.String("public-url", svc.Env("ISSUER_PUBLIC_URL", ""), "public https origin of the service (ISSUER_PUBLIC_URL)")
	tenants := flag.String("tenants", svc.Env("ISSUER_TENANTS", issuersvc.DefaultTenant), "comma-separated tenants (ISSUER_TENANTS)")
	topics := flag.String("plugin-topics", svc.Env("ISSUER_PLUGIN_TOPICS", issuersvc.DefaultPluginTopic), "comma-separated plugin NATS topics (ISSUER_PLUGIN_TOPICS)")
	natsURL := flag.String("nats", svc.Env(svc.EnvNATSURL, ""), "NATS URL (WSTACK_NATS_URL)")
	dataDir := flag.String("data", svc.Env("ISSUER_DATA_DIR", "./data"), "SQLite directory unless WSTACK_POSTGRES_DSN is set (ISSUER_DATA_DIR)")
	prefix := flag.String("table-prefix", svc.Env("ISSUER_TABLE_PREFIX", issuersvc.DefaultTablePrefix), "SQL table prefix (ISSUER_TABLE_PREFIX)")
	keysFile := flag.String("keys-file", svc.Env("ISSUER_KEYS_FILE", ""), "encrypted key file of the local engine; empty keeps keys in memory (ISSUER_KEYS_FILE, passphrase in ISSUER_KEYS_PASSPHRASE)")
	tlsCert := flag.String("tls-cert", svc.Env("ISSUER_TLS_CERT", ""), "TLS certificate file; empty serves plain HTTP behind a TLS proxy (ISSUER_TLS_CERT)")
	tlsKey := flag.String("tls-key", svc.Env("ISSUER_TLS_KEY", ""), "TLS key file (ISSUER_TLS_KEY)")
	legacy := flag.Bool("legacy", svc.Env("ISSUER_LEGACY", "") == "true", "also serve draft 13 wallets (ISSUER_LEGACY=true)")
	anonymous := flag.Bool("anonymous", svc.Env("ISSUER_ANONYMOUS", "") == "true", "accept token requests without client_id (ISSUER_ANONYMOUS=true)")
	loopback := flag.Bool("insecure-loopback", false, "allow a public URL on a loopback host (demo/test only)")
	logLevel := flag.String("log-level", svc.Env(svc.EnvLogLevel, "info"), "log level (LOG_LEVEL)")
	flag.Parse()

	log := svc.NewLogger("issuer", *logLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	auth, err := svc.AuthFromEnv(fetch.New(fetch.Options{}))
	if err != nil {
		return err
	}
	engine, err := local.New(local.Options{Path: *keysFile, Passphrase: []byte(os.Getenv("ISSUER_KEYS_PASSPHRASE"))})
	if err != nil {
		return err
	}
	nc, err := svc.ConnectNATS(*natsURL, "issuer")
	if err != nil {
		return err
	}
	defer nc.Close()
	s, err := issuersvc.New(ctx, issuersvc.Config{
		PublicURL: *public, Tenants: svc.SplitList(*tenants), Engine: engine, CreateKeys: true, NATS: nc,
		PluginTopics: svc.SplitList(*topics), Auth: auth, Storage: svc.StorageFromEnv(*dataDir), TablePrefix: *prefix,
		Legacy: *legacy, AnonymousAccess: *anonymous, InsecureLoopback: *loopback, Logger: log,
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return err
		}
		return svc.RunTLS(ctx, *listen, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, s.Handler(), log)
	}
	return svc.Run(ctx, *listen, s.Handler(), log)
}
