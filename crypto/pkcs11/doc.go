// Package pkcs11 is wstack's key engine for hardware security modules and
// other PKCS#11 tokens: it implements crypto.Engine (key management, signing,
// verification, encryption, random, hash) with keys that live as token
// objects and never leave the token.
//
// # Standards and modules
//
// The engine speaks PKCS#11 v2.40 (OASIS, "PKCS #11 Cryptographic Token
// Interface Base Specification Version 2.40"), plus the Edwards-curve
// mechanisms of PKCS#11 v3.0 (CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN,
// CKM_EDDSA) for Ed25519. It is tested against SoftHSM2 2.6 (Debian's
// softhsm2 package, /usr/lib/softhsm/libsofthsm2.so) on a token created per
// test; any module implementing these mechanisms works.
//
// # Mechanisms
//
//	ecdsa-p256, ecdsa-p384  CKM_EC_KEY_PAIR_GEN, CKM_ECDSA over a SHA-2 digest (ES256, ES384)
//	rsa-2048/3072/4096      CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS (RS*), CKM_RSA_PKCS_PSS (PS*)
//	aes256-gcm96            CKM_AES_KEY_GEN, CKM_AES_GCM (96-bit nonce, 128-bit tag)
//	ed25519                 CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA (pure Ed25519)
//
// ECDSA, RSA and AES go through github.com/ThalesGroup/crypto11 (its session
// pool and login handling); Ed25519, the object index and deletion use
// github.com/miekg/pkcs11 directly on a second handle of the same
// (already initialised) module with a small session pool of their own.
// SupportedKeyTypes reports only the types whose mechanisms the token lists.
//
// ECDSA signatures are returned in the JOSE form r‖s of fixed size (RFC 7518
// §3.4): crypto11 hands back DER, which is converted and strictly checked.
// Verification runs in software (crypto.VerifySignature) over public keys
// read from the token once and cached; it never parses a key per request.
// Hash runs in software; Random uses the token's generator
// (C_GenerateRandom). GCM nonces come from crypto/rand.
//
// # Keys on the token
//
// Every key version is a pair of token objects (a private and a public key)
// or one secret key. Private and secret keys are created with CKA_TOKEN,
// CKA_PRIVATE and CKA_SENSITIVE true and CKA_EXTRACTABLE false; signing keys
// cannot decrypt, wrap or unwrap. The objects are named
//
//	CKA_LABEL  "wstack/<namespace>/<group>/<id>"   (all versions, both halves)
//	CKA_ID     "wsk" 0x01 ‖ version ‖ creation time ‖ caller-chosen kid
//
// so contexts never share an object (the context alphabet excludes '/'), a
// key is found with one exact-match search on its label, and every version
// keeps its own CKA_ID. Open indexes every such object, so an engine
// reopened on the same token (after a restart) finds all keys and versions
// with their kids and creation times; objects of other applications are
// ignored. A key asked for by reference that is not in the index is looked
// up on the token, so keys created by another process sharing the token are
// found; ListKeys shows them, and rotations or deletions by another process
// take effect, after Reload.
//
// Encrypt's output is version (4 bytes, big endian) ‖ nonce (12) ‖
// ciphertext ‖ tag, the format of crypto/local, so Decrypt uses the version
// the ciphertext names after any number of rotations.
//
// # Concurrency and failures
//
// An Engine is safe for concurrent use; each PKCS#11 call runs on a session
// of its own from a pool. PKCS#11 calls cannot be cancelled: when ctx has a
// deadline the engine stops waiting at the deadline (the call finishes in the
// background and Close waits for it). A panic inside the PKCS#11 wrappers
// (crypto11's AEAD panics when C_Encrypt fails) becomes ErrToken. Close
// releases the sessions and the module: crypto11 calls C_Finalize when the
// last engine on a module closes.
//
// The user PIN is held by crypto11 while the engine is open and is never
// logged.
package pkcs11
