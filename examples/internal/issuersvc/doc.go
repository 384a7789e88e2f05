// Package issuersvc is the example issuance service: the W-Stack's
// oid4-vci-issuer-service and its pre-authorization bridge in one, built
// from oid4vci/issuer.
//
// Every configured tenant gets its own issuer.Issuer whose Credential
// Issuer Identifier is <PublicURL>/v1/tenants/<tenant>; its token, nonce,
// credential, deferred, notification and offer-by-reference endpoints live
// below that path, and its metadata at the RFC 8615 insertion points
// /.well-known/openid-credential-issuer/v1/tenants/<tenant> and
// /.well-known/oauth-authorization-server/v1/tenants/<tenant> (OpenID4VCI
// 1.0 §12.2.2, RFC 8414 §3.1), all on the one mux of Handler. The draft 13
// location <identifier>/.well-known/openid-credential-issuer is served too.
//
// Issuance is done by plugins in other processes over NATS
// (oid4vci/issuer/natsplugin, one topic each, default
// issuer.dummycontentsigner). Access tokens are signed through the
// crypto.Engine of the Config. Offers are created through the NATS request
// credential.offer.url (the W-Stack's OfferingURLReq) or the authenticated
// POST /v1/tenants/{tenant}/offers; transaction codes go out only as events
// on the NATS subject pin (type email.pin.v1 or didcomm.pin.v1), never into
// a log or a response. State lives in oid4vci/issuer/sqlstore: SQLite files
// by default, PostgreSQL when Config.Storage names it, so replicas share
// codes, nonces and grants (a code is redeemed once across replicas).
package issuersvc
