// Package dataintegrity signs and verifies W3C Data Integrity proofs on
// JSON-LD documents (Verifiable Credentials and Presentations):
//
//   - VC Data Integrity 1.0 (W3C Recommendation, 15 May 2025): proof model,
//     proof purposes, proof sets, the verification algorithm of §4.4 and its
//     error classes (ErrParsing, ErrProofVerification, ErrInvalidDomain,
//     ErrInvalidChallenge);
//   - VC-DI-EdDSA 1.0 (REC, 15 May 2025): eddsa-rdfc-2022, eddsa-jcs-2022
//     (JCS, RFC 8785, no JSON-LD processing) and the legacy
//     Ed25519Signature2020 suite;
//   - VC-DI-ECDSA 1.0 (REC, 15 May 2025): ecdsa-rdfc-2019 and ecdsa-jcs-2019
//     with P-256/SHA-256 and P-384/SHA-384;
//   - the legacy JsonWebSignature2020 suite (W3C CCG Linked Data Proof
//     JsonWebSignature2020): a detached, unencoded-payload JWS (RFC 7797)
//     over the same hash data.
//
// Canonicalisation is JSON-LD 1.1 expansion and toRdf through json-gold with
// an offline document loader (package contexts) in SafeMode (a term that the
// contexts do not define is ErrUndefinedTerm, never silently dropped),
// followed by RDFC-1.0 from package rdfc with a work cap. SafeMode alone is
// not enough with json-gold: its toRdf still drops quads with relative IRIs,
// http(s) IRIs that fail its URL check, blank-node predicates and invalid
// language tags, and ignores @direction; the expanded document is checked
// for all of these before conversion, so what is signed is what is shown.
// Processed top-level contexts are cached per Canonicalizer. Keys stay in
// crypto engines: a KeySigner signs through crypto.Signer. Verification
// methods are resolved through VerificationMethodResolver, which also checks
// that the method is authorised for the proof purpose.
//
// Not implemented: ecdsa-sd-2023, bbs-2023
// and proof chains (previousProof).
package dataintegrity
