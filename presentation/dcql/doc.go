// Package dcql implements the Digital Credentials Query Language of OpenID
// for Verifiable Presentations 1.0 (§6 DCQL, §7 claims path pointers, §8.1
// the vp_token shape, §8.6 validation of the vp_token, Appendix B format
// specific meta parameters).
//
// A Query is parsed with Parse (size, depth and every structural rule of
// §6 checked, errors carrying the spec's error code invalid_request) and
// compiled once with Compile. The Compiled form evaluates credentials from
// an iter.Seq (Match), exposes what a store can pre-filter on (Hints),
// selects the credentials to present following claim_sets and
// credential_sets (a request that cannot be met returns ErrUnsatisfiable,
// never a partial selection), computes for SD-JWT the minimal set of
// disclosures, builds the vp_token through a Presenter, and re-validates a
// received vp_token on the verifier side (Verify) without trusting the
// wallet's matching.
//
// Disclosure (§6.4: a wallet must not send selectively disclosable claims
// that were not selected). Match.Disclose is an exact set of disclosures,
// computed from the concrete locations the requested claims path pointers
// resolve to: a pointer to a leaf releases that leaf's disclosure and the
// disclosures of the containers enclosing it, never a sibling; a pointer
// to an array element releases that element only; null releases every
// element (that has the rest of the path and, with values, matches); a
// pointer ending at an object or array as a whole releases it with
// everything below it. Without claims nothing selectively disclosable is
// released (§6.4.1). The Presenter must present exactly that set
// (presentation.RequestPresenter does, through sdjwt.SDJWT.PresentDisclosures).
package dcql
