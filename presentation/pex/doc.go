// Package pex implements DIF Presentation Exchange v2.1.1
// (https://identity.foundation/presentation-exchange/spec/v2.1.1/): the
// presentation_definition and presentation_submission models (§5, §6),
// validation against the DIF JSON schemas (embedded in schemas/, never
// fetched), evaluation of input descriptors (§5.1: format, fields with
// path alternatives and JSON Schema filters, predicate, limit_disclosure,
// subject_is_issuer, is_holder, same_subject, statuses), submission
// requirements (§5.2: all / pick with count, min, max, from, from_nested),
// selection of the fewest credentials that satisfy a definition, building
// the presentation_submission and the vp_token through a Presenter, and
// the verifier's re-evaluation of a received submission (§8).
//
// Evaluation rules implemented as the specification states them, fixing
// the defects of the W-Stack matcher: every non-optional field must match
// (AND); path alternatives are tried in order and of each the first result
// is the value tested, a value failing the filter falls through to the next
// alternative; filters are full JSON Schema (draft-07 by default) compiled
// once, with a loader that refuses every reference outside the filter;
// submission requirements are evaluated. For jwt_vc / jwt_vc_json the paths
// run over the JWT claims set ($.vc.type, $.iss), for ldp_vc over the
// credential document, for SD-JWT VC over the processed claims and for mdoc
// over the namespaces. JSONPath is limited to a safe subset of RFC 9535
// (package internal/match), checked for length and structure before any
// parsing; of filter selectors it has the comparisons of a member with a
// literal that deployed definitions use, `[?(@.type=='BachelorDegree')]`
// (==, !=, <, <=, >, >= with a string, number, true, false or null; RFC
// 9535 §2.3.5.2.2 semantics).
//
// Holder and subject checks use the credential view: is_holder "required"
// needs a credential bound to the holder (HolderJWK or HolderID, and
// HolderID equal to Subject when both are known); same_subject "required"
// needs equal, non-empty Subject values across the descriptors owning the
// named fields; subject_is_issuer "required" needs Subject == Issuer;
// statuses are resolved through a StatusChecker.
//
// Limitations: predicate "required" needs a derived boolean that none of
// the supported credential formats can produce, so such a field never
// matches (ErrPredicateUnsupported); the algorithm of an mdoc is not in the
// credential view, so a designation listing algorithms is only satisfied by
// an mdoc when WithCredentialAlgorithm supplies it (ErrAlgorithmUnknown
// otherwise).
package pex
