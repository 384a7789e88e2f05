// Package oid4vp holds the wire types and codecs of OpenID for Verifiable
// Presentations 1.0 (Final, 9 July 2025): the Authorization Request and its
// parameters (§5), the Request Object (JAR, typ oauth-authz-req+jwt) and its
// claims checks, Client Identifier Prefixes (§5.9), request_uri_method=post
// with wallet_metadata and wallet_nonce (§5.10), transaction_data (§5.1,
// §8.4, B.3.3), the Authorization Response with the vp_token of DCQL (§8.1,
// §8.2, §8.3), errors (§8.5), Wallet Metadata (§10), Verifier Metadata (§11)
// and the links that invoke a wallet (§9: openid4vp://, a configured custom
// scheme such as HAIP's haip-vp://, https same-device links).
//
// The package does no I/O. It parses untrusted input with size and depth
// limits and strict JSON (duplicate member names are rejected), keeps the
// members it does not define in Extra maps, and reports failures as *Error
// values carrying the §8.5 error code, an HTTP status and a sentinel error
// matchable with errors.Is. The verifier (oid4vp/verifier) and the wallet
// (oid4vp/wallet) build on it; signature verification, decryption and
// fetching request_uri are theirs.
//
// DCQL queries are parsed by presentation/dcql. The legacy profile
// (ProfileLegacy) additionally accepts what verifiers and wallets at drafts
// ≤ 25 send: presentation_definition / presentation_definition_uri and
// presentation_submission (DIF Presentation Exchange v2, parsed by
// presentation/pex), the client_id_scheme parameter of drafts ≤ 21, the
// bare did: and https: client identifiers of drafts 22–25, client_metadata
// vp_formats, a vp_token that is a single presentation or an array, and the
// jwt_vp_json / ldp_vp presentation format names. The zero Profile is
// OpenID4VP 1.0 Final, where those parameters are unknown and ignored.
package oid4vp
