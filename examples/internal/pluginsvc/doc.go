// Package pluginsvc is the example issuance plugin: the W-Stack's
// oid4-vci-issuer-dummycontentsigner done properly.
//
// It serves an issuer.Plugin over NATS with oid4vci/issuer/natsplugin on
// its topic (default issuer.dummycontentsigner: <topic>.metadata and
// <topic>.issue) with a dc+sd-jwt configuration (an employee/developer
// credential, vct SD_JWT_DEVELOPER_CREDENTIAL, every claim selectively
// disclosable and the members of an address object disclosable one by one
// inside it — recursive disclosures, as a PID has them) and optionally a
// jwt_vc_json configuration.
//
// Claims are prepared per subject: a request on <topic>.request
// (IssuanceRequest{identifier, payload}, or the authenticated
// POST /v1/tenants/{tenant}/issuance/request) is checked and handed with
// the offer request to the issuer over credential.offer.url, which stores
// it with the offer; the reply is the offer link (IssuanceReply{offer}).
// On issuance the credential is signed through the Config's crypto.Engine
// (issuer did:key or did:jwk, or a configured https issuer identifier),
// optionally with a status list entry allocated over NATS
// status.data.create (the returned status object is embedded), and bound
// to the holder's proven key (cnf.jwk). The configurations are registered
// with the well-known service on wellknown.issuer.registration every 30 s.
package pluginsvc
