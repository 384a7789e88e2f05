// Package statussvc is the status list service of wstack's examples (the
// XFSC W-Stack's status list service done properly), built on package
// statuslist: an Allocator hands out indices in a keyed random order from
// lists in an SQL store (SQLite by default, PostgreSQL shared between
// replicas), a Publisher signs the lists through a crypto.Engine key and
// serves them.
//
//   - Allocation: NATS request/reply on status.data.create (event type
//     "create") and POST /v1/tenants/{tenant}/status/allocate, for IETF Token
//     Status Lists (draft-ietf-oauth-status-list) and W3C Bitstring Status
//     Lists v1.0, any purpose and bits per entry. The reply carries the
//     object to embed in the credential: the IETF "status" claim or the W3C
//     "credentialStatus" entry.
//   - Status changes: revoke (final), suspend and reinstate, over HTTP.
//   - Publication: GET /v1/tenants/{tenant}/status/{listId}, negotiated by
//     Accept: application/statuslist+jwt or +cwt for IETF lists,
//     application/vc+jwt (a BitstringStatusListCredential secured with JOSE)
//     for W3C lists; plus the signing keys as a JWKS and the IETF
//     aggregation document.
//   - The W-Stack's "verify" event on status.data.create answers from the
//     service's own store.
package statussvc
