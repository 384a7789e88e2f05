package presentation_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/vocab"
)

func TestCredentialFromClaims(t *testing.T) {
	sd, err := presentation.CredentialFromClaims(vocab.FormatSDJWTVC, map[string]any{
		"iss": "https://issuer.example", "vct": "https://credentials.example.com/pid", "exp": float64(1_900_000_000),
		"status": map[string]any{"status_list": map[string]any{"idx": float64(7), "uri": "https://issuer.example/status/1"}},
		"cnf":    map[string]any{"jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
	})
	require.NoError(t, err)
	require.Equal(t, "https://issuer.example", sd.Issuer)
	require.Equal(t, "https://credentials.example.com/pid", sd.VCT)
	require.Equal(t, uint64(7), sd.Status[0].Index)
	require.NotNil(t, sd.HolderJWK)
	require.Equal(t, int64(1_900_000_000), sd.ValidUntil.Unix())

	w3, err := presentation.CredentialFromClaims(vocab.FormatLDPVC, map[string]any{
		"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": []any{"VerifiableCredential", "EmployeeCredential"},
		"issuer": "did:example:issuer", "validFrom": "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": "did:example:alice", "role": "engineer"},
	})
	require.NoError(t, err)
	require.Equal(t, "did:example:issuer", w3.Issuer)
	require.Equal(t, "did:example:alice", w3.HolderID)
	require.Contains(t, w3.Types, "EmployeeCredential")

	for name, c := range map[string]struct {
		f vocab.Format
		m map[string]any
	}{
		"sd-jwt iss not a string": {vocab.FormatSDJWTVC, map[string]any{"iss": 1}},
		"w3c without context":     {vocab.FormatJWTVCJSON, map[string]any{"type": []any{"VerifiableCredential"}}},
		"unknown format":          {vocab.Format("x"), map[string]any{}},
		"nil sd-jwt claims":       {vocab.FormatSDJWTVC, nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := presentation.CredentialFromClaims(c.f, c.m)
			require.Error(t, err)
		})
	}
	_, err = presentation.NewHolder(presentation.HolderConfig{})
	require.ErrorIs(t, err, presentation.ErrConfig)
}
