// Package fetch is the one guarded HTTP fetcher through which every remote
// document in wstack is retrieved: did:web documents, OpenID4VP request
// objects, status lists, issuer metadata, JSON-LD contexts and SD-JWT VC type
// metadata. It is public so that applications can configure it (timeouts,
// size limits, a host allow-list, loopback for their own tests) and hand the
// same Fetcher, with its cache, to every wstack package that fetches.
//
// It enforces: https only (plain http and loopback addresses only with the
// explicit AllowLoopback test option); no userinfo in URLs; a per-request
// timeout; a response size limit checked while reading; a redirect policy
// chosen per call (none by default, as OpenID4VP requires for request_uri);
// a check of every resolved address at connect time against loopback,
// private, link-local, CGNAT, multicast and other special-purpose ranges
// (RFC 6890), so DNS rebinding cannot reach internal services; an optional
// host allow-list hook; no proxies; and a TTL cache in which concurrent
// requests for the same URL make a single upstream call.
package fetch
