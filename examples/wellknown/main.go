// Command wellknown runs the example well-known service (package
// examples/internal/wellknownsvc). See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/examples/internal/wellknownsvc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wellknown:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", svc.Env(svc.EnvListenAddr, "127.0.0.1:8082"), "listen address (LISTEN_ADDR)")
	natsURL := flag.String("nats", svc.Env(svc.EnvNATSURL, ""), "NATS URL (WSTACK_NATS_URL)")
	tmpl := flag.String("issuer-url", svc.Env("WELLKNOWN_ISSUER_URL", ""), "issuer identifier template with {tenant}, e.g. https://issuer.example.com/v1/tenants/{tenant} (WELLKNOWN_ISSUER_URL)")
	tenants := flag.String("tenants", svc.Env("WELLKNOWN_TENANTS", wellknownsvc.DefaultTenant), "comma-separated tenants (WELLKNOWN_TENANTS)")
	dir := flag.String("metadata-dir", svc.Env("WELLKNOWN_METADATA_DIR", ""), "W-Stack Git-importer layout <tenant>/issuer.json, <tenant>/credentials/*.json (WELLKNOWN_METADATA_DIR)")
	dataDir := flag.String("data", svc.Env("WELLKNOWN_DATA_DIR", "./data"), "SQLite directory unless WSTACK_POSTGRES_DSN is set (WELLKNOWN_DATA_DIR)")
	prefix := flag.String("table-prefix", svc.Env("WELLKNOWN_TABLE_PREFIX", wellknownsvc.DefaultTablePrefix), "SQL table prefix (WELLKNOWN_TABLE_PREFIX)")
	ttl := flag.Duration("ttl", svc.EnvDuration("WELLKNOWN_TTL", 0), "registration lifetime (default 60s) (WELLKNOWN_TTL)")
	loopback := flag.Bool("insecure-loopback", false, "allow issuer identifiers on loopback hosts (demo/test only)")
	logLevel := flag.String("log-level", svc.Env(svc.EnvLogLevel, "info"), "log level (LOG_LEVEL)")
	flag.Parse()

	log := svc.NewLogger("wellknown", *logLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	nc, err := svc.ConnectNATS(*natsURL, "wellknown")
	if err != nil {
		return err
	}
	defer nc.Close()
	s, err := wellknownsvc.New(ctx, wellknownsvc.Config{
		IssuerURLTemplate: *tmpl, Tenants: svc.SplitList(*tenants), MetadataDir: *dir, NATS: nc,
		Storage: svc.StorageFromEnv(*dataDir), TablePrefix: *prefix, TTL: *ttl, InsecureLoopback: *loopback, Logger: log,
	})
	if err != nil {
		return err
	}
	defer s.Close()
	return svc.Run(ctx, *listen, s.Handler(), log)
}
