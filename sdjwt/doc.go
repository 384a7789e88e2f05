// Package sdjwt implements Selective Disclosure for JSON Web Tokens, RFC 9901
// (November 2025): issuance with selectively disclosable object properties
// and array elements at any depth (including recursive disclosures and decoy
// digests), holder-side selection of disclosures by claim path with an
// optional Key Binding JWT (RFC 9901 §4.3), and verification with every check
// of RFC 9901 §7.1–§7.3. Both the compact serialization (§4) and the JWS JSON
// serialization, flattened and general (§8), are supported.
//
// The SD-JWT VC profile (draft-ietf-oauth-sd-jwt-vc-18: vct, non-disclosable
// claims, issuer key resolution through JWT VC Issuer Metadata, DIDs and x5c,
// status references and Type Metadata) lives in the subpackage sdjwt/vc.
//
// Security properties enforced here, several of which other Go libraries
// miss:
//
//   - _sd_alg is optional (absent means sha-256) and compared exactly; only
//     sha-256, sha-384 and sha-512 are accepted.
//   - ECDSA signatures must be raw JWS r‖s; DER encodings are rejected.
//   - Every part of the input goes through a strict JSON gate (valid UTF-8,
//     no duplicate members, bounded depth and size) and canonical base64url.
//   - A digest referenced twice, a disclosure presented twice or not
//     referenced at all, a disclosed name "_sd", "..." or "_sd_alg", and a
//     disclosed name colliding with another claim are rejected.
//   - Whether key binding is required is the verifier's policy
//     (Config.KeyBinding), never inferred from the presentation; sd_hash is
//     always checked over the exact presented string; a KB-JWT must have typ
//     kb+jwt and is verified with the cnf key only.
//   - Limits on presentation size, number of disclosures, nesting depth and
//     number of digests (decoys) are enforced before any recursion.
//
// Holder-side selection comes in two forms. Select and Present take
// claims path pointers (OpenID4VP 1.0 §7): a pointer to a leaf releases
// that leaf's disclosure and the disclosures of the containers enclosing it,
// never a sibling; a pointer to an array element releases that element
// only; a null component releases every element that has the rest of the
// path; a pointer ending at an object or array as a whole releases it with
// everything below it. SelectDisclosures and PresentDisclosures take an
// exact disclosure set (paths of disclosures, as Processed.Paths lists
// them) and release exactly those plus their enclosing disclosures — the
// path of a disclosable object then stands for that object's own
// disclosure, not its members. Processed.DisclosuresFor converts pointers
// into the exact set (what a wallet shows before consent).
//
// The three roles:
//
//	sd, _ := sdjwt.Issue(ctx, issuerSigner, claims, sdjwt.IssueOptions{Typ: "dc+sd-jwt", Disclosable: paths, HolderJWK: jwk})
//	pres, _ := held.Present(ctx, selected, &sdjwt.KeyBinding{Signer: holderSigner, Audience: aud, Nonce: nonce})
//	res, _ := verifier.Verify(ctx, pres, sdjwt.Expect{Audience: aud, Nonce: nonce})
package sdjwt
