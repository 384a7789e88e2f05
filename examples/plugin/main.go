// Command plugin runs the example issuance plugin (package
// examples/internal/pluginsvc), the W-Stack's dummycontentsigner done
// properly. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/pluginsvc"
	"github.com/ocmw/wstack/examples/internal/svc"
	"github.com/ocmw/wstack/fetch"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "plugin:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", svc.Env(svc.EnvListenAddr, "127.0.0.1:8081"), "listen address (LISTEN_ADDR)")
	natsURL := flag.String("nats", svc.Env(svc.EnvNATSURL, ""), "NATS URL (WSTACK_NATS_URL)")
	topic := flag.String("topic", svc.Env("PLUGIN_TOPIC", pluginsvc.DefaultTopic), "plugin NATS topic (PLUGIN_TOPIC)")
	tenants := flag.String("tenants", svc.Env("PLUGIN_TENANTS", "default"), "comma-separated tenants to register for (PLUGIN_TENANTS)")
	vct := flag.String("vct", svc.Env("PLUGIN_VCT", pluginsvc.DefaultVCT), "vct of the dc+sd-jwt credential (PLUGIN_VCT)")
	didMethod := flag.String("did-method", svc.Env("PLUGIN_DID_METHOD", "key"), "issuer DID method: key or jwk (PLUGIN_DID_METHOD)")
	issuerID := flag.String("issuer-id", svc.Env("PLUGIN_ISSUER_ID", ""), "https issuer identifier instead of a DID (PLUGIN_ISSUER_ID)")
	jwtvc := flag.Bool("jwt-vc", svc.Env("PLUGIN_JWT_VC", "") == "true", "also offer jwt_vc_json (PLUGIN_JWT_VC=true)")
	status := flag.Bool("status", svc.Env("PLUGIN_STATUS", "true") == "true", "allocate status entries over status.data.create (PLUGIN_STATUS)")
	statusGroup := flag.String("status-group", svc.Env("PLUGIN_STATUS_GROUP", pluginsvc.DefaultStatusGroup), "status list pool (PLUGIN_STATUS_GROUP)")
	interval := flag.Duration("registration-interval", svc.EnvDuration("PLUGIN_REGISTRATION_INTERVAL", pluginsvc.DefaultRegistrationInterval), "well-known registration interval, negative disables (PLUGIN_REGISTRATION_INTERVAL)")
	validity := flag.Duration("validity", svc.EnvDuration("PLUGIN_VALIDITY", pluginsvc.DefaultValidity), "credential lifetime (PLUGIN_VALIDITY)")
	keysFile := flag.String("keys-file", svc.Env("PLUGIN_KEYS_FILE", ""), "encrypted key file of the local engine (PLUGIN_KEYS_FILE, passphrase in PLUGIN_KEYS_PASSPHRASE)")
	logLevel := flag.String("log-level", svc.Env(svc.EnvLogLevel, "info"), "log level (LOG_LEVEL)")
	flag.Parse()

	log := svc.NewLogger("plugin", *logLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	auth, err := svc.AuthFromEnv(fetch.New(fetch.Options{}))
	if err != nil {
		return err
	}
	engine, err := local.New(local.Options{Path: *keysFile, Passphrase: []byte(os.Getenv("PLUGIN_KEYS_PASSPHRASE"))})
	if err != nil {
		return err
	}
	nc, err := svc.ConnectNATS(*natsURL, "plugin")
	if err != nil {
		return err
	}
	defer nc.Close()
	cfg := pluginsvc.Config{
		NATS: nc, Topic: *topic, Engine: engine, CreateKey: true, IssuerDIDMethod: *didMethod, IssuerID: *issuerID,
		VCT: *vct, JWTVC: *jwtvc, Validity: *validity, Tenants: svc.SplitList(*tenants), RegistrationInterval: *interval,
		Auth: auth, Logger: log,
	}
	if *status {
		cfg.Status = &pluginsvc.StatusConfig{GroupID: *statusGroup, Timeout: 5 * time.Second}
	}
	s, err := pluginsvc.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	log.Info("issuer", "id", s.IssuerID())
	return svc.Run(ctx, *listen, s.Handler(), log)
}
