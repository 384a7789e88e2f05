// Package statuslist implements credential status lists for everything
// wstack issues and verifies:
//
//   - IETF Token Status List, draft-ietf-oauth-status-list-20: status lists of
//     1, 2, 4 or 8 bits per entry packed least-significant-bit first, DEFLATE
//     in ZLIB (RFC 1950), base64url; status list tokens as JWT (typ
//     statuslist+jwt) and CWT (COSE_Sign1, application/statuslist+cwt);
//     referenced-token status_list{idx,uri}; aggregation.
//   - W3C Bitstring Status List v1.0 (Recommendation, 15 May 2025):
//     BitstringStatusListEntry and BitstringStatusListCredential with
//     encodedList = multibase "u" + base64url(GZIP), index 0 = most
//     significant bit, at least 131,072 entries, statusSize/statusMessage.
//   - StatusList2021 (W3C CCG, legacy): read and verify only.
//
// The two bit orders are opposite and are kept apart by type: an IETF list is
// always LSBFirst, a W3C list always MSBFirst (see List).
//
// Issuer side: an Allocator hands out indices in a keyed pseudo-random order
// without repetition (herd privacy: the privacy considerations of both specs) from
// per-tenant, per-pool lists held in a Store (Memory here; SQLite and
// PostgreSQL in statuslist/sqlstore; contract suite in statuslist/storetest),
// optionally reserving runs of sequence numbers per round trip (WithBatch);
// statuses are set atomically and revocation is final; a Publisher signs
// list tokens (JWT, CWT) and W3C list credentials (vc+jwt) and serves them
// (Publisher.Handler: media types, Cache-Control from ttl/exp, ETag) and the
// aggregation document (Publisher.AggregationHandler).
//
// Verifier side: a Checker fetches lists through the guarded fetcher
// (GuardedFetcher), verifies signature, typ, sub = uri, expiry and purpose,
// caches by ttl/exp clamped to a configured range, and answers
// Check(ctx, vocab.StatusReference) (Status, error); CheckAt resolves
// historical statuses. ReferenceFromIETF and ReferenceFromW3C parse status
// claims strictly.
//
// Untrusted input is bounded everywhere: the inflated size of a list is capped
// before it is allocated (DecodeOptions.MaxDecodedBytes), CBOR nesting depth
// and item counts are limited, and token sizes are capped.
package statuslist
