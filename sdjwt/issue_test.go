package sdjwt

import (
	"context"
	gocrypto "crypto"
	"encoding/base64"
	"log/slog"
	"sort"
	"strings"
	"testing"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

func TestIssueOptions(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	claims, frame := nestedClaims()

	t.Run("hash_algorithms", func(t *testing.T) {
		for _, alg := range []HashAlg{SHA256, SHA384, SHA512} {
			sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, HolderJWK: env.holderJWK, HashAlg: alg})
			require.NoError(t, err)
			p := decodeJWTPayload(t, sd.JWT)
			require.Equal(t, string(alg), p["_sd_alg"])
			for _, d := range p["_sd"].([]any) {
				b, err := base64.RawURLEncoding.DecodeString(d.(string))
				require.NoError(t, err)
				require.Len(t, b, alg.size())
			}
			pres, err := sd.Present(ctx, []vocab.ClaimPath{{"address", "locality"}}, env.kb())
			require.NoError(t, err)
			res, err := env.verifier(t, KeyBindingRequired).Verify(ctx, pres, testExpect)
			require.NoError(t, err)
			require.Equal(t, alg, res.HashAlg)
		}
	})
	t.Run("sd_alg_absent_means_sha256", func(t *testing.T) {
		d := disc(`["salt-aaaaaaaaaaaaaaaaaa","a","x"]`)
		res, err := env.verifyNoKB(t, env.craft(t, `{"_sd":["`+dg(d)+`"]}`, d))
		require.NoError(t, err)
		require.Equal(t, "x", res.Claims["a"])
	})
	t.Run("salts_128_bits_and_unique", func(t *testing.T) {
		sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame})
		require.NoError(t, err)
		seen := map[string]bool{}
		for _, d := range sd.Disclosures {
			b, err := base64.RawURLEncoding.DecodeString(d.Salt)
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(b)*8, 128)
			require.False(t, seen[d.Salt])
			seen[d.Salt] = true
		}
	})
	t.Run("digests_sorted_with_decoys", func(t *testing.T) {
		sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, Decoys: 5})
		require.NoError(t, err)
		p := decodeJWTPayload(t, sd.JWT)
		var top []string
		for _, d := range p["_sd"].([]any) {
			top = append(top, d.(string))
		}
		require.True(t, sort.StringsAreSorted(top))
		require.Greater(t, len(top), 2) // given_name, address + ≥1 decoy
		require.Greater(t, len(p["nationalities"].([]any)), 2)
		// Decoys are ignored by the verifier.
		pr, err := sd.Process(Limits{})
		require.NoError(t, err)
		require.Equal(t, []any{"US", "DE"}, pr.Claims["nationalities"])
	})
	t.Run("cnf_kid_with_holder_key_resolver", func(t *testing.T) {
		sd, err := Issue(ctx, env.issuer, map[string]any{"a": 1}, IssueOptions{Typ: "example+sd-jwt", HolderKID: "did:example:holder#key-1"})
		require.NoError(t, err)
		require.Equal(t, map[string]any{"kid": "did:example:holder#key-1"}, decodeJWTPayload(t, sd.JWT)["cnf"])
		pres, err := sd.Present(ctx, nil, env.kb())
		require.NoError(t, err)
		v, err := NewVerifier(Config{Algorithms: env.verifier(t, KeyBindingRequired).cfg.Algorithms, Typ: []string{"example+sd-jwt"},
			Key: env.issuer.Public(), Now: env.verifier(t, KeyBindingRequired).cfg.Now,
			HolderKeyResolver: holderKeyFunc(func(cnf map[string]any) gocrypto.PublicKey {
				if cnf["kid"] == "did:example:holder#key-1" {
					return env.holder.Public()
				}
				return nil
			})})
		require.NoError(t, err)
		_, err = v.Verify(ctx, pres, testExpect)
		require.NoError(t, err)
		_, err = env.verifier(t, KeyBindingRequired).Verify(ctx, pres, testExpect)
		require.ErrorIs(t, err, ErrNoHolderKey)
	})
	t.Run("transaction_data_hashes", func(t *testing.T) {
		sd, err := Issue(ctx, env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame, HolderJWK: env.holderJWK})
		require.NoError(t, err)
		kb := env.kb()
		kb.TransactionDataHashes = []string{"fOBUSQvo46yQO-wRwXBcGqvnbKIueISEL961_Sjd4do"}
		kb.TransactionDataHashesAlg = "sha-256"
		pres, err := sd.Present(ctx, nil, kb)
		require.NoError(t, err)
		e := testExpect
		e.TransactionDataHashes = kb.TransactionDataHashes
		res, err := env.verifier(t, KeyBindingRequired).Verify(ctx, pres, e)
		require.NoError(t, err)
		require.Equal(t, "sha-256", res.KeyBinding["transaction_data_hashes_alg"])
	})
	bad := []struct {
		name string
		c    map[string]any
		o    IssueOptions
		want error
	}{
		{"typ_required", claims, IssueOptions{}, ErrOptions},
		{"unknown_hash", claims, IssueOptions{Typ: "x", HashAlg: "SHA-256"}, ErrHashAlgorithm},
		{"reserved_claim_sd", map[string]any{"_sd": []any{}}, IssueOptions{Typ: "x"}, ErrReservedName},
		{"reserved_claim_nested", map[string]any{"o": map[string]any{"...": 1}}, IssueOptions{Typ: "x"}, ErrReservedName},
		{"path_not_found", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"nope"}}}, ErrPathNotFound},
		{"index_not_found", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"nationalities", 7}}}, ErrPathNotFound},
		{"member_of_array", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"nationalities", "x"}}}, ErrPathNotFound},
		{"index_of_object", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"address", 0}}}, ErrPathNotFound},
		{"below_string", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"given_name", "x"}}}, ErrPathNotFound},
		{"one_of_several_missing", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"given_name"}, {"address", "nope"}, {"family_name"}}}, ErrPathNotFound},
		{"missing_before_reserved", map[string]any{"a": 1, "o": map[string]any{"_sd": 1}}, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"b"}}}, ErrPathNotFound},
		{"wildcard_over_empty", map[string]any{"a": []any{}}, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"a", nil}}}, ErrPathNotFound},
		{"wildcard_missing", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"nationalities", nil}, {"nope"}}}, ErrPathNotFound},
		{"empty_path", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{}}}, ErrOptions},
		{"negative_index", claims, IssueOptions{Typ: "x", Disclosable: []vocab.ClaimPath{{"nationalities", -1}}}, ErrOptions},
		{"jwk_and_kid", claims, IssueOptions{Typ: "x", HolderJWK: map[string]any{}, HolderKID: "k"}, ErrOptions},
		{"private_holder_jwk", claims, IssueOptions{Typ: "x", HolderJWK: map[string]any{"kty": "EC", "d": "x"}}, ErrOptions},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := Issue(ctx, env.issuer, c.c, c.o)
			require.ErrorIs(t, err, c.want)
		})
	}
}

type holderKeyFunc func(cnf map[string]any) gocrypto.PublicKey

func (f holderKeyFunc) ResolveHolderKey(_ context.Context, cnf map[string]any) (gocrypto.PublicKey, error) {
	return f(cnf), nil
}

func TestSelectErrors(t *testing.T) {
	env := newEnv(t)
	claims, frame := nestedClaims()
	sd, err := Issue(context.Background(), env.issuer, claims, IssueOptions{Typ: "example+sd-jwt", Disclosable: frame})
	require.NoError(t, err)
	_, err = sd.Select(Limits{}, vocab.ClaimPath{"missing"})
	require.ErrorIs(t, err, ErrPathNotFound)
	// Wildcards select every element; a plaintext claim needs no disclosure.
	sel, err := sd.Select(Limits{}, vocab.ClaimPath{"nationalities", nil}, vocab.ClaimPath{"sub"})
	require.NoError(t, err)
	require.Len(t, sel.Disclosures, 2)
	// Selecting a container selects everything below it.
	sel, err = sd.Select(Limits{}, vocab.ClaimPath{"address"})
	require.NoError(t, err)
	require.Len(t, sel.Disclosures, 3)
	// Present refuses an SD-JWT+KB.
	withKB, err := sel.AddKeyBinding(context.Background(), *env.kb())
	require.NoError(t, err)
	_, err = withKB.Present(context.Background(), nil, nil)
	require.ErrorIs(t, err, ErrUnexpectedKeyBinding)
}

func TestVerifierLogsNoSecrets(t *testing.T) {
	env := newEnv(t)
	var buf strings.Builder
	v, err := NewVerifier(Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"example+sd-jwt"}, Key: env.issuer.Public(),
		KeyBinding: KeyBindingOptional, Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	d := disc(`["salt-secret-secret-sec","secret_claim_name","secret value"]`)
	pres := env.craft(t, `{"secret_claim_name":"x","_sd":["`+dg(d)+`"]}`, d)
	_, err = v.Verify(context.Background(), pres, Expect{})
	require.ErrorIs(t, err, ErrClaimCollision)
	require.Contains(t, buf.String(), "claim name collision")
	require.NotContains(t, buf.String(), "secret")
}

// A specific index and the wildcard of the same array combine.
func TestIssueWildcardAndIndexFrames(t *testing.T) {
	env := newEnv(t)
	claims := map[string]any{"arr": []any{map[string]any{"x": 1.0, "y": 2.0}, map[string]any{"x": 3.0, "y": 4.0}}}
	sd, err := Issue(context.Background(), env.issuer, claims, IssueOptions{Typ: "example+sd-jwt",
		Disclosable: []vocab.ClaimPath{{"arr", nil, "x"}, {"arr", 0, "y"}}})
	require.NoError(t, err)
	pr, err := sd.Process(Limits{})
	require.NoError(t, err)
	require.ElementsMatch(t, []vocab.ClaimPath{{"arr", 0, "x"}, {"arr", 0, "y"}, {"arr", 1, "x"}}, pr.Paths)
	require.Equal(t, claims, pr.Claims)
}

func TestNewVerifierOptions(t *testing.T) {
	env := newEnv(t)
	for name, c := range map[string]Config{
		"no_algorithms":  {Typ: []string{"x"}, Key: env.issuer.Public()},
		"hs256":          {Algorithms: []crypto.Algorithm{"HS256"}, Typ: []string{"x"}, Key: env.issuer.Public()},
		"none":           {Algorithms: []crypto.Algorithm{"none"}, Typ: []string{"x"}, Key: env.issuer.Public()},
		"no_typ":         {Algorithms: []crypto.Algorithm{crypto.ES256}, Key: env.issuer.Public()},
		"kb_typ":         {Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"KB+JWT"}, Key: env.issuer.Public()},
		"no_key":         {Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"x"}},
		"unknown_policy": {Algorithms: []crypto.Algorithm{crypto.ES256}, Typ: []string{"x"}, Key: env.issuer.Public(), KeyBinding: 7},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewVerifier(c)
			require.ErrorIs(t, err, ErrOptions)
		})
	}
}
