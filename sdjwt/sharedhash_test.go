package sdjwt

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

// sharedHashInputs are presentations that exercise the shared hashing of
// issuer signature and sd_hash: valid ones (sha-256 and sha-384 _sd_alg,
// compact and JWS JSON) and ones with a broken issuer signature, sd_hash,
// disclosure or KB-JWT.
// It returns them with two verifiers of the issuer: one that shares the
// hashing and one that takes the general path.
func sharedHashInputs(t testing.TB) (inputs []string, fast, general *Verifier) {
	ctx := context.Background()
	env := newEnv(t)
	fast = env.verifier(t, KeyBindingOptional)
	general = env.verifier(t, KeyBindingOptional)
	general.generalHash = true
	claims, frame := nestedClaims()
	var out []string
	for _, alg := range []HashAlg{SHA256, SHA384, SHA512} {
		sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, HolderJWK: env.holderJWK, HashAlg: alg})
		require.NoError(t, err)
		p, err := sd.Present(ctx, []vocab.ClaimPath{{"given_name"}, {"address", "locality"}}, env.kb())
		require.NoError(t, err)
		out = append(out, p)
		parsed, err := Parse(p, Limits{})
		require.NoError(t, err)
		for _, enc := range []func() ([]byte, error){parsed.FlattenedJSON, parsed.GeneralJSON} {
			b, err := enc()
			require.NoError(t, err)
			out = append(out, string(b))
		}
		dot := strings.IndexByte(p, '.')
		tilde := strings.IndexByte(p, '~')
		last := strings.LastIndexByte(p, '~')
		flip := func(i int) string {
			c := p[i]
			if c == 'A' {
				c = 'B'
			} else {
				c = 'A'
			}
			return p[:i] + string(c) + p[i+1:]
		}
		out = append(out,
			flip(tilde-2),               // issuer signature
			flip(dot+5),                 // issuer payload
			flip(tilde+3),               // first disclosure (sd_hash and digest)
			flip(len(p)-3),              // KB-JWT signature
			p[:last+1],                  // KB-JWT stripped
			p[:tilde+1]+p[last+1:],      // disclosures dropped (sd_hash mismatch)
			sd.SDJWTString()+p[last+1:], // all disclosures, KB-JWT over fewer
			p[:tilde]+"~"+p[tilde:],     // empty disclosure
			strings.Replace(p, "~", "~~", 1),
		)
	}
	return out, fast, general
}

// checkSharedHash: Verify with the shared hashing and with the general
// path (issuer signature and sd_hash hashed separately) agree: the same
// error text, or the same result.
func checkSharedHash(t *testing.T, fast, general *Verifier, pres string) {
	t.Helper()
	ctx := context.Background()
	for _, e := range []Expect{testExpect, {}} {
		rf, errF := fast.Verify(ctx, pres, e)
		rg, errG := general.Verify(ctx, pres, e)
		if (errF == nil) != (errG == nil) || errF != nil && errF.Error() != errG.Error() {
			t.Fatalf("%q: shared hashing err %v, general err %v", pres, errF, errG)
		}
		if errF != nil {
			continue
		}
		if !cmp.Equal(rf.Claims, rg.Claims) || !cmp.Equal(rf.Disclosed, rg.Disclosed) || !cmp.Equal(rf.KeyBinding, rg.KeyBinding) {
			t.Fatalf("%q: results differ", pres)
		}
	}
}

func TestSharedHashMatchesGeneral(t *testing.T) {
	inputs, fast, general := sharedHashInputs(t)
	accepted := 0
	for _, p := range inputs {
		checkSharedHash(t, fast, general, p)
		if _, err := fast.Verify(context.Background(), p, testExpect); err == nil {
			accepted++
		}
	}
	// The valid compact and JWS JSON sha-256 presentations take the shared
	// path, the sha-384 ones not.
	for i, p := range inputs[:3] {
		_, sdh, err := fast.verifySDJWT(context.Background(), p)
		require.NoError(t, err)
		require.True(t, sdh.hasDigest, i)
		require.Equal(t, SHA256.Digest(sdh.s), b64.EncodeToString(sdh.digest[:]))
	}
	_, sdh, err := fast.verifySDJWT(context.Background(), inputs[len(inputs)/3])
	require.NoError(t, err)
	require.False(t, sdh.hasDigest)
	// Three hash algorithms, three serializations, and each without its
	// KB-JWT (the verifiers accept that: key binding optional).
	require.Equal(t, 12, accepted)
}

// FuzzSharedHash mutates presentations and compares the shared hashing of
// issuer signature and sd_hash with the general path.
func FuzzSharedHash(f *testing.F) {
	inputs, fast, general := sharedHashInputs(f)
	for _, p := range inputs {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, pres string) { checkSharedHash(t, fast, general, pres) })
}
