// Package svc is the small common frame of wstack's example services
// (examples/issuer, examples/verifier, …): configuration from flags and
// environment variables, JSON logs through slog, an HTTP server with the
// W-Stack's health route and graceful shutdown, pluggable authentication of
// the management APIs (static bearer tokens or JWTs checked against a JWKS),
// the W-Stack's CloudEvents envelopes on NATS, an embedded NATS server for
// the demo and the choice between SQLite and PostgreSQL.
//
// It is internal to the examples: a deployment that builds its own services
// from wstack's packages has its own frame.
package svc
