package presentation_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/jose"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/presentation"
	"github.com/ocmw/wstack/sdjwt"
	"github.com/ocmw/wstack/sdjwt/vc"
	"github.com/ocmw/wstack/vocab"
)

func viewSigner(t *testing.T, e *local.Engine, id string, kt crypto.KeyType) *jose.KeySigner {
	t.Helper()
	ctx := context.Background()
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: "t", Group: "g"}, ID: id}
	_, err := e.GenerateKey(ctx, ref, crypto.KeySpec{Type: kt})
	require.NoError(t, err)
	s, err := jose.NewKeySigner(ctx, e, ref, "")
	require.NoError(t, err)
	return s
}

// TestViewHandlerThroughValidator wires SD-JWT VC into the credential view:
// issue → parse and verify through presentation.Validator → present through
// presentation.RequestPresenter → verify the SD-JWT+KB presentation, and check that
// SD-JWT failures surface as the view's check errors.
func TestViewHandlerThroughValidator(t *testing.T) {
	ctx := context.Background()
	e, err := local.New(local.Options{})
	require.NoError(t, err)
	issuer := viewSigner(t, e, "issuer", crypto.KeyTypeECP256)
	holder := viewSigner(t, e, "holder", crypto.KeyTypeEd25519)
	holderJWK, err := holder.JWK()
	require.NoError(t, err)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	issue := func(exp time.Time) string {
		sd, err := vc.Issue(ctx, issuer, map[string]any{
			"iss": "https://issuer.example.com", "vct": "https://credentials.example.com/employee",
			"iat": now.Add(-time.Hour).Unix(), "exp": exp.Unix(),
			"given_name": "Alice", "role": "engineer", "address": map[string]any{"locality": "Berlin"},
		}, sdjwt.IssueOptions{
			Disclosable: []vocab.ClaimPath{{"given_name"}, {"role"}, {"address", "locality"}},
			HolderJWK:   holderJWK,
		})
		require.NoError(t, err)
		return sd.String()
	}
	ver, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{
		Algorithms: []crypto.Algorithm{crypto.ES256}, KBAlgorithms: []crypto.Algorithm{crypto.EdDSA},
		Key: issuer.Public(), Now: clock,
	}})
	require.NoError(t, err)
	handler := &presentation.SDJWTVCHandler{Verifier: ver}
	v := presentation.NewValidator(presentation.ValidatorConfig{
		Parser: presentation.NewParser(presentation.ParserConfig{SDJWT: handler}),
		Trust:  presentation.TrustedIssuers{"https://issuer.example.com"},
		Now:    clock,
	})

	held, err := v.Verify(ctx, vocab.FormatSDJWTVC, issue(now.Add(24*time.Hour)))
	require.NoError(t, err)
	require.Equal(t, "https://credentials.example.com/employee", held.VCT)
	require.Len(t, held.Disclosable, 3)

	b := presentation.Binding{Nonce: "n-0S6_WzA2Mj", Audience: "x509_san_dns:verifier.example.org"}
	pr := &presentation.RequestPresenter{Binding: b, SDJWT: &presentation.SDJWTVCPresenter{Signer: holder, Now: clock}, Now: clock}
	pres, err := pr.Present(ctx, vocab.FormatSDJWTVC, []*presentation.Credential{held}, [][]vocab.ClaimPath{{{"address", "locality"}}})
	require.NoError(t, err)
	got, err := v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, pres, presentation.PresentationOptions{Nonce: b.Nonce, Audience: b.Audience})
	require.NoError(t, err)
	claims := got.Credentials[0].Claims
	require.Equal(t, map[string]any{"locality": "Berlin"}, claims["address"])
	require.NotContains(t, claims, "given_name")

	// Replay to another verifier: holder binding failure, not a signature failure.
	_, err = v.VerifyPresentation(ctx, vocab.FormatSDJWTVC, pres, presentation.PresentationOptions{Nonce: b.Nonce, Audience: "x509_san_dns:other.example.org"})
	require.ErrorIs(t, err, presentation.ErrHolderBinding)
	require.NotErrorIs(t, err, presentation.ErrSignature)
	// An expired credential is reported as expired.
	_, err = v.Verify(ctx, vocab.FormatSDJWTVC, issue(now.Add(-time.Minute*5)))
	require.ErrorIs(t, err, presentation.ErrExpired)
	// A credential from another key is a signature failure.
	other := viewSigner(t, e, "other", crypto.KeyTypeECP256)
	forged, err := vc.Issue(ctx, other, map[string]any{"iss": "https://issuer.example.com", "vct": "x", "exp": now.Add(time.Hour).Unix()}, sdjwt.IssueOptions{HolderJWK: holderJWK})
	require.NoError(t, err)
	_, err = v.Verify(ctx, vocab.FormatSDJWTVC, forged.String())
	require.ErrorIs(t, err, presentation.ErrSignature)
}

// Through SDJWTVCHandler the status is the Validator's to check: a Verifier
// without a StatusChecker does not fail the credential itself, and the
// Validator fails it without a checker (ErrStatusUnavailable) or reports its
// checker's verdict.
func TestSDJWTVCHandlerLeavesStatusToValidator(t *testing.T) {
	ctx := context.Background()
	e, err := local.New(local.Options{})
	require.NoError(t, err)
	issuer := viewSigner(t, e, "issuer", crypto.KeyTypeECP256)
	now := time.Unix(1_800_000_000, 0)
	sd, err := vc.Issue(ctx, issuer, map[string]any{
		"iss": "https://issuer.example.com", "vct": "https://credentials.example.com/x", "iat": now.Unix(),
		"status": map[string]any{"status_list": map[string]any{"idx": 3, "uri": "https://issuer.example.com/status/1"}},
	}, sdjwt.IssueOptions{})
	require.NoError(t, err)
	ver, err := vc.NewVerifier(vc.Config{SDJWT: sdjwt.Config{Algorithms: []crypto.Algorithm{crypto.ES256}, Key: issuer.Public(),
		Now: func() time.Time { return now }}})
	require.NoError(t, err)
	validator := func(s vocab.StatusChecker) *presentation.Validator {
		return presentation.NewValidator(presentation.ValidatorConfig{
			Parser: presentation.NewParser(presentation.ParserConfig{SDJWT: &presentation.SDJWTVCHandler{Verifier: ver}}),
			Status: s, Trust: presentation.TrustedIssuers{"https://issuer.example.com"},
			Now: func() time.Time { return now },
		})
	}
	_, err = validator(nil).Verify(ctx, vocab.FormatSDJWTVC, sd.String())
	require.ErrorIs(t, err, presentation.ErrStatusUnavailable)
	revoked := vocab.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
		return vocab.StatusResult{Value: 1}, nil
	})
	_, err = validator(revoked).Verify(ctx, vocab.FormatSDJWTVC, sd.String())
	require.ErrorIs(t, err, presentation.ErrRevoked)
	require.NotErrorIs(t, err, presentation.ErrStatusUnavailable)
	valid := vocab.StatusCheckerFunc(func(context.Context, vocab.StatusReference) (vocab.StatusResult, error) {
		return vocab.StatusResult{}, nil
	})
	_, err = validator(valid).Verify(ctx, vocab.FormatSDJWTVC, sd.String())
	require.NoError(t, err)
}
