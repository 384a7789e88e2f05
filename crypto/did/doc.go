// Package did resolves and creates decentralized identifiers (W3C DID Core
// v1.0) for the methods wstack's credential flows use:
//
//   - did:key v0.9 (W3C CCG draft): Ed25519 (0xed), P-256 (0x1200) and
//     P-384 (0x1201) with compressed points, X25519 (0xec) for key
//     agreement; multibase base58btc; the publicKeyFormat option (Multikey
//     by default, JsonWebKey2020, JsonWebKey, Ed25519VerificationKey2020)
//     and enableEncryptionKeyDerivation; the spec's errors invalidDid,
//     invalidPublicKeyLength, invalidPublicKey and unsupportedPublicKeyType
//     as *Error values (KeyMethod, NewKeyDID, EncodeMultikey).
//   - did:jwk (spec.md, 2023): one "#0" JsonWebKey2020 method, relationships
//     chosen by the JWK's use, private members rejected (JWKMethod,
//     NewJWKDID).
//   - did:web (W3C CCG method specification): the DID → https URL
//     transformation with "%3A" ports and paths (WebURL), fetching through
//     the guarded wstack/fetch fetcher, a document id that must equal the
//     DID, and no IP-literal or loopback hosts (WebMethod); NewWebDocument
//     builds the did.json of a did:web from engine keys.
//
// Resolution goes through the Resolver interface: Registry dispatches on
// the method, CachingResolver adds a TTL-bounded LRU in which concurrent
// requests for one DID make one resolution. Dereference turns an absolute
// DID URL into a verification method that must belong to the resolved
// document; Document.MethodFor checks a verification relationship
// (authentication, assertionMethod, …). KeyResolver serves both
// crypto/dataintegrity (ResolveVerificationMethod) and crypto/jose
// (ResolveKey for a kid that is a DID URL).
//
// Every parser of untrusted input here is bounded: DIDs and DID URLs to
// MaxDIDLength, base58 input to 1 024 characters, did:jwk JWKs to 4 KiB,
// did.json to MaxDocumentSize and MaxDocumentDepth with duplicate members
// rejected.
package did
