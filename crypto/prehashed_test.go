package crypto_test

import (
	gocrypto "crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/ocmw/wstack/crypto"
)

// TestVerifyPrehashedAgreesWithVerifySignature: for every algorithm and key
// type (matching or not) and for good, mutated and mis-sized signatures,
// VerifyPrehashed over alg's hash of the message accepts exactly what
// VerifySignature accepts over the message, with the same error classes;
// EdDSA and digests of the wrong size are refused.
func TestVerifyPrehashedAgreesWithVerifySignature(t *testing.T) {
	msg := []byte("header.payload")
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	epub, epriv, _ := ed25519.GenerateKey(rand.Reader)
	sign := func(alg crypto.Algorithm, key any) []byte {
		h := alg.Hash().New()
		h.Write(msg)
		d := h.Sum(nil)
		switch k := key.(type) {
		case *ecdsa.PrivateKey:
			size := (k.Curve.Params().BitSize + 7) / 8
			r, s, _ := ecdsa.Sign(rand.Reader, k, d)
			return append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		case *rsa.PrivateKey:
			if alg[0] == 'P' {
				sig, _ := rsa.SignPSS(rand.Reader, k, alg.Hash(), d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
				return sig
			}
			sig, _ := rsa.SignPKCS1v15(rand.Reader, k, alg.Hash(), d)
			return sig
		}
		return nil
	}
	sigs := map[string][]byte{
		"ES256": sign(crypto.ES256, p256), "ES384": sign(crypto.ES384, p384), "RS256": sign(crypto.RS256, rk),
		"PS256": sign(crypto.PS256, rk), "RS512": sign(crypto.RS512, rk), "EdDSA": ed25519.Sign(epriv, msg),
		"empty": nil, "short": make([]byte, 10), "zero64": make([]byte, 64),
	}
	mutated := map[string][]byte{}
	for name, sig := range sigs {
		if len(sig) > 0 {
			m := append([]byte(nil), sig...)
			m[len(m)/2] ^= 1
			mutated[name+"-mutated"] = m
		}
	}
	for name, sig := range mutated {
		sigs[name] = sig
	}
	keys := map[string]gocrypto.PublicKey{"p256": &p256.PublicKey, "p384": &p384.PublicKey, "rsa": &rk.PublicKey, "ed25519": epub}
	algs := []crypto.Algorithm{crypto.ES256, crypto.ES384, crypto.RS256, crypto.RS384, crypto.RS512, crypto.PS256, crypto.PS384, crypto.PS512, crypto.EdDSA, "HS256", "none", ""}
	classes := []error{crypto.ErrInvalidSignature, crypto.ErrUnsupportedAlgorithm, crypto.ErrUnsupportedKeyType, crypto.ErrInvalidPublicKey}
	accepted := 0
	for kn, key := range keys {
		for _, alg := range algs {
			for sn, sig := range sigs {
				want := crypto.VerifySignature(key, alg, msg, sig)
				if alg == crypto.EdDSA || alg.Hash() == 0 {
					// No digest to pass: refused whatever the key.
					if err := crypto.VerifyPrehashed(key, alg, make([]byte, 32), sig); err == nil {
						t.Fatalf("%s %s %s: accepted without a message hash", kn, alg, sn)
					}
					continue
				}
				h := alg.Hash().New()
				h.Write(msg)
				got := crypto.VerifyPrehashed(key, alg, h.Sum(nil), sig)
				if (got == nil) != (want == nil) {
					t.Fatalf("%s %s %s: VerifyPrehashed %v, VerifySignature %v", kn, alg, sn, got, want)
				}
				for _, c := range classes {
					if errors.Is(got, c) != errors.Is(want, c) {
						t.Fatalf("%s %s %s: %v vs %v differ in %v", kn, alg, sn, got, want, c)
					}
				}
				if got == nil {
					accepted++
					if err := crypto.VerifyPrehashed(key, alg, h.Sum(nil)[1:], sig); !errors.Is(err, crypto.ErrUnsupportedAlgorithm) {
						t.Fatalf("%s %s: short digest: %v", kn, alg, err)
					}
				}
			}
		}
	}
	if accepted != 5 { // ES256, ES384, RS256, PS256, RS512 with their own keys
		t.Fatalf("%d signatures accepted, want 5", accepted)
	}
}
