// Package wallet is the retrieval client of OpenID for Verifiable
// Credential Issuance 1.0 Final (OpenID Foundation, 16 September 2025): the
// Credential Retrieval Service of the W-Stack as a library. A Client takes
// an offer, fetches the issuer's metadata, obtains an access token,
// proves possession of holder keys, receives credentials, verifies each of
// them and stores the ones that pass.
//
//	offer → metadata → token → nonce → proof → credential → check → store
//
// AcceptOffer runs the whole flow; ResolveOffer, Start, Token, Nonce,
// RequestCredential, Deferred, Accept, Notify and Delete are the steps for
// callers who drive it themselves.
//
// # Implemented
//
//   - Credential Offer (§4.1): openid-credential-offer:// links, https
//     credential_offer_endpoint links and raw JSON; credential_offer_uri is
//     fetched only through the guarded fetch.Fetcher (no redirects, size
//     limit) after Config.ConsentOfferURI agreed. Both or neither parameter,
//     empty or duplicate credential_configuration_ids, configuration ids the
//     metadata does not list and an authorization_server the metadata does
//     not list are refused (ErrOffer).
//   - Issuer metadata (§12.2) through wellknown.Client: the well-known
//     segment inserted before the issuer path, credential_issuer equal to
//     the issuer identifier, and every endpoint (credential, nonce,
//     deferred, notification, authorization servers, token) an absolute
//     https URL not on a loopback host (InsecureAllowLoopback for tests).
//     Authorization server metadata by RFC 8414 path insertion, then
//     openid-configuration, its issuer equal to where it was fetched.
//     With SignedMetadataRoots or SignedMetadataKeys only signed metadata
//     (application/jwt, §12.2.3) is accepted, and only when it verifies.
//   - Pre-authorized code grant (§6) with tx_code from Config.TxCode (and
//     the drafts ≤12 user_pin), client_id or anonymous access; the token
//     response must carry access_token and the token_type asked for.
//   - Authorization code grant (§5) when the offer has no pre-authorized
//     code: PKCE S256 (RFC 7636), state, issuer_state, scope from the
//     configurations that list one (HAIP) and authorization_details
//     otherwise, PAR (RFC 9126) whenever the AS has a
//     pushed_authorization_request_endpoint (required when it says so),
//     dpop_jkt with DPoP, the redirect step as the Config.Authorize
//     callback, and an authorization response that must come back to
//     RedirectURI with the same state and, per RFC 9207, iss = the AS
//     (required when it advertises authorization_response_iss_parameter_supported).
//     The AS is the offer's authorization_server hint, else the first of
//     authorization_servers supporting the grant.
//   - Attestation-Based Client Authentication (draft 10, HAIP): with
//     Config.ClientAttestation, the OAuth-Client-Attestation and -PoP
//     headers (PoP signed by the instance key, aud = the AS, fresh jti) at
//     PAR and token endpoints that list attest_jwt_client_auth; client_id
//     is the attestation's sub.
//   - Key attestations (Appendix D): with Config.KeyAttestations, one
//     attestation of the request's keys goes into every jwt proof header
//     when the configuration has key_attestations_required, and the
//     attestation proof type (§F.3) is used when it is the only one offered.
//   - di_vp key proofs (§F.2) with Config.DataIntegrity for configurations
//     that offer only di_vp: a VP per key, holder = its did:key, purpose
//     authentication, domain = the issuer, challenge = c_nonce.
//   - Nonce endpoint (§7); jwt key proofs (§F.1, typ openid4vci-proof+jwt,
//     aud = credential issuer, nonce = c_nonce, iss = client_id) signed in
//     the key engine, with a did:key kid when the configuration lists
//     did:key among cryptographic_binding_methods_supported, else a jwk
//     header; batches with one key per proof up to batch_size; one retry on
//     invalid_nonce.
//   - Credential request by credential_identifier or
//     credential_configuration_id (§8); deferred issuance (§9) polled with
//     the issuer's interval clamped to [MinDeferredInterval,
//     Config.MaxDeferredInterval] (0 → DefaultDeferredInterval) and ctx
//     cancellation; notification (§11) credential_accepted after storing,
//     credential_failure when another credential of the offer was rejected,
//     credential_deleted on Delete.
//   - DPoP (RFC 9449) on token, credential, deferred and notification
//     requests when the authorization server advertises
//     dpop_signing_alg_values_supported and Config.DPoPKey is set, with one
//     retry on a DPoP-Nonce challenge (400 use_dpop_nonce at the token
//     endpoint, 401 WWW-Authenticate DPoP error="use_dpop_nonce" at the
//     resource endpoints).
//   - Encryption (§10): when the issuer offers credential_request_encryption
//     and credential_response_encryption (ECDH-ES, A256GCM or A128GCM), the
//     credential and deferred requests are JWEs (application/jwt) to the
//     issuer's key and ask for the response encrypted to an ephemeral P-256
//     key made per request; a response under another kid, or plaintext
//     where encryption was asked for, is rejected. SkipEncryption sends
//     plaintext when encryption is optional; an issuer requiring parameters
//     the wallet lacks gets ErrUnsupported.
//   - Checks before storing: every credential verified by the
//     presentation.Validator (issuer signature, validity, status, trust);
//     its format, vct (dc+sd-jwt), doctype (mso_mdoc) or credential types
//     (W3C) must match the requested configuration; it must be bound to a
//     key the wallet proved (cnf.jwk thumbprint or holder DID), each to a
//     different key; no more credentials than proofs (ErrTooMany). A
//     failure returns an error and stores nothing.
//   - Drafts 11–13 profile (Profile ProfileLegacy): offers with credentials
//     and user_pin_required (user_pin sent), c_nonce from token and
//     credential responses when there is no nonce endpoint, the singular
//     credential of legacy responses, and with Draft13Requests the
//     format-based request with the singular jwt proof.
//   - Refresh tokens (RFC 6749 §6): Refresh, and before a credential,
//     deferred or notification call whose access token expired (by
//     expires_in) or after an invalid_token answer (once), the refresh
//     token grant at the token endpoint (DPoP-proven for DPoP-bound
//     grants), keeping the rotated refresh token.
//   - Draft 13 batch credential endpoint: with Draft13Requests and several
//     keys, an issuer advertising batch_credential_endpoint gets one
//     batch request (a format-based request with the singular proof per
//     key, one c_nonce); deferred responses in it are polled; more
//     responses than requests, or several credentials in one, are refused.
//   - Store: a four-method interface (Put, List with Filter, Get, Delete),
//     MemoryStore, and the contract suite oid4vci/wallet/storetest that
//     other backends run.
//
// # Not implemented
//
// cwt and ldp_vp proofs of draft 13, key attestations and di_vp proofs at
// the draft 13 batch endpoint (such requests go one at a time), and
// fetching display images (their URIs are checked: https or data:image/…
// ≤ MaxDataURIBytes). Metadata that requires any of these is refused with
// ErrUnsupported or by the issuer.
package wallet
