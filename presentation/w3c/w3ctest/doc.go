// Package w3ctest holds helpers for tests and examples of W3C credential
// code: a did:jwk resolver (did:jwk v0.2: the DID is "did:jwk:" followed by
// the base64url JSON of a public JWK, and its only verification method is
// "#0", authorised for every relationship) and holder/issuer keys in an
// in-memory crypto/local engine.
package w3ctest
