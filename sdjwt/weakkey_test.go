package sdjwt

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/internal/testkeys"
	"github.com/stretchr/testify/require"
)

// kbForger produces the KB-JWT signature R = identity, S = 0 and records
// whether Go's crypto/ed25519 accepts it under key.
type kbForger struct {
	key      ed25519.PublicKey
	verified bool
}

func (f *kbForger) Algorithm() crypto.Algorithm { return crypto.EdDSA }
func (f *kbForger) KID() string                 { return "" }
func (f *kbForger) SignMessage(_ context.Context, msg []byte) ([]byte, error) {
	sig := testkeys.ForgedEd25519Signature()
	f.verified = ed25519.Verify(f.key, msg, sig)
	return sig, nil
}

// Issue #10 item 3 through SD-JWT key binding: a credential bound (cnf.jwk)
// to a small-order Ed25519 key, presented with a KB-JWT nobody signed. The
// standard library accepts the KB signature; the verifier must reject the
// holder key (ErrKeyBinding, ErrNoHolderKey and crypto.ErrWeakKey). Before
// the fix the presentation verified.
func TestKeyBindingSmallOrderEd25519(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	v, err := NewVerifier(Config{
		Algorithms:   []crypto.Algorithm{crypto.ES256},
		KBAlgorithms: []crypto.Algorithm{crypto.EdDSA},
		Typ:          []string{"example+sd-jwt"},
		Key:          env.issuer.Public(),
		KeyBinding:   KeyBindingRequired,
		Now:          func() time.Time { return env.now },
	})
	require.NoError(t, err)
	for _, k := range testkeys.SmallOrderEd25519 {
		t.Run(k.Name, func(t *testing.T) {
			cnf, _ := json.Marshal(map[string]any{"jwk": map[string]any{
				"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(k.Key)}})
			sd, err := Parse(env.craft(t, `{"sub":"victim","cnf":`+string(cnf)+`}`), Limits{})
			require.NoError(t, err)
			f := &kbForger{key: k.Key}
			var pres, nonce string
			for i := 0; i < 400 && !f.verified; i++ {
				nonce = fmt.Sprintf("n-%d", i)
				withKB, err := sd.AddKeyBinding(ctx, KeyBinding{Signer: f, Audience: testExpect.Audience, Nonce: nonce, Now: func() time.Time { return env.now }})
				require.NoError(t, err)
				pres = withKB.String()
			}
			require.True(t, f.verified, "no forgery found")
			_, err = v.Verify(ctx, pres, Expect{Audience: testExpect.Audience, Nonce: nonce})
			require.ErrorIs(t, err, ErrKeyBinding)
			require.ErrorIs(t, err, ErrNoHolderKey)
			require.ErrorIs(t, err, crypto.ErrWeakKey)
		})
	}
}
