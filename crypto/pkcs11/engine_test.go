package pkcs11_test

import (
	"bytes"
	"context"
	gocrypto "crypto"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	p11 "github.com/miekg/pkcs11"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/cryptotest"
	"github.com/ocmw/wstack/crypto/pkcs11"
)

var bg = context.Background()

func kref(ns, group, id string) crypto.KeyRef {
	return crypto.KeyRef{Context: crypto.Context{Namespace: ns, Group: group}, ID: id}
}

func TestConformance(t *testing.T) {
	cryptotest.Run(t, func(t *testing.T) crypto.Engine {
		return openEngine(t, newToken(t))
	})
}

// TestSupportedKeyTypes pins what Debian's SoftHSM2 2.6 offers, so a
// regression in mechanism probing (which would silently shrink the
// conformance run) fails here.
func TestSupportedKeyTypes(t *testing.T) {
	e := openEngine(t, newToken(t))
	got := e.SupportedKeyTypes()
	want := []crypto.KeyType{crypto.KeyTypeECP256, crypto.KeyTypeECP384, crypto.KeyTypeEd25519,
		crypto.KeyTypeRSA2048, crypto.KeyTypeRSA3072, crypto.KeyTypeRSA4096, crypto.KeyTypeAES256GCM}
	if !slices.Equal(got, want) {
		t.Fatalf("SupportedKeyTypes = %v, want %v", got, want)
	}
}

// TestRestart closes the engine and opens a new one on the same token: every
// key, version, kid and creation time is still there, old signatures verify
// and old ciphertexts decrypt.
func TestRestart(t *testing.T) {
	tok := newToken(t)
	e1, err := pkcs11.Open(bg, tok.config())
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("signed before the restart")
	type saved struct {
		ref  crypto.KeyRef
		vers []*crypto.Key
		sigs map[crypto.Algorithm][]byte
		ct   []byte
	}
	var all []saved
	for i, kt := range e1.SupportedKeyTypes() {
		if kt == crypto.KeyTypeRSA3072 || kt == crypto.KeyTypeRSA4096 {
			continue // slow to generate; RSA is covered at 2048 bits
		}
		r := kref("tenant-r", "g", "key-"+string(kt))
		spec := crypto.KeySpec{Type: kt}
		if i%2 == 1 {
			spec.KID = "named-" + string(kt)
		}
		if _, err := e1.GenerateKey(bg, r, spec); err != nil {
			t.Fatalf("GenerateKey %s: %v", kt, err)
		}
		s := saved{ref: r, sigs: map[crypto.Algorithm][]byte{}}
		if kt.Symmetric() {
			if s.ct, err = e1.Encrypt(bg, r, msg, []byte("aad")); err != nil {
				t.Fatal(err)
			}
		} else {
			for _, alg := range kt.Algorithms() {
				if s.sigs[alg], err = e1.Sign(bg, r, alg, msg); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := e1.RotateKey(bg, r); err != nil {
			t.Fatalf("RotateKey %s: %v", kt, err)
		}
		if s.vers, err = e1.KeyVersions(bg, r); err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	if err := e1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := e1.GetKey(bg, all[0].ref); !errors.Is(err, crypto.ErrEngineClosed) {
		t.Fatalf("GetKey on a closed engine: %v", err)
	}

	e2 := openEngine(t, tok)
	listed, err := e2.ListKeys(bg, crypto.Filter{Context: crypto.Context{Namespace: "tenant-r"}})
	if err != nil || len(listed) != len(all) {
		t.Fatalf("ListKeys after restart: %d keys, %v (want %d)", len(listed), err, len(all))
	}
	for _, s := range all {
		vers, err := e2.KeyVersions(bg, s.ref)
		if err != nil {
			t.Fatalf("%s after restart: %v", s.ref, err)
		}
		if len(vers) != len(s.vers) {
			t.Fatalf("%s: %d versions after restart, want %d", s.ref, len(vers), len(s.vers))
		}
		for i, v := range vers {
			w := s.vers[i]
			if v.KID != w.KID || v.Version != w.Version || v.Type != w.Type || v.Ref != w.Ref || !v.CreatedAt.Equal(w.CreatedAt) {
				t.Fatalf("%s version %d after restart: %+v, want %+v", s.ref, i+1, v, w)
			}
			if w.Public != nil && !w.Public.(interface{ Equal(gocrypto.PublicKey) bool }).Equal(v.Public) {
				t.Fatalf("%s version %d: public key changed across the restart", s.ref, i+1)
			}
		}
		for alg, sig := range s.sigs {
			if err := e2.Verify(bg, s.ref, alg, msg, sig); err != nil {
				t.Fatalf("%s: version-1 %s signature after restart: %v", s.ref, alg, err)
			}
			sig2, err := e2.Sign(bg, s.ref, alg, msg)
			if err != nil {
				t.Fatalf("%s: sign after restart: %v", s.ref, err)
			}
			if err := crypto.VerifySignature(vers[1].Public, alg, msg, sig2); err != nil {
				t.Fatalf("%s: signature after restart is not by version 2: %v", s.ref, err)
			}
		}
		if s.ct != nil {
			pt, err := e2.Decrypt(bg, s.ref, s.ct, []byte("aad"))
			if err != nil || !bytes.Equal(pt, msg) {
				t.Fatalf("%s: decrypt version-1 ciphertext after restart: %q %v", s.ref, pt, err)
			}
			ct2, err := e2.Encrypt(bg, s.ref, msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if pt, err := e2.Decrypt(bg, s.ref, ct2, nil); err != nil || !bytes.Equal(pt, msg) {
				t.Fatalf("%s: round trip after restart: %v", s.ref, err)
			}
		}
	}
	// Deletion is persistent too.
	if err := e2.DeleteKey(bg, all[0].ref); err != nil {
		t.Fatal(err)
	}
	if err := e2.Reload(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.GetKey(bg, all[0].ref); !errors.Is(err, crypto.ErrKeyNotFound) {
		t.Fatalf("deleted key after reload: %v", err)
	}
}

// TestTwoEngines opens two engines on one token, as two replicas of a
// service would: a key created through one is found by reference through
// the other, and listed there after Reload.
func TestTwoEngines(t *testing.T) {
	tok := newToken(t)
	a := openEngine(t, tok)
	b := openEngine(t, tok)
	r := kref("shared", "g", "k")
	k, err := a.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.GetKey(bg, r)
	if err != nil || got.KID != k.KID {
		t.Fatalf("key created by another engine: %+v %v", got, err)
	}
	sig, err := b.Sign(bg, r, crypto.ES256, []byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify(bg, r, crypto.ES256, []byte("m"), sig); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GenerateKey(bg, r, crypto.KeySpec{Type: crypto.KeyTypeECP256}); !errors.Is(err, crypto.ErrKeyExists) {
		t.Fatalf("generating a key another engine created: %v", err)
	}
	r2 := kref("shared", "g", "k2")
	if _, err := a.GenerateKey(bg, r2, crypto.KeySpec{Type: crypto.KeyTypeEd25519}); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(bg); err != nil {
		t.Fatal(err)
	}
	ks, err := b.ListKeys(bg, crypto.Filter{Context: crypto.Context{Namespace: "shared"}})
	if err != nil || len(ks) != 2 {
		t.Fatalf("ListKeys after Reload: %d %v", len(ks), err)
	}
}

// TestObjectAttributes reads the token objects back through a separate
// PKCS#11 handle: every object is a token object labelled with its context,
// private and secret keys are sensitive, never extractable and their values
// cannot be read.
func TestObjectAttributes(t *testing.T) {
	tok := newToken(t)
	e := openEngine(t, tok)
	types := e.SupportedKeyTypes()
	for _, kt := range types {
		if kt == crypto.KeyTypeRSA3072 || kt == crypto.KeyTypeRSA4096 {
			continue
		}
		if _, err := e.GenerateKey(bg, kref("ns", "attrs", string(kt)), crypto.KeySpec{Type: kt}); err != nil {
			t.Fatal(err)
		}
	}
	mod := p11.New(tok.module)
	if mod == nil {
		t.Fatal("cannot load module")
	}
	defer mod.Destroy() // the engine owns initialisation; no C_Finalize here
	if err := mod.Initialize(); err != nil && !errors.Is(err, p11.Error(p11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
		t.Fatal(err)
	}
	slots, err := mod.GetSlotList(true)
	if err != nil {
		t.Fatal(err)
	}
	var slot uint
	found := false
	for _, s := range slots {
		if ti, err := mod.GetTokenInfo(s); err == nil && ti.Label == tok.label {
			slot, found = s, true
		}
	}
	if !found {
		t.Fatal("token not found")
	}
	s, err := mod.OpenSession(slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer mod.CloseSession(s)
	for _, kt := range types {
		if kt == crypto.KeyTypeRSA3072 || kt == crypto.KeyTypeRSA4096 {
			continue
		}
		label := []byte("wstack/ns/attrs/" + string(kt))
		if err := mod.FindObjectsInit(s, []*p11.Attribute{p11.NewAttribute(p11.CKA_LABEL, label)}); err != nil {
			t.Fatal(err)
		}
		objs, _, err := mod.FindObjects(s, 16)
		mod.FindObjectsFinal(s)
		if err != nil {
			t.Fatal(err)
		}
		want := 2
		if kt.Symmetric() {
			want = 1
		}
		if len(objs) != want {
			t.Fatalf("%s: %d objects labelled %q, want %d", kt, len(objs), label, want)
		}
		secrets := 0
		for _, o := range objs {
			attrs, err := mod.GetAttributeValue(s, o, []*p11.Attribute{
				p11.NewAttribute(p11.CKA_CLASS, nil), p11.NewAttribute(p11.CKA_TOKEN, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if attrs[1].Value[0] != 1 {
				t.Fatalf("%s: session object, want a token object", kt)
			}
			class := attrs[0].Value[0]
			if class != p11.CKO_PRIVATE_KEY && class != p11.CKO_SECRET_KEY {
				continue
			}
			secrets++
			attrs, err = mod.GetAttributeValue(s, o, []*p11.Attribute{
				p11.NewAttribute(p11.CKA_SENSITIVE, nil), p11.NewAttribute(p11.CKA_EXTRACTABLE, nil),
				p11.NewAttribute(p11.CKA_ALWAYS_SENSITIVE, nil), p11.NewAttribute(p11.CKA_NEVER_EXTRACTABLE, nil),
				p11.NewAttribute(p11.CKA_PRIVATE, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if attrs[0].Value[0] != 1 || attrs[1].Value[0] != 0 || attrs[2].Value[0] != 1 || attrs[3].Value[0] != 1 || attrs[4].Value[0] != 1 {
				t.Fatalf("%s: sensitive/extractable/always-sensitive/never-extractable/private = %v %v %v %v %v",
					kt, attrs[0].Value, attrs[1].Value, attrs[2].Value, attrs[3].Value, attrs[4].Value)
			}
		}
		if secrets != 1 {
			t.Fatalf("%s: %d private objects", kt, secrets)
		}
	}
}

// TestConfigErrors covers the typed errors of Open.
func TestConfigErrors(t *testing.T) {
	tok := newToken(t)
	cases := []struct {
		name string
		cfg  pkcs11.Config
		want error
	}{
		{"no_module", pkcs11.Config{TokenLabel: "x"}, pkcs11.ErrConfig},
		{"no_token_selector", pkcs11.Config{Module: tok.module}, pkcs11.ErrConfig},
		{"two_token_selectors", pkcs11.Config{Module: tok.module, TokenLabel: "a", TokenSerial: "b"}, pkcs11.ErrConfig},
		{"missing_module", pkcs11.Config{Module: "/nonexistent/libpkcs11.so", TokenLabel: "x"}, pkcs11.ErrOpen},
		{"unknown_token", pkcs11.Config{Module: tok.module, TokenLabel: "no-such-token", PIN: tok.pin}, pkcs11.ErrOpen},
		{"wrong_pin", pkcs11.Config{Module: tok.module, TokenLabel: tok.label, PIN: "wrong"}, pkcs11.ErrOpen},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := pkcs11.Open(bg, c.cfg)
			if err == nil {
				e.Close()
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	// The engine still opens after the failures above released the module.
	openEngine(t, tok)
}

// TestBadInput covers security.md rows 16 and 61 at the engine boundary.
func TestBadInput(t *testing.T) {
	e := openEngine(t, newToken(t))
	good := kref("ns", "g", "k")
	if _, err := e.GenerateKey(bg, good, crypto.KeySpec{Type: crypto.KeyTypeECP256}); err != nil {
		t.Fatal(err)
	}
	expired, cancel := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel()
	cases := []struct {
		name string
		err  error
		want error
	}{
		// Row 16: kid injection never reaches the token search.
		{"row16_kid_path_traversal", func() error { _, err := e.GetKey(bg, kref("ns", "g", "../../dev/null")); return err }(), crypto.ErrInvalidKeyID},
		{"row16_kid_sql_injection", func() error {
			_, err := e.Sign(bg, kref("ns", "g", "' UNION SELECT 1--"), crypto.ES256, nil)
			return err
		}(), crypto.ErrInvalidKeyID},
		{"row16_kid_url", func() error { _, err := e.GetKey(bg, kref("ns", "g", "https://evil.example/k")); return err }(), crypto.ErrInvalidKeyID},
		{"row16_label_separator_in_group", func() error { _, err := e.GetKey(bg, kref("ns", "g/k", "x")); return err }(), crypto.ErrInvalidContext},
		{"row16_named_kid_with_space", func() error {
			_, err := e.GenerateKey(bg, kref("ns", "g", "n"), crypto.KeySpec{Type: crypto.KeyTypeECP256, KID: "a b"})
			return err
		}(), crypto.ErrInvalidKeyID},
		// Row 61: wrong algorithm for the key, deadline respected.
		{"row61_wrong_alg", func() error { _, err := e.Sign(bg, good, crypto.ES384, []byte("m")); return err }(), crypto.ErrUnsupportedAlgorithm},
		{"row61_eddsa_digest", func() error { _, err := e.SignDigest(bg, good, crypto.EdDSA, make([]byte, 32)); return err }(), crypto.ErrUnsupportedAlgorithm},
		{"row61_expired_deadline", func() error { _, err := e.Sign(expired, good, crypto.ES256, []byte("m")); return err }(), context.DeadlineExceeded},
		{"row61_der_signature_rejected", func() error {
			return e.Verify(bg, good, crypto.ES256, []byte("m"), append([]byte{0x30, 0x44, 0x02, 0x20}, make([]byte, 66)...))
		}(), crypto.ErrInvalidSignature},
		{"random_too_large", func() error { _, err := e.Random(bg, 1<<20+1); return err }(), pkcs11.ErrInput},
		{"random_negative", func() error { _, err := e.Random(bg, -1); return err }(), pkcs11.ErrInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, c.want) {
				t.Fatalf("got %v, want %v", c.err, c.want)
			}
		})
	}
}

// TestECDSASignatureForm checks that many ES256/ES384 signatures from the
// token are fixed-size r‖s (short r or s values are left-padded).
func TestECDSASignatureForm(t *testing.T) {
	e := openEngine(t, newToken(t))
	for _, c := range []struct {
		kt   crypto.KeyType
		alg  crypto.Algorithm
		size int
	}{{crypto.KeyTypeECP256, crypto.ES256, 64}, {crypto.KeyTypeECP384, crypto.ES384, 96}} {
		r := kref("ns", "form", string(c.kt))
		k, err := e.GenerateKey(bg, r, crypto.KeySpec{Type: c.kt})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 300; i++ {
			msg := []byte{byte(i), byte(i >> 8)}
			sig, err := e.Sign(bg, r, c.alg, msg)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != c.size {
				t.Fatalf("%s signature of %d bytes, want %d", c.alg, len(sig), c.size)
			}
			if err := crypto.VerifySignature(k.Public, c.alg, msg, sig); err != nil {
				t.Fatalf("%s signature %d: %v", c.alg, i, err)
			}
		}
	}
}

func TestRandomFromToken(t *testing.T) {
	e := openEngine(t, newToken(t))
	for _, n := range []int{0, 1, 33, 1 << 20} {
		b, err := e.Random(bg, n)
		if err != nil || len(b) != n {
			t.Fatalf("Random(%d): %d bytes, %v", n, len(b), err)
		}
	}
}

// TestDeletedByAnotherEngine: a key deleted on the token by another engine
// fails to sign with crypto.ErrKeyNotFound instead of an opaque token error,
// for crypto11-backed (ECDSA) and directly driven (Ed25519) keys.
func TestDeletedByAnotherEngine(t *testing.T) {
	tok := newToken(t)
	a := openEngine(t, tok)
	b := openEngine(t, tok)
	for _, c := range []struct {
		kt  crypto.KeyType
		alg crypto.Algorithm
	}{{crypto.KeyTypeECP256, crypto.ES256}, {crypto.KeyTypeEd25519, crypto.EdDSA}} {
		r := kref("ns", "gone", string(c.kt))
		if _, err := a.GenerateKey(bg, r, crypto.KeySpec{Type: c.kt}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Sign(bg, r, c.alg, []byte("m")); err != nil {
			t.Fatal(err)
		}
		if err := b.DeleteKey(bg, r); err != nil {
			t.Fatalf("delete through the other engine: %v", err)
		}
		if _, err := a.Sign(bg, r, c.alg, []byte("m")); !errors.Is(err, crypto.ErrKeyNotFound) {
			t.Fatalf("%s: sign with a deleted key: %v", c.kt, err)
		}
		if err := a.Reload(bg); err != nil {
			t.Fatal(err)
		}
		if _, err := a.GetKey(bg, r); !errors.Is(err, crypto.ErrKeyNotFound) {
			t.Fatalf("%s: GetKey after Reload: %v", c.kt, err)
		}
	}
}

// TestRSALargerModuli covers rsa-3072 and rsa-4096, which the conformance
// suite leaves out for speed, with every RSA algorithm.
func TestRSALargerModuli(t *testing.T) {
	if testing.Short() {
		t.Skip("RSA 3072/4096 key generation is slow; run without -short")
	}
	e := openEngine(t, newToken(t))
	msg := []byte("large modulus")
	for _, kt := range []crypto.KeyType{crypto.KeyTypeRSA3072, crypto.KeyTypeRSA4096} {
		r := kref("ns", "rsa", string(kt))
		k, err := e.GenerateKey(bg, r, crypto.KeySpec{Type: kt})
		if err != nil {
			t.Fatal(err)
		}
		for _, alg := range kt.Algorithms() {
			sig, err := e.Sign(bg, r, alg, msg)
			if err != nil {
				t.Fatalf("%s %s: %v", kt, alg, err)
			}
			if err := crypto.VerifySignature(k.Public, alg, msg, sig); err != nil {
				t.Fatalf("%s %s: %v", kt, alg, err)
			}
		}
	}
}

// TestConcurrentMixed runs Ed25519 signing (the engine's own session pool),
// AES-GCM (crypto11), rotation, Reload and deletion at the same time; run
// it under -race.
func TestConcurrentMixed(t *testing.T) {
	e := openEngine(t, newToken(t))
	ed := kref("ns", "mix", "ed")
	aes := kref("ns", "mix", "aes")
	for r, kt := range map[crypto.KeyRef]crypto.KeyType{ed: crypto.KeyTypeEd25519, aes: crypto.KeyTypeAES256GCM} {
		if _, err := e.GenerateKey(bg, r, crypto.KeySpec{Type: kt}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	errs := make(chan error, 32)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				msg := []byte(fmt.Sprintf("m-%d-%d", w, i))
				switch w % 4 {
				case 0:
					sig, err := e.Sign(ctx, ed, crypto.EdDSA, msg)
					if err == nil {
						err = e.Verify(ctx, ed, crypto.EdDSA, msg, sig)
					}
					if err != nil {
						errs <- fmt.Errorf("ed25519: %w", err)
						return
					}
				case 1:
					ct, err := e.Encrypt(ctx, aes, msg, nil)
					if err == nil {
						var pt []byte
						pt, err = e.Decrypt(ctx, aes, ct, nil)
						if err == nil && !bytes.Equal(pt, msg) {
							err = errors.New("round trip mismatch")
						}
					}
					if err != nil {
						errs <- fmt.Errorf("aes: %w", err)
						return
					}
				case 2:
					if i%5 == 0 {
						r := ed
						if w%8 == 2 {
							r = aes
						}
						if _, err := e.RotateKey(ctx, r); err != nil {
							errs <- fmt.Errorf("rotate: %w", err)
							return
						}
					}
					if i%7 == 0 {
						if err := e.Reload(ctx); err != nil {
							errs <- fmt.Errorf("reload: %w", err)
							return
						}
					}
				case 3:
					r := kref("ns", "mix", fmt.Sprintf("tmp-%d-%d", w, i))
					if _, err := e.GenerateKey(ctx, r, crypto.KeySpec{Type: crypto.KeyTypeEd25519}); err != nil {
						errs <- fmt.Errorf("generate: %w", err)
						return
					}
					if err := e.DeleteKey(ctx, r); err != nil {
						errs <- fmt.Errorf("delete: %w", err)
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ks, err := e.ListKeys(bg, crypto.Filter{Context: crypto.Context{Namespace: "ns", Group: "mix"}})
	if err != nil || len(ks) != 2 {
		t.Fatalf("after the run: %d keys, %v", len(ks), err)
	}
}
