package local_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/cryptotest"
	"github.com/ocmw/wstack/crypto/local"
)

func TestConformance(t *testing.T) {
	cryptotest.Run(t, func(t *testing.T) crypto.Engine {
		e, err := local.New(local.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	})
}

func TestConformancePersisted(t *testing.T) {
	cryptotest.Run(t, func(t *testing.T) crypto.Engine {
		e, err := local.New(local.Options{Path: filepath.Join(t.TempDir(), "keys.json"), Passphrase: []byte("correct horse")})
		if err != nil {
			t.Fatal(err)
		}
		return e
	})
}

func TestPersistenceSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.json")
	pass := []byte("correct horse battery staple")
	e, err := local.New(local.Options{Path: path, Passphrase: pass})
	if err != nil {
		t.Fatal(err)
	}
	sigRef := crypto.KeyRef{Context: crypto.Context{Namespace: "t1", Group: "issuer"}, ID: "signing"}
	encRef := crypto.KeyRef{Context: crypto.Context{Namespace: "t1", Group: "storage"}, ID: "acct"}
	k1, err := e.GenerateKey(ctx, sigRef, crypto.KeySpec{Type: crypto.KeyTypeEd25519})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := e.RotateKey(ctx, sigRef)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.GenerateKey(ctx, encRef, crypto.KeySpec{Type: crypto.KeyTypeAES256GCM}); err != nil {
		t.Fatal(err)
	}
	ct, err := e.Encrypt(ctx, encRef, []byte("stored credential"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := e.Sign(ctx, sigRef, crypto.EdDSA, []byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if len(raw) == 0 {
		t.Fatal("nothing persisted")
	}
	e.Close()

	e2, err := local.New(local.Options{Path: path, Passphrase: pass})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	vs, err := e2.KeyVersions(ctx, sigRef)
	if err != nil || len(vs) != 2 || vs[0].KID != k1.KID || vs[1].KID != k2.KID {
		t.Fatalf("versions after restart: %v %v", vs, err)
	}
	if err := e2.Verify(ctx, sigRef, crypto.EdDSA, []byte("m"), sig); err != nil {
		t.Fatalf("signature by restored key: %v", err)
	}
	pt, err := e2.Decrypt(ctx, encRef, ct, nil)
	if err != nil || string(pt) != "stored credential" {
		t.Fatalf("decrypt after restart: %q %v", pt, err)
	}
	if _, err := local.New(local.Options{Path: path, Passphrase: []byte("wrong")}); !errors.Is(err, local.ErrBadPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	// A corrupt file is an error, not an empty engine.
	if err := os.WriteFile(path, raw[:len(raw)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := local.New(local.Options{Path: path, Passphrase: pass}); !errors.Is(err, local.ErrBadPassphrase) {
		t.Fatalf("corrupt file: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %d entries", len(entries))
	}
}
