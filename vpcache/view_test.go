package vpcache_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
	"github.com/ocmw/wstack/vpcache"
	"github.com/ocmw/wstack/vpcache/sqlstore"
)

// party is a did:key identity whose key lives in a local engine.
type party struct {
	did, kid string
	signer   *jose.KeySigner
}

func newParty(t *testing.T, e *local.Engine, id string) party {
	t.Helper()
	ctx := context.Background()
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "dcp", Group: "keys"}, ID: id}
	_, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: crypto.KeyTypeECP256})
	require.NoError(t, err)
	d, kid, err := did.NewKeyDIDFromEngine(ctx, e, ref)
	require.NoError(t, err)
	s, err := jose.NewKeySigner(ctx, e, ref, "")
	require.NoError(t, err)
	return party{did: d, kid: kid, signer: s}
}

// TestCacheWithCredentialView runs the cache over the real credential view
// (jwt_vc_json credentials in a nonce-less DCP jwt_vp_json, did:key keys
// resolved through crypto/did, a status checker) with the memory store and
// with SQLite, where hits re-read the stored presentations through the
// parse-only path.
func TestCacheWithCredentialView(t *testing.T) {
	ctx := context.Background()
	e, err := local.New(local.Options{})
	require.NoError(t, err)
	issuer := newParty(t, e, "issuer")
	holder := newParty(t, e, "holder")
	stranger := newParty(t, e, "stranger")
	const ownDID = "did:web:connector-a.example.com"
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var clockNow atomic.Int64
	clockNow.Store(now.UnixNano())
	clock := func() time.Time { return time.Unix(0, clockNow.Load()).UTC() }

	reg := did.NewDefaultRegistry(nil, did.WebOptions{})
	revoked := map[uint64]bool{}
	status := vocab.StatusCheckerFunc(func(_ context.Context, ref vocab.StatusReference) (vocab.StatusResult, error) {
		if ref.URI != "https://issuer.example.com/status/1" {
			return vocab.StatusResult{}, fmt.Errorf("unknown list %s", ref.URI)
		}
		if revoked[ref.Index] {
			return vocab.StatusResult{Value: 1}, nil
		}
		return vocab.StatusResult{}, nil
	})
	validator := presentation.NewValidator(presentation.ValidatorConfig{
		IssuerKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(reg, did.KeyResolverOptions{})},
		HolderKeys: &w3c.IssuerKeys{DID: did.NewKeyResolver(reg, did.KeyResolverOptions{Relationship: did.Authentication}), Relationship: w3c.Authentication},
		Status:     status,
		Trust:      presentation.TrustedIssuers{issuer.did},
		Now:        clock,
	})
	view, err := vpcache.NewView(vpcache.ViewConfig{
		Validator: validator,
		Audience: func(_ context.Context, pc string) (string, error) {
			if pc != "pc-1" {
				return "", errors.New("unknown participant context")
			}
			return ownDID, nil
		},
	})
	require.NoError(t, err)

	credential := func(idx int, typ string) string {
		c := &w3c.Credential{
			Context:           w3c.Many[any](w3c.ContextV1, "https://w3id.org/vc/status-list/2021/v1"),
			Type:              w3c.Many("VerifiableCredential", typ),
			Issuer:            &w3c.Issuer{ID: issuer.did},
			IssuanceDate:      "2026-01-01T00:00:00Z",
			ExpirationDate:    "2027-01-01T00:00:00Z",
			CredentialSubject: w3c.One(map[string]any{"id": holder.did, "holdsIdentifier": "BPNL000000000001"}),
			CredentialStatus: w3c.One(w3c.Object{
				ID: fmt.Sprintf("https://issuer.example.com/status/1#%d", idx), Type: w3c.One("StatusList2021Entry"),
				Extra: map[string]any{"statusPurpose": "revocation", "statusListIndex": fmt.Sprint(idx), "statusListCredential": "https://issuer.example.com/status/1"},
			}),
		}
		tok, err := w3c.SignCredentialJWT(ctx, issuer.signer, c, w3c.SignOptions{Header: map[string]any{"kid": issuer.kid}, Now: now})
		require.NoError(t, err)
		return tok
	}
	vp := func(signer party, aud string, creds ...string) vpcache.Presentation {
		items := make([]any, len(creds))
		for i, c := range creds {
			items[i] = c
		}
		p := &w3c.Presentation{Context: w3c.One[any](w3c.ContextV1), Type: w3c.One("VerifiablePresentation"),
			Holder: &w3c.Issuer{ID: signer.did}, VerifiableCredential: w3c.Many(items...)}
		tok, err := w3c.SignPresentationJWT(ctx, signer.signer, p, w3c.PresentationSignOptions{
			Audience: aud, NoNonce: true, Now: clock(), Lifetime: time.Minute, Header: map[string]any{"kid": signer.kid},
		})
		require.NoError(t, err)
		return vpcache.Presentation{Format: vocab.FormatJWTVPJSON, Raw: tok}
	}
	scopes := []string{"org.eclipse.tractusx.vc.type:MembershipCredential:read"}
	key, err := vpcache.NewKey("pc-1", holder.did, scopes)
	require.NoError(t, err)

	sqlite, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "vpcache.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sqlite.Close() })
	stores := map[string]vpcache.Store{"memory": vpcache.NewMemoryStore(), "sqlite": sqlite}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			clockNow.Store(now.UnixNano())
			clear(revoked)
			c, err := vpcache.New(store, view, vpcache.WithParser(view), vpcache.WithClock(clock),
				vpcache.WithStatusChecker(status))
			require.NoError(t, err)
			defer c.Close()

			good := vp(holder, ownDID, credential(7, "MembershipCredential"))
			_, err = c.Store(ctx, key, []vpcache.Presentation{good})
			require.NoError(t, err)

			// An hour later the VP's own exp (1 min) has passed; the cache
			// still serves it (EDC semantics, strict expiry off) and re-reads
			// it without re-verifying the expired proof.
			clockNow.Store(now.Add(time.Hour).UnixNano())
			hit, err := c.Query(ctx, key)
			require.NoError(t, err)
			require.Equal(t, good.Raw, hit.Presentations[0].Raw)
			require.Equal(t, holder.did, hit.Parsed[0].Holder)
			require.Equal(t, issuer.did, hit.Parsed[0].Credentials[0].Issuer)

			// Revocation is seen on the next query, which evicts the entry.
			revoked[7] = true
			_, err = c.Query(ctx, key)
			require.ErrorIs(t, err, vpcache.ErrMiss)
			revoked[7] = false
			_, err = c.Query(ctx, key)
			require.ErrorIs(t, err, vpcache.ErrMiss, "evicted entries stay evicted")

			clockNow.Store(now.UnixNano())
			rejects := map[string][]vpcache.Presentation{
				"wrong audience":          {vp(holder, "did:web:someone-else.example.com", credential(8, "MembershipCredential"))},
				"holder not counterparty": {vp(stranger, ownDID, credential(9, "MembershipCredential"))},
				"scope not covered":       {vp(holder, ownDID, credential(10, "DismantlerCredential"))},
				"tampered":                {{Format: vocab.FormatJWTVPJSON, Raw: good.Raw[:len(good.Raw)-4] + "AAAA"}},
			}
			for why, ps := range rejects {
				_, err := c.Store(ctx, key, ps)
				require.ErrorIs(t, err, vpcache.ErrRejected, why)
				_, err = c.Query(ctx, key)
				require.ErrorIs(t, err, vpcache.ErrMiss, "%s: nothing stored", why)
			}
		})
	}
}
