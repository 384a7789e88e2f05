// Package vocab is the vocabulary shared by wstack's credential formats,
// query languages and protocols, below all of them: format identifiers
// (OpenID4VCI/VP 1.0 Appendix A/B names and the DIF claim-format registry
// names of Presentation Exchange v2.1.1), claims path pointers (OpenID4VP
// 1.0 §7), status references into status lists, and the one StatusChecker
// interface with its documented interpretation (CheckStatus).
//
// The layers read bottom-up: crypto → vocab → formats (sdjwt, sdjwt/vc,
// presentation/w3c, statuslist) → the credential view (presentation) →
// matching (presentation/dcql, presentation/pex) → protocols (oid4vci,
// oid4vp). A user of bare SD-JWT or status lists imports this package, not
// the credential view.
package vocab
