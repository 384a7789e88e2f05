// Package ldp connects W3C credentials secured with Data Integrity proofs
// (the OpenID4VC formats ldp_vc and ldp_vp; VC Data Integrity 1.0) to the
// credential view: Verifier adapts a crypto/dataintegrity Processor to
// presentation.ProofVerifier, and Signer adapts it to
// presentation.ProofSigner, so that presentation.Validator verifies and
// presentation.RequestPresenter builds ldp_vc / ldp_vp through the same view as the
// JWT and SD-JWT formats. TypeExpander expands the type values of W3C
// credentials to IRIs for DCQL type_values (dcql.WithTypeExpander).
//
// It lives apart from package presentation so that the JSON-LD stack
// (json-gold) is linked only by programs that handle ldp formats.
package ldp
