package presentation_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/presentation/w3c"
	"github.com/ocmw/wstack/vocab"
)

func TestParseJWTVC(t *testing.T) {
	w := newWorld(t)
	tok := w.jwtVC(t, w.credential(w.holder.DID, 7), w3c.SignOptions{Claims: map[string]any{"cnf": map[string]any{"jwk": w.holder.JWK()}}})
	c, err := presentation.Parse(context.Background(), vocab.FormatJWTVCJSON, tok)
	require.NoError(t, err)
	require.Equal(t, vocab.FormatJWTVCJSON, c.Format)
	require.Equal(t, tok, c.Raw)
	require.Equal(t, w.issuer.DID, c.Issuer)
	require.Equal(t, w.holder.DID, c.Subject)
	require.Equal(t, w.holder.DID, c.HolderID)
	require.Equal(t, []string{"VerifiableCredential", "EmployeeCredential"}, c.Types)
	require.Equal(t, "urn:uuid:c0ffee00-0000-4000-8000-000000000007", c.ID)
	require.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), c.ValidFrom.UTC())
	require.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), c.ValidUntil.UTC())
	require.Equal(t, now.Unix(), c.IssuedAt.Unix())
	require.Equal(t, w.holder.JWK(), c.HolderJWK)
	require.Len(t, c.Status, 1)
	require.Equal(t, vocab.StatusReference{
		Type: "StatusList2021Entry", URI: statusLC, Index: 7, Purpose: "revocation", Size: 1,
		Raw: c.Status[0].Raw,
	}, c.Status[0])
	// Claims is the JWT claims set; Document the credential, where DCQL
	// paths start (OpenID4VP 1.0 §B.3.1).
	require.Contains(t, c.Claims, "vc")
	require.Equal(t, "engineer", c.Document["credentialSubject"].(map[string]any)["role"])
	// The DIF name of the format parses the same.
	c2, err := presentation.Parse(context.Background(), vocab.FormatDIFJWTVC, tok)
	require.NoError(t, err)
	require.Equal(t, c.Issuer, c2.Issuer)
}

func ldpDoc(w *world) map[string]any {
	return map[string]any{
		"@context":          []any{w3c.ContextV2},
		"id":                "urn:uuid:1",
		"type":              []any{"VerifiableCredential", "ExampleCredential"},
		"issuer":            map[string]any{"id": w.issuer.DID, "name": "Issuer"},
		"validFrom":         "2026-01-01T00:00:00Z",
		"validUntil":        "2027-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": w.holder.DID, "name": "Alice"},
		"credentialStatus": map[string]any{
			"type": "BitstringStatusListEntry", "statusPurpose": "suspension",
			"statusListIndex": "42", "statusListCredential": statusLC,
		},
		"proof": map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z"},
	}
}

func TestParseLDPVC(t *testing.T) {
	w := newWorld(t)
	doc := ldpDoc(w)
	b, _ := json.Marshal(doc)
	for name, raw := range map[string]any{"map": doc, "bytes": b, "string": string(b), "raw": json.RawMessage(b)} {
		t.Run(name, func(t *testing.T) {
			c, err := presentation.Parse(context.Background(), vocab.FormatLDPVC, raw)
			require.NoError(t, err)
			require.Equal(t, w.issuer.DID, c.Issuer)
			require.Equal(t, w.holder.DID, c.Subject)
			require.Equal(t, []string{"VerifiableCredential", "ExampleCredential"}, c.Types)
			require.Equal(t, c.Document, c.Claims)
			require.Equal(t, "Alice", c.Document["credentialSubject"].(map[string]any)["name"])
			require.Equal(t, 2026, c.ValidFrom.Year())
			require.Equal(t, 2027, c.ValidUntil.Year())
			require.Equal(t, []vocab.StatusReference{{
				Type: "BitstringStatusListEntry", URI: statusLC, Index: 42, Purpose: "suspension", Size: 1, Raw: c.Status[0].Raw,
			}}, c.Status)
		})
	}
}

func TestParseSDJWT(t *testing.T) {
	w := newWorld(t)
	raw := w.sdjwtVC(t, now.Add(time.Hour), 3)
	p := presentation.NewParser(presentation.ParserConfig{SDJWT: &sdjwtHandler{w: w}})
	c, err := p.Parse(context.Background(), vocab.FormatSDJWTVC, raw)
	require.NoError(t, err)
	require.Equal(t, "https://credentials.example.com/identity_credential", c.VCT)
	require.Equal(t, w.issuer.DID, c.Issuer)
	require.Equal(t, "Alice", c.Claims["given_name"])
	require.Equal(t, "Berlin", c.Claims["address"].(map[string]any)["locality"])
	require.ElementsMatch(t, []vocab.ClaimPath{{"given_name"}, {"family_name"}, {"address", "locality"}}, c.Disclosable)
	require.Equal(t, w.holder.JWK(), c.HolderJWK)
	require.Equal(t, []vocab.StatusReference{{Type: "status_list", URI: "https://issuer.example.com/statuslists/1", Index: 3, Raw: c.Status[0].Raw}}, c.Status)
	require.Equal(t, now.Add(time.Hour).Unix(), c.ValidUntil.Unix())
	require.Nil(t, c.Document)

	// The package-level Parse reads dc+sd-jwt too (issue #11); the legacy
	// name stays unsupported unless allowed.
	pc, err := presentation.Parse(context.Background(), vocab.FormatSDJWTVC, raw)
	require.NoError(t, err)
	require.Equal(t, c.Claims, pc.Claims)
	require.ElementsMatch(t, c.Disclosable, pc.Disclosable)
	_, err = presentation.Parse(context.Background(), vocab.FormatSDJWTVCLegacy, raw)
	require.ErrorIs(t, err, presentation.ErrUnsupportedFormat)
	_, err = p.Parse(context.Background(), vocab.FormatSDJWTVCLegacy, raw)
	require.ErrorIs(t, err, presentation.ErrUnsupportedFormat)
}

type mdocDecoder struct{}

func (mdocDecoder) Decode(_ context.Context, raw any) (*presentation.Credential, error) {
	return &presentation.Credential{Format: vocab.FormatMsoMdoc, DocType: "org.iso.18013.5.1.mDL", Raw: raw.(string)}, nil
}

func TestParseRegisteredDecoder(t *testing.T) {
	_, err := presentation.Parse(context.Background(), vocab.FormatMsoMdoc, "o2d2ZXJzaW9u")
	require.ErrorIs(t, err, presentation.ErrUnsupportedFormat)
	p := presentation.NewParser(presentation.ParserConfig{Decoders: map[vocab.Format]presentation.Decoder{vocab.FormatMsoMdoc: mdocDecoder{}}})
	c, err := p.Parse(context.Background(), vocab.FormatMsoMdoc, "o2d2ZXJzaW9u")
	require.NoError(t, err)
	require.Equal(t, "org.iso.18013.5.1.mDL", c.DocType)
}

func TestParseBadInputs(t *testing.T) {
	w := newWorld(t)
	tok := w.jwtVC(t, w.credential(w.holder.DID, 1), w3c.SignOptions{})
	parts := strings.Split(tok, ".")
	deep := strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64)
	deepMap := map[string]any{}
	cur := deepMap
	for range 64 {
		n := map[string]any{}
		cur["a"] = n
		cur = n
	}
	noProof := ldpDoc(w)
	delete(noProof, "proof")
	cases := []struct {
		name   string
		format vocab.Format
		raw    any
		want   error
	}{
		{"row1_alg_none", vocab.FormatJWTVCJSON, "eyJhbGciOiJub25lIn0." + parts[1] + ".", jose.ErrMalformed},
		{"row4_dots", vocab.FormatJWTVCJSON, strings.Repeat(".", 2<<20), presentation.ErrMalformed},
		{"row11_duplicate_member_ldp", vocab.FormatLDPVC, `{"@context":["https://www.w3.org/ns/credentials/v2"],"issuer":"did:example:a","issuer":"did:example:b"}`, presentation.ErrMalformed},
		{"row13_deep_ldp", vocab.FormatLDPVC, `{"credentialSubject":` + deep + `}`, presentation.ErrMalformed},
		{"row13_deep_ldp_map", vocab.FormatLDPVC, deepMap, presentation.ErrMalformed},
		{"row15_vp_as_vc", vocab.FormatJWTVCJSON, func() string {
			s, _ := w3c.SignPresentationJWT(context.Background(), w.holder.Signer, &w3c.Presentation{Context: w3c.One[any](w3c.ContextV1), Type: w3c.One("VerifiablePresentation")}, w3c.PresentationSignOptions{Nonce: "n", Audience: "a"})
			return s
		}(), w3c.ErrJWTClaims},
		{"ldp_without_proof", vocab.FormatLDPVC, noProof, presentation.ErrMalformed},
		{"ldp_invalid_model", vocab.FormatLDPVC, `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiableCredential","issuer":"x","credentialSubject":{"a":1},"proof":{"type":"x"}}`, w3c.ErrIssuer},
		{"wrong_raw_type", vocab.FormatJWTVCJSON, 42, presentation.ErrMalformed},
		{"unknown_format", vocab.Format("jwt_vc_json-ld"), tok, presentation.ErrUnsupportedFormat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := presentation.Parse(context.Background(), tc.format, tc.raw)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestSDJWTViewBadClaims(t *testing.T) {
	w := newWorld(t)
	h := &fixedSDJWT{}
	p := presentation.NewParser(presentation.ParserConfig{SDJWT: h})
	cases := map[string]map[string]any{
		"no_vct":          {"iss": w.issuer.DID},
		"iss_number":      {"iss": 1, "vct": "x"},
		"status_list_uri": {"vct": "x", "status": map[string]any{"status_list": map[string]any{"idx": 1, "uri": "ftp://x"}}},
		"status_idx_neg":  {"vct": "x", "status": map[string]any{"status_list": map[string]any{"idx": -1, "uri": "https://x"}}},
		"status_idx_frac": {"vct": "x", "status": map[string]any{"status_list": map[string]any{"idx": 1.5, "uri": "https://x"}}},
		"exp_string":      {"vct": "x", "exp": "tomorrow"},
		"cnf_private_jwk": {"vct": "x", "cnf": map[string]any{"jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}}},
	}
	for name, claims := range cases {
		t.Run(name, func(t *testing.T) {
			h.claims = claims
			_, err := p.Parse(context.Background(), vocab.FormatSDJWTVC, "x~")
			require.ErrorIs(t, err, presentation.ErrMalformed)
		})
	}
}

type fixedSDJWT struct{ claims map[string]any }

func (f *fixedSDJWT) ParseSDJWT(context.Context, string) (*presentation.SDJWTView, error) {
	return &presentation.SDJWTView{Claims: f.claims}, nil
}

func (f *fixedSDJWT) VerifySDJWT(context.Context, string, presentation.Binding) (*presentation.SDJWTView, error) {
	return &presentation.SDJWTView{Claims: f.claims}, nil
}

func TestHolderIDOnlyForDIDSubjects(t *testing.T) {
	w := newWorld(t)
	for subject, want := range map[string]string{w.holder.DID: w.holder.DID, "urn:uuid:8c2f0b36-0d3e-4a55-a8a4-9e6f0cb1d7a1": ""} {
		c, err := presentation.Parse(context.Background(), vocab.FormatJWTVCJSON, w.jwtVC(t, w.credential(subject, 1), w3c.SignOptions{}))
		require.NoError(t, err)
		require.Equal(t, want, c.HolderID, subject)
	}
}
