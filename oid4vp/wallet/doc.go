// Package wallet is the holder side of OpenID for Verifiable Presentations
// 1.0 (Final, 9 July 2025), over the wire types of package oid4vp.
//
// A Wallet resolves a request from a link (openid4vp://, a configured
// custom scheme such as HAIP's haip-vp://, or https), by value, by a
// Request Object passed by value, or by request_uri (§5.10: GET through
// the guarded fetch.Fetcher, or POST with wallet_metadata and a fresh
// wallet_nonce that the Request Object must echo, through the wallet's own
// client with the same URL and address checks, since fetch has no POST),
// never following redirects, size-capped, media type
// application/oauth-authz-req+jwt.
//
// It authenticates the verifier per Client Identifier Prefix (§5.9.3):
// typ oauth-authz-req+jwt, the signature algorithm on an allow-list (never
// none or MAC), the client_id claim equal to the link's;
// decentralized_identifier (kid a verification method of the DID, resolved
// through crypto/did), x509_san_dns (x5c chain to the caller's roots, DNS
// SAN equal to the identifier, response_uri host equal to it), x509_hash
// (chain to the roots, identifier the base64url SHA-256 of the DER leaf),
// redirect_uri (unsigned only, response target equal to the identifier),
// verifier_attestation (§12: a verifier-attestation+jwt from a trusted
// attester, exp, sub equal to the identifier without prefix, redirect_uris,
// request signed by its cnf key) and pre-registered clients with a
// configured key. openid_federation and origin are rejected. A TrustPolicy
// hook decides which authenticated verifiers are acceptable.
//
// Select evaluates the DCQL query (§6) over the wallet's credentials with
// a work budget (a query that exhausts it fails with ErrQueryBudget), and
// a ConsentFunc lets a UI or a machine policy narrow the selection
// (dcql.Result.Choose). Respond builds the vp_token through
// presentation.Holder: SD-JWT VC presentations with exactly the selected
// disclosures and a KB-JWT bound to the nonce and the full prefixed
// client_id, with transaction_data_hashes for the transaction_data entries
// of each credential query (B.3.3); jwt_vc_json and ldp_vc as W3C VPs. It
// posts the response with direct_post (§8.2) or direct_post.jwt (§8.3, a
// JWE to the verifier's client_metadata.jwks key, enc from
// encrypted_response_enc_values_supported, kid echoed), or returns a
// fragment URL. The redirect_uri a verifier answers with is returned in
// Outcome as the step the caller must take (NextStep: open it in the
// browser); a machine wallet without a browser follows it itself (§8.2:
// the user agent MUST be sent there) with Follow or Config.FollowRedirect:
// one GET through the guarded client, no redirect beyond, size-capped,
// returning the page and the response_code of the fragment. Decline posts
// an error response (access_denied when the user declines).
// transaction_data is bound only in SD-JWT VC presentations (B.3.3): a
// request whose transaction_data references a jwt_vc_json or ldp_vc query
// is refused with invalid_transaction_data.
//
// The tests run our wallet against our verifier (oid4vp/verifier) over
// HTTPS for every prefix × direct_post / direct_post.jwt × DCQL / PE
// (legacy) × dc+sd-jwt / jwt_vc_json / ldp_vc (TestProofMatrix), the
// W-Stack seed's authorization link end to end (TestSeedAuthorizationLink),
// and the OIDF wallet test plan's negative modules against a misbehaving
// verifier (TestOIDFWalletNegativeModules).
//
// With Config.Profile oid4vp.ProfileLegacy the wallet also answers
// presentation_definition requests of drafts ≤ 25 (DIF Presentation
// Exchange v2 through presentation/pex: client_id_scheme, bare client_id
// as audience, vp_token with presentation_submission).
//
// Not implemented: presentation_definition_uri, the Digital Credentials API modes
// (dc_api, dc_api.jwt; optional in 1.0; so neither multisigned requests
// nor expected_origins), openid_federation, encrypted
// Request Objects, mso_mdoc presentations, response_type id_token / code,
// scope-named queries.
package wallet
