package sdjwt

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/stretchr/testify/require"
)

// An ES256 issuer policy accepts KB-JWTs of EdDSA and ES384 holders by
// default; an explicit KBAlgorithms still narrows it.
func TestKBAlgorithmsDefault(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	e, err := local.New(local.Options{})
	require.NoError(t, err)
	for _, kt := range []crypto.KeyType{crypto.KeyTypeEd25519, crypto.KeyTypeECP384} {
		t.Run(string(kt), func(t *testing.T) {
			ref := crypto.KeyRef{Context: crypto.Context{Namespace: "test"}, ID: "holder-" + string(kt)}
			_, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: kt})
			require.NoError(t, err)
			holder, err := jose.NewKeySigner(ctx, e, ref, "")
			require.NoError(t, err)
			jwk, err := crypto.PublicJWK(holder.Public())
			require.NoError(t, err)
			claims, paths := nestedClaims()
			sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: paths, HolderJWK: jwk})
			require.NoError(t, err)
			kb := env.kb()
			kb.Signer = holder
			pres, err := sd.Present(ctx, nil, kb)
			require.NoError(t, err)

			_, err = env.verifier(t, KeyBindingRequired).Verify(ctx, pres, testExpect)
			require.NoError(t, err, "default KB algorithms rejected a %s holder", kt)

			narrow, err := NewVerifier(Config{Algorithms: []crypto.Algorithm{crypto.ES256}, KBAlgorithms: []crypto.Algorithm{crypto.ES256},
				Typ: []string{"example+sd-jwt"}, Key: env.issuer.Public(), Now: func() time.Time { return env.now }})
			require.NoError(t, err)
			_, err = narrow.Verify(ctx, pres, testExpect)
			require.True(t, errors.Is(err, jose.ErrAlgorithmNotAllowed), "narrowed KB algorithms: %v", err)
		})
	}
}
