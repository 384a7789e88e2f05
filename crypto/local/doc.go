// Package local is wstack's in-process key engine. Keys live in memory and,
// when a file and a passphrase are configured, are persisted to a single file
// encrypted with AES-256-GCM under a key derived from the passphrase with
// scrypt (N=2^15, r=8, p=1). Every change rewrites the file atomically
// (temporary file, fsync, rename, directory fsync), so a crash leaves either
// the old or the new state and a restart loses nothing that was acknowledged.
//
// It implements every interface of package crypto and passes
// crypto/cryptotest. Private keys never leave the engine: Key values carry
// only public material.
package local
