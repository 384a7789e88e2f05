// Package vpcache is a cache of verified presentations for the Decentralized
// Claims Protocol (DCP v1.0) presentation flow, as decided for Eclipse
// Tractus-X EDC ("Verifiable Presentation Caching", decision record
// 2025-12-11, merged as tractusx-edc PR #2480).
//
// A connector that verifies a counterparty asks the counterparty's credential
// service for presentations (DCP v1.0, Verifiable Presentation Protocol,
// "Resolution API") for every protocol message. The cache keeps each verified presentation set per
// participant context, counterparty DID and scope set, and answers from it
// while every credential inside is still valid.
//
// # Key
//
// A [Key] is the participant context, the counterparty DID and the scope set.
// Scopes are a set: order does not matter, duplicates collapse and comparison
// is exact (byte for byte, no case folding or trimming), which is what the
// Java implementation does with a HashSet. An empty scope set is its own key;
// an empty scope string, an empty participant context or a malformed DID is
// rejected with [ErrInvalidKey].
//
// # Store
//
// [Cache.Store] writes nothing unless every check passes, in this order:
// the [Verifier] verifies every presentation (proof, audience, credential
// signatures, subject ids, issuer trust); the scope-coverage rule of
// Tractus-X (see [TractusXCoverage]); the holder of every presentation equals
// the counterparty DID; every credential is inside its validity window; no
// credential is revoked or suspended ([StatusChecker]); optionally the
// [IssuerTrust] accepts every issuer. A rejection is an error matching
// [ErrRejected] and the specific reason (for example [ErrHolderMismatch]).
//
// The entry expires at the earliest of the configured validity (default 24 h,
// [DefaultValidity]), the earliest credential expiry and, with
// [WithStrictExpiry], the earliest presentation expiry (the DCP v1.0
// "Presentation Validation" rules require a verifier to honour the VP's exp;
// EDC does not, which is why strict mode is off by default).
//
// # Query
//
// [Cache.Query] re-checks the entry age, every credential's validity window,
// revocation and suspension and, if an [IssuerTrust] is configured, issuer
// trust. A failing entry is deleted only if its version is unchanged (a fresher
// entry stored meanwhile survives) and the query reports a miss ([ErrMiss]).
// A store failure is also a miss.
//
// # Request service
//
// [RequestService] wraps any function that requests presentations from the
// counterparty: a hit never calls it, a miss calls it once for all concurrent
// callers of the same key (the flight repeats the lookup first) and stores a
// successful result, every caller is bounded by its own context, and a cache
// failure never fails a request. Its [Response] carries the verified view of
// the presentations ([Verified]) on hits and misses alike; callers use it
// instead of verifying the raw presentations again (whose own exp may have
// passed on a hit); [Response] lists what they still check. Fresh
// presentations that the cache's checks reject fail the request with a
// [*RejectedError]. [RequestService.Reject] evicts an entry that a later
// check rejected.
//
// # Stores
//
// [MemoryStore] is bounded (LRU, optional per-context quota) and
// concurrency safe. Package github.com/ocmw/wstack/vpcache/sqlstore
// implements [Store] on SQLite and PostgreSQL; with PostgreSQL several
// replicas share one cache, so one invalidation reaches all of them.
// [TieredStore] adds an in-process L1 in front of a shared store, which
// sqlstore's PostgreSQL LISTEN/NOTIFY keeps coherent across replicas. Package
// github.com/ocmw/wstack/vpcache/vpcachetest holds the contract suite every
// store passes.
//
// # Invalidation
//
// [NewInvalidationHandler] serves DELETE ?participantId=<did>[&participantContextId=<id>]
// for a management API behind a required [Authenticator].
//
// # Configuration
//
// [ConfigFromEnv] reads the Tractus-X settings tx.edc.dcp.cache.enabled and
// tx.edc.dcp.cache.validity.seconds (also as TX_EDC_DCP_CACHE_ENABLED and
// TX_EDC_DCP_CACHE_VALIDITY_SECONDS) and wstack's own WSTACK_VPCACHE_*
// variables. Unlike Tractus-X (minimum 1 s), a validity of 0 disables the
// cache, as in the decision record; a negative validity is an error.
//
// Presentations, tokens and credentials are never logged; log lines carry the
// participant context, the counterparty DID and the scope-set hash.
package vpcache
