package crypto

import (
	"context"
	gocrypto "crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"
)

// Errors reported by a Guarded engine.
var (
	ErrEnginePanic      = errors.New("crypto: engine panicked")
	ErrEngineTimeout    = errors.New("crypto: engine call timed out")
	ErrEngineMisbehaved = errors.New("crypto: engine returned an invalid result")
)

// GuardOptions configure Guarded.
type GuardOptions struct {
	// Timeout bounds every call whose context has no earlier deadline
	// (default 10 s).
	Timeout time.Duration
	// VerifySignatures re-verifies every signature against the key's public
	// part before returning it (catches engines that sign with the wrong key).
	VerifySignatures bool
}

// Guarded wraps an engine that wstack does not control (a plugin, a remote
// KMS client) so that its failures stay failures: a panic becomes
// ErrEnginePanic, a hang ends at the deadline with ErrEngineTimeout, and
// results that break the Engine contract — private key material in
// Key.Public, DER instead of raw r‖s, a signature of the wrong size or by
// the wrong key — become ErrEngineMisbehaved.
func Guarded(e Engine, o GuardOptions) Engine {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return &guarded{e: e, o: o}
}

type guarded struct {
	e Engine
	o GuardOptions
}

// call runs f with panic recovery and a deadline. f keeps running in its own
// goroutine after a timeout (Go cannot stop it); its result is discarded.
func call[T any](ctx context.Context, g *guarded, f func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.o.Timeout)
		defer cancel()
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- result{err: fmt.Errorf("%w: %v", ErrEnginePanic, r)}
			}
		}()
		v, err := f(ctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, fmt.Errorf("%w: %w", ErrEngineTimeout, ctx.Err())
	}
}

func checkKey(k *Key) (*Key, error) {
	if k == nil {
		return nil, fmt.Errorf("%w: nil key", ErrEngineMisbehaved)
	}
	switch k.Public.(type) {
	case *ecdsa.PrivateKey, ed25519.PrivateKey, *rsa.PrivateKey, gocrypto.Signer, gocrypto.Decrypter:
		return nil, fmt.Errorf("%w: private key material in Key.Public", ErrEngineMisbehaved)
	}
	if !k.Type.Symmetric() {
		t, err := KeyTypeOf(k.Public)
		if err != nil || (t != k.Type && !(isRSA(t) && isRSA(k.Type))) {
			return nil, fmt.Errorf("%w: public key does not match type %s", ErrEngineMisbehaved, k.Type)
		}
	}
	return k, nil
}

func isRSA(t KeyType) bool {
	return t == KeyTypeRSA2048 || t == KeyTypeRSA3072 || t == KeyTypeRSA4096
}

func checkKeys(ks []*Key, err error) ([]*Key, error) {
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		if _, err := checkKey(k); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

func (g *guarded) GenerateKey(ctx context.Context, ref KeyRef, spec KeySpec) (*Key, error) {
	k, err := call(ctx, g, func(ctx context.Context) (*Key, error) { return g.e.GenerateKey(ctx, ref, spec) })
	if err != nil {
		return nil, err
	}
	return checkKey(k)
}

func (g *guarded) GetKey(ctx context.Context, ref KeyRef) (*Key, error) {
	k, err := call(ctx, g, func(ctx context.Context) (*Key, error) { return g.e.GetKey(ctx, ref) })
	if err != nil {
		return nil, err
	}
	return checkKey(k)
}

func (g *guarded) KeyVersions(ctx context.Context, ref KeyRef) ([]*Key, error) {
	return checkKeys(call(ctx, g, func(ctx context.Context) ([]*Key, error) { return g.e.KeyVersions(ctx, ref) }))
}

func (g *guarded) ListKeys(ctx context.Context, f Filter) ([]*Key, error) {
	return checkKeys(call(ctx, g, func(ctx context.Context) ([]*Key, error) { return g.e.ListKeys(ctx, f) }))
}

func (g *guarded) RotateKey(ctx context.Context, ref KeyRef) (*Key, error) {
	k, err := call(ctx, g, func(ctx context.Context) (*Key, error) { return g.e.RotateKey(ctx, ref) })
	if err != nil {
		return nil, err
	}
	return checkKey(k)
}

func (g *guarded) DeleteKey(ctx context.Context, ref KeyRef) error {
	_, err := call(ctx, g, func(ctx context.Context) (struct{}, error) { return struct{}{}, g.e.DeleteKey(ctx, ref) })
	return err
}

func (g *guarded) checkSig(ctx context.Context, ref KeyRef, alg Algorithm, msg, digest, sig []byte) ([]byte, error) {
	k, err := g.GetKey(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := CheckSignAlgorithm(k.Type, alg); err != nil {
		return nil, err
	}
	want := 0
	switch pk := k.Public.(type) {
	case *ecdsa.PublicKey:
		want = 2 * ((pk.Curve.Params().BitSize + 7) / 8)
	case ed25519.PublicKey:
		want = ed25519.SignatureSize
	case *rsa.PublicKey:
		want = pk.Size()
	}
	if len(sig) != want {
		return nil, fmt.Errorf("%w: %s signature of %d bytes, want %d (DER instead of r||s?)", ErrEngineMisbehaved, alg, len(sig), want)
	}
	if g.o.VerifySignatures {
		verify := func(pub gocrypto.PublicKey) error {
			if msg != nil {
				return VerifySignature(pub, alg, msg, sig)
			}
			return VerifyDigest(pub, alg, digest, sig)
		}
		if err := verify(k.Public); err != nil {
			// A rotation between signing and GetKey: accept a signature by
			// any version of the key.
			vs, verr := g.KeyVersions(ctx, ref)
			ok := false
			for _, v := range vs {
				if verr == nil && verify(v.Public) == nil {
					ok = true
					break
				}
			}
			if !ok {
				return nil, fmt.Errorf("%w: signature does not verify under the key's public part", ErrEngineMisbehaved)
			}
		}
	}
	return sig, nil
}

func (g *guarded) Sign(ctx context.Context, ref KeyRef, alg Algorithm, message []byte) ([]byte, error) {
	sig, err := call(ctx, g, func(ctx context.Context) ([]byte, error) { return g.e.Sign(ctx, ref, alg, message) })
	if err != nil {
		return nil, err
	}
	if message == nil {
		message = []byte{}
	}
	return g.checkSig(ctx, ref, alg, message, nil, sig)
}

func (g *guarded) SignDigest(ctx context.Context, ref KeyRef, alg Algorithm, digest []byte) ([]byte, error) {
	sig, err := call(ctx, g, func(ctx context.Context) ([]byte, error) { return g.e.SignDigest(ctx, ref, alg, digest) })
	if err != nil {
		return nil, err
	}
	return g.checkSig(ctx, ref, alg, nil, digest, sig)
}

func (g *guarded) Verify(ctx context.Context, ref KeyRef, alg Algorithm, message, sig []byte) error {
	_, err := call(ctx, g, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, g.e.Verify(ctx, ref, alg, message, sig)
	})
	return err
}

func (g *guarded) Encrypt(ctx context.Context, ref KeyRef, plaintext, aad []byte) ([]byte, error) {
	return call(ctx, g, func(ctx context.Context) ([]byte, error) { return g.e.Encrypt(ctx, ref, plaintext, aad) })
}

func (g *guarded) Decrypt(ctx context.Context, ref KeyRef, ciphertext, aad []byte) ([]byte, error) {
	return call(ctx, g, func(ctx context.Context) ([]byte, error) { return g.e.Decrypt(ctx, ref, ciphertext, aad) })
}

func (g *guarded) Random(ctx context.Context, n int) ([]byte, error) {
	b, err := call(ctx, g, func(ctx context.Context) ([]byte, error) { return g.e.Random(ctx, n) })
	if err == nil && len(b) != n {
		return nil, fmt.Errorf("%w: %d random bytes, want %d", ErrEngineMisbehaved, len(b), n)
	}
	return b, err
}

func (g *guarded) Hash(ctx context.Context, alg HashAlgorithm, data []byte) ([]byte, error) {
	return call(ctx, g, func(ctx context.Context) ([]byte, error) { return g.e.Hash(ctx, alg, data) })
}

func (g *guarded) SupportedKeyTypes() []KeyType { return g.e.SupportedKeyTypes() }

func (g *guarded) SupportedHashAlgorithms() []HashAlgorithm { return g.e.SupportedHashAlgorithms() }
