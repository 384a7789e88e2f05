// Package vc implements the SD-JWT-based Verifiable Credentials profile,
// draft-ietf-oauth-sd-jwt-vc-18 (3 August 2026), on top of package sdjwt
// (RFC 9901):
//
//   - typ dc+sd-jwt (vc+sd-jwt only through Config.AllowLegacyTyp);
//   - vct required and never selectively disclosable, like iss, nbf, exp,
//     cnf, status, vct#integrity and aka_vcts;
//   - issuer key validation (§"Issuer Signing Key Validation"): JWT VC Issuer
//     Metadata (/.well-known/jwt-vc-issuer inserted before the path of iss,
//     issuer equal to iss, exactly one of jwks and jwks_uri), DID URLs in kid
//     through crypto/did, and x5c chains to a caller-supplied pool — always
//     through the guarded wstack/fetch fetcher;
//   - status references (status.status_list{idx,uri}, Token Status List)
//     extracted and handed to a StatusChecker (statuslist.Checker's
//     Presentation method); a credential with a status claim and no
//     checker fails with ErrStatusUnknown unless Config.SkipStatusCheck is
//     set, and revoked, suspended, other values and unknown status are
//     ErrRevoked, ErrSuspended, ErrStatusInvalid and ErrStatusUnknown;
//   - SD-JWT VC Type Metadata (optional, off by default): fetched from the
//     vct URL or a local registry, vct#integrity and extends#integrity
//     checked with Subresource Integrity (strongest algorithm), extends chains
//     with cycle detection and a depth bound, claim metadata mandatory and
//     sd (always/allowed/never) enforced.
//
// Issue applies the profile's rules at issuance before calling sdjwt.Issue;
// Verifier verifies presentations (and VerifyIssued the holder's copy).
// The credential view adapters (presentation.SDJWTVCHandler,
// presentation.SDJWTVCPresenter, presentation.CredentialFromSDJWT) live in
// package presentation, which sits above the formats; this package imports
// only the shared vocabulary (package vocab).
//
// Issuer keys: IssuerKeyResolver validates them through JWT VC Issuer
// Metadata, DID URLs and x5c chains, or takes configured keys
// (IssuerKeyResolver.Trusted, a jose.TrustedKeys; single JWKs parse with
// crypto.ParsePublicJWK).
package vc
