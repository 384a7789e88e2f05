// Package crypto defines wstack's key engine: the small interfaces through
// which every other package signs, verifies, encrypts and manages keys
// without ever touching private key material.
//
// The capability set mirrors the Eclipse XFSC crypto provider
// (crypto-provider-core CryptoProvider): keys live in a Context made of a
// namespace and a group (tenant isolation), can be generated, listed with a
// filter, rotated (older versions stay usable for verification and
// decryption) and deleted; engines sign, verify, encrypt, decrypt, hash and
// produce randomness and report the algorithms they support.
//
// Signatures are always in JOSE form (RFC 7518 §3.4: raw r‖s for ECDSA,
// RFC 8032 for EdDSA, PKCS#1 v1.5 / PSS for RSA) so that they can be placed in
// a JWS as they are. Public keys are exported as JWK (RFC 7517) with a stable
// kid: the RFC 7638 thumbprint unless the caller names one.
//
// Engines: crypto/local (in memory, optionally persisted to an encrypted
// file) and crypto/pkcs11 (any PKCS#11 token, tested against SoftHSM2).
// crypto/cryptotest is the conformance suite every engine passes, and
// crypto/jose signs and verifies JWS/JWT through an engine.
package crypto
