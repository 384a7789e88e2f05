// Package verifier is an OpenID for Verifiable Presentations 1.0 (Final,
// 9 July 2025) verifier, with the choices of HAIP 1.0 as defaults: signed
// Request Objects by reference, direct_post.jwt with an ephemeral P-256
// ECDH-ES key per transaction and A128GCM / A256GCM, DCQL queries.
//
// A Verifier creates transactions (Create) from a DCQL query and optional
// transaction_data (§5.1, §8.4; only for dc+sd-jwt and mso_mdoc queries,
// whose presentations carry the hashes). Each gets a public 128-bit id, a 128-bit
// nonce and state from crypto/rand (state binds the response when a
// credential query waives holder binding, §5.3), a secret for the process
// that created it, and a Request Object (typ oauth-authz-req+jwt, aud
// https://self-issued.me/v2, §5, §5.8) signed through the key engine by
// the tenant's Client (§5.9.3):
//   - decentralized_identifier: kid = the DID URL of the verifier's DID;
//   - x509_san_dns / x509_hash: x5c from the configuration; the leaf's
//     dNSName SAN (= the host of every response_uri) or hash, and its key,
//     are checked when the Client is built;
//   - verifier_attestation: the attestation in the jwt header, its cnf key
//     the signer's;
//   - pre-registered (no prefix);
//   - redirect_uri: unsigned, the request passed by value in the link.
//
// The Transaction's Link is the QR / same-device invocation (§9).
//
// Handler serves, under any path prefix and per {tenant}, the request_uri
// (GET, and POST with wallet_metadata / wallet_nonce, §5.10) and the
// response_uri of direct_post and direct_post.jwt (§8.2, §8.3). A response
// is verified as §8.6 asks: one response per transaction (claimed
// atomically), the JWE decrypted only with the transaction's key (kid
// checked, no zip), state checked, then every presentation through
// presentation.Validator (issuer signature and trust, validity, status,
// KB-JWT with the nonce, aud = the full prefixed client_id, sd_hash,
// transaction_data_hashes) and the DCQL query evaluated again on the
// verified credentials with dcql's Verify — never trusting the wallet's
// matching; multiple=false and unrequested ids are rejected, and one
// failing presentation rejects the whole response. Same-device flows get
// {"redirect_uri"} with a fresh one-time response code (§13.3); Result
// opens a transaction's outcome only with that code or the transaction's
// secret, never with the public id.
//
// Transactions live in a Store whose Update is atomic, so that replicas
// sharing a store can each answer: MemoryStore, sqlstore (SQLite,
// PostgreSQL), and storetest, the contract suite for any backend. Events
// (request created, fetched, response received, accepted, rejected with
// the reason) go to a Hook.
//
// A request_uri POST (FetchRequestObjectPost) gets a Request Object signed
// anew with wallet_nonce echoed and fitted to the posted wallet_metadata:
// encrypted_response_enc_values_supported and vp_formats_supported
// narrowed to what the wallet lists (algorithm lists intersected), and
// ECDH-ES, the client identifier prefix (client_id_scheme under the legacy
// profile) and the signing algorithm checked; when nothing is left in
// common, or the DCQL query's required credentials are in formats the
// wallet lacks, the wallet gets vp_formats_not_supported, invalid_client
// or invalid_request (ErrWalletMetadata) and the fetch is not recorded.
// The response is always verified against the request as created.
//
// The legacy profile (CreateRequest.PresentationDefinition) speaks drafts
// ≤ 25: presentation_definition, client_id_scheme, presentation_submission
// verified with presentation/pex. Every presentation in the vp_token is
// verified with the nonce and the bare client_id: SD-JWT VCs with KB-JWT,
// jwt_vp_json and ldp_vp VPs with the credentials they carry; descriptor
// entries reach a VP's credentials with path_nested or, as the W-Stack's
// wallet writes them, a path straight into the VP; a W3C credential
// outside a verified VP is rejected.
//
// testdata/golden holds the verifier's own output (Request Objects, links,
// request_uri and response endpoint answers, Results), normalised and
// compared field by field with the spec's examples (TestGolden…).
//
// Not covered yet: the openid_federation prefix, the DC API response modes
// (dc_api, dc_api.jwt) and encrypted Request Objects (wallet_metadata.jwks
// is not used).
package verifier
