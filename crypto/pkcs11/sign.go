package pkcs11

import (
	"context"
	gocrypto "crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"fmt"
	"io"

	p11 "github.com/miekg/pkcs11"

	"github.com/ocmw/wstack/crypto"
)

// Sign signs message with the current version of the key on the token.
// ECDSA signatures are returned in the fixed-size r‖s form of RFC 7518
// §3.4; EdDSA signs the message itself (CKM_EDDSA), the other algorithms
// sign its digest computed in software.
func (e *Engine) Sign(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, message []byte) ([]byte, error) {
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	en, err := e.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := crypto.CheckSignAlgorithm(en.typ, alg); err != nil {
		return nil, err
	}
	if alg == crypto.EdDSA {
		return e.signEd25519(ctx, en, message)
	}
	h := alg.Hash().New()
	h.Write(message)
	return e.signDigest(ctx, en, alg, h.Sum(nil))
}

// SignDigest signs a digest computed with alg.Hash() (not EdDSA).
func (e *Engine) SignDigest(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, digest []byte) ([]byte, error) {
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	en, err := e.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := crypto.CheckSignAlgorithm(en.typ, alg); err != nil {
		return nil, err
	}
	if alg == crypto.EdDSA {
		return nil, fmt.Errorf("%w: EdDSA signs messages, not digests", crypto.ErrUnsupportedAlgorithm)
	}
	if len(digest) != alg.Hash().Size() {
		return nil, fmt.Errorf("%w: digest length %d for %s", crypto.ErrUnsupportedAlgorithm, len(digest), alg)
	}
	return e.signDigest(ctx, en, alg, digest)
}

func (e *Engine) signDigest(ctx context.Context, en *entry, alg crypto.Algorithm, digest []byte) ([]byte, error) {
	v := en.current()
	h, err := e.resolve(ctx, en.typ, v)
	if err != nil {
		return nil, err
	}
	var opts gocrypto.SignerOpts = alg.Hash()
	switch alg {
	case crypto.PS256, crypto.PS384, crypto.PS512:
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: alg.Hash()}
	}
	var sig []byte
	err = e.call(ctx, "sign", func() error {
		var err error
		sig, err = h.signer.Sign(nil, digest, opts)
		return err
	})
	if err != nil {
		return nil, keyGone(v.meta.Ref, tokenError("C_Sign", err))
	}
	switch alg {
	case crypto.ES256:
		return derToRaw(sig, 32)
	case crypto.ES384:
		return derToRaw(sig, 48)
	}
	return sig, nil
}

// signEd25519 signs with CKM_EDDSA (PKCS#11 v3.0 §2.3.14) on a session of
// the engine's own pool.
func (e *Engine) signEd25519(ctx context.Context, en *entry, message []byte) ([]byte, error) {
	v := en.current()
	h, err := e.resolve(ctx, en.typ, v)
	if err != nil {
		return nil, err
	}
	var sig []byte
	err = e.call(ctx, "sign", func() error {
		return e.pool.with(ctx, func(s p11.SessionHandle) error {
			if err := e.mod.SignInit(s, []*p11.Mechanism{p11.NewMechanism(ckmEdDSA, nil)}, h.ed); err != nil {
				return err
			}
			var err error
			sig, err = e.mod.Sign(s, message)
			return err
		})
	})
	if err != nil {
		return nil, keyGone(v.meta.Ref, tokenError("C_Sign", err))
	}
	if len(sig) != 64 {
		return nil, fmt.Errorf("%w: Ed25519 signature of %d bytes from the token", ErrToken, len(sig))
	}
	return sig, nil
}

// Verify verifies sig with any version of the key, newest first, in
// software over the public keys cached when the key was loaded.
func (e *Engine) Verify(ctx context.Context, ref crypto.KeyRef, alg crypto.Algorithm, message, sig []byte) error {
	done, err := e.begin()
	if err != nil {
		return err
	}
	defer done()
	en, err := e.lookup(ctx, ref)
	if err != nil {
		return err
	}
	if err := crypto.CheckSignAlgorithm(en.typ, alg); err != nil {
		return err
	}
	for i := len(en.versions) - 1; i >= 0; i-- {
		if crypto.VerifySignature(en.versions[i].meta.Public, alg, message, sig) == nil {
			return nil
		}
	}
	return crypto.ErrInvalidSignature
}

// Encrypt seals plaintext with the current version of an AES-256-GCM key on
// the token (CKM_AES_GCM, 96-bit nonce from crypto/rand, 128-bit tag). The
// output is version (4 bytes, big endian) ‖ nonce (12) ‖ ciphertext ‖ tag,
// the format of the local engine, so Decrypt picks the version it names.
func (e *Engine) Encrypt(ctx context.Context, ref crypto.KeyRef, plaintext, aad []byte) ([]byte, error) {
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	en, err := e.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !en.typ.Symmetric() {
		return nil, fmt.Errorf("%w: %s cannot encrypt", crypto.ErrWrongKeyUse, en.typ)
	}
	if len(plaintext) > maxPlaintext {
		return nil, fmt.Errorf("%w: plaintext of %d bytes exceeds %d", ErrInput, len(plaintext), maxPlaintext)
	}
	v := en.current()
	h, err := e.resolve(ctx, en.typ, v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, ciphertextVersionSize+gcmNonceSize, minCiphertextSize+len(plaintext))
	binary.BigEndian.PutUint32(out, uint32(v.meta.Version))
	nonce := out[ciphertextVersionSize:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	err = e.call(ctx, "encrypt", func() error {
		// crypto11's Seal panics on token errors; call recovers.
		out = h.aead.Seal(out, nonce, plaintext, aad)
		return nil
	})
	if err != nil {
		return nil, keyGone(v.meta.Ref, err)
	}
	if len(out) != minCiphertextSize+len(plaintext) {
		return nil, fmt.Errorf("%w: ciphertext of unexpected length from the token", ErrToken)
	}
	return out, nil
}

// maxPlaintext bounds Encrypt and Decrypt inputs: single-part C_Encrypt
// buffers the whole message in the module.
const maxPlaintext = 64 << 20

// Decrypt opens a ciphertext produced by Encrypt with the version it names.
// Every failure to authenticate is crypto.ErrDecrypt.
func (e *Engine) Decrypt(ctx context.Context, ref crypto.KeyRef, ciphertext, aad []byte) ([]byte, error) {
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	en, err := e.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !en.typ.Symmetric() {
		return nil, fmt.Errorf("%w: %s cannot decrypt", crypto.ErrWrongKeyUse, en.typ)
	}
	if len(ciphertext) < minCiphertextSize || len(ciphertext) > maxPlaintext+minCiphertextSize {
		return nil, crypto.ErrDecrypt
	}
	n := binary.BigEndian.Uint32(ciphertext)
	if n == 0 || n > 1<<30 {
		return nil, crypto.ErrDecrypt
	}
	v := en.version(int(n))
	if v == nil {
		return nil, crypto.ErrDecrypt
	}
	h, err := e.resolve(ctx, en.typ, v)
	if err != nil {
		return nil, err
	}
	var pt []byte
	nonce := ciphertext[ciphertextVersionSize : minCiphertextSize-gcmTagSize]
	err = e.call(ctx, "decrypt", func() error {
		var err error
		pt, err = h.aead.Open(nil, nonce, ciphertext[minCiphertextSize-gcmTagSize:], aad)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", crypto.ErrDecrypt, err)
	}
	return pt, nil
}

// Random returns n bytes (n ≤ 1 MiB) from the token's generator
// (C_GenerateRandom).
func (e *Engine) Random(ctx context.Context, n int) ([]byte, error) {
	if n < 0 || n > maxRandom {
		return nil, fmt.Errorf("%w: random length %d", ErrInput, n)
	}
	done, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer done()
	b := make([]byte, n)
	err = e.call(ctx, "random", func() error {
		_, err := io.ReadFull(e.rand, b)
		return err
	})
	if err != nil {
		return nil, tokenError("C_GenerateRandom", err)
	}
	return b, nil
}

// Hash hashes data in software: a digest needs no secret, and a round trip
// to the token per hash would only add latency.
func (e *Engine) Hash(ctx context.Context, alg crypto.HashAlgorithm, data []byte) ([]byte, error) {
	return alg.Sum(data)
}
