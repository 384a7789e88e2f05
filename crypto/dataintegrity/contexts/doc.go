// Package contexts bundles the JSON-LD contexts that W3C Verifiable
// Credentials and Data Integrity proofs reference, and provides an offline,
// goroutine-safe document loader for json-gold.
//
// Bundled (transcribed from the specifications; they are normative data):
//
//   - https://www.w3.org/2018/credentials/v1 (VCDM 1.1)
//   - https://www.w3.org/ns/credentials/v2 (VCDM 2.0 REC, 15 May 2025, which
//     also defines the Bitstring Status List terms); its bytes match the SRI
//     digest sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU
//   - https://w3id.org/security/data-integrity/v1 and /v2 (VC Data Integrity 1.0)
//   - https://w3id.org/security/multikey/v1 (Controlled Identifiers / Multikey)
//   - https://w3id.org/security/suites/ed25519-2020/v1 (Ed25519Signature2020)
//   - https://w3id.org/security/suites/jws-2020/v1 (JsonWebSignature2020)
//   - https://w3id.org/vc/status-list/2021/v1 (StatusList2021)
//   - https://www.w3.org/ns/did/v1 (DID Core 1.0)
//
// The loader never touches the network or the file system on its own. A
// context that is not bundled is loaded only if its exact URL is in the
// allow-list (or supplied as a pinned document) and a fetch function is
// configured; every remote fetch should go through the guarded fetcher
// (FetchWith adapts wstack/fetch). Parsed documents are cached.
package contexts
