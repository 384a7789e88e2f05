// Package signersvc is the signer service of wstack's examples: the role of
// the XFSC W-Stack's TSA signer (crypto-provider-service) as a remote key
// engine over HTTP. A Service exposes any crypto.Engine — crypto/local by
// default, crypto/pkcs11 (an HSM, SoftHSM2 in the tests) when configured —
// with key management per namespace and group, signing (message and
// digest), verification, AES-256-GCM encryption, randomness, hashing, the
// public JWK of a key, a JWKS per namespace/group and the did:jwk / did:key
// document of a key. Private key material never leaves the engine: every
// response carries public keys only.
//
// Client is the other half: a crypto.Engine (and crypto.NamespaceLister)
// that calls a Service, so the other example services sign through the
// signer in a split deployment exactly as they sign with a local engine.
// Typed errors cross the wire: the server maps crypto's sentinel errors
// (crypto.ErrKeyNotFound, crypto.ErrKeyExists, …) to HTTP statuses and
// error codes, and Client maps them back, so errors.Is works on the
// client as it does on the engine. The Client passes crypto/cryptotest.
//
// Wire format: JSON bodies of at most svc.MaxJSONBody bytes; binary values
// (messages, digests, signatures, ciphertexts) are unpadded base64url
// (RFC 4648 §5). Errors are {"error": code, "error_description": text}.
package signersvc
