// Package w3c implements the W3C Verifiable Credentials Data Model — v1.1
// (W3C Recommendation, 3 March 2022) and v2.0 (W3C Recommendation,
// 15 May 2025) — and the JWT encoding of VCDM 1.1 used by the OpenID4VC
// formats jwt_vc_json and jwt_vp_json (VCDM 1.1 §6.3.1 "JSON Web Token").
//
// Credential and Presentation are the typed documents. Decoding keeps every
// member the types do not model in Extra (and remembers whether a member
// was a single value or an array), so that a decode/encode round trip
// loses nothing. Validate checks the data model rules that need no JSON-LD
// processing: the base @context first, VerifiableCredential /
// VerifiablePresentation in type, issuer and holder URLs (string or object
// with id), non-empty credentialSubject, validFrom ≤ validUntil
// (issuanceDate ≤ expirationDate for v1.1), a type on credentialStatus,
// credentialSchema, refreshService, termsOfUse, evidence and proof, every id
// a URL, relatedResource digests (VCDM 2.0 §5.3), language values, and the
// typed status entries BitstringStatusListEntry (Bitstring
// Status List v1.0 §2.1) and StatusList2021Entry. Term definitions
// (undefined terms, protected-term redefinition) are checked by the Data
// Integrity layer, which expands the document with the pinned contexts.
//
// SignCredentialJWT / VerifyCredentialJWT and SignPresentationJWT /
// VerifyPresentationJWT produce and check jwt_vc_json and jwt_vp_json
// tokens through crypto/jose: signing through a key engine, verification
// with an explicit algorithm allow-list, a typ check, strict JSON and a key
// resolved from the issuer (or holder) identifier through a DID resolver
// (crypto/did's KeyResolver fits DIDResolver) or a JWK Set (StaticJWKS,
// JWKSFetcher through the guarded fetcher) — IssuerKeys — never from an
// embedded jwk or x5c header. Signing requires a VCDM 1.1 credential;
// verification also accepts a VCDM 2.0 credential in the vc claim (nbf/exp
// then map to validFrom/validUntil). Presentations must carry the request's
// nonce and a single-string aud.
//
// Subpackage ldp adapts crypto/dataintegrity to the credential view for
// ldp_vc / ldp_vp; w3ctest holds did:jwk helpers for tests and examples.
package w3c
