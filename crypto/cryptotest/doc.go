// Package cryptotest is the conformance suite every wstack key engine must
// pass. An engine's test calls Run with a constructor; the suite covers the
// key lifecycle, sign/verify round trips per algorithm checked independently
// through the exported public JWK, rotation, namespace isolation, deletion,
// encryption, typed errors and concurrent use (run it under -race).
package cryptotest
