package pkcs11_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ocmw/wstack/crypto/pkcs11"
)

// Known locations of SoftHSM2's module on Debian and derivatives.
var softhsmPaths = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

// skipOrFail skips the test on a developer machine and fails it in CI
// (CI=true), where SoftHSM2 must be installed.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: the SoftHSM2 tests must run)", msg)
	}
	t.Skipf("%s; install softhsm2 (apt-get install softhsm2) or set WSTACK_PKCS11_MODULE to a PKCS#11 module", msg)
}

// modulePath returns the PKCS#11 module under test.
func modulePath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("WSTACK_PKCS11_MODULE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("WSTACK_PKCS11_MODULE=%s: %v", p, err)
		}
		return p
	}
	for _, p := range softhsmPaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	skipOrFail(t, "SoftHSM2 module not found in %s", strings.Join(softhsmPaths, ", "))
	return ""
}

// testToken is a SoftHSM2 token in a temporary directory.
type testToken struct {
	module string
	label  string
	pin    string
}

func (tok testToken) config() pkcs11.Config {
	return pkcs11.Config{Module: tok.module, TokenLabel: tok.label, PIN: tok.pin}
}

var tokenSeq atomic.Int64

// newToken creates a fresh token: a softhsm2.conf pointing at a temporary
// token directory, SOFTHSM2_CONF set for the test (the module reads it in
// C_Initialize, so no engine may be open when this runs), and the token
// initialised with softhsm2-util.
func newToken(t testing.TB) testToken {
	t.Helper()
	module := modulePath(t)
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		skipOrFail(t, "softhsm2-util not found")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	body := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	// A new label per token: an engine that did not release the module
	// (C_Finalize) would keep the previous SOFTHSM2_CONF and fail to find it.
	tok := testToken{module: module, label: fmt.Sprintf("wstack-test-%d", tokenSeq.Add(1)), pin: "1234-user"}
	cmd := exec.Command(util, "--init-token", "--free", "--label", tok.label, "--pin", tok.pin, "--so-pin", "5678-so")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return tok
}

// openEngine opens an engine on tok and closes it at the end of the test.
func openEngine(t testing.TB, tok testToken) *pkcs11.Engine {
	t.Helper()
	e, err := pkcs11.Open(context.Background(), tok.config())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}
