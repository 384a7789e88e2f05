// Package verifiersvc is wstack's verification service, the W-Stack's
// OID4VP verifier (xfsc.md §3 "Verification service") rebuilt from
// oid4vp/verifier, presentation and vpcache.
//
// Per tenant it has its own client identity (decentralized_identifier with
// the did:key or did:jwk of an engine key, or x509_san_dns with a
// configured certificate chain) and signs its Request Objects through the
// crypto.Engine. The internal process creates presentation requests
// (HTTP or the W-Stack's NATS subject verifier.presentation.authorization)
// and reads the verified claims; wallets fetch the Request Object and post
// their response (direct_post.jwt by default) to the routes of
// oid4vp/verifier's Handler; status changes go out as
// verifier.proof.notification events.
//
// Verified presentations of requests that name a holder DID go into a
// vpcache.Cache; a later request for the same holder and the same
// credential queries is answered from it (validity, status and issuer
// trust re-checked on every hit) without a wallet round trip. The mapping
// from a DCQL query to the cache's scope set is in Scopes.
//
// Transactions, request metadata and the cache live in SQLite by default
// and in PostgreSQL when the Storage names a DSN, so that replicas share
// them: any replica answers a wallet's fetch or response, and one
// invalidation reaches every replica.
package verifiersvc
