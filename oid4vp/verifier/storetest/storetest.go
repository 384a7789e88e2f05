// Package storetest is the contract suite every verifier.Store backend
// runs (memory, SQL): round trips, typed errors, isolation of returned
// copies, and atomic Update under concurrency (exactly one of many
// concurrent claims of a transaction wins).
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/oid4vp/verifier"
	"github.com/ocmw/wstack/vocab"
)

// Run runs the contract suite; newStore returns an empty store.
func Run(t *testing.T, newStore func(t *testing.T) verifier.Store) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, newStore(t)) })
	t.Run("UpdateAbort", func(t *testing.T) { testUpdateAbort(t, newStore(t)) })
	t.Run("Copies", func(t *testing.T) { testCopies(t, newStore(t)) })
	t.Run("ConcurrentClaim", func(t *testing.T) { testConcurrentClaim(t, newStore(t)) })
	t.Run("DeleteExpired", func(t *testing.T) { testDeleteExpired(t, newStore(t)) })
}

var base = time.Unix(1_800_000_000, 0).UTC()

// Sample returns a fully populated record.
func Sample(id string) *verifier.Record {
	return &verifier.Record{
		ID: id, Tenant: "acme", Status: verifier.StatusCreated,
		CreatedAt: base, ExpiresAt: base.Add(5 * time.Minute),
		Request:       json.RawMessage(`{"client_id":"x509_hash:abc","nonce":"n"}`),
		RequestObject: "eyJ.eyJ.sig", EncryptionKey: []byte{1, 2, 3}, EncryptionKID: "k1",
		RedirectURI: "https://app.example.com/done", SecretHash: []byte("secret-hash-32-bytes-...........")}
}

func testRoundTrip(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	r := Sample("rt")
	require.NoError(t, s.Create(ctx, r))
	got, err := s.Get(ctx, "rt")
	require.NoError(t, err)
	requireEqual(t, r, got)
	res := &verifier.Result{Status: verifier.StatusAccepted, At: base.Add(time.Minute), Credentials: map[string][]verifier.VerifiedCredential{
		"pid": {{Format: vocab.FormatSDJWTVC, Issuer: "did:key:z", VCT: "urn:pid", Claims: map[string]any{"given_name": "Erika", "address": map[string]any{"locality": "Berlin"}}}}}}
	upd, err := s.Update(ctx, "rt", func(r *verifier.Record) error {
		r.Status = verifier.StatusAccepted
		r.Fetches = 2
		r.EncryptionKey = nil
		r.Result = res
		r.ResponseCodeHash = []byte("code")
		r.ResultRead = true
		return nil
	})
	require.NoError(t, err)
	got, err = s.Get(ctx, "rt")
	require.NoError(t, err)
	requireEqual(t, upd, got)
	require.Equal(t, verifier.StatusAccepted, got.Status)
	require.Equal(t, 2, got.Fetches)
	require.Empty(t, got.EncryptionKey)
	require.True(t, got.ResultRead)
	require.Equal(t, "Berlin", got.Result.Credentials["pid"][0].Claims["address"].(map[string]any)["locality"])
	require.True(t, got.Result.At.Equal(res.At))
}

func requireEqual(t *testing.T, want, got *verifier.Record) {
	t.Helper()
	w, err := json.Marshal(want)
	require.NoError(t, err)
	g, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, string(w), string(g))
}

func testErrors(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	require.NoError(t, s.Create(ctx, Sample("e")))
	require.ErrorIs(t, s.Create(ctx, Sample("e")), verifier.ErrExists)
	_, err := s.Get(ctx, "missing")
	require.ErrorIs(t, err, verifier.ErrNotFound)
	_, err = s.Update(ctx, "missing", func(*verifier.Record) error { return nil })
	require.ErrorIs(t, err, verifier.ErrNotFound)
}

func testUpdateAbort(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	require.NoError(t, s.Create(ctx, Sample("a")))
	boom := errors.New("boom")
	_, err := s.Update(ctx, "a", func(r *verifier.Record) error {
		r.Status = verifier.StatusRejected
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err := s.Get(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, verifier.StatusCreated, got.Status, "an aborted update stores nothing")
}

func testCopies(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	r := Sample("c")
	require.NoError(t, s.Create(ctx, r))
	r.Status = verifier.StatusRejected
	r.EncryptionKey[0] = 9
	got, err := s.Get(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, verifier.StatusCreated, got.Status)
	require.Equal(t, byte(1), got.EncryptionKey[0])
	got.SecretHash[0] = 'X'
	again, err := s.Get(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, byte('s'), again.SecretHash[0])
}

func testConcurrentClaim(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	const ids, workers = 4, 8
	for i := range ids {
		require.NoError(t, s.Create(ctx, Sample(fmt.Sprint("cc", i))))
	}
	var wins [ids]atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Update(ctx, fmt.Sprint("cc", i), func(r *verifier.Record) error {
					r.Fetches++
					if r.Status != verifier.StatusCreated {
						return verifier.ErrAlreadyResponded
					}
					r.Status = verifier.StatusReceived
					r.EncryptionKID = fmt.Sprint("worker", w)
					return nil
				})
				if err == nil {
					wins[i].Add(1)
				} else if !errors.Is(err, verifier.ErrAlreadyResponded) {
					t.Errorf("update: %v", err)
				}
			}()
		}
	}
	wg.Wait()
	for i := range ids {
		require.Equal(t, int32(1), wins[i].Load(), "exactly one claim of cc%d wins", i)
		got, err := s.Get(ctx, fmt.Sprint("cc", i))
		require.NoError(t, err)
		require.Equal(t, verifier.StatusReceived, got.Status)
		require.Equal(t, 1, got.Fetches, "only the successful update is stored")
	}
}

func testDeleteExpired(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	for i, exp := range []time.Duration{time.Minute, 2 * time.Minute, 10 * time.Minute} {
		r := Sample(fmt.Sprint("d", i))
		r.ExpiresAt = base.Add(exp)
		require.NoError(t, s.Create(ctx, r))
	}
	n, err := s.DeleteExpired(ctx, base.Add(3*time.Minute))
	require.NoError(t, err)
	require.Equal(t, 2, n)
	_, err = s.Get(ctx, "d0")
	require.ErrorIs(t, err, verifier.ErrNotFound)
	_, err = s.Get(ctx, "d2")
	require.NoError(t, err)
}
