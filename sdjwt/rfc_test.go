package sdjwt

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	gocrypto "crypto"

	"github.com/google/go-cmp/cmp"
	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/vocab"
	"github.com/stretchr/testify/require"
)

func readVector(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc9901/" + name)
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

func rfcIssuerKey(t testing.TB) gocrypto.PublicKey {
	t.Helper()
	k, err := crypto.ParsePublicJWK([]byte(readVector(t, "issuer_key.json")))
	require.NoError(t, err)
	return k
}

func rfcVerifier(t testing.TB, policy KeyBindingPolicy, now int64) *Verifier {
	t.Helper()
	v, err := NewVerifier(Config{
		Algorithms: []crypto.Algorithm{crypto.ES256},
		Typ:        []string{"example+sd-jwt"},
		Key:        rfcIssuerKey(t),
		KeyBinding: policy,
		Now:        func() time.Time { return time.Unix(now, 0) },
	})
	require.NoError(t, err)
	return v
}

// RFC 9901 §5.2: the SD-JWT+KB verifies with the Appendix A.5 key and the
// cnf key, and the processed payload is exactly the one printed there.
func TestRFC9901_Section5_Presentation(t *testing.T) {
	v := rfcVerifier(t, KeyBindingRequired, 1737118540)
	res, err := v.Verify(context.Background(), readVector(t, "sec5_2_presentation.txt"),
		Expect{Nonce: "1234567890", Audience: "https://verifier.example.org"})
	require.NoError(t, err)
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(readVector(t, "sec5_2_processed.json")), &want))
	require.Empty(t, cmp.Diff(want, res.Claims))
	require.Equal(t, "M4JSyzhAKBs7sr-89q5CSucDJ-DiQuWzFFiaDnhnrNI", res.KeyBinding["sd_hash"])
}

// pythonJSON re-spaces compact JSON the way the RFC's example generator
// (Python json.dumps) does: ", " and ": " between tokens. It lets our issuer
// reproduce the RFC disclosures byte for byte.
func pythonJSON(v any) ([]byte, error) {
	b, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(b)/4)
	inStr, esc := false, false
	for _, c := range b {
		out = append(out, c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ',' || c == ':'):
			out = append(out, ' ')
		}
	}
	return out, nil
}

func fixedSalts(t testing.TB, byName map[string]string) saltFunc {
	return func(name string, value any) (string, error) {
		key := name
		if key == "" {
			key, _ = value.(string)
		}
		s, ok := byName[key]
		if !ok {
			t.Fatalf("no salt for %q", key)
		}
		return s, nil
	}
}

// RFC 9901 §4.2: disclosure digests, including alternative encodings that
// must each be hashed as given.
func TestRFC9901_DisclosureDigests(t *testing.T) {
	for _, c := range []struct{ raw, digest, name string }{
		{"WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0", "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0", "family_name"},
		{"WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0", "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs", ""},
		{"WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd", "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4", "given_name"},
	} {
		require.Equal(t, c.digest, SHA256.Digest(c.raw))
		d, err := ParseDisclosure(c.raw, Limits{})
		require.NoError(t, err)
		require.Equal(t, c.name, d.Name)
	}
	// The three encodings of the same claim in §4.2.1 all decode to Möbius.
	for _, raw := range []string{
		"WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNXHUwMGY2Yml1cyJd",
		"WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd",
		"WwoiXzI2YmM0TFQtYWM2cTJLSTZjQlc1ZXMiLAoiZmFtaWx5X25hbWUiLAoiTcO2Yml1cyIKXQ",
	} {
		d, err := ParseDisclosure(raw, Limits{})
		require.NoError(t, err)
		require.Equal(t, "Möbius", d.Value)
	}
	// Our encoder produces the §4.2.1 disclosure from its salt.
	d, err := newDisclosure("_26bc4LT-ac6q2KI6cBW5es", "family_name", false, "Möbius", pythonJSON)
	require.NoError(t, err)
	require.Equal(t, "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0", d.Raw)
}

func decodeJWTPayload(t testing.TB, jwt string) map[string]any {
	t.Helper()
	m, err := decodePayload(jwt, Limits{})
	require.NoError(t, err)
	return m
}

// RFC 9901 §5.1: issuing the example claims with the example salts gives
// byte-identical disclosures and the exact payload of the RFC.
func TestRFC9901_Section5_IssueByteExact(t *testing.T) {
	env := newEnv(t)
	claims := map[string]any{
		"iss": "https://issuer.example.com", "iat": 1683000000, "exp": 1883000000,
		"sub": "user_42", "given_name": "John", "family_name": "Doe",
		"email": "johndoe@example.com", "phone_number": "+1-202-555-0101",
		"phone_number_verified": true,
		"address":               json.RawMessage(`{"street_address": "123 Main St", "locality": "Anytown", "region": "Anystate", "country": "US"}`),
		"birthdate":             "1940-01-01", "updated_at": 1570000000,
		"nationalities": []any{"US", "DE"},
	}
	var cnf map[string]any
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(readVector(t, "sec5_1_payload.json")), &want))
	cnf = want["cnf"].(map[string]any)["jwk"].(map[string]any)
	sd, err := Issue(context.Background(), env.issuer, claims, IssueOptions{
		Typ: "example+sd-jwt",
		Disclosable: []vocab.ClaimPath{{"given_name"}, {"family_name"}, {"email"}, {"phone_number"},
			{"phone_number_verified"}, {"address"}, {"birthdate"}, {"updated_at"}, {"nationalities", nil}},
		HolderJWK: cnf,
		salt: fixedSalts(t, map[string]string{
			"given_name": "2GLC42sKQveCfGfryNRN9w", "family_name": "eluV5Og3gSNII8EYnsxA_A",
			"email": "6Ij7tM-a5iVPGboS5tmvVA", "phone_number": "eI8ZWm9QnKPpNPeNenHdhQ",
			"phone_number_verified": "Qg_O64zqAxe412a108iroA", "address": "AJx-095VPrpTtN4QMOqROA",
			"birthdate": "Pc33JM2LchcU_lHggv_ufQ", "updated_at": "G02NSrQfjFXQ7Io09syajA",
			"US": "lklxF5jMYlGTPUovMNIvCA", "DE": "nPuoQnkRFq3BIeAm7AnXFA",
		}),
		encode: pythonJSON,
	})
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(want, decodeJWTPayload(t, sd.JWT)))
	// Every disclosure string is one of the RFC's, byte for byte.
	rfc, err := Parse(readVector(t, "sec5_1_issuance.txt"), Limits{})
	require.NoError(t, err)
	var wantRaw, gotRaw []string
	for _, d := range rfc.Disclosures {
		wantRaw = append(wantRaw, d.Raw)
	}
	for _, d := range sd.Disclosures {
		gotRaw = append(gotRaw, d.Raw)
	}
	require.ElementsMatch(t, wantRaw, gotRaw)
}

// RFC 9901 §6.2 and §6.3: structured and recursive address disclosures.
func TestRFC9901_Section6_StructuredAndRecursive(t *testing.T) {
	env := newEnv(t)
	salts := map[string]string{
		"street_address": "2GLC42sKQveCfGfryNRN9w", "locality": "eluV5Og3gSNII8EYnsxA_A",
		"region": "6Ij7tM-a5iVPGboS5tmvVA", "country": "eI8ZWm9QnKPpNPeNenHdhQ",
		"address": "Qg_O64zqAxe412a108iroA",
	}
	claims := func() map[string]any {
		return map[string]any{
			"iss": "https://issuer.example.com", "iat": 1683000000, "exp": 1883000000,
			"sub": "6c5c0a49-b589-431d-bae7-219122a9ec2c",
			"address": map[string]any{"street_address": "Schulstr. 12", "locality": "Schulpforta",
				"region": "Sachsen-Anhalt", "country": "DE"},
		}
	}
	members := []vocab.ClaimPath{{"address", "street_address"}, {"address", "locality"}, {"address", "region"}, {"address", "country"}}
	wantMembers := []any{"6vh9bq-zS4GKM_7GpggVbYzzu6oOGXrmNVGPHP75Ud0", "9gjVuXtdFROCgRrtNcGUXmF65rdezi_6Er_j76kmYyM",
		"KURDPh4ZC19-3tiz-Df39V8eidy1oV3a3H1Da2N0g88", "WN9r9dCBJ8HTCsS2jKASxTjEyW5m5x65_Z_2ro2jfXM"}

	// §6.2 structured.
	sd, err := Issue(context.Background(), env.issuer, claims(), IssueOptions{Typ: "example+sd-jwt", Disclosable: members, salt: fixedSalts(t, salts), encode: pythonJSON})
	require.NoError(t, err)
	p := decodeJWTPayload(t, sd.JWT)
	require.Equal(t, map[string]any{"_sd": wantMembers}, p["address"])

	// §6.3 recursive.
	sd, err = Issue(context.Background(), env.issuer, claims(), IssueOptions{Typ: "example+sd-jwt",
		Disclosable: append([]vocab.ClaimPath{{"address"}}, members...), salt: fixedSalts(t, salts), encode: pythonJSON})
	require.NoError(t, err)
	p = decodeJWTPayload(t, sd.JWT)
	require.Equal(t, []any{"HvrKX6fPV0v9K_yCVFBiLFHsMaxcD_114Em6VT8x1lg"}, p["_sd"])
	require.NotContains(t, p, "address")
	var raws []string
	for _, d := range sd.Disclosures {
		raws = append(raws, d.Raw)
	}
	require.Contains(t, raws, "WyJRZ19PNjR6cUF4ZTQxMmExMDhpcm9BIiwgImFkZHJlc3MiLCB7Il9zZCI6IFsiNnZoOWJxLXpTNEdLTV83R3BnZ1ZiWXp6dTZvT0dYcm1OVkdQSFA3NVVkMCIsICI5Z2pWdVh0ZEZST0NnUnJ0TmNHVVhtRjY1cmRlemlfNkVyX2o3NmttWXlNIiwgIktVUkRQaDRaQzE5LTN0aXotRGYzOVY4ZWlkeTFvVjNhM0gxRGEyTjBnODgiLCAiV045cjlkQ0JKOEhUQ3NTMmpLQVN4VGpFeVc1bTV4NjVfWl8ycm8yamZYTSJdfV0")
	require.Contains(t, raws, "WyJlSThaV205UW5LUHBOUGVOZW5IZGhRIiwgImNvdW50cnkiLCAiREUiXQ")

	// The holder lists the five disclosable paths and can present one member.
	pr, err := sd.Process(Limits{})
	require.NoError(t, err)
	require.ElementsMatch(t, append([]vocab.ClaimPath{{"address"}}, members...), pr.Paths)
	sel, err := sd.Select(Limits{}, vocab.ClaimPath{"address", "region"})
	require.NoError(t, err)
	require.Len(t, sel.Disclosures, 2)
}

// RFC 9901 §5.1: the issued SD-JWT verifies at the holder and every
// disclosure maps to the documented claim.
func TestRFC9901_Section5_IssuedVerifiesAtHolder(t *testing.T) {
	v := rfcVerifier(t, KeyBindingRequired, 1737118540)
	res, err := v.VerifyIssued(context.Background(), readVector(t, "sec5_1_issuance.txt"))
	require.NoError(t, err)
	require.Equal(t, []any{"US", "DE"}, res.Claims["nationalities"])
	require.Len(t, res.Disclosed, 10)
	require.Contains(t, res.Disclosed, vocab.ClaimPath{"nationalities", 1})
	// An SD-JWT+KB handed to the holder is rejected (§7.2).
	_, err = v.VerifyIssued(context.Background(), readVector(t, "sec5_2_presentation.txt"))
	require.ErrorIs(t, err, ErrUnexpectedKeyBinding)
}

// RFC 9901 Appendix A.4: nested _sd arrays in credentialSubject.vaccine and
// .recipient; the presentation verifies to the printed payload.
func TestRFC9901_AppendixA4(t *testing.T) {
	v := rfcVerifier(t, KeyBindingRequired, 1737118540)
	res, err := v.Verify(context.Background(), readVector(t, "appA4_presentation.txt"),
		Expect{Nonce: "1234567890", Audience: "https://verifier.example.org"})
	require.NoError(t, err)
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(readVector(t, "appA4_processed.json")), &want))
	require.Empty(t, cmp.Diff(want, res.Claims))
	require.ElementsMatch(t, []vocab.ClaimPath{
		{"credentialSubject", "order"}, {"credentialSubject", "dateOfVaccination"},
		{"credentialSubject", "vaccine", "atcCode"}, {"credentialSubject", "vaccine", "medicinalProductName"},
	}, res.Disclosed)
}

// RFC 9901 Appendix A.1 (decoys) and A.2 (array element whose disclosed
// value carries _sd): the presentations without key binding verify to the
// printed payloads.
func TestRFC9901_AppendixA1A2(t *testing.T) {
	v := rfcVerifier(t, KeyBindingOptional, 1737118540)
	for _, name := range []string{"appA1", "appA2"} {
		t.Run(name, func(t *testing.T) {
			res, err := v.Verify(context.Background(), readVector(t, name+"_presentation.txt"), Expect{})
			require.NoError(t, err)
			var want map[string]any
			require.NoError(t, json.Unmarshal([]byte(readVector(t, name+"_processed.json")), &want))
			require.Empty(t, cmp.Diff(want, res.Claims))
		})
	}
	// A.1's decoy digests are in the payload and match no disclosure.
	p := decodeJWTPayload(t, strings.Split(readVector(t, "appA1_presentation.txt"), "~")[0])
	sd := p["address"].(map[string]any)["_sd"].([]any)
	require.Contains(t, sd, "AzLlFobkJ2xiaupREPyoJz-9-NSldB6Cgjr7fUyoHzg")
	// A.2 discloses evidence[0] and its method through the array element.
	res, err := v.Verify(context.Background(), readVector(t, "appA2_presentation.txt"), Expect{})
	require.NoError(t, err)
	require.Contains(t, res.Disclosed, vocab.ClaimPath{"verified_claims", "verification", "evidence", 0})
	require.Contains(t, res.Disclosed, vocab.ClaimPath{"verified_claims", "verification", "evidence", 0, "method"})
}
