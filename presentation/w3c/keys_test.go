package w3c_test

import (
	"context"
	gocrypto "crypto"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/presentation/w3c/w3ctest"
)

func TestCachingDIDResolver(t *testing.T) {
	ctx := context.Background()
	iss, _ := newFixture(t)
	calls := 0
	fail := false
	base := w3c.DIDResolverFunc(func(ctx context.Context, vm, rel string) (gocrypto.PublicKey, error) {
		calls++
		if fail {
			return nil, errors.New("unreachable")
		}
		return w3ctest.ResolveDIDJWK(ctx, vm, rel)
	})
	t0 := now
	clk := func() time.Time { return t0 }
	r := w3c.NewCachingDIDResolver(base, time.Minute, clk, 2)
	for range 3 {
		_, err := r.ResolveVerificationMethod(ctx, iss.KID(), w3c.AssertionMethod)
		require.NoError(t, err)
	}
	require.Equal(t, 1, calls)
	// Another relationship is another entry.
	_, err := r.ResolveVerificationMethod(ctx, iss.KID(), w3c.Authentication)
	require.NoError(t, err)
	require.Equal(t, 2, calls)
	// Expiry.
	t0 = t0.Add(2 * time.Minute)
	_, err = r.ResolveVerificationMethod(ctx, iss.KID(), w3c.AssertionMethod)
	require.NoError(t, err)
	require.Equal(t, 3, calls)
	// Failures are not cached.
	fail = true
	_, err = r.ResolveVerificationMethod(ctx, "did:jwk:x#0", w3c.AssertionMethod)
	require.Error(t, err)
	_, err = r.ResolveVerificationMethod(ctx, "did:jwk:x#0", w3c.AssertionMethod)
	require.Error(t, err)
	require.Equal(t, 5, calls)
	// A full cache is cleared rather than growing.
	fail = false
	_, hol := newFixture(t)
	_, err = r.ResolveVerificationMethod(ctx, hol.KID(), w3c.AssertionMethod)
	require.NoError(t, err)
	_, err = r.ResolveVerificationMethod(ctx, iss.KID(), w3c.Authentication)
	require.NoError(t, err)
	require.Equal(t, 7, calls, "the cache was cleared when it reached 2 entries")
}

func TestDIDJWKHelper(t *testing.T) {
	ctx := context.Background()
	iss, _ := newFixture(t)
	did, err := w3ctest.DIDJWK(iss.Signer.Public())
	require.NoError(t, err)
	require.Equal(t, iss.DID, did)
	for _, vm := range []string{did, did + "#0"} {
		pub, err := w3ctest.ResolveDIDJWK(ctx, vm, w3c.AssertionMethod)
		require.NoError(t, err)
		require.True(t, pub.(interface{ Equal(gocrypto.PublicKey) bool }).Equal(iss.Signer.Public()))
	}
	for _, vm := range []string{did + "#1", "did:key:z6Mk", "did:jwk:", "did:jwk:!!"} {
		_, err := w3ctest.ResolveDIDJWK(ctx, vm, w3c.AssertionMethod)
		require.Error(t, err, vm)
	}
}

func TestUnmarshalJSON(t *testing.T) {
	var c w3c.Credential
	require.NoError(t, json.Unmarshal([]byte(`{"@context":"https://www.w3.org/ns/credentials/v2","type":"VerifiableCredential","issuer":"did:example:i","credentialSubject":{"a":1}}`), &c))
	require.Equal(t, w3c.V2, c.Version())
	require.NoError(t, c.Validate())
	require.Equal(t, 1, c.CredentialSubject.Len())
	out, err := json.Marshal(c)
	require.NoError(t, err)
	require.JSONEq(t, `{"@context":"https://www.w3.org/ns/credentials/v2","type":"VerifiableCredential","issuer":"did:example:i","credentialSubject":{"a":1}}`, string(out))
	require.ErrorIs(t, json.Unmarshal([]byte(`{"issuer":"a","issuer":"b"}`), &c), w3c.ErrMalformed)

	var p w3c.Presentation
	require.NoError(t, json.Unmarshal([]byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":"VerifiablePresentation","holder":{"id":"did:example:h","name":"H"}}`), &p))
	require.Equal(t, w3c.V1, p.Version())
	require.Equal(t, "did:example:h", p.Holder.ID)
	require.NoError(t, p.Validate())
	require.ErrorIs(t, json.Unmarshal([]byte(`[]`), &p), w3c.ErrMalformed)
	require.Equal(t, "VCDM 1.1", w3c.V1.String())
	require.Equal(t, "unknown", w3c.VersionUnknown.String())
}
