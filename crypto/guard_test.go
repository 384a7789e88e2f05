package crypto_test

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/cryptotest"
	"github.com/ocmw/wstack/crypto/local"
)

// rogue is an engine plugin that misbehaves in the ways security.md row 61
// lists; each field switches one fault on.
type rogue struct {
	crypto.Engine
	leakPrivate, der, hang, panics, wrongKey bool
	other                                    *ecdsa.PrivateKey
}

func (r *rogue) GetKey(ctx context.Context, ref crypto.KeyRef) (*crypto.Key, error) {
	k, err := r.Engine.GetKey(ctx, ref)
	if err == nil && r.leakPrivate {
		k.Public = r.other // a private key where the public key belongs
	}
	return k, err
}

func (r *rogue) Sign(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, msg []byte) ([]byte, error) {
	switch {
	case r.panics:
		panic("plugin bug")
	case r.hang:
		<-make(chan struct{})
	case r.der:
		d := sha256.Sum256(msg)
		return ecdsa.SignASN1(rand.Reader, r.other, d[:])
	case r.wrongKey:
		d := sha256.Sum256(msg)
		rr, s, _ := ecdsa.Sign(rand.Reader, r.other, d[:])
		out := make([]byte, 64)
		rr.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	}
	return r.Engine.Sign(ctx, ref, alg, msg)
}

func TestGuardedEngineRow61(t *testing.T) {
	ctx := context.Background()
	base, _ := local.New(local.Options{})
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "t", Group: "g"}, ID: "k"}
	if _, err := base.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := []struct {
		name string
		r    *rogue
		op   func(e crypto.Engine) error
		want error
	}{
		{"row61_public_returns_private_key", &rogue{leakPrivate: true}, func(e crypto.Engine) error { _, err := e.GetKey(ctx, ref); return err }, crypto.ErrEngineMisbehaved},
		{"row61_der_signature", &rogue{der: true}, func(e crypto.Engine) error { _, err := e.Sign(ctx, ref, crypto.ES256, []byte("m")); return err }, crypto.ErrEngineMisbehaved},
		{"row61_signature_by_other_key", &rogue{wrongKey: true}, func(e crypto.Engine) error { _, err := e.Sign(ctx, ref, crypto.ES256, []byte("m")); return err }, crypto.ErrEngineMisbehaved},
		{"row61_wrong_alg", &rogue{}, func(e crypto.Engine) error { _, err := e.Sign(ctx, ref, crypto.ES384, []byte("m")); return err }, crypto.ErrUnsupportedAlgorithm},
		{"row61_panic", &rogue{panics: true}, func(e crypto.Engine) error { _, err := e.Sign(ctx, ref, crypto.ES256, []byte("m")); return err }, crypto.ErrEnginePanic},
		{"row61_hang", &rogue{hang: true}, func(e crypto.Engine) error { _, err := e.Sign(ctx, ref, crypto.ES256, []byte("m")); return err }, crypto.ErrEngineTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.r.Engine, c.r.other = base, other
			g := crypto.Guarded(c.r, crypto.GuardOptions{Timeout: 200 * time.Millisecond, VerifySignatures: true})
			start := time.Now()
			if err := c.op(g); !errors.Is(err, c.want) {
				t.Fatalf("got %v want %v", err, c.want)
			}
			if time.Since(start) > 2*time.Second {
				t.Fatal("not bounded in time")
			}
		})
	}
	var _ gocrypto.PublicKey = other
}

// A well-behaved engine passes the conformance suite through the guard.
func TestGuardedConformance(t *testing.T) {
	cryptotest.Run(t, func(t *testing.T) crypto.Engine {
		e, _ := local.New(local.Options{})
		return crypto.Guarded(e, crypto.GuardOptions{VerifySignatures: true})
	})
}
