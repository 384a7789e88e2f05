// Package presentation is wstack's one view of a credential over every
// supported format, and the validation and presentation entry points built
// on it.
//
//   - Credential is what matching and validation need from a credential of
//     any format: dc+sd-jwt (SD-JWT VC, draft-ietf-oauth-sd-jwt-vc-18, through
//     an SDJWTHandler such as sdjwt/presentation.SDJWTVCHandler), jwt_vc_json (VCDM 1.1 in a
//     JWT) and ldp_vc (W3C VCDM 1.1/2.0 with Data Integrity proofs); mso_mdoc
//     plugs in through a Decoder.
//   - Parser turns raw credentials into that view; Validator checks the
//     signature, validity window, status (a StatusChecker, e.g. the statuslist
//     package's checker) and issuer trust (a TrustPolicy), reporting each
//     failed check as its own typed error.
//   - Validator.VerifyPresentation verifies jwt_vp_json, ldp_vp and SD-JWT+KB
//     presentations bound to a request (OpenID for Verifiable Presentations
//     1.0 §8.6: nonce and audience), and Presenter builds them.
//
// Subpackages: w3c (VCDM 1.1/2.0 data model and the jwt_vc_json /
// jwt_vp_json formats), w3c/ldp (Data Integrity adapters), pex (DIF
// Presentation Exchange v2.1.1) and dcql (the Digital Credentials Query
// Language of OpenID4VP 1.0 §6–§7).
package presentation
