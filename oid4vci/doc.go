// Package oid4vci holds the wire types and codecs of OpenID for Verifiable
// Credential Issuance 1.0 Final (OpenID Foundation, 16 September 2025,
// including errata set 1 of the editor's copy) shared by the issuer
// (oid4vci/issuer) and the wallet (oid4vci/wallet). It does no I/O.
//
// Covered messages, each a struct with JSON tags as the specification
// spells them and an Extra map that keeps unknown members across a round
// trip:
//
//   - Credential Offer (§4.1) by value and by reference, and offer links
//     (openid-credential-offer://?credential_offer=… or
//     …?credential_offer_uri=…, or a wallet's https credential_offer_endpoint):
//     CredentialOffer, Grants, PreAuthorizedCodeGrant, TxCode, OfferLink.
//     The link is also the QR code payload; this package renders no image.
//   - Authorization details of type openid_credential (§5.1.1), token
//     request and response with the pre-authorized code grant (§6), nonce
//     response (§7).
//   - Credential request with proofs (jwt, di_vp, attestation) and
//     credential_response_encryption, credential response (200 credentials
//     or 202 transaction_id + interval), deferred request and response,
//     notification request (§8, §9, §11).
//   - Credential Issuer Metadata with every §12.2.4 parameter and the
//     Appendix A format members (vct, doctype, credential_definition),
//     signed metadata (application/jwt, typ openidvci-issuer-metadata+jwt,
//     §12.2.3) and the well-known URL (§12.2.2).
//   - The jwt key proof header and claims (§F.1) with the structural
//     checks of §F.4; the signature is verified by the caller.
//   - One protocol Error type with the specification's error codes and
//     HTTP status, written by WriteError as a JSON body or, for access
//     token errors at protected endpoints (RFC 6750 §3, RFC 9449 §7.1), as
//     a Bearer or DPoP WWW-Authenticate challenge (use_dpop_nonce with
//     DPoP-Nonce). Errors are never encrypted.
//
// A Parser decodes untrusted input: a size and depth limit, strict JSON
// (valid UTF-8, no duplicate member names), then the validation rules of
// the specification. Failures wrap a package sentinel (ErrMalformed,
// ErrMissing, ErrConflict, …) and are *FieldError values that name the
// member and the error code the receiving endpoint answers with.
//
// # Legacy profile: drafts 11–13
//
// Parser{Profile: ProfileLegacy} also accepts the shapes of OpenID4VCI
// drafts 11, 12 and 13 that deployed wallets and issuers (the Eclipse XFSC
// OCM W-Stack among them) still speak: offers with credentials (strings,
// and draft 11 objects) and user_pin_required (drafts ≤12) or draft 13's
// credential_configuration_ids with tx_code and interval; the token
// request's user_pin; c_nonce and c_nonce_expires_in in token, credential
// and error responses; format-based credential requests (format with
// credential_definition, vct or doctype); the singular proof object
// (jwt, cwt, ldp_vp); the singular credential in responses; the draft 13
// issuer metadata members (batch_credential_endpoint, signed_metadata,
// credential_identifiers_supported, configuration-level display, claims
// and order); the batch credential endpoint; and the draft error codes
// (authorization_pending, slow_down, unsupported_credential_type,
// unsupported_credential_format, issuance_pending). The default profile is
// 1.0 Final; under it the draft-only members are errors (ErrLegacy) where
// ignoring them would change the meaning of the message.
package oid4vci
