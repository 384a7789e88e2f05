// Package wellknownsvc is the example well-known service: the W-Stack's
// oid4-vci-vp-well-known-service built from package wellknown with
// wellknown/natsregistry and wellknown/sqlregistry.
//
// Each configured tenant has base issuer metadata (credential_issuer from
// a URL template, its endpoints and display, or a W-Stack Git-importer
// directory of JSON templates) to which the configurations issuance
// plugins register on wellknown.issuer.registration are added; the
// registrations live in SQLite (default) or PostgreSQL and expire when not
// renewed. The document is served at the W-Stack route
// GET /v1/tenants/{tenant}/.well-known/openid-credential-issuer and at the
// OpenID4VCI 1.0 location /.well-known/openid-credential-issuer/v1/tenants/{tenant}
// (inserted before the identifier's path), without the plugins' internal
// routing members (topic, schema), which the W-Stack leaks to wallets.
// wellknown.issuer.metadata requests over NATS are answered with the full
// aggregated metadata, topic included, for issuers that route by it.
package wellknownsvc
