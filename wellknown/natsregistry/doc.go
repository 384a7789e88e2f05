// Package natsregistry connects a wellknown.Aggregator to NATS the way the
// Eclipse XFSC OCM W-Stack's well-known service is connected: it subscribes
// to wellknown.issuer.registration, where issuance plugins broadcast their
// metadata (every 30 s in the W-Stack), and answers wellknown.issuer.metadata
// requests from the issuance service.
//
// Messages are CloudEvents 1.0 in structured JSON mode (the W-Stack's
// cloud-event-provider), the data carrying the W-Stack envelope fields
// (tenant_id, request_id, group_id) and:
//
//   - event type …issuer.registration: {"issuer": <Credential Issuer
//     Metadata>}; every configuration of credential_configurations_supported
//     is upserted for the event's source (Aggregator.RegisterIssuer);
//   - event type …issuer.credential.registration: {"issuer", "configurationId",
//     "credentialConfiguration"}; one configuration is upserted
//     (Aggregator.RegisterConfiguration);
//   - request on wellknown.issuer.metadata: {"format"} (optional filter) →
//     reply {"tenant_id", "request_id", "issuer": <aggregated metadata>} or
//     {"error": {"status", "msg"}}; plugin members such as "topic" are kept so
//     the issuer can route to the plugin.
//
// Registrations are validated and bounded by the Aggregator (invalid JSON,
// oversized or conflicting registrations are rejected and reported through
// Config.OnRegistration and the logger); messages above MaxMessageBytes are
// dropped before decoding. The core wellknown package does not depend on
// NATS; this package does (github.com/nats-io/nats.go).
package natsregistry
