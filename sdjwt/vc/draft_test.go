package vc

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/vocab"
)

// SD-JWT VC draft examples/01: the identity credential, issued with
// typ dc+sd-jwt and kid doc-signer-05-25-2022, presented with address and
// is_over_65 and key binding.
func TestDraftExample01(t *testing.T) {
	ctx := context.Background()
	issuer := newKeySigner(t, "doc-signer-05-25-2022")
	holder := newKeySigner(t, "")
	claims := map[string]any{
		"iss": "https://example.com/issuer", "iat": float64(1_700_000_000), "exp": float64(1_900_000_000),
		"vct":        "https://credentials.example.com/identity_credential",
		"given_name": "John", "family_name": "Doe", "email": "johndoe@example.com", "phone_number": "+1-202-555-0101",
		"address":   map[string]any{"street_address": "123 Main St", "locality": "Anytown", "region": "Anystate", "country": "US"},
		"birthdate": "1940-01-01", "is_over_18": true, "is_over_21": true, "is_over_65": true,
	}
	var paths []vocab.ClaimPath
	for _, n := range []string{"given_name", "family_name", "email", "phone_number", "address", "birthdate", "is_over_18", "is_over_21", "is_over_65"} {
		paths = append(paths, vocab.ClaimPath{n})
	}
	sd, err := sdjwt.Issue(ctx, issuer, claims, sdjwt.IssueOptions{Typ: Typ, Disclosable: paths, HolderJWK: holder.jwk(t)})
	require.NoError(t, err)
	pres, err := sd.Present(ctx, []vocab.ClaimPath{{"address"}, {"is_over_65"}}, kb(holder))
	require.NoError(t, err)
	v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: &issuer.k.PublicKey,
		Now: func() time.Time { return now }}, SkipStatusCheck: true})
	require.NoError(t, err)
	res, err := v.Verify(ctx, pres, expect)
	require.NoError(t, err)
	require.Equal(t, "doc-signer-05-25-2022", res.Header.Kid)
	require.Equal(t, map[string]any{
		"iss": "https://example.com/issuer", "iat": float64(1_700_000_000), "exp": float64(1_900_000_000),
		"vct":        "https://credentials.example.com/identity_credential",
		"address":    map[string]any{"street_address": "123 Main St", "locality": "Anytown", "region": "Anystate", "country": "US"},
		"is_over_65": true,
		"cnf":        map[string]any{"jwk": holder.jwk(t)},
	}, res.Claims)
}

// The draft's type metadata example parses; claim metadata sd rules apply
// to a credential shaped like it.
func TestDraftTypeMetadataExample(t *testing.T) {
	b, err := os.ReadFile("testdata/typemetadata_example.json")
	require.NoError(t, err)
	md, err := ParseTypeMetadata(b)
	require.NoError(t, err)
	require.Equal(t, "https://betelgeuse.example.com/education_credential", md.VCT)
	require.Equal(t, "https://galaxy.example.com/galactic-education-credential-0.9", md.Extends)
	require.Len(t, md.Claims, 4)
	require.Equal(t, vocab.ClaimPath{"degrees", nil}, md.Claims[3].Path)
	require.Equal(t, SDAlways, md.Claims[1].SD)

	claims := map[string]any{"name": "Arthur Dent", "address": map[string]any{"street_address": "42 Market Street"}, "degrees": []any{"BSc"}}
	okPaths := []vocab.ClaimPath{{"address"}, {"address", "street_address"}, {"degrees", 0}}
	require.NoError(t, md.CheckClaims(claims, okPaths, true))
	require.ErrorIs(t, md.CheckClaims(claims, []vocab.ClaimPath{{"address"}}, true), ErrClaimMetadata)
	// The extended type is not reachable offline: resolving fails cleanly.
	_, err = (&TypeMetadataResolver{Registry: map[string][]byte{md.VCT: b}}).Resolve(context.Background(), md.VCT, "")
	require.ErrorIs(t, err, ErrTypeMetadata)
}

// RFC 9901 Appendix A.3: an SD-JWT VC (dc+sd-jwt) issued and presented with
// key binding verifies under the profile with the Appendix A.5 key.
func TestRFC9901_AppendixA3_SDJWTVC(t *testing.T) {
	ctx := context.Background()
	kb, err := os.ReadFile("testdata/rfc9901_issuer_key.json")
	require.NoError(t, err)
	key, err := crypto.ParsePublicJWK(kb)
	require.NoError(t, err)
	v, err := NewVerifier(Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: key,
		Now: func() time.Time { return time.Unix(1737118540, 0) }}})
	require.NoError(t, err)
	read := func(n string) string {
		b, err := os.ReadFile("testdata/" + n)
		require.NoError(t, err)
		return strings.TrimSpace(string(b))
	}
	issued, err := v.VerifyIssued(ctx, read("rfc9901_A3_issued.txt"))
	require.NoError(t, err)
	require.Equal(t, "https://bmi.bund.example/credential/pid/1.0", issued.VCT)
	require.Equal(t, map[string]any{"locality": "Berlin", "country": "DE"}, issued.Claims["place_of_birth"])
	require.Equal(t, "Heidestraße 17", issued.Claims["address"].(map[string]any)["street_address"])
	require.Len(t, issued.Disclosed, 21)

	res, err := v.Verify(ctx, read("rfc9901_A3_presentation.txt"), sdjwt.Expect{Nonce: "1234567890", Audience: "https://verifier.example.org"})
	require.NoError(t, err)
	require.Equal(t, "FN5RS6SC87oX9SR-uO0nFvUjDvSLqzhU0i6FbLzl33E", res.KeyBinding["sd_hash"])
	require.Equal(t, map[string]any{
		"iss": "https://issuer.example.com", "iat": float64(1683000000), "exp": float64(1883000000),
		"vct":               "https://bmi.bund.example/credential/pid/1.0",
		"age_equal_or_over": map[string]any{"18": true},
		"cnf": map[string]any{"jwk": map[string]any{"kty": "EC", "crv": "P-256",
			"x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc", "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"}},
		"nationalities": []any{"DE"},
	}, res.Claims)

	// The holder's credential view of the issued form.
	sd, err := sdjwt.Parse(read("rfc9901_A3_issued.txt"), sdjwt.Limits{})
	require.NoError(t, err)
	pr, err := sd.Process(sdjwt.Limits{})
	require.NoError(t, err)
	require.Contains(t, pr.Paths, vocab.ClaimPath{"age_equal_or_over", "18"})
	require.Contains(t, pr.Paths, vocab.ClaimPath{"place_of_birth", "locality"})
	require.Equal(t, "https://issuer.example.com", pr.Claims["iss"])
}
