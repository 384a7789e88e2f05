// Package jose signs and verifies JWS compact serializations (RFC 7515) and
// JWTs (RFC 7519) through wstack key engines, with the checks RFC 8725 (JWT
// Best Current Practices) asks for built in.
//
// Verification always takes an explicit algorithm allow-list and an expected
// typ. Before anything is decoded the parse gate rejects tokens over the size
// limit (counting the dots before splitting, CVE-2025-27144 style inputs),
// non-canonical base64url, duplicate JSON members and excessive nesting in the
// header and payload, "none" and MAC algorithms, unknown or malformed crit
// parameters (RFC 7515 §4.1.11), and embedded jwk headers carrying private key
// members. The key that verifies a signature comes from the caller (a key or a
// KeyResolver), never from the header alone.
//
// Signing goes through KeySigner, which delegates to a crypto.Signer engine so
// private keys never leave it; KeySigner.CryptoSigner adapts it to the
// standard library's crypto.Signer so that lestrrat-go/jwx/v2 can sign with an
// engine key.
//
// Decrypt and Encrypt handle compact JWE (RFC 7516) with the key management
// algorithms of RFC 7518 that OpenID4VC uses (ECDH-ES, ECDH-ES+A128KW,
// ECDH-ES+A256KW, RSA-OAEP-256), never zip or PBES2. Direct ECDH-ES with
// A128GCM or A256GCM, the response and credential encryption of OpenID4VP
// 1.0 and OpenID4VCI 1.0, is encrypted and decrypted with crypto/ecdh and
// crypto/cipher (Concat KDF of RFC 7518 §4.6.2 over apu/apv, tested
// against its Appendix C and against jwx); the other combinations go
// through lestrrat-go/jwx/v2.
package jose
