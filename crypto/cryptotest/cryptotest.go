package cryptotest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/ocmw/wstack/crypto"
)

// Run runs the suite. newEngine must return a fresh, empty engine each call;
// the suite closes nothing, so register cleanups in newEngine.
func Run(t *testing.T, newEngine func(t *testing.T) crypto.Engine) {
	t.Helper()
	t.Run("SignVerifyPerAlgorithm", func(t *testing.T) { testSignVerify(t, newEngine(t)) })
	t.Run("Rotation", func(t *testing.T) { testRotation(t, newEngine(t)) })
	t.Run("NamespaceIsolation", func(t *testing.T) { testIsolation(t, newEngine(t)) })
	t.Run("ListFilter", func(t *testing.T) { testList(t, newEngine(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newEngine(t)) })
	t.Run("Encryption", func(t *testing.T) { testEncryption(t, newEngine(t)) })
	t.Run("TypedErrors", func(t *testing.T) { testErrors(t, newEngine(t)) })
	t.Run("HashAndRandom", func(t *testing.T) { testHashRandom(t, newEngine(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newEngine(t)) })
	t.Run("Namespaces", func(t *testing.T) { testNamespaces(t, newEngine(t)) })
}

var ctx = context.Background()

func ref(ns, group, id string) crypto.KeyRef {
	return crypto.KeyRef{Context: crypto.Context{Namespace: ns, Group: group}, ID: id}
}

func supports(e crypto.Engine, t crypto.KeyType) bool {
	for _, s := range e.SupportedKeyTypes() {
		if s == t {
			return true
		}
	}
	return false
}

// signingTypes are the asymmetric types the suite exercises when supported.
// RSA is tested at 2048 bits only, to keep key generation cheap.
var signingTypes = []crypto.KeyType{crypto.KeyTypeECP256, crypto.KeyTypeECP384, crypto.KeyTypeEd25519, crypto.KeyTypeRSA2048}

func checkPublicOnly(t *testing.T, k *crypto.Key) {
	t.Helper()
	switch k.Public.(type) {
	case *ecdsa.PrivateKey, ed25519.PrivateKey, *rsa.PrivateKey:
		t.Fatalf("engine exposed private key material in Key.Public (%T)", k.Public)
	}
}

// independentVerify re-derives the public key from the JWK JSON and verifies.
func independentVerify(t *testing.T, k *crypto.Key, alg crypto.Algorithm, msg, sig []byte) error {
	t.Helper()
	m, err := k.JWK()
	if err != nil {
		t.Fatalf("JWK: %v", err)
	}
	if m["kid"] != k.KID || k.KID == "" {
		t.Fatalf("JWK kid %v, key kid %q", m["kid"], k.KID)
	}
	raw, _ := json.Marshal(m)
	pub, err := crypto.ParsePublicJWK(raw)
	if err != nil {
		t.Fatalf("JWK does not parse back: %v", err)
	}
	return crypto.VerifySignature(pub, alg, msg, sig)
}

func testSignVerify(t *testing.T, e crypto.Engine) {
	for _, kt := range signingTypes {
		if !supports(e, kt) {
			continue
		}
		t.Run(string(kt), func(t *testing.T) {
			r := ref("tenant-a", "signing", "k-"+string(kt))
			k, err := e.GenerateKey(ctx, r, crypto.KeySpec{Type: kt})
			if err != nil {
				t.Fatalf("GenerateKey: %v", err)
			}
			checkPublicOnly(t, k)
			if k.Version != 1 || k.Type != kt || k.Ref != r {
				t.Fatalf("unexpected key %+v", k)
			}
			tp, err := crypto.Thumbprint(k.Public)
			if err != nil || tp != k.KID {
				t.Fatalf("kid %q is not the RFC 7638 thumbprint %q (%v)", k.KID, tp, err)
			}
			got, err := e.GetKey(ctx, r)
			if err != nil || got.KID != k.KID {
				t.Fatalf("GetKey: %v %v", got, err)
			}
			msg := []byte("wstack conformance message")
			for _, alg := range kt.Algorithms() {
				sig, err := e.Sign(ctx, r, alg, msg)
				if err != nil {
					t.Fatalf("Sign %s: %v", alg, err)
				}
				if err := independentVerify(t, k, alg, msg, sig); err != nil {
					t.Fatalf("%s signature does not verify through the public JWK: %v", alg, err)
				}
				if err := e.Verify(ctx, r, alg, msg, sig); err != nil {
					t.Fatalf("engine Verify %s: %v", alg, err)
				}
				bad := bytes.Clone(sig)
				bad[len(bad)/2] ^= 1
				if err := e.Verify(ctx, r, alg, msg, bad); !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Fatalf("tampered %s signature: got %v", alg, err)
				}
				if err := e.Verify(ctx, r, alg, []byte("other"), sig); !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Fatalf("%s signature over other message: got %v", alg, err)
				}
				if alg != crypto.EdDSA {
					h := alg.Hash().New()
					h.Write(msg)
					sig2, err := e.SignDigest(ctx, r, alg, h.Sum(nil))
					if err != nil {
						t.Fatalf("SignDigest %s: %v", alg, err)
					}
					if err := independentVerify(t, k, alg, msg, sig2); err != nil {
						t.Fatalf("SignDigest %s does not verify: %v", alg, err)
					}
				}
			}
		})
	}
}

func testRotation(t *testing.T, e crypto.Engine) {
	kt := crypto.KeyTypeECP256
	if !supports(e, kt) {
		kt = e.SupportedKeyTypes()[0]
	}
	alg := kt.Algorithms()[0]
	r := ref("tenant-a", "rot", "rotating")
	k1, err := e.GenerateKey(ctx, r, crypto.KeySpec{Type: kt})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("before rotation")
	sig1, err := e.Sign(ctx, r, alg, msg)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := e.RotateKey(ctx, r)
	if err != nil {
		t.Fatalf("RotateKey: %v", err)
	}
	if k2.Version != 2 || k2.KID == k1.KID {
		t.Fatalf("rotated key: version %d kid %q (old %q)", k2.Version, k2.KID, k1.KID)
	}
	cur, err := e.GetKey(ctx, r)
	if err != nil || cur.Version != 2 || cur.KID != k2.KID {
		t.Fatalf("GetKey after rotation: %+v %v", cur, err)
	}
	if err := e.Verify(ctx, r, alg, msg, sig1); err != nil {
		t.Fatalf("old-version signature no longer verifies: %v", err)
	}
	sig2, err := e.Sign(ctx, r, alg, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := independentVerify(t, k2, alg, msg, sig2); err != nil {
		t.Fatalf("new signature is not by version 2: %v", err)
	}
	if err := independentVerify(t, k1, alg, msg, sig2); err == nil {
		t.Fatalf("new signature verifies under version 1: rotation did not change the key")
	}
	vs, err := e.KeyVersions(ctx, r)
	if err != nil || len(vs) != 2 || vs[0].KID != k1.KID || vs[1].KID != k2.KID {
		t.Fatalf("KeyVersions: %v %v", vs, err)
	}
	// Named kids are versioned.
	rn := ref("tenant-a", "rot", "named")
	kn, err := e.GenerateKey(ctx, rn, crypto.KeySpec{Type: kt, KID: "issuer-key"})
	if err != nil {
		t.Fatal(err)
	}
	kn2, err := e.RotateKey(ctx, rn)
	if err != nil {
		t.Fatal(err)
	}
	if kn.KID != "issuer-key" || kn2.KID != "issuer-key.v2" {
		t.Fatalf("named kids: %q, %q", kn.KID, kn2.KID)
	}
}

func testIsolation(t *testing.T, e crypto.Engine) {
	kt := e.SupportedKeyTypes()[0]
	ra := ref("tenant-a", "g", "shared-name")
	if _, err := e.GenerateKey(ctx, ra, crypto.KeySpec{Type: kt}); err != nil {
		t.Fatal(err)
	}
	for _, other := range []crypto.KeyRef{ref("tenant-b", "g", "shared-name"), ref("tenant-a", "h", "shared-name"), ref("tenant-a", "", "shared-name")} {
		if _, err := e.GetKey(ctx, other); !errors.Is(err, crypto.ErrKeyNotFound) {
			t.Fatalf("key visible from %s: %v", other, err)
		}
		if !kt.Symmetric() {
			if _, err := e.Sign(ctx, other, kt.Algorithms()[0], []byte("x")); !errors.Is(err, crypto.ErrKeyNotFound) {
				t.Fatalf("sign from %s: %v", other, err)
			}
		}
	}
	ks, err := e.ListKeys(ctx, crypto.Filter{Context: crypto.Context{Namespace: "tenant-b"}})
	if err != nil || len(ks) != 0 {
		t.Fatalf("tenant-b lists %d keys (%v)", len(ks), err)
	}
	// The same name in another namespace is a different key.
	rb := ref("tenant-b", "g", "shared-name")
	if _, err := e.GenerateKey(ctx, rb, crypto.KeySpec{Type: kt}); err != nil {
		t.Fatalf("same id in another namespace: %v", err)
	}
	if err := e.DeleteKey(ctx, rb); err != nil {
		t.Fatal(err)
	}
	if _, err := e.GetKey(ctx, ra); err != nil {
		t.Fatalf("deleting tenant-b's key removed tenant-a's: %v", err)
	}
}

func testList(t *testing.T, e crypto.Engine) {
	types := e.SupportedKeyTypes()
	kt := types[0]
	for _, id := range []string{"issuer-1", "issuer-2", "holder-1"} {
		if _, err := e.GenerateKey(ctx, ref("ns", "g1", id), crypto.KeySpec{Type: kt}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.GenerateKey(ctx, ref("ns", "g2", "issuer-3"), crypto.KeySpec{Type: kt}); err != nil {
		t.Fatal(err)
	}
	all, err := e.ListKeys(ctx, crypto.Filter{Context: crypto.Context{Namespace: "ns"}})
	if err != nil || len(all) != 4 {
		t.Fatalf("list all: %d %v", len(all), err)
	}
	g1, _ := e.ListKeys(ctx, crypto.Filter{Context: crypto.Context{Namespace: "ns", Group: "g1"}})
	if len(g1) != 3 {
		t.Fatalf("group filter: %d", len(g1))
	}
	is, _ := e.ListKeys(ctx, crypto.Filter{Context: crypto.Context{Namespace: "ns"}, IDPattern: regexp.MustCompile(`^issuer-`)})
	if len(is) != 3 {
		t.Fatalf("regexp filter: %d", len(is))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Ref.String() > all[i].Ref.String() {
			t.Fatalf("ListKeys not ordered")
		}
	}
	var other crypto.KeyType
	for _, ty := range types {
		if ty != kt {
			other = ty
		}
	}
	if other != "" {
		none, _ := e.ListKeys(ctx, crypto.Filter{Context: crypto.Context{Namespace: "ns"}, Type: other})
		if len(none) != 0 {
			t.Fatalf("type filter: %d", len(none))
		}
	}
}

func testDelete(t *testing.T, e crypto.Engine) {
	kt := e.SupportedKeyTypes()[0]
	r := ref("ns", "g", "to-delete")
	if _, err := e.GenerateKey(ctx, r, crypto.KeySpec{Type: kt}); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteKey(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := e.GetKey(ctx, r); !errors.Is(err, crypto.ErrKeyNotFound) {
		t.Fatalf("GetKey after delete: %v", err)
	}
	if err := e.DeleteKey(ctx, r); !errors.Is(err, crypto.ErrKeyNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := e.GenerateKey(ctx, r, crypto.KeySpec{Type: kt}); err != nil {
		t.Fatalf("re-create after delete: %v", err)
	}
}

func testEncryption(t *testing.T, e crypto.Engine) {
	if !supports(e, crypto.KeyTypeAES256GCM) {
		t.Skip("engine does not support AES-256-GCM")
	}
	r := ref("ns", "storage", "account-1")
	if _, err := e.GenerateKey(ctx, r, crypto.KeySpec{Type: crypto.KeyTypeAES256GCM}); err != nil {
		t.Fatal(err)
	}
	pt := []byte(`{"credential":"secret"}`)
	aad := []byte("account-1")
	ct1, err := e.Encrypt(ctx, r, pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct1, pt) {
		t.Fatal("ciphertext contains the plaintext")
	}
	if _, err := e.RotateKey(ctx, r); err != nil {
		t.Fatal(err)
	}
	ct2, err := e.Encrypt(ctx, r, pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	for i, ct := range [][]byte{ct1, ct2} {
		got, err := e.Decrypt(ctx, r, ct, aad)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("decrypt %d after rotation: %q %v", i, got, err)
		}
	}
	if _, err := e.Decrypt(ctx, r, ct1, []byte("other aad")); !errors.Is(err, crypto.ErrDecrypt) {
		t.Fatalf("wrong aad: %v", err)
	}
	bad := bytes.Clone(ct2)
	bad[len(bad)-1] ^= 1
	if _, err := e.Decrypt(ctx, r, bad, aad); !errors.Is(err, crypto.ErrDecrypt) {
		t.Fatalf("tampered ciphertext: %v", err)
	}
	if _, err := e.Decrypt(ctx, r, []byte{1, 2, 3}, aad); !errors.Is(err, crypto.ErrDecrypt) {
		t.Fatalf("short ciphertext: %v", err)
	}
	if _, err := e.Sign(ctx, r, crypto.ES256, pt); !errors.Is(err, crypto.ErrWrongKeyUse) {
		t.Fatalf("signing with an AES key: %v", err)
	}
	other := ref("ns2", "storage", "account-1")
	if _, err := e.Decrypt(ctx, other, ct1, aad); !errors.Is(err, crypto.ErrKeyNotFound) {
		t.Fatalf("decrypt from another namespace: %v", err)
	}
}

func testErrors(t *testing.T, e crypto.Engine) {
	kt := crypto.KeyTypeECP256
	if !supports(e, kt) {
		kt = e.SupportedKeyTypes()[0]
	}
	good := ref("ns", "g", "k")
	if _, err := e.GenerateKey(ctx, good, crypto.KeySpec{Type: kt}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"duplicate_generate", func() error { _, err := e.GenerateKey(ctx, good, crypto.KeySpec{Type: kt}); return err }(), crypto.ErrKeyExists},
		{"unknown_key_type", func() error {
			_, err := e.GenerateKey(ctx, ref("ns", "g", "x"), crypto.KeySpec{Type: "dsa-1024"})
			return err
		}(), crypto.ErrUnsupportedKeyType},
		{"missing_key", func() error { _, err := e.GetKey(ctx, ref("ns", "g", "missing")); return err }(), crypto.ErrKeyNotFound},
		{"row16_kid_path_traversal", func() error { _, err := e.GetKey(ctx, ref("ns", "g", "../../dev/null")); return err }(), crypto.ErrInvalidKeyID},
		{"row16_kid_sql_injection", func() error { _, err := e.GetKey(ctx, ref("ns", "g", "' UNION SELECT 1--")); return err }(), crypto.ErrInvalidKeyID},
		{"row16_kid_url", func() error { _, err := e.GetKey(ctx, ref("ns", "g", "https://evil.example/k")); return err }(), crypto.ErrInvalidKeyID},
		{"row16_namespace_traversal", func() error { _, err := e.GetKey(ctx, ref("..", "g", "k")); return err }(), crypto.ErrInvalidContext},
		{"empty_namespace", func() error { _, err := e.GetKey(ctx, ref("", "g", "k")); return err }(), crypto.ErrInvalidContext},
		{"alg_none", func() error { _, err := e.Sign(ctx, good, "none", []byte("x")); return err }(), crypto.ErrUnsupportedAlgorithm},
		{"alg_hs256", func() error { _, err := e.Sign(ctx, good, "HS256", []byte("x")); return err }(), crypto.ErrUnsupportedAlgorithm},
		{"alg_wrong_for_key", func() error { _, err := e.Sign(ctx, good, crypto.RS256, []byte("x")); return err }(), crypto.ErrUnsupportedAlgorithm},
		{"digest_wrong_length", func() error {
			if kt == crypto.KeyTypeEd25519 {
				return crypto.ErrUnsupportedAlgorithm
			}
			_, err := e.SignDigest(ctx, good, kt.Algorithms()[0], []byte("short"))
			return err
		}(), crypto.ErrUnsupportedAlgorithm},
		{"encrypt_with_signing_key", func() error { _, err := e.Encrypt(ctx, good, []byte("x"), nil); return err }(), crypto.ErrWrongKeyUse},
		{"unknown_hash", func() error { _, err := e.Hash(ctx, "md5", []byte("x")); return err }(), crypto.ErrUnsupportedAlgorithm},
		{"rotate_missing", func() error { _, err := e.RotateKey(ctx, ref("ns", "g", "missing")); return err }(), crypto.ErrKeyNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, c.want) {
				t.Fatalf("got %v, want %v", c.err, c.want)
			}
		})
	}
}

func testHashRandom(t *testing.T, e crypto.Engine) {
	sizes := map[crypto.HashAlgorithm]int{crypto.SHA256: 32, crypto.SHA384: 48, crypto.SHA512: 64, crypto.SHA3_256: 32, crypto.SHA3_384: 48, crypto.SHA3_512: 64}
	for _, h := range e.SupportedHashAlgorithms() {
		d, err := e.Hash(ctx, h, []byte("abc"))
		if err != nil || len(d) != sizes[h] {
			t.Fatalf("Hash %s: %d bytes, %v", h, len(d), err)
		}
	}
	// SHA-256("abc"), FIPS 180-2 appendix B.1.
	d, err := e.Hash(ctx, crypto.SHA256, []byte("abc"))
	if err != nil || fmt.Sprintf("%x", d) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("SHA-256 test vector: %x %v", d, err)
	}
	a, err := e.Random(ctx, 32)
	if err != nil || len(a) != 32 {
		t.Fatalf("Random: %v", err)
	}
	b, _ := e.Random(ctx, 32)
	if bytes.Equal(a, b) {
		t.Fatal("Random returned the same bytes twice")
	}
}

func testConcurrent(t *testing.T, e crypto.Engine) {
	kt := crypto.KeyTypeECP256
	if !supports(e, kt) {
		kt = e.SupportedKeyTypes()[0]
	}
	alg := kt.Algorithms()[0]
	shared := ref("ns", "conc", "shared")
	if _, err := e.GenerateKey(ctx, shared, crypto.KeySpec{Type: kt}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			own := ref("ns", "conc", fmt.Sprintf("own-%d", w))
			if _, err := e.GenerateKey(ctx, own, crypto.KeySpec{Type: kt}); err != nil {
				errs <- err
				return
			}
			for i := 0; i < 10; i++ {
				msg := []byte(fmt.Sprintf("m-%d-%d", w, i))
				for _, r := range []crypto.KeyRef{shared, own} {
					sig, err := e.Sign(ctx, r, alg, msg)
					if err != nil {
						errs <- err
						return
					}
					if err := e.Verify(ctx, r, alg, msg, sig); err != nil {
						errs <- err
						return
					}
				}
				if w == 0 && i == 5 {
					if _, err := e.RotateKey(ctx, shared); err != nil {
						errs <- err
						return
					}
				}
				if _, err := e.ListKeys(ctx, crypto.Filter{Context: crypto.Context{Namespace: "ns"}}); err != nil {
					errs <- err
					return
				}
			}
			if err := e.DeleteKey(ctx, own); err != nil {
				errs <- err
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// testNamespaces runs for engines implementing crypto.NamespaceLister.
func testNamespaces(t *testing.T, e crypto.Engine) {
	nl, ok := e.(crypto.NamespaceLister)
	if !ok {
		t.Skip("engine does not implement crypto.NamespaceLister")
	}
	got, err := nl.Namespaces(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("empty engine: %v %v", got, err)
	}
	kt := e.SupportedKeyTypes()[0]
	for _, r := range []crypto.KeyRef{ref("ns-b", "g", "k1"), ref("ns-a", "g", "k1"), ref("ns-a", "h", "k2")} {
		if _, err := e.GenerateKey(ctx, r, crypto.KeySpec{Type: kt}); err != nil {
			t.Fatal(err)
		}
	}
	got, err = nl.Namespaces(ctx)
	if err != nil || fmt.Sprint(got) != "[ns-a ns-b]" {
		t.Fatalf("Namespaces = %v %v, want [ns-a ns-b]", got, err)
	}
	if err := e.DeleteKey(ctx, ref("ns-b", "g", "k1")); err != nil {
		t.Fatal(err)
	}
	got, err = nl.Namespaces(ctx)
	if err != nil || fmt.Sprint(got) != "[ns-a]" {
		t.Fatalf("Namespaces after deleting ns-b's only key = %v %v, want [ns-a]", got, err)
	}
}
