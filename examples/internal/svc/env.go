package svc

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Env reads the environment variable name, or def when it is unset or
// empty. The services use it for their flag defaults, so a flag overrides
// the environment and the environment overrides the built-in default.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// EnvInt is Env for integers; a malformed value yields def.
func EnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// EnvDuration is Env for durations (time.ParseDuration); a malformed value
// yields def.
func EnvDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// Common environment variables of every service. A deployment shares one
// PostgreSQL and one NATS between replicas with the first two.
const (
	EnvPostgresDSN = "WSTACK_POSTGRES_DSN"
	EnvNATSURL     = "WSTACK_NATS_URL"
	EnvLogLevel    = "LOG_LEVEL"
	EnvListenAddr  = "LISTEN_ADDR"
	EnvAuthTokens  = "WSTACK_AUTH_TOKENS"
	EnvAuthJWKS    = "WSTACK_AUTH_JWKS_URL"
)

// SplitList splits a comma-separated flag or variable value, dropping
// blanks and surrounding spaces.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
