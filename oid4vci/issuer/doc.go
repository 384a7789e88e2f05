// Package issuer is an OpenID for Verifiable Credential Issuance 1.0 Final
// credential issuer (OpenID Foundation, 16 September 2025) with its own
// token endpoint for the pre-authorized code flow (the W-Stack's
// "pre-authorization bridge", built in). Wire types come from package
// oid4vci; this package holds the behaviour.
//
// New(Config) returns an Issuer whose Handler serves, below the Credential
// Issuer Identifier (which may have a path, e.g. https://host/tenants/acme,
// so several tenants share one mux):
//
//   - POST …/token: pre-authorized code grant (§6). The code is 256 random
//     bits, stored as a hash, short-lived and redeemed once through the
//     store's atomic OfferStore.Redeem; a tx_code is required iff the offer
//     has one (invalid_request otherwise), compared in constant time, and
//     MaxTxCodeAttempts wrong codes invalidate the pre-authorized code.
//     client_id is required unless Config.AnonymousAccess
//     (pre-authorized_grant_anonymous_access_supported); with
//     Config.ClientAttestation, wallets authenticate by Attestation-Based
//     Client Authentication (draft 10: OAuth-Client-Attestation and
//     -PoP headers, provider trusted, PoP by the attested key, jti replay
//     checked) and client_id is the attestation's sub. The access token is
//     an at+jwt (RFC 9068) signed through the key engine, short-lived, whose
//     sub is the offer and whose authorization_details carry
//     credential_identifiers.
//   - POST …/nonce: a fresh c_nonce (§7), Cache-Control: no-store; a c_nonce
//     expires and is used up by the one credential request presenting it
//     (every proof of a batch carries the same c_nonce).
//   - POST …/credential (§8): Bearer or DPoP access token; jwt key proofs
//     validated per Appendix F.4 (typ, alg allow-list without none/MAC,
//     exactly one of kid/jwk/x5c, no private key, signature by the header
//     key, aud, iat window, nonce, iss = client_id unless anonymous; did:
//     kids resolved through crypto/did); batches up to batch_size with one
//     credential per distinct key; only configurations the token covers.
//     Configurations with key_attestations_required (HAIP) need a
//     key_attestation header signed by an attester Config.KeyAttesters
//     trusts, unexpired, attesting the proof key at a required level. The
//     attestation proof type (§F.3) issues one credential per attested key,
//     its nonce being the c_nonce. di_vp proofs (§F.2, Config.DataIntegrity)
//     are presentations with one Data Integrity proof (authentication,
//     domain = issuer, challenge = c_nonce) by a key of the holder DID.
//   - POST …/deferred_credential (§9): 202 with the same transaction_id until
//     the plugin issues, then 200 and the id is invalid.
//   - POST …/notification (§11): 204, idempotent, scoped to the grant.
//   - GET …/offers/{id}: offers by reference (credential_offer_uri), served
//     until redeemed or expired.
//   - GET /.well-known/openid-credential-issuer/… (issuer metadata, §12.2)
//     (signed, application/jwt, with Config.MetadataSigner) and
//     /.well-known/oauth-authorization-server/… (RFC 8414 metadata of
//     the token endpoint), inserted before the identifier's path.
//
// DPoP (RFC 9449): a token request with a DPoP proof gets a DPoP-bound
// token (cnf.jkt, token_type DPoP); protected endpoints then check the
// proof's signature, htm, htu, iat, ath and jti (replay store), optionally a
// server nonce (DPoP-Nonce, use_dpop_nonce); DPoPConfig.Required rejects
// unbound tokens (HAIP).
//
// Issuance is done by Plugins: the credential endpoint calls Plugin.Issue
// with the validated request, the offer's claims data and each proven holder
// key. NewSDJWTPlugin issues dc+sd-jwt through sdjwt/vc (cnf.jwk, status list
// entries through statuslist.Allocator); NewJWTVCPlugin jwt_vc_json through
// presentation/w3c (cnf.jwk, credentialSubject.id = the holder DID);
// NewLDPVCPlugin ldp_vc (VCDM 2.0) through crypto/dataintegrity, bound to
// the holder's DID. Package natsplugin runs plugins in other processes over
// NATS request/reply. The plugins' configurations form
// the issuer metadata, available through the MetadataSource interface.
//
// Offers are created with CreateOffer (by value or by reference); a
// transaction code is generated with crypto/rand and handed only to
// Config.DeliverTxCode. Storage goes through one small interface per concern
// (OfferStore, NonceStore, ReplayStore, TransactionStore,
// NotificationStore, RefreshTokenStore); Memory implements all of them
// and package issuertest is the contract suite for other backends.
//
// Encryption (§10, Config.Encryption): credential and deferred requests may
// arrive as a JWE (application/jwt, ECDH-ES to a published key); a request
// with credential_response_encryption must be encrypted and gets an
// encrypted response (alg from the JWK, kid echoed); zip is never offered
// or accepted; errors are never encrypted.
//
// Logging (optional *slog.Logger) never includes codes, transaction codes,
// tokens, proofs or credentials; Metrics receives counters and latencies.
//
// # Drafts 11–13
//
// Config.Profile = oid4vci.ProfileLegacy also serves draft 13 wallets (the
// W-Stack's): user_pin for tx_code, c_nonce and c_nonce_expires_in in the
// token response, format-based credential requests (format with vct,
// doctype or credential_definition) with the singular proof, answered with
// the singular credential and a fresh c_nonce. OfferRequest.Draft12 builds
// drafts ≤12 offers (credentials, user_pin_required).
//
// Config.LegacyBatchEndpoint (with ProfileLegacy) serves the draft 13
// batch credential endpoint (…/batch_credential, batch_credential_endpoint
// in the metadata, which makes it draft 13 metadata): credential_requests
// → credential_responses, every request checked before anything is
// issued, one c_nonce for the batch.
//
// # Refresh tokens
//
// Config.RefreshTokens adds refresh tokens to pre-authorized grants (RFC
// 6749 §6): stored as hashes (RefreshTokenStore), single use — each
// grant_type=refresh_token request returns the next token of the family,
// and a token presented twice revokes the family —, bound to the client_id
// and to the DPoP key of the grant (the refresh request must be
// DPoP-proven by it), expiring with the grant RefreshTokenTTL after
// redemption. Access tokens issued before a revocation stay valid until
// their (short) expiry.
//
// # External authorization servers
//
// Config.AuthorizationServers (the authorization code flow): RFC 9068 JWT
// access tokens are verified against the AS's JWKS (e.g. w3c.JWKSFetcher
// over the guarded fetcher); opaque tokens (and JWTs of an AS without
// JWKS) are checked by RFC 7662 introspection (Introspection:
// client_secret_basic, active, iss, sub, exp, nbf, aud, token_type, size
// cap, no redirects, a cache bounded by the token's exp). aud must name
// the issuer, scope or authorization_details select the configurations.
// CreateOffer with GrantAuthorizationCode makes offers with an
// issuer_state (offer id and a 256-bit secret, stored hashed) and the
// authorization_server; a token carrying that issuer_state (claim, or in
// authorization_details) redeems the offer for its AS user and gets the
// offer's claims data, limited to the configurations offered and granted;
// other tokens go to the Grant callback. authorization_servers then lists
// the external servers and the issuer itself.
//
// Not implemented: the issuer is not an authorization server for the
// authorization code flow (by design); refresh tokens for external grants
// are the external AS's business.
package issuer
