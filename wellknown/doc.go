// Package wellknown serves and fetches every .well-known document of the
// W-Stack: Credential Issuer Metadata aggregated from issuance plugins,
// authorization server metadata, JWT VC issuer metadata, JWK Sets, did:web
// DID documents and the DID configuration with its Domain Linkage
// Credentials.
//
// Specifications and where each document lives:
//
//   - OpenID for Verifiable Credential Issuance 1.0 Final (16 September
//     2025) §12.2: /.well-known/openid-credential-issuer inserted before the
//     issuer identifier's path (§12.2.2); application/json, or signed
//     metadata as an application/jwt of typ openidvci-issuer-metadata+jwt
//     with sub = credential_issuer and iat (§12.2.3) when the client asks
//     for it. Wire types are package oid4vci's.
//   - RFC 8414 OAuth 2.0 Authorization Server Metadata §3:
//     /.well-known/oauth-authorization-server inserted before the path;
//     issuer must equal the identifier (§3.3).
//   - OpenID Connect Discovery 1.0 (incorporating errata set 2) §4:
//     /.well-known/openid-configuration appended after the issuer's path.
//   - SD-JWT-based Verifiable Credentials, draft-ietf-oauth-sd-jwt-vc-18 §5:
//     /.well-known/jwt-vc-issuer inserted before the path; issuer and
//     exactly one of jwks and jwks_uri.
//   - did:web method specification (W3C CCG, 2024 draft): did:web:h →
//     /.well-known/did.json, did:web:h:p → /p/did.json; the document id
//     equals the DID. Documents are built by crypto/did.
//   - DIF Well Known DID Configuration v1.0:
//     /.well-known/did-configuration.json at the origin root, with Domain
//     Linkage Credentials in the JWT form (iss = sub =
//     credentialSubject.id, credentialSubject.origin = the origin) and the
//     JSON-LD form secured with Data Integrity (eddsa-rdfc-2022,
//     ecdsa-rdfc-2019, …; the DIF context is pinned for offline
//     processing).
//   - RFC 7517 JWK Set at the URL jwks_uri names (the W-Stack route
//     /.well-known/jwks.json is PathJWKS): current and recently rotated
//     public keys, kids = RFC 7638 thumbprints or DID URLs.
//
// # Serving
//
// Server routes, per tenant, each document to the path its specification
// gives (see Tenant); the per-document handlers (IssuerMetadataHandler,
// ASMetadataHandler, JWKSHandler, JWTVCIssuerHandler, DIDDocumentHandler,
// DIDConfigurationHandler) serve one document each for users with their
// own router. Every handler answers GET and HEAD with a strong ETag,
// If-None-Match (304) and Cache-Control, and 405 otherwise. Documents are
// encoded once and re-encoded only when their source changes (a new
// metadata pointer, a key rotation).
//
// # Aggregation
//
// An Aggregator combines a tenant's base issuer metadata with the
// credential configurations issuance plugins register (the W-Stack's
// wellknown.issuer.registration broadcasts; see wellknown/natsregistry).
// Registrations live in a Registry (memory here; SQL in
// wellknown/sqlregistry) with first/last seen times and expire when not
// renewed within the TTL. A configuration id registered with different
// content by two plugins is rejected with ErrConflict, never merged. The
// Aggregator is a MetadataSource: the issuer's credential endpoint reads
// the same value the well-known route serves.
//
// # Fetching
//
// Client fetches each document through a fetch.Fetcher (the guarded
// fetcher) and applies its specification's checks: credential_issuer /
// issuer equal to the identifier the URL was built from, signed metadata
// verified, did.json id equal to the DID, domain linkage credentials
// verified, JWK Sets without private members or duplicate kids. Parsed
// documents are cached for the response's max-age clamped to [1 min, 1 h]
// with single-flight fetching.
//
// Verifier metadata has no well-known location in OpenID4VP 1.0 (it
// travels as client_metadata); VerifierMetadata builds it.
package wellknown
