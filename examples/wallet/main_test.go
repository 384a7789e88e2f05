package main

import (
	"strings"
	"testing"
)

// TestRunRefusesIncompleteConfig: no passphrase, no authenticator, no
// trusted issuer — each stops the service before it listens.
func TestRunRefusesIncompleteConfig(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("WSTACK_POSTGRES_DSN", "")
	t.Setenv("WALLET_KEYS_PASSPHRASE", "")
	if err := run([]string{"-data-dir", dir}); err == nil || !strings.Contains(err.Error(), "WALLET_KEYS_PASSPHRASE") {
		t.Fatal(err)
	}
	t.Setenv("WALLET_KEYS_PASSPHRASE", "pass")
	t.Setenv("WSTACK_AUTH_TOKENS", "")
	t.Setenv("WSTACK_AUTH_JWKS_URL", "")
	if err := run([]string{"-data-dir", dir}); err == nil || !strings.Contains(err.Error(), "never anonymous") {
		t.Fatal(err)
	}
	t.Setenv("WSTACK_AUTH_TOKENS", "ops:0123456789abcdefgh")
	if err := run([]string{"-data-dir", dir}); err == nil || !strings.Contains(err.Error(), "TrustedIssuers") {
		t.Fatal(err)
	}
}
